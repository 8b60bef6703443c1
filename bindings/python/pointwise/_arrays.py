"""NHWC tensors as the C API sees them: a base pointer and a pixel stride counted in
elements of the tensor's type.

numpy has no bfloat16: a bf16 tensor is a uint16 array of raw bf16 bits (see
pointwise.to_bf16). A numpy array qualifies without a copy when its channels are
contiguous and its pixels are equally spaced: a C-contiguous (N, H, W, C) array, or a
channel slice of one (`wide[..., 16:48]`), whose pixel stride is then the wide
array's channel count. torch tensors go through pointwise._torch.
"""

import numpy as np

from . import _torch
from ._layout import Operand, pixel_stride_of

# The numpy dtype of each pw_datatype name.
DTYPES = {"f32": np.dtype(np.float32), "bf16": np.dtype(np.uint16)}
_DTYPE_WORDS = {"f32": "float32", "bf16": "uint16 (raw bf16 bits; pointwise.to_bf16 rounds float32 to them)"}

def pixel_stride(array):
    """The distance between pixels of a 4-D numpy view in elements, None if not evenly
    spaced (or not aligned to its element size)."""
    if not array.flags.aligned:
        return None
    if array.size and any(stride % array.itemsize for stride in array.strides):
        return None
    return pixel_stride_of(array.shape, [stride // array.itemsize for stride in array.strides])


def check_dtype(name, array, type_name, type_argument):
    """TypeError unless `array` is a numpy array of the dtype that holds type_name."""
    wanted = DTYPES[type_name]
    if not isinstance(array, np.ndarray):
        raise TypeError("%s must be a numpy.ndarray of %s or a torch.Tensor, got %s"
                        % (name, _DTYPE_WORDS[type_name], type(array).__name__))
    if array.dtype != wanted:
        raise TypeError("%s must be %s for %s=%r, got %s" % (name, _DTYPE_WORDS[type_name], type_argument,
                                                              type_name, array.dtype))


def as_nhwc(name, array, rank):
    """A 4-D view of a 4-D array, or of a 3-D (H, W, C) one as a batch of one."""
    if array.ndim != rank:
        raise ValueError("%s must have %d dimensions like the input, got shape %s" % (name, rank, array.shape))
    return array if rank == 4 else array[np.newaxis]


def readable(name, array, rank, type_name="f32", type_argument="input_type"):
    """(4-D view, pixel stride) of an input array; copies only an unevenly laid out one."""
    check_dtype(name, array, type_name, type_argument)
    view = as_nhwc(name, array, rank)
    stride = pixel_stride(view)
    if stride is None:
        view = np.ascontiguousarray(view)
        stride = view.shape[-1]
    return view, stride


def writable(name, array, rank, type_name="f32", type_argument="output_type"):
    """(4-D view, pixel stride) of an output array, which is written in place."""
    check_dtype(name, array, type_name, type_argument)
    if not array.flags.writeable:
        raise ValueError("%s is read-only" % name)
    view = as_nhwc(name, array, rank)
    stride = pixel_stride(view)
    if stride is None:
        raise ValueError("%s must be C-contiguous or a channel slice of a C-contiguous array "
                         "(shape %s, strides %s)" % (name, array.shape, array.strides))
    return view, stride


def rank_of(name, value, type_name, type_argument):
    """The number of dimensions of x (3 or 4) after checking its kind and dtype."""
    if _torch.is_tensor(value):
        _torch.check(name, value, type_name, type_argument)
        rank = value.dim()
    else:
        check_dtype(name, value, type_name, type_argument)
        rank = value.ndim
    if rank not in (3, 4):
        raise ValueError("%s must be NHWC (N, H, W, C) or (H, W, C), got shape %s" % (name, tuple(value.shape)))
    return rank


def check_shape(name, value, expected):
    if tuple(value.shape) != expected:
        raise ValueError("%s must have shape %s, got %s" % (name, expected, tuple(value.shape)))


def input_operand(name, value, rank, type_name, type_argument):
    """The Operand of x or a residual: read, never written."""
    if _torch.is_tensor(value):
        return _torch.operand(name, value, rank, type_name, type_argument, write=False)
    view, stride = readable(name, value, rank, type_name, type_argument)
    return Operand(view.shape, view.ctypes.data, stride, view)


def output_operand(name, value, rank, type_name, type_argument):
    """The Operand of out: written in place, so never a copy."""
    if _torch.is_tensor(value):
        return _torch.operand(name, value, rank, type_name, type_argument, write=True)
    view, stride = writable(name, value, rank, type_name, type_argument)
    return Operand(view.shape, view.ctypes.data, stride, view)


def empty_like_input(x, shape, type_name):
    """A new output for input x: a torch tensor for a torch x (contiguous NHWC, so
    y.permute(0, 3, 1, 2) is a channels_last NCHW tensor), else a numpy array."""
    if _torch.is_tensor(x):
        return _torch.empty(shape, type_name)
    return np.empty(shape, dtype=DTYPES[type_name])


def is_tensor_like(value):
    """A numpy array or a torch tensor: something whose shape can be checked."""
    return isinstance(value, np.ndarray) or _torch.is_tensor(value)
