"""The layout the C API takes for an NHWC tensor, whatever holds it (numpy or torch)."""

import collections

# shape: the 4-D (N, H, W, C) extents; pointer: the first element's address; stride:
# pixels apart in elements; keep: the object that owns the memory, held for the call.
Operand = collections.namedtuple("Operand", "shape pointer stride keep")


def pixel_stride_of(shape, strides):
    """The distance between the pixels of a 4-D (N, H, W, C) layout whose strides count
    elements, None if they are not evenly spaced or the channels are not contiguous."""
    channels = shape[-1]
    if 0 in shape:  # no pixels (or no channels): nothing is read or written, any stride fits
        return max(channels, 1)
    if channels > 1 and strides[-1] != 1:
        return None
    step = None
    pixels_inside = 1  # pixels spanned by one step of the axes already seen
    for axis in (2, 1, 0):  # W, H, N
        if shape[axis] > 1:
            if strides[axis] <= 0 or strides[axis] % pixels_inside:
                return None
            if step is None:
                step = strides[axis] // pixels_inside
            elif strides[axis] // pixels_inside != step:
                return None
        pixels_inside *= shape[axis]
    if step is None:  # a single pixel: any stride will do
        return max(channels, 1)
    return step if step >= channels else None
