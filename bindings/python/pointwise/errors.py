"""The exceptions a pointwise call raises, each carrying the library's pw_status.

    PointwiseError(RuntimeError)                       .status, .message
      InvalidArgumentError(PointwiseError, ValueError)  PW_ERROR_INVALID_ARGUMENT
      UnsupportedError(PointwiseError)                  PW_ERROR_UNSUPPORTED
      OutOfMemoryError(PointwiseError, MemoryError)     PW_ERROR_OUT_OF_MEMORY

Problems the binding sees before calling the library (an array of the wrong rank,
dtype or shape) raise plain ValueError or TypeError.
"""

import enum


class Status(enum.IntEnum):
    """pw_status."""
    OK = 0
    INVALID_ARGUMENT = 1
    UNSUPPORTED = 2
    OUT_OF_MEMORY = 3


class PointwiseError(RuntimeError):
    """A pointwise call failed; .status is its pw_status, .message pw_last_error()."""

    def __init__(self, status, message):
        try:
            status = Status(status)
        except ValueError:
            pass
        self.status = status
        self.message = message
        name = status.name if isinstance(status, Status) else "status %d" % status
        super().__init__("%s: %s" % (name, message) if message else name)


class InvalidArgumentError(PointwiseError, ValueError):
    """PW_ERROR_INVALID_ARGUMENT: a size, stride, clamp, name or buffer the library rejects."""


class UnsupportedError(PointwiseError):
    """PW_ERROR_UNSUPPORTED: the ISA asked for is not built in or not runnable here."""


class OutOfMemoryError(PointwiseError, MemoryError):
    """PW_ERROR_OUT_OF_MEMORY."""


_BY_STATUS = {
    Status.INVALID_ARGUMENT: InvalidArgumentError,
    Status.UNSUPPORTED: UnsupportedError,
    Status.OUT_OF_MEMORY: OutOfMemoryError,
}


def error_for(status, message):
    """The exception for a failed call's status and pw_last_error() message."""
    return _BY_STATUS.get(status, PointwiseError)(status, message)
