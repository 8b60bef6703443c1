"""bfloat16 for numpy, which has no such dtype: bf16 values travel as uint16 arrays of
their bits (the top half of an IEEE float32)."""

import numpy as np


def to_bf16(values):
    """uint16 bf16 bits of float32 values, rounded to nearest even as the library rounds;
    NaN stays NaN (quiet), +-Inf stays +-Inf, and values past the largest bf16 become
    +-Inf. Takes anything np.asarray takes; other float types are first made float32."""
    array = np.asarray(values)
    if array.dtype.kind != "f":
        raise TypeError("to_bf16 takes floating-point values, got dtype %s" % array.dtype)
    single = np.asarray(array, dtype=np.float32)
    bits = single.view(np.uint32)
    rounded = (bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)
    quiet_nan = (bits >> np.uint32(16)) | np.uint32(0x0040)
    return np.where(np.isnan(single), quiet_nan, rounded).astype(np.uint16)


def from_bf16(bits):
    """float32 values of uint16 bf16 bits (exact: every bf16 value is a float32 value)."""
    array = np.asarray(bits)
    if array.dtype != np.uint16:
        raise TypeError("from_bf16 takes uint16 bf16 bits, got dtype %s" % array.dtype)
    return (array.astype(np.uint32) << np.uint32(16)).view(np.float32)
