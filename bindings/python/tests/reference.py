"""The double-precision reference and the library's error bound (tests/conv_reference.h):
|y - ref| <= (Ci + 2) * 2^-23 * (|bias| + sum_i |x_i w_i| + |residual|)."""

import numpy as np


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


def assert_close(y, reference, bound):
    error = np.abs(y.astype(np.float64) - reference)
    worst = np.unravel_index(np.argmax(error - bound), error.shape)
    assert np.all(error <= bound), (
        "%d of %d outputs out of bound; worst at %s: got %r, want %r +- %r"
        % (np.count_nonzero(error > bound), error.size, worst, y[worst], reference[worst], bound[worst]))
