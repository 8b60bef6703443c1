"""The double-precision reference and the library's error bound (tests/conv_reference.h):
|y - ref| <= (Ci + 2) * 2^-23 * (|bias| + sum_i |x_i w_i| + |residual|), plus 2^-8 |y|
for a bf16 output; with bf16 math the reference takes x and w rounded to bf16."""

import numpy as np
import pytest

import pointwise


def reference_conv(x, weights_gio, bias=None, stride=(1, 1), residual=None, clamp=(-np.inf, np.inf)):
    """(reference, bound) for NHWC x and weights as (groups, Ci, Co)."""
    groups, ci, co = weights_gio.shape
    picked = x[:, ::stride[0], ::stride[1], :].astype(np.float64)
    n, oh, ow, _ = picked.shape
    grouped = picked.reshape(n, oh, ow, groups, ci)
    w = weights_gio.astype(np.float64)
    value = np.einsum("nhwgi,gio->nhwgo", grouped, w).reshape(n, oh, ow, groups * co)
    magnitude = np.einsum("nhwgi,gio->nhwgo", np.abs(grouped), np.abs(w)).reshape(n, oh, ow, groups * co)
    if bias is not None:
        value = value + bias
        magnitude = magnitude + np.abs(bias)
    if residual is not None:
        value = value + residual
        magnitude = magnitude + np.abs(residual)
    value = np.minimum(np.maximum(value, clamp[0]), clamp[1])  # 1-Lipschitz: the bound still holds
    return value, (ci + 2) * 2.0 ** -23 * magnitude


def round_to_bf16(values):
    """float32 values rounded to the nearest bf16, as float32 (the library's rounding)."""
    return pointwise.from_bf16(pointwise.to_bf16(np.asarray(values, np.float32)))


def reference_conv_typed(x, weights_gio, bias=None, stride=(1, 1), residual=None, clamp=(-np.inf, np.inf),
                         math="f32", output_type="f32"):
    """(reference, bound) for float32 values x and residual (bf16 tensors widened) under
    `math`, with the bf16 output's rounding in the bound."""
    if math == "bf16":
        x, weights_gio = round_to_bf16(x), round_to_bf16(weights_gio)
    reference, bound = reference_conv(x, weights_gio, bias, stride, residual, clamp)
    if output_type == "bf16":
        bound = bound + 2.0 ** -8 * (np.abs(reference) + bound)
    return reference, bound


def assert_close(y, reference, bound):
    error = np.abs(y.astype(np.float64) - reference)
    worst = np.unravel_index(np.argmax(error - bound), error.shape)
    assert np.all(error <= bound), (
        "%d of %d outputs out of bound; worst at %s: got %r, want %r +- %r"
        % (np.count_nonzero(error > bound), error.size, worst, y[worst], reference[worst], bound[worst]))


def variant(isa, math="f32"):
    """Skips (visibly) the variants this build or CPU lacks, and those that do not do
    `math` (the bf16-only ones with "f32")."""
    if not pointwise.isa_supported(isa):
        pytest.skip("variant %s is not built in or not runnable on this CPU" % isa)
    if not pointwise.isa_supported(isa, math=math):
        pytest.skip("variant %s does not do math=%r" % (isa, math))
    return isa
