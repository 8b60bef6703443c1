"""Variant names as the library spells them ("auto", "scalar", "avx2", ...), accepted
in any case, and their pw_isa values."""

import ctypes

from . import _library
from .errors import error_for

_lib = None
NAMES = ()     # every pw_isa name, indexed by value; NAMES[PW_ISA_AUTO] is "auto"
_VALUES = {}   # lower-case name -> pw_isa value


def bind(lib):
    global _lib, NAMES, _VALUES
    _lib = lib
    NAMES = _library.isa_names(lib)
    _VALUES = {name.lower(): value for value, name in enumerate(NAMES)}


def value_of(name):
    """The pw_isa value of a variant name in any case; InvalidArgumentError (a
    ValueError) with the library's message for a name it does not know."""
    if not isinstance(name, str):
        raise TypeError("isa must be a variant name such as 'auto' or 'avx2', got %r" % (name,))
    value = _VALUES.get(name.lower())
    if value is not None:
        return value
    if "\0" in name:  # C would read only up to the NUL: "avx2\0x" as "avx2"
        raise ValueError("isa must be a variant name such as 'auto' or 'avx2', got %r" % (name,))
    # Not a name the library listed: let it refuse, in its own words.
    value = ctypes.c_int(_library.PW_ISA_AUTO)
    status = _lib.pw_isa_from_name(name.encode("utf-8", "replace"), ctypes.byref(value))
    if status != 0:
        raise error_for(status, _lib.pw_last_error().decode(errors="replace"))
    return value.value


def name_of(value):
    return NAMES[value] if 0 <= value < len(NAMES) else _lib.pw_isa_name(value).decode()
