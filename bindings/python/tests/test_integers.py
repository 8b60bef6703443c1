"""Every integer that crosses into C is range-checked first (ctypes would wrap it
modulo 2^64 silently), and any integral type is accepted through operator.index."""

import ctypes

import numpy as np
import pytest

import pointwise

SIZE_MAX = 2 ** (8 * ctypes.sizeof(ctypes.c_size_t)) - 1


class Index:
    """An integer that is not a numbers.Integral: only __index__, as the language allows."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


@pytest.fixture
def conv():
    return pointwise.Conv1x1(np.ones((4, 3), np.float32))  # Ci=4 -> Co=3


@pytest.mark.parametrize("stride", [2 ** 64 + 1, SIZE_MAX + 1, (1, 2 ** 64 + 1), (2 ** 65, 1), 2 ** 200])
def test_stride_beyond_size_t_is_refused(stride):
    with pytest.raises(OverflowError, match="stride"):
        pointwise.Conv1x1(np.ones((4, 3), np.float32), stride=stride)


def test_largest_stride_runs_and_agrees_with_output_shape():
    conv = pointwise.Conv1x1(np.ones((4, 3), np.float32), stride=SIZE_MAX)
    x = np.ones((1, 3, 3, 4), np.float32)
    assert conv.output_shape(x.shape) == (1, 1, 1, 3)
    assert conv.conv(x).tolist() == [[[[4.0, 4.0, 4.0]]]]


def test_groups_beyond_size_t_is_refused():
    # 0 output channels split into any number of groups, so only the range check stops it.
    with pytest.raises(OverflowError, match="groups"):
        pointwise.Conv1x1(np.ones((4, 0), np.float32), groups=2 ** 64 + 1)


@pytest.mark.parametrize("threads", [2 ** 64 + 2, SIZE_MAX + 1, 2 ** 100])
def test_threads_beyond_size_t_is_refused(conv, threads):
    with pytest.raises(OverflowError, match="threads"):
        conv.conv(np.ones((1, 2, 2, 4), np.float32), threads=threads)


@pytest.mark.parametrize("threads", [np.int64(2), np.uint8(2), np.int32(0), Index(2), Index(1)])
def test_threads_of_any_integral_type(conv, threads):
    x = np.arange(16, dtype=np.float32).reshape(1, 2, 2, 4)
    assert np.array_equal(conv.conv(x, threads=threads), conv.conv(x))


def test_groups_and_stride_of_any_integral_type():
    w = np.ones((2, 4), np.float32)
    x = np.ones((1, 4, 4, 4), np.float32)
    expected = pointwise.Conv1x1(w, groups=2, stride=2).conv(x)
    for groups, stride in [(np.int64(2), np.uint16(2)), (Index(2), Index(2)), (2, (Index(2), np.int8(2))),
                           (2, np.array([2, 2]))]:
        conv = pointwise.Conv1x1(w, groups=groups, stride=stride)
        assert conv.groups == 2 and conv.stride == (2, 2) and type(conv.stride[0]) is int
        assert np.array_equal(conv.conv(x), expected)


@pytest.mark.parametrize("kwargs", [dict(groups=True), dict(stride=True), dict(stride=(1, False)),
                                    dict(groups=np.bool_(True)), dict(groups=2.0), dict(stride=1.0),
                                    dict(stride=np.float32(1)), dict(groups="1")])
def test_bools_and_floats_are_not_integers(kwargs):
    with pytest.raises(TypeError):
        pointwise.Conv1x1(np.ones((4, 4), np.float32), **kwargs)


@pytest.mark.parametrize("threads", [True, False, np.bool_(True), 2.0, np.float64(2), "2"])
def test_bools_and_floats_are_not_thread_counts(conv, threads):
    with pytest.raises(TypeError, match="threads"):
        conv.conv(np.ones((1, 2, 2, 4), np.float32), threads=threads)


@pytest.mark.parametrize("kwargs, error", [(dict(groups=-1), ValueError), (dict(groups=-2 ** 64), ValueError),
                                           (dict(stride=-1), ValueError), (dict(stride=(1, -2 ** 64 + 1)), ValueError)])
def test_negative_sizes_are_refused(kwargs, error):
    with pytest.raises(error):
        pointwise.Conv1x1(np.ones((4, 4), np.float32), **kwargs)


@pytest.mark.parametrize("threads", [-1, -2 ** 64 + 2])
def test_negative_threads_are_refused(conv, threads):
    with pytest.raises(ValueError, match="threads"):
        conv.conv(np.ones((1, 2, 2, 4), np.float32), threads=threads)
