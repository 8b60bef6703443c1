"""torch.Tensor operands, zero-copy through data_ptr() and strides.

torch is never imported here: a caller that holds a tensor has imported it already,
so sys.modules tells whether a value is one, and a process without torch pays nothing.

A tensor qualifies when it is a CPU, strided tensor of float32 (f32) or bfloat16
(bf16) whose channels are contiguous and whose pixels are equally spaced: an NHWC
tensor, or x.permute(0, 2, 3, 1) of a channels_last NCHW one (the same memory), or a
channel slice of either. Anything else is refused rather than copied, so that a
tensor given as `out` is always the one written.
"""

import sys

from ._layout import Operand, pixel_stride_of

_DTYPE_NAMES = {"f32": "float32", "bf16": "bfloat16"}


def _torch():
    return sys.modules.get("torch")


def is_tensor(value):
    torch = _torch()
    return torch is not None and isinstance(value, torch.Tensor)


def dtype_of(type_name):
    return getattr(_torch(), _DTYPE_NAMES[type_name])


def check(name, tensor, type_name, type_argument):
    """TypeError or ValueError unless the tensor's kind, device and dtype fit."""
    torch = _torch()
    if tensor.layout != torch.strided:
        raise TypeError("%s must be a strided (dense) tensor, got layout %s" % (name, tensor.layout))
    if tensor.device.type != "cpu":
        raise ValueError("%s is on device %s; pointwise runs on the CPU: pass %s.cpu()" % (name, tensor.device, name))
    if tensor.dtype != dtype_of(type_name):
        raise TypeError("%s must be torch.%s for %s=%r, got %s"
                        % (name, _DTYPE_NAMES[type_name], type_argument, type_name, tensor.dtype))


def operand(name, tensor, rank, type_name, type_argument, write):
    """The Operand of a tensor; the tensor itself is kept for the call."""
    check(name, tensor, type_name, type_argument)
    if tensor.dim() != rank:
        raise ValueError("%s must have %d dimensions like the input, got shape %s" % (name, rank, tuple(tensor.shape)))
    if write and tensor.requires_grad:
        raise ValueError("%s requires grad; pointwise writes it outside autograd: pass a tensor that does not "
                         "(torch.no_grad() or .detach())" % name)
    shape, strides = tuple(tensor.shape), tuple(tensor.stride())
    if rank == 3:
        shape, strides = (1,) + shape, (shape[0] * strides[0],) + strides
    stride = pixel_stride_of(shape, strides)
    if stride is None:
        if shape[-1] > 1 and strides[-1] != 1:
            raise ValueError("%s has channel stride %d; its channels must be contiguous (stride 1): pass the NHWC "
                             "view t.permute(0, 2, 3, 1) of a channels_last NCHW tensor "
                             "(t.contiguous(memory_format=torch.channels_last)), or an NHWC tensor "
                             "(shape %s, strides %s)"
                             % (name, strides[-1], tuple(tensor.shape), tuple(tensor.stride())))
        raise ValueError("%s must have equally spaced pixels (an NHWC tensor or a channel slice of one); pass "
                         "%s.contiguous() (shape %s, strides %s)" % (name, name, tuple(tensor.shape),
                                                                     tuple(tensor.stride())))
    return Operand(shape, tensor.data_ptr(), stride, tensor)


def empty(shape, type_name):
    return _torch().empty(shape, dtype=dtype_of(type_name))


def as_values(value):
    """Weights or a bias as numpy can read them: a tensor (any device, bfloat16, one that
    requires grad) as a float32 CPU copy; anything else unchanged. They are copied at
    create anyway."""
    if is_tensor(value):
        return value.detach().to(device="cpu", dtype=_torch().float32).numpy()
    return value
