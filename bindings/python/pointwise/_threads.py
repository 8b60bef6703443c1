"""Thread pools: pointwise.ThreadPool, which the caller creates, passes as
conv(x, threads=pool) and closes, and the implicit pool behind conv(x, threads=n).

The implicit cache keeps one pool, for the thread count used last: a call with
another count replaces it (the old pool is destroyed once no run uses it), so
conv(x, threads=n) for many different n never leaves more than one pool of workers.
"""

import atexit
import threading

from . import _ints
from ._handle import Handle
from .errors import OutOfMemoryError, Status


_lib = None  # the loaded library, set by bind() (a module attribute so tests can stand in front of it)
_cache_lock = threading.Lock()
_cached = None  # the implicit ThreadPool, or None
_cached_count = None  # the threads argument it was made for (0 stays 0, whatever it became)


class ThreadPool:
    """A pool of `threads` threads (the calling thread and threads-1 workers; 0: one
    per CPU) for conv(x, threads=pool). Close it, or use it as a context manager, to
    stop its workers; a run in flight on it keeps it alive until that run returns.
    OutOfMemoryError (a MemoryError) when the threads cannot be created."""

    def __init__(self, threads=0):
        count = _ints.size("threads", threads)
        pointer = _lib.pw_threadpool_create(count)
        if not pointer:
            raise OutOfMemoryError(Status.OUT_OF_MEMORY,
                                   "pw_threadpool_create(%d) failed: cannot create the threads" % count)
        self._handle = Handle(pointer, _lib.pw_threadpool_destroy, "ThreadPool")
        self.threads = _lib.pw_threadpool_threads(pointer)

    def close(self):
        """Stops the workers now, or when the last run using the pool returns."""
        self._handle.close()

    @property
    def closed(self):
        return self._handle.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce_ex__(self, protocol):
        raise TypeError("a ThreadPool cannot be copied or pickled: it owns its threads; create another")

    def __repr__(self):
        return "ThreadPool(threads=%d%s)" % (self.threads, ", closed" if self.closed else "")


def check(threads):
    """Raises for a `threads` argument that is neither None, a count nor a ThreadPool."""
    if threads is not None and not isinstance(threads, ThreadPool):
        _ints.size("threads", threads)


def acquire(threads):
    """(ThreadPool or None, the pw_threadpool* to pass) for a run; release() the pool after.
    threads: None or 1 runs on the calling thread, 0 one thread per CPU, n > 1 n threads."""
    global _cached, _cached_count
    if isinstance(threads, ThreadPool):
        return threads, threads._handle.acquire()
    count = None if threads is None else _ints.size("threads", threads)
    if count is None or count == 1:
        return None, None
    with _cache_lock:  # held until the pool is in use, so no other call can close it first
        if _cached_count != count:
            if _cached is not None:
                _cached.close()  # its workers stop once the runs still using it return
            _cached, _cached_count = None, None  # nothing stale cached if the creation below fails
            _cached, _cached_count = ThreadPool(count), count
        return _cached, _cached._handle.acquire()


def release(pool):
    if pool is not None:
        pool._handle.release()


def close_cached():
    global _cached, _cached_count
    with _cache_lock:
        if _cached is not None:
            _cached.close()
        _cached, _cached_count = None, None


def bind(lib):
    global _lib
    _lib = lib
    atexit.register(close_cached)
