"""pointwise: fp32 and bfloat16 1x1 (pointwise) convolutions on NHWC numpy arrays and
torch tensors, through ctypes.

    >>> import numpy as np, pointwise
    >>> conv = pointwise.Conv1x1(np.array([[1], [2]], np.float32))   # Ci=2 -> Co=1, "io"
    >>> conv.conv(np.arange(1, 19, dtype=np.float32).reshape(3, 3, 2))[..., 0]

bf16 in numpy is uint16 bits: pointwise.to_bf16(float32 values), from_bf16(bits).

The shared library is found through POINTWISE_LIBRARY, next to this package or under
its install prefix, or by the dynamic loader (see pointwise._library).
"""

import ctypes as _ctypes

from . import _isas, _library, _threads
from ._bf16 import from_bf16, to_bf16
from .errors import (InvalidArgumentError, OutOfMemoryError, PointwiseError, Status,
                     UnsupportedError, error_for)

_lib = _library.load()
_isas.bind(_lib)
_threads.bind(_lib)

from .conv import Conv1x1, ConvInfo  # noqa: E402  (needs _lib)
from ._threads import ThreadPool  # noqa: E402

# The variants the library knows, as it names them (pw_isa_name), "auto" aside.
ISAS = tuple(name for value, name in enumerate(_isas.NAMES) if value != _library.PW_ISA_AUTO)

__all__ = ["Conv1x1", "ConvInfo", "ThreadPool", "PointwiseError", "InvalidArgumentError",
           "UnsupportedError", "OutOfMemoryError", "Status", "ISAS", "isa_supported", "supported_isas",
           "best_isa", "version", "library_path", "to_bf16", "from_bf16", "MATHS", "DATATYPES"]

# The math and datatype names Conv1x1 takes.
MATHS = tuple(_library.MATHS)
DATATYPES = tuple(_library.DATATYPES)


def isa_supported(name, math=None):
    """True when the variant `name` (any case: "scalar", "avx2", "avx512_bf16", ...) is
    built in and this CPU runs it, and, when `math` is given ("f32" or "bf16"), when it
    does that math (the bf16-only variants do not do "f32"); always True for "auto",
    which picks one that does. InvalidArgumentError for a name the library does not know."""
    value = _isas.value_of(name)
    if value == _library.PW_ISA_AUTO:
        return True
    if not _lib.pw_isa_supported(value):
        return False
    return math is None or _does_math(value, math)


_maths_done = {}  # (pw_isa value, math name) -> bool


def _does_math(value, math):
    """Whether the variant creates a conv with this math: the library keeps that fact in
    its list of variants and tells it only through pw_conv_create, so ask that once."""
    from .conv import _type_name
    math = _type_name("math", math, _library.MATHS)
    key = (value, math)
    if key not in _maths_done:
        desc = _library.pw_conv_desc()
        _lib.pw_conv_desc_init(_ctypes.byref(desc), 1, 1)
        desc.isa, desc.math = value, _library.MATHS[math]
        weight = _ctypes.c_float(1.0)
        conv = _ctypes.c_void_p()
        status = _lib.pw_conv_create(_ctypes.byref(desc), _ctypes.addressof(weight), None, _ctypes.byref(conv))
        _lib.pw_conv_destroy(conv)
        if status not in (Status.OK, Status.UNSUPPORTED):
            raise error_for(status, _lib.pw_last_error().decode(errors="replace"))
        _maths_done[key] = status == Status.OK
    return _maths_done[key]


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
