"""Integers on their way into C. ctypes converts a Python int to size_t modulo 2^64
without a word, so every size is checked against the C type's range here first.
Any integral type is accepted (operator.index: int, numpy integers, objects with
__index__); bool is refused, being a flag rather than a count, and so are floats."""

import ctypes
import operator

import numpy as np

SIZE_MAX = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1


def integer(name, value):
    """value as an int, TypeError for a bool or a non-integral value."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError("%s must be an integer, got the bool %r" % (name, value))
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, got %r" % (name, value)) from None


def size(name, value, minimum=0):
    """value as an int in [minimum, SIZE_MAX]: ValueError below, OverflowError above."""
    value = integer(name, value)
    if value < minimum:
        raise ValueError("%s must be >= %d, got %d" % (name, minimum, value))
    if value > SIZE_MAX:
        raise OverflowError("%s must be at most %d (SIZE_MAX), got %d" % (name, SIZE_MAX, value))
    return value
