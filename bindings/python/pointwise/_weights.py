"""Turns weights as PyTorch, TensorFlow or plain numpy hold them into the C API's
w[g][i][o] (PW_WEIGHTS_IO) or w[g][o][i] (PW_WEIGHTS_OI) order.

  (Co, Ci/groups, 1, 1)  PyTorch Conv2d.weight        -> "oi"
  (1, 1, Ci/groups, Co)  TensorFlow/Keras Conv2D.kernel -> "io"
  (Ci/groups, Co)        2-D, layout "io" (default)   (Co, Ci/groups) with layout "oi"
  (groups, Ci/groups, Co/groups) or (groups, Co/groups, Ci/groups): the C API's own order

Co is the total number of output channels, as in both frameworks. A torch tensor
(Conv2d.weight itself: bfloat16, requires_grad) is read as its float32 values.
"""

import numpy as np

from . import _torch
from ._library import PW_WEIGHTS_IO, PW_WEIGHTS_OI

_LAYOUTS = {"io": PW_WEIGHTS_IO, "oi": PW_WEIGHTS_OI}


def _layout_of_4d(shape, layout):
    torch_like = shape[2:] == (1, 1)
    tf_like = shape[:2] == (1, 1)
    if torch_like and tf_like:  # (1, 1, 1, 1): both readings agree
        return layout or "io", (1, 1)
    if torch_like:
        inferred, matrix = "oi", shape[:2]
    elif tf_like:
        inferred, matrix = "io", shape[2:]
    else:
        raise ValueError("4-D weights must be PyTorch's (Co, Ci/groups, 1, 1) or TensorFlow's "
                         "(1, 1, Ci/groups, Co), got shape %s" % (shape,))
    if layout is not None and layout != inferred:
        raise ValueError("weights of shape %s are %r, not layout=%r" % (shape, inferred, layout))
    return inferred, matrix


def normalize(weights, layout, groups):
    """(float32 C-ordered weights, pw_weight_layout, in_channels, out_channels) per group."""
    if layout is not None and layout not in _LAYOUTS:
        raise ValueError("layout must be 'io' or 'oi', got %r" % (layout,))
    array = np.asarray(_torch.as_values(weights))
    if array.dtype.kind not in "fiu":
        raise TypeError("weights must be real numbers, got dtype %s" % array.dtype)
    array = array.astype(np.float32, copy=False)
    shape = array.shape
    if array.ndim == 3:
        layout = layout or "io"
        if shape[0] != groups:
            raise ValueError("3-D weights must be (groups, ...), got shape %s with groups=%d" % (shape, groups))
        ci, co = (shape[1], shape[2]) if layout == "io" else (shape[2], shape[1])
        return np.ascontiguousarray(array), _LAYOUTS[layout], ci, co
    if array.ndim == 4:
        layout, (rows, cols) = _layout_of_4d(shape, layout)
        array = array.reshape(rows, cols)
    elif array.ndim == 2:
        layout = layout or "io"
        rows, cols = shape
    else:
        raise ValueError("weights must be 2-D, 3-D or 4-D (1x1 kernel), got shape %s" % (shape,))
    if layout == "oi":  # (G*Co, Ci): already w[g][o][i]
        total_out, ci = rows, cols
    else:               # (Ci, G*Co): w[i][g][o], regrouped below
        ci, total_out = rows, cols
    if groups < 1 or total_out % groups:
        raise ValueError("%d output channels do not split into groups=%d" % (total_out, groups))
    co = total_out // groups
    if layout == "io" and groups > 1:
        array = array.reshape(ci, groups, co).transpose(1, 0, 2)
    return np.ascontiguousarray(array), _LAYOUTS[layout], ci, co
