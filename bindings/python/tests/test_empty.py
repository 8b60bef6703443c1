"""Empty tensors (batch, height or width 0) give an empty result of the right shape,
as in NumPy and the frameworks; the other arguments are still checked."""

import numpy as np
import pytest

import pointwise

SHAPES = [(0, 3, 3, 4), (1, 0, 3, 4), (2, 3, 0, 4), (0, 0, 0, 4), (0, 3, 4), (3, 0, 4)]


@pytest.fixture
def conv():
    return pointwise.Conv1x1(np.ones((4, 3), np.float32), np.ones(3, np.float32), stride=(2, 1))


@pytest.mark.parametrize("shape", SHAPES)
def test_empty_input_gives_empty_output(conv, shape):
    x = np.ones(shape, np.float32)
    expected = conv.output_shape(shape)
    assert 0 in expected and len(expected) == len(shape)
    y = conv.conv(x)
    assert y.shape == expected and y.dtype == np.float32
    assert conv.conv(x, threads=2).shape == expected
    out = np.empty(expected, np.float32)
    assert conv.conv(x, out=out, residual=out) is out
    assert conv.conv(x, residual=np.zeros(expected, np.float32)).shape == expected
    wide = np.empty(expected[:-1] + (10,), np.float32)
    assert conv.conv(x, out=wide[..., 2:5]).shape == expected


def test_empty_input_is_still_checked(conv):
    x = np.ones((0, 3, 3, 4), np.float32)
    with pytest.raises(ValueError, match="channels"):
        conv.conv(np.ones((0, 3, 3, 5), np.float32))
    with pytest.raises(ValueError, match="shape"):
        conv.conv(x, out=np.empty((0, 2, 3, 4), np.float32))
    with pytest.raises(TypeError, match="float32"):
        conv.conv(x, residual=np.empty((0, 2, 3, 3), np.float64))
    with pytest.raises(TypeError, match="threads"):
        conv.conv(x, threads=1.5)
    conv.close()
    with pytest.raises(ValueError, match="closed"):
        conv.conv(x)
