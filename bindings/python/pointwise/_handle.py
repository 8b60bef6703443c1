"""A C object's pointer shared by the calls that use it and freed only after the last.

ctypes releases the GIL during a call, so another thread can close a Conv1x1 or a
ThreadPool while a run is still inside the library. close() therefore only marks the
handle closed; whoever finishes last (close itself, or the last call in flight)
frees it, and no call starts on a closed handle.
"""

import threading


class Handle:
    def __init__(self, pointer, destroy, owner):
        self._pointer = pointer
        self._destroy = destroy
        self._owner = owner  # the class name for "this ... is closed"
        self._lock = threading.Lock()
        self._users = 0
        self._closed = False

    @property
    def closed(self):
        return self._closed

    def acquire(self):
        """The pointer, kept alive until the matching release(); ValueError once closed."""
        with self._lock:
            if self._closed:
                raise ValueError("this %s is closed" % self._owner)
            self._users += 1
            return self._pointer

    def release(self):
        with self._lock:
            self._users -= 1
            last = self._closed and self._users == 0
        if last:
            self._free()

    def close(self):
        """Frees now when no call uses the pointer, else when the last one returns."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            unused = self._users == 0
        if unused:
            self._free()

    def _free(self):
        pointer, self._pointer = self._pointer, None
        self._destroy(pointer)

    def __del__(self):
        # Only reached once nothing refers to the owner, so no call can be in flight.
        if getattr(self, "_pointer", None) is not None and not self._closed:
            self._closed = True
            self._free()
