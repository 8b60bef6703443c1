"""Conv1x1: a pw_conv (weights packed once) run on NHWC float32 numpy arrays."""

import collections
import ctypes
import math

import numpy as np

from . import _arrays, _ints, _isas, _threads, _weights
from ._handle import Handle
from ._library import pw_conv_desc, pw_conv_info
from .errors import error_for

ConvInfo = collections.namedtuple("ConvInfo", "isa mr nr kc nc packed_weight_bytes")

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
    """A 1x1 convolution with its weights packed once, for NHWC float32 arrays.

    weights: PyTorch (Co, Ci/groups, 1, 1), TensorFlow (1, 1, Ci/groups, Co), or 2-D
    (Ci/groups, Co) for layout="io" / (Co, Ci/groups) for layout="oi". bias: Co values
    or None. stride: int or (sh, sw). activation: None, "relu", "relu6" or a
    (min, max) clamp. isa: "auto" or a variant name in any case ("scalar", "sse",
    "avx2", "avx512", "neon"); UnsupportedError if this CPU or build lacks it.
    flush_denormals: run with FTZ/DAZ set (the caller's mode is restored after).
    groups and stride take any integer type (operator.index) but not bool.

    A Conv1x1 owns its packed weights in C: it cannot be copied or pickled (TypeError;
    build another from the same weights). It may be run from many threads at once;
    close() (or leaving a `with` block) frees the weights once the runs in flight
    return, and later calls raise ValueError.
    """

    def __init__(self, weights, bias=None, *, layout=None, groups=1, stride=1, activation=None,
                 isa="auto", flush_denormals=False):
        from . import _lib  # the loaded library, shared by the package
        self._lib = _lib
        self._handle = None
        groups = _ints.size("groups", groups, minimum=1)
        packed, layout_value, ci, co = _weights.normalize(weights, layout, groups)
        stride_h, stride_w = _pair("stride", stride)
        output_min, output_max = _clamp(activation)

        desc = pw_conv_desc()
        _lib.pw_conv_desc_init(ctypes.byref(desc), _ints.size("in_channels", ci), _ints.size("out_channels", co))
        desc.groups = groups
        desc.stride_h, desc.stride_w = stride_h, stride_w
        desc.weight_layout = layout_value
        desc.output_min, desc.output_max = output_min, output_max
        desc.isa = _isas.value_of(isa)
        desc.flush_denormals = 1 if flush_denormals else 0

        bias_pointer = None
        if bias is not None:
            bias = np.asarray(bias, dtype=np.float32)
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

    @property
    def info(self):
        """The variant this conv runs and its tiles (pw_conv_info)."""
        info = pw_conv_info()
        conv = self._acquire()
        try:
            _check(self._lib, self._lib.pw_conv_get_info(conv, ctypes.byref(info)))
        finally:
            self._handle.release()
        return ConvInfo(_isas.name_of(info.isa), info.mr, info.nr, info.kc, info.nc, info.packed_weight_bytes)

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
        """y = clamp(x * w + bias (+ residual)) on NHWC float32 arrays, returned as `out`
        (allocated when None). x, residual and out may be channel slices of wider arrays;
        residual may be out itself (an in-place add). threads: None or 1 runs on the
        calling thread, n > 1 on a pool of n threads, 0 on one thread per CPU (the
        implicit pool for the count used last, see pointwise.ThreadPool), or a
        pointwise.ThreadPool; the result is the same, bit for bit. An empty x (N, H or
        W of 0) gives an empty result."""
        _arrays.check_float32("x", x)
        if x.ndim not in (3, 4):
            raise ValueError("x must be NHWC (N, H, W, C) or (H, W, C), got shape %s" % (x.shape,))
        rank = x.ndim
        if x.shape[-1] != self.in_channels:
            raise ValueError("x has %d channels, the conv takes %d" % (x.shape[-1], self.in_channels))
        expected = self.output_shape(x.shape)
        if out is None:
            out = np.empty(expected, dtype=np.float32)
        elif isinstance(out, np.ndarray) and out.shape != expected:
            raise ValueError("out must have shape %s, got %s" % (expected, out.shape))
        out_view, out_stride = _arrays.writable("out", out, rank)
        if residual is out:
            residual_view, residual_stride = out_view, out_stride
        elif residual is not None:
            if isinstance(residual, np.ndarray) and residual.shape != expected:
                raise ValueError("residual must have shape %s, got %s" % (expected, residual.shape))
            residual_view, residual_stride = _arrays.readable("residual", residual, rank)
        x_view, x_stride = _arrays.readable("x", x, rank)
        _threads.check(threads)
        batch, height, width, _ = (_ints.size("x.shape", extent) for extent in x_view.shape)
        conv = self._acquire()
        try:
            if batch * height * width == 0:  # an empty tensor: nothing to read or write
                return out
            pool, pool_pointer = _threads.acquire(threads)
            try:
                status = self._lib.pw_conv_run(
                    conv, batch, height, width,
                    x_view.ctypes.data, _ints.size("x pixel stride", x_stride),
                    out_view.ctypes.data, _ints.size("out pixel stride", out_stride),
                    residual_view.ctypes.data if residual is not None else None,
                    _ints.size("residual pixel stride", residual_stride) if residual is not None else 0,
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
        return "Conv1x1(in_channels=%d, out_channels=%d, groups=%d, stride=%s, %s)" % (
            self.in_channels, self.out_channels, self.groups, self.stride, state)

    def _acquire(self):
        """The pw_conv*, kept alive until self._handle.release()."""
        if self._handle is None:
            raise ValueError("this Conv1x1 is closed")
        return self._handle.acquire()


def _check(lib, status):
    if status != 0:
        raise error_for(status, lib.pw_last_error().decode(errors="replace"))

