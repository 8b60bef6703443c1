"""Conv1x1: a pw_conv (weights packed once) run on NHWC numpy arrays or torch tensors."""

import collections
import ctypes
import math

import numpy as np

from . import _arrays, _ints, _isas, _threads, _torch, _weights
from ._handle import Handle
from ._library import DATATYPES, MATHS, pw_conv_desc, pw_conv_info
from .errors import error_for

# The variant and its tiles (pw_conv_info), then the math and tensor types the conv was made with.
ConvInfo = collections.namedtuple("ConvInfo", "isa mr nr kc nc packed_weight_bytes math input_type output_type")

_ACTIVATIONS = {None: (-math.inf, math.inf), "relu": (0.0, math.inf), "relu6": (0.0, 6.0)}


def _pair(name, value):
    """(int, int) from an int or a pair of ints, each a size_t. 0 is left to the
    library to refuse, with its own message."""
    try:
        value = (_ints.integer(name, value),) * 2
    except TypeError:
        pass
    try:
        first, second = value
    except (TypeError, ValueError):
        raise TypeError("%s must be an int or a pair of ints, got %r" % (name, value)) from None
    pair = []
    for item in (first, second):
        try:
            item = _ints.integer(name, item)
        except TypeError:
            raise TypeError("%s must be an int or a pair of ints, got %r" % (name, value)) from None
        if item < 0:
            raise ValueError("%s must be >= 1, got %r" % (name, value))
        pair.append(_ints.size(name, item))
    return tuple(pair)


def _type_name(argument, value, names):
    """A datatype or math name ("f32", "bf16", any case) as the binding spells it."""
    if not isinstance(value, str):
        raise TypeError("%s must be one of %s, got %r" % (argument, ", ".join(map(repr, names)), value))
    name = value.lower()
    if name not in names:
        raise ValueError("%s must be one of %s, got %r" % (argument, ", ".join(map(repr, names)), value))
    return name


def _clamp(activation):
    if isinstance(activation, str) or activation is None:
        if activation not in _ACTIVATIONS:
            raise ValueError("activation must be None, 'relu', 'relu6' or (min, max), got %r" % (activation,))
        return _ACTIVATIONS[activation]
    try:
        low, high = activation
    except (TypeError, ValueError):
        raise TypeError("activation must be None, 'relu', 'relu6' or (min, max), got %r" % (activation,)) from None
    low = -math.inf if low is None else float(low)
    high = math.inf if high is None else float(high)
    return low, high


class Conv1x1:
    """A 1x1 convolution with its weights packed once, for NHWC numpy arrays and torch
    tensors.

    weights: PyTorch (Co, Ci/groups, 1, 1), TensorFlow (1, 1, Ci/groups, Co), or 2-D
    (Ci/groups, Co) for layout="io" / (Co, Ci/groups) for layout="oi". bias: Co values
    or None. stride: int or (sh, sw). activation: None, "relu", "relu6" or a
    (min, max) clamp. isa: "auto" or a variant name in any case (pointwise.ISAS:
    "scalar", "sse", "avx2", "avx512", "avx512_bf16", ...); UnsupportedError if this
    CPU or build lacks it, or if it does not do `math`.
    flush_denormals: run with FTZ/DAZ set (the caller's mode is restored after).
    math: "f32" (fp32 products) or "bf16" (weights and inputs rounded to bf16 to
    nearest even, exact products, fp32 sums; bf16 inputs and weights that are
    denormal may count as zero). The bf16-only variants ("avx512_bf16", "neon_bf16")
    do math="bf16" only: with math="f32" they raise UnsupportedError.
    input_type, output_type: "f32" or "bf16", the element type of x, and of out and
    the residual. A bf16 tensor is a uint16 numpy array of raw bf16 bits (numpy has
    no bfloat16: see pointwise.to_bf16 and from_bf16) or a torch.bfloat16 tensor; an
    f32 one is float32. Weights and bias are values of any real type (torch tensors
    too), rounded to bf16 at create for math="bf16".
    groups and stride take any integer type (operator.index) but not bool.

    A Conv1x1 owns its packed weights in C: it cannot be copied or pickled (TypeError;
    build another from the same weights). It may be run from many threads at once;
    close() (or leaving a `with` block) frees the weights once the runs in flight
    return, and later calls raise ValueError.
    """

    def __init__(self, weights, bias=None, *, layout=None, groups=1, stride=1, activation=None,
                 isa="auto", flush_denormals=False, math="f32", input_type="f32", output_type="f32"):
        from . import _lib  # the loaded library, shared by the package
        self._lib = _lib
        self._handle = None
        groups = _ints.size("groups", groups, minimum=1)
        packed, layout_value, ci, co = _weights.normalize(weights, layout, groups)
        stride_h, stride_w = _pair("stride", stride)
        output_min, output_max = _clamp(activation)
        math_name = _type_name("math", math, MATHS)
        input_name = _type_name("input_type", input_type, DATATYPES)
        output_name = _type_name("output_type", output_type, DATATYPES)

        desc = pw_conv_desc()
        _lib.pw_conv_desc_init(ctypes.byref(desc), _ints.size("in_channels", ci), _ints.size("out_channels", co))
        desc.groups = groups
        desc.stride_h, desc.stride_w = stride_h, stride_w
        desc.weight_layout = layout_value
        desc.output_min, desc.output_max = output_min, output_max
        desc.isa = _isas.value_of(isa)
        desc.flush_denormals = 1 if flush_denormals else 0
        desc.math = MATHS[math_name]
        desc.input_type = DATATYPES[input_name]
        desc.output_type = DATATYPES[output_name]

        bias_pointer = None
        if bias is not None:
            bias = np.asarray(_torch.as_values(bias), dtype=np.float32)
            if bias.shape != (groups * co,):  # before ascontiguousarray, which makes a scalar (1,)
                raise ValueError("bias must have shape (%d,), got %s" % (groups * co, bias.shape))
            bias = np.ascontiguousarray(bias)
            bias_pointer = bias.ctypes.data
        conv = ctypes.c_void_p()
        status = _lib.pw_conv_create(ctypes.byref(desc), packed.ctypes.data, bias_pointer, ctypes.byref(conv))
        _check(_lib, status)
        self._handle = Handle(conv, _lib.pw_conv_destroy, "Conv1x1")
        self.groups = groups
        self.in_channels = ci * self.groups    # of the whole input tensor
        self.out_channels = co * self.groups   # of the whole output tensor
        self.stride = (stride_h, stride_w)
        self.activation = (output_min, output_max)
        self.math = math_name
        self.input_type = input_name
        self.output_type = output_name

    @property
    def info(self):
        """The variant this conv runs, its tiles (pw_conv_info), its math and tensor types."""
        info = pw_conv_info()
        conv = self._acquire()
        try:
            _check(self._lib, self._lib.pw_conv_get_info(conv, ctypes.byref(info)))
        finally:
            self._handle.release()
        return ConvInfo(_isas.name_of(info.isa), info.mr, info.nr, info.kc, info.nc, info.packed_weight_bytes,
                        self.math, self.input_type, self.output_type)

    @property
    def isa(self):
        return self.info.isa

    def output_shape(self, input_shape):
        """The output's shape for an input of shape (N, H, W, C) or (H, W, C)."""
        *outer, height, width, _ = input_shape
        return tuple(outer) + ((height - 1) // self.stride[0] + 1 if height else 0,
                               (width - 1) // self.stride[1] + 1 if width else 0, self.out_channels)

    def __call__(self, x, residual=None, out=None, threads=None):
        return self.conv(x, residual=residual, out=out, threads=threads)

    def conv(self, x, residual=None, out=None, threads=None):
        """y = clamp(x * w + bias (+ residual)) on NHWC (N, H, W, C) or (H, W, C) tensors,
        returned as `out` (allocated when None: a torch tensor for a torch x, contiguous
        NHWC, whose permute(0, 3, 1, 2) is the channels_last NCHW tensor; else a numpy
        array). x is of input_type, out and residual of output_type: numpy float32
        (f32) or uint16 bf16 bits (bf16), or torch float32 or bfloat16 CPU tensors,
        mixed freely. Nothing is copied but a numpy x or residual whose pixels are
        unevenly spaced: x, residual and out may be channel slices of wider tensors,
        torch ones NHWC views of channels_last NCHW tensors (t.permute(0, 2, 3, 1));
        a torch tensor whose channels are not contiguous is refused. residual may be
        out itself (an in-place add). No autograd: a torch out that requires grad is
        refused. threads: None or 1 runs on the calling thread, n > 1 on a pool of n
        threads, 0 on one thread per CPU (the implicit pool for the count used last,
        see pointwise.ThreadPool), or a pointwise.ThreadPool; the result is the same,
        bit for bit. An empty x (N, H or W of 0) gives an empty result."""
        rank = _arrays.rank_of("x", x, self.input_type, "input_type")
        if x.shape[-1] != self.in_channels:
            raise ValueError("x has %d channels, the conv takes %d" % (x.shape[-1], self.in_channels))
        expected = self.output_shape(tuple(x.shape))
        if out is None:
            out = _arrays.empty_like_input(x, expected, self.output_type)
        elif _arrays.is_tensor_like(out):
            _arrays.check_shape("out", out, expected)
        out_operand = _arrays.output_operand("out", out, rank, self.output_type, "output_type")
        if residual is out:
            residual_operand = out_operand
        elif residual is not None:
            if _arrays.is_tensor_like(residual):
                _arrays.check_shape("residual", residual, expected)
            residual_operand = _arrays.input_operand("residual", residual, rank, self.output_type, "output_type")
        x_operand = _arrays.input_operand("x", x, rank, self.input_type, "input_type")
        _threads.check(threads)
        batch, height, width, _ = (_ints.size("x.shape", extent) for extent in x_operand.shape)
        conv = self._acquire()
        try:
            if batch * height * width == 0:  # an empty tensor: nothing to read or write
                return out
            pool, pool_pointer = _threads.acquire(threads)
            try:
                # The operands (x_operand.keep, ...) hold the arrays and tensors until the call returns.
                status = self._lib.pw_conv_run(
                    conv, batch, height, width,
                    x_operand.pointer, _ints.size("x pixel stride", x_operand.stride),
                    out_operand.pointer, _ints.size("out pixel stride", out_operand.stride),
                    residual_operand.pointer if residual is not None else None,
                    _ints.size("residual pixel stride", residual_operand.stride) if residual is not None else 0,
                    pool_pointer)
            finally:
                _threads.release(pool)
        finally:
            self._handle.release()
        _check(self._lib, status)
        return out

    def close(self):
        """Frees the packed weights now, or when the last run in flight returns."""
        if self._handle is not None:
            self._handle.close()

    @property
    def closed(self):
        return self._handle is None or self._handle.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __reduce_ex__(self, protocol):
        raise TypeError("a Conv1x1 cannot be copied or pickled: it owns its packed weights in C; "
                        "build another Conv1x1 from the same weights")

    def __repr__(self):
        state = "closed" if self.closed else "isa=%r" % self.isa
        types = "" if (self.math, self.input_type, self.output_type) == ("f32",) * 3 else (
            ", math=%r, input_type=%r, output_type=%r" % (self.math, self.input_type, self.output_type))
        return "Conv1x1(in_channels=%d, out_channels=%d, groups=%d, stride=%s%s, %s)" % (
            self.in_channels, self.out_channels, self.groups, self.stride, types, state)

    def _acquire(self):
        """The pw_conv*, kept alive until self._handle.release()."""
        if self._handle is None:
            raise ValueError("this Conv1x1 is closed")
        return self._handle.acquire()


def _check(lib, status):
    if status != 0:
        raise error_for(status, lib.pw_last_error().decode(errors="replace"))

