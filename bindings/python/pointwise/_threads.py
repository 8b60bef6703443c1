"""pw_threadpool objects shared by every Conv1x1.run, one per thread count, created on
first use and destroyed when the interpreter exits."""

import atexit
import threading

from . import _ints

_pools = {}
_lock = threading.Lock()


def check(threads):
    """Raises for a `threads` argument that is not None or a thread count."""
    if threads is not None:
        _ints.size("threads", threads)


def pool_for(lib, threads):
    """The pw_threadpool* to pass for `threads` (None or 1: the calling thread only)."""
    if threads is None:
        return None
    threads = _ints.size("threads", threads)  # 0: one per CPU
    if threads == 1:
        return None
    with _lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = lib.pw_threadpool_create(threads)
            if not pool:
                raise MemoryError("pw_threadpool_create(%d) failed" % threads)
            _pools[threads] = pool
        return pool


def destroy_all(lib):
    with _lock:
        for pool in _pools.values():
            lib.pw_threadpool_destroy(pool)
        _pools.clear()


def register_cleanup(lib):
    atexit.register(destroy_all, lib)
