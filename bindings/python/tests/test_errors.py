"""Bad inputs raise the documented exceptions, with the library's message where the
library is the one that refuses."""

import numpy as np
import pytest

import pointwise
from pointwise import InvalidArgumentError, PointwiseError, Status, UnsupportedError


@pytest.fixture
def conv():
    return pointwise.Conv1x1(np.ones((4, 3), np.float32))  # Ci=4 -> Co=3


def x_of(*shape, dtype=np.float32):
    return np.ones(shape, dtype)


def test_exception_hierarchy():
    assert issubclass(PointwiseError, RuntimeError)
    assert issubclass(InvalidArgumentError, PointwiseError) and issubclass(InvalidArgumentError, ValueError)
    assert issubclass(UnsupportedError, PointwiseError) and not issubclass(UnsupportedError, ValueError)
    assert issubclass(pointwise.OutOfMemoryError, MemoryError)


@pytest.mark.parametrize("bad_x, error", [
    (x_of(1, 2, 2, 4, dtype=np.float64), TypeError),
    (x_of(1, 2, 2, 4, dtype=np.float16), TypeError),
    ([[[[1.0] * 4]]], TypeError),
    (x_of(1, 2, 2, 5), ValueError),   # channels
    (x_of(2, 4), ValueError),         # rank
    (x_of(1, 1, 2, 2, 4), ValueError),
])
def test_bad_input(conv, bad_x, error):
    with pytest.raises(error):
        conv.conv(bad_x)


def test_bad_out_and_residual(conv):
    x = x_of(1, 2, 2, 4)
    with pytest.raises(ValueError, match="shape"):
        conv.conv(x, out=x_of(1, 2, 2, 4))
    with pytest.raises(TypeError, match="float32"):
        conv.conv(x, out=x_of(1, 2, 2, 3, dtype=np.float64))
    with pytest.raises(ValueError, match="channel slice"):
        conv.conv(x, out=x_of(1, 2, 3, 3)[:, :, :2, :])  # rows 3 pixels apart, pixels 1
    with pytest.raises(ValueError, match="channel slice"):
        conv.conv(x, out=np.ones((1, 2, 2, 3), np.float32, order="F"))
    read_only = x_of(1, 2, 2, 3)
    read_only.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        conv.conv(x, out=read_only)
    with pytest.raises(ValueError, match="shape"):
        conv.conv(x, residual=x_of(1, 2, 2, 4))
    with pytest.raises(TypeError):
        conv.conv(x, residual=x_of(1, 2, 2, 3, dtype=np.float64))
    with pytest.raises(ValueError):
        conv.conv(x, threads=-1)
    with pytest.raises(TypeError):
        conv.conv(x, threads=2.0)


def test_overlap_is_refused_by_the_library():
    square = pointwise.Conv1x1(np.eye(4, dtype=np.float32))
    x = x_of(1, 2, 2, 4)
    with pytest.raises(InvalidArgumentError) as caught:
        square.conv(x, out=x)
    assert caught.value.status == Status.INVALID_ARGUMENT
    assert caught.value.message and caught.value.message in str(caught.value)


@pytest.mark.parametrize("kwargs, names", [
    (dict(activation=(1.0, 0.0)), "output_m"),
    (dict(activation=(float("nan"), 1.0)), "output_m"),
    (dict(stride=0), "stride"),
    (dict(stride=(1, 0)), "stride"),
    (dict(isa="bogus"), "bogus"),
])
def test_library_rejects_create_arguments(kwargs, names):
    with pytest.raises(InvalidArgumentError) as caught:
        pointwise.Conv1x1(np.ones((4, 3), np.float32), **kwargs)
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, RuntimeError)
    assert error.status == Status.INVALID_ARGUMENT
    assert names in error.message  # the library's pw_last_error() names the argument


@pytest.mark.parametrize("weights, kwargs, error", [
    (np.ones((4, 3, 2, 2), np.float32), {}, ValueError),                 # not 1x1
    (np.ones((3, 4, 1, 1), np.float32), dict(layout="io"), ValueError),  # PyTorch shape called io
    (np.ones((4, 6), np.float32), dict(groups=4), ValueError),           # 6 outputs in 4 groups
    (np.ones((4, 3), np.float32), dict(groups=0), ValueError),
    (np.ones((4, 3), np.float32), dict(groups=1.5), TypeError),
    (np.ones((4, 3), np.float32), dict(layout="hwio"), ValueError),
    (np.ones((4, 3), np.float32), dict(activation="gelu"), ValueError),
    (np.ones((4, 3), np.float32), dict(stride="2"), TypeError),
    (np.ones((4, 3), np.float32), dict(isa=4), TypeError),
    (np.ones(4, np.float32), {}, ValueError),
    (np.ones((4, 3), np.complex64), {}, TypeError),
    (np.ones((2, 4, 3), np.float32), dict(groups=3), ValueError),        # 3-D must lead with groups
])
def test_binding_rejects_weights_and_options(weights, kwargs, error):
    with pytest.raises(error):
        pointwise.Conv1x1(weights, **kwargs)


def test_bad_bias():
    with pytest.raises(ValueError, match="bias"):
        pointwise.Conv1x1(np.ones((4, 3), np.float32), np.ones(4, np.float32))


def test_unsupported_variant():
    missing = [isa for isa in pointwise.ISAS if not pointwise.isa_supported(isa)]
    if not missing:
        pytest.skip("every variant runs here")
    with pytest.raises(UnsupportedError) as caught:
        pointwise.Conv1x1(np.ones((4, 3), np.float32), isa=missing[0])
    assert isinstance(caught.value, RuntimeError) and not isinstance(caught.value, ValueError)
    assert caught.value.status == Status.UNSUPPORTED
    assert caught.value.message


def test_closed_conv(conv):
    conv.close()
    conv.close()
    with pytest.raises(ValueError, match="closed"):
        conv.conv(x_of(1, 1, 1, 4))


def test_unknown_isa_name():
    with pytest.raises(InvalidArgumentError):
        pointwise.isa_supported("avx1024")


@pytest.mark.parametrize("bias, shape", [(1.0, r"\(\)"), (np.float32(2), r"\(\)"), ([[1.0, 2.0, 3.0]], r"\(1, 3\)"),
                                         ([1.0], r"\(1,\)"), (np.ones((3, 1)), r"\(3, 1\)")])
def test_bias_shape_message_names_the_shape_given(bias, shape):
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\), got %s$" % shape):
        pointwise.Conv1x1(np.ones((4, 3), np.float32), bias)
