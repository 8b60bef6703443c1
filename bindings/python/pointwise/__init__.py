"""pointwise: fp32 1x1 (pointwise) convolutions on NHWC numpy arrays, through ctypes.

    >>> import numpy as np, pointwise
    >>> conv = pointwise.Conv1x1(np.array([[1], [2]], np.float32))   # Ci=2 -> Co=1, "io"
    >>> conv.conv(np.arange(1, 19, dtype=np.float32).reshape(3, 3, 2))[..., 0]

The shared library is found through POINTWISE_LIBRARY, next to this package or under
its install prefix, or by the dynamic loader (see pointwise._library).
"""

from . import _isas, _library, _threads
from .errors import (InvalidArgumentError, OutOfMemoryError, PointwiseError, Status,
                     UnsupportedError)

_lib = _library.load()
_isas.bind(_lib)
_threads.bind(_lib)

from .conv import Conv1x1, ConvInfo  # noqa: E402  (needs _lib)
from ._threads import ThreadPool  # noqa: E402

# The variants the library knows, as it names them (pw_isa_name), "auto" aside.
ISAS = tuple(name for value, name in enumerate(_isas.NAMES) if value != _library.PW_ISA_AUTO)

__all__ = ["Conv1x1", "ConvInfo", "ThreadPool", "PointwiseError", "InvalidArgumentError",
           "UnsupportedError", "OutOfMemoryError", "Status", "ISAS", "isa_supported", "supported_isas",
           "best_isa", "version", "library_path"]


def isa_supported(name):
    """True when the variant `name` (any case: "scalar", "sse", "avx2", "avx512", "neon")
    is built in and this CPU runs it; always True for "auto", which picks one that does.
    InvalidArgumentError for a name the library does not know."""
    value = _isas.value_of(name)
    return value == _library.PW_ISA_AUTO or bool(_lib.pw_isa_supported(value))


def supported_isas():
    """The variants this build and CPU run, in ISAS order."""
    return [name for name in ISAS if isa_supported(name)]


def best_isa():
    """The variant isa="auto" picks here (POINTWISE_ISA included); None when POINTWISE_ISA
    names a variant that cannot run here."""
    value = _lib.pw_best_isa()
    return None if value == _library.PW_ISA_AUTO else _isas.name_of(value)


def version():
    """The loaded library's version, "MAJOR.MINOR.PATCH"."""
    return _lib.pw_version().decode()


def library_path():
    """The shared library file this package loaded."""
    return _library.library_path(_lib)
