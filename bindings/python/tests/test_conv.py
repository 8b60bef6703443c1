"""Conv1x1 against a numpy einsum reference, for every variant this CPU runs with fp32 math
(test_bf16.py has bf16 math, which every variant does)."""

import numpy as np
import pytest

import pointwise
from reference import assert_close, reference_conv, variant

ACTIVATIONS = {None: (-np.inf, np.inf), "relu": (0.0, np.inf), "relu6": (0.0, 6.0), (-0.5, 0.25): (-0.5, 0.25)}




def framework_weights(w_gio, shape_kind):
    """The (groups, Ci, Co) weights as a framework would hold them, and the layout to pass."""
    groups, ci, co = w_gio.shape
    io = w_gio.transpose(1, 0, 2).reshape(ci, groups * co)  # (Ci, G*Co): TensorFlow's order
    oi = w_gio.transpose(0, 2, 1).reshape(groups * co, ci)  # (G*Co, Ci): PyTorch's order
    return {
        "torch": (oi.reshape(groups * co, ci, 1, 1), None),
        "tensorflow": (io.reshape(1, 1, ci, groups * co), None),
        "io": (io, "io"),
        "oi": (oi, "oi"),
        "gio": (w_gio, "io"),
    }[shape_kind]


# (groups, Ci, Co, stride, bias, residual, activation): covers tails of the register tile
# (Co not a multiple of any NR, odd Ci), groups, both strides, every epilogue.
CASES = [
    (1, 1, 1, 1, False, False, None),
    (1, 2, 1, 1, True, False, "relu"),
    (1, 19, 33, 1, True, True, None),
    (1, 64, 40, (2, 1), True, False, "relu6"),
    (3, 5, 7, 2, True, True, (-0.5, 0.25)),
    (4, 16, 8, (1, 2), False, True, "relu"),
]


@pytest.mark.parametrize("shape_kind", ["torch", "tensorflow", "io", "oi", "gio"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "g%d_ci%d_co%d_s%s_%s%s_%s" % (
    c[0], c[1], c[2], c[3], "b" if c[4] else "", "r" if c[5] else "", c[6]))
@pytest.mark.parametrize("isa", pointwise.ISAS)
def test_matches_reference(isa, case, shape_kind):
    groups, ci, co, stride, with_bias, with_residual, activation = case
    rng = np.random.default_rng(ci * 1000 + co)
    w_gio = rng.uniform(-1, 1, (groups, ci, co)).astype(np.float32)
    weights, layout = framework_weights(w_gio, shape_kind)
    bias = rng.uniform(-1, 1, groups * co).astype(np.float32) if with_bias else None
    x = rng.uniform(-1, 1, (2, 5, 7, groups * ci)).astype(np.float32)
    conv = pointwise.Conv1x1(weights, bias, layout=layout, groups=groups, stride=stride,
                             activation=activation, isa=variant(isa))
    assert conv.info.isa == isa
    out_shape = conv.output_shape(x.shape)
    residual = rng.uniform(-1, 1, out_shape).astype(np.float32) if with_residual else None
    y = conv.conv(x, residual)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    reference, bound = reference_conv(x, w_gio, bias, (sh, sw), residual, ACTIVATIONS[activation])
    assert y.shape == out_shape == (2, (5 - 1) // sh + 1, (7 - 1) // sw + 1, groups * co)
    assert y.dtype == np.float32
    assert_close(y, reference, bound)


@pytest.mark.parametrize("isa", pointwise.ISAS)
def test_in_place_residual_and_channel_slices(isa):
    """residual is out (a ResNet add), out is a channel slice of a concatenation whose
    other channels stay untouched, and the input is itself a channel slice."""
    rng = np.random.default_rng(7)
    ci, co = 13, 32
    w = rng.uniform(-1, 1, (ci, co)).astype(np.float32)
    bias = rng.uniform(-1, 1, co).astype(np.float32)
    conv = pointwise.Conv1x1(w, bias, activation="relu", isa=variant(isa))
    wide_input = rng.uniform(-1, 1, (1, 6, 5, ci + 9)).astype(np.float32)
    x = wide_input[..., 4:4 + ci]
    concat = np.full((1, 6, 5, 16 + co + 11), -12345.678, dtype=np.float32)
    out = concat[..., 16:16 + co]
    initial = rng.uniform(-1, 1, out.shape).astype(np.float32)
    out[...] = initial
    result = conv.conv(x, residual=out, out=out)
    assert result is out
    assert np.shares_memory(result, concat)
    reference, bound = reference_conv(x, w[np.newaxis], bias, residual=initial, clamp=(0.0, np.inf))
    assert_close(concat[..., 16:16 + co], reference, bound)
    assert np.all(concat[..., :16] == np.float32(-12345.678))
    assert np.all(concat[..., 16 + co:] == np.float32(-12345.678))


@pytest.mark.parametrize("isa", pointwise.ISAS)
def test_three_dimensional_and_non_contiguous_input(isa):
    rng = np.random.default_rng(3)
    w = rng.uniform(-1, 1, (6, 4)).astype(np.float32)
    conv = pointwise.Conv1x1(w, isa=variant(isa))
    image = rng.uniform(-1, 1, (8, 9, 6)).astype(np.float32)
    y = conv.conv(image)
    assert y.shape == (8, 9, 4)
    reference, bound = reference_conv(image[np.newaxis], w[np.newaxis])
    assert_close(y, reference[0], bound[0])
    transposed = np.ascontiguousarray(image.transpose(1, 0, 2)).transpose(1, 0, 2)  # H and W swapped in memory
    assert not transposed.flags.c_contiguous
    assert np.array_equal(conv.conv(transposed), y)


def test_worked_example():
    x = np.arange(1, 19, dtype=np.float32).reshape(3, 3, 2)
    for weights, layout in [(np.array([[1], [2]]), "io"), (np.array([[1, 2]]), "oi"),
                            (np.array([1, 2], np.float32).reshape(1, 2, 1, 1), None),
                            (np.array([1, 2], np.float32).reshape(1, 1, 2, 1), None)]:
        y = pointwise.Conv1x1(weights, layout=layout).conv(x)
        assert y[..., 0].tolist() == [[5, 11, 17], [23, 29, 35], [41, 47, 53]]


def test_threads_equal_single_thread_bitwise():
    rng = np.random.default_rng(11)
    w = rng.uniform(-1, 1, (96, 72, 1, 1)).astype(np.float32)  # PyTorch (Co, Ci, 1, 1)
    bias = rng.uniform(-1, 1, 96).astype(np.float32)
    x = rng.uniform(-1, 1, (2, 28, 28, 72)).astype(np.float32)
    conv = pointwise.Conv1x1(w, bias, activation="relu6")
    single = conv.conv(x)
    assert np.array_equal(conv.conv(x, threads=2), single)
    assert np.array_equal(conv.conv(x, threads=0), single)
    assert np.array_equal(conv.conv(x, threads=1), single)
    reference, bound = reference_conv(x, w[:, :, 0, 0].T[np.newaxis], bias, clamp=(0.0, 6.0))
    assert_close(single, reference, bound)
