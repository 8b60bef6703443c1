"""Which numpy layouts reach the library without a copy, and with what pixel stride."""

import numpy as np
import pointwise
from pointwise import _arrays


def test_pixel_strides():
    dense = np.zeros((2, 3, 4, 5), np.float32)
    assert _arrays.pixel_stride(dense) == 5
    concat = np.zeros((2, 3, 4, 64), np.float32)
    assert _arrays.pixel_stride(concat[..., 16:48]) == 64
    assert _arrays.pixel_stride(concat[:, :, :, :1]) == 64
    assert _arrays.pixel_stride(dense[:1, :1, :1]) == 5               # one pixel
    assert _arrays.pixel_stride(np.zeros((1, 4, 6, 3), np.float32)[:, :, ::2]) == 6  # evenly spaced
    assert _arrays.pixel_stride(np.zeros((1, 4, 6, 3), np.float32)[:, :, :5]) is None  # rows 6 apart
    assert _arrays.pixel_stride(dense[..., ::2]) is None              # channels not contiguous
    assert _arrays.pixel_stride(dense.transpose(0, 2, 1, 3)) is None  # H and W swapped
    assert _arrays.pixel_stride(dense[:, ::-1]) is None               # negative stride
    unaligned = np.frombuffer(bytearray(4 * 60 + 1), np.uint8)[1:].view(np.float32).reshape(1, 3, 4, 5)
    assert _arrays.pixel_stride(unaligned) is None


def test_contiguous_and_sliced_inputs_are_not_copied():
    concat = np.zeros((1, 3, 4, 64), np.float32)
    for array in (concat, concat[..., 16:48]):
        view, _ = _arrays.readable("x", array, 4)
        assert view.ctypes.data == array.ctypes.data
    image = np.zeros((3, 4, 5), np.float32)
    view, stride = _arrays.readable("x", image, 3)
    assert view.ctypes.data == image.ctypes.data and view.shape == (1, 3, 4, 5) and stride == 5


def test_flush_denormals_option():
    tiny = np.full((1, 1, 2, 1), 1e-39, np.float32)  # denormal inputs
    kept = pointwise.Conv1x1([[1.0]]).conv(tiny)
    flushed = pointwise.Conv1x1([[1.0]], flush_denormals=True).conv(tiny)
    assert np.all(kept == np.float32(1e-39))
    assert np.all(flushed == 0)

