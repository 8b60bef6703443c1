"""NHWC float32 arrays as the C API sees them: a base pointer and a pixel stride.

An array qualifies without a copy when its channels are contiguous and its pixels
are equally spaced: a C-contiguous (N, H, W, C) array, or a channel slice of one
(`wide[..., 16:48]`), whose pixel stride is then the wide array's channel count.
"""

import numpy as np

_FLOAT_BYTES = 4


def pixel_stride(array):
    """The distance between pixels of a 4-D view in floats, None if not evenly spaced."""
    if not array.flags.aligned:
        return None
    shape, strides = array.shape, array.strides
    channels = shape[-1]
    if array.size == 0:  # no pixels (or no channels): nothing is read or written, any stride fits
        return max(channels, 1)
    if channels > 1 and strides[-1] != _FLOAT_BYTES:
        return None
    step = None
    pixels_inside = 1  # pixels spanned by one step of the axes already seen
    for axis in (2, 1, 0):  # W, H, N
        if shape[axis] > 1:
            unit = _FLOAT_BYTES * pixels_inside
            if strides[axis] <= 0 or strides[axis] % unit:
                return None
            if step is None:
                step = strides[axis] // unit
            elif strides[axis] // unit != step:
                return None
        pixels_inside *= shape[axis]
    if step is None:  # a single pixel: any stride will do
        return max(channels, 1)
    return step if step >= channels else None


def check_float32(name, array):
    if not isinstance(array, np.ndarray):
        raise TypeError("%s must be a numpy.ndarray of float32, got %s" % (name, type(array).__name__))
    if array.dtype != np.float32:
        raise TypeError("%s must be float32, got %s" % (name, array.dtype))


def as_nhwc(name, array, rank):
    """A 4-D view of a 4-D array, or of a 3-D (H, W, C) one as a batch of one."""
    if array.ndim != rank:
        raise ValueError("%s must have %d dimensions like the input, got shape %s" % (name, rank, array.shape))
    return array if rank == 4 else array[np.newaxis]


def readable(name, array, rank):
    """(4-D view, pixel stride) of an input array; copies only an unevenly laid out one."""
    check_float32(name, array)
    view = as_nhwc(name, array, rank)
    stride = pixel_stride(view)
    if stride is None:
        view = np.ascontiguousarray(view)
        stride = view.shape[-1]
    return view, stride


def writable(name, array, rank):
    """(4-D view, pixel stride) of an output array, which is written in place."""
    check_float32(name, array)
    if not array.flags.writeable:
        raise ValueError("%s is read-only" % name)
    view = as_nhwc(name, array, rank)
    stride = pixel_stride(view)
    if stride is None:
        raise ValueError("%s must be C-contiguous or a channel slice of a C-contiguous array "
                         "(shape %s, strides %s)" % (name, array.shape, array.strides))
    return view, stride
