"""torch.Tensor operands: against torch.nn.functional.conv2d on channels_last tensors,
zero-copy through data_ptr() and strides, and the tensors that are refused."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import pointwise  # noqa: E402
from pointwise import _arrays  # noqa: E402
from reference import assert_close, reference_conv_typed, variant  # noqa: E402

TORCH_DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16}


def nhwc(nchw):
    """The NHWC view of a channels_last NCHW tensor (channel stride 1)."""
    return nchw.permute(0, 2, 3, 1)


def nchw(nhwc_tensor):
    return nhwc_tensor.permute(0, 3, 1, 2)


def as_float64(tensor):
    return tensor.detach().to(torch.float64).numpy()


# (batch, groups, Ci, Co, stride, H, W)
CASES = [
    (2, 1, 19, 33, 1, 5, 7),
    (1, 1, 64, 40, 2, 9, 6),
    (2, 4, 8, 6, (1, 2), 4, 5),
    (1, 1, 1, 1, 1, 3, 3),
]


@pytest.mark.parametrize("math, tensor_type", [("f32", "f32"), ("bf16", "bf16"), ("bf16", "f32")])
@pytest.mark.parametrize("case", CASES, ids=lambda c: "n%d_g%d_ci%d_co%d_s%s" % c[:5])
@pytest.mark.parametrize("isa", ("auto",) + pointwise.ISAS)
def test_matches_torch_conv2d_on_channels_last(isa, case, math, tensor_type):
    """pointwise and torch's own conv2d, both against a float64 reference built from the
    inputs and weights as the math rounds them (torch's bf16 conv may round otherwise)."""
    batch, groups, ci, co, stride, height, width = case
    dtype = TORCH_DTYPES[tensor_type]
    generator = torch.Generator().manual_seed(ci * 100 + co)
    layer = torch.nn.Conv2d(groups * ci, groups * co, 1, stride=stride, groups=groups)
    with torch.no_grad():
        layer.weight.uniform_(-1, 1, generator=generator)
        layer.bias.uniform_(-1, 1, generator=generator)
    layer = layer.to(dtype=dtype, memory_format=torch.channels_last)
    x = torch.empty(batch, groups * ci, height, width).uniform_(-1, 1, generator=generator)
    x = x.to(dtype=dtype).contiguous(memory_format=torch.channels_last)
    conv = pointwise.Conv1x1(layer.weight, layer.bias, groups=groups, stride=stride, isa=variant(isa, math),
                             math=math, input_type=tensor_type, output_type=tensor_type)
    y = conv.conv(nhwc(x))
    assert isinstance(y, torch.Tensor) and y.dtype == dtype
    with torch.no_grad():
        expected = layer(x)
    assert nchw(y).shape == expected.shape
    assert nchw(y).is_contiguous(memory_format=torch.channels_last)

    w_gio = as_float64(layer.weight).reshape(groups, co, ci).transpose(0, 2, 1)  # exact: bf16 widens exactly
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    reference, bound = reference_conv_typed(as_float64(nhwc(x)), w_gio, as_float64(layer.bias), (sh, sw),
                                            math=math, output_type=tensor_type)
    assert_close(as_float64(y), reference, bound)
    if math == tensor_type:  # torch computes in the tensors' type
        assert_close(as_float64(nhwc(expected)), reference, bound)


def test_output_written_in_place_and_inputs_not_copied():
    generator = torch.Generator().manual_seed(3)
    x = torch.empty(1, 12, 4, 5).uniform_(-1, 1, generator=generator).contiguous(memory_format=torch.channels_last)
    weight = torch.empty(8, 12, 1, 1).uniform_(-1, 1, generator=generator)
    conv = pointwise.Conv1x1(weight)
    operand = _arrays.input_operand("x", nhwc(x), 4, "f32", "input_type")
    assert operand.pointer == x.data_ptr() and operand.stride == 12 and operand.keep.data_ptr() == x.data_ptr()
    # out: channels [16, 24) of a channels_last concatenation of 30 channels, which keeps the rest.
    concat = torch.full((1, 30, 4, 5), -7.0).contiguous(memory_format=torch.channels_last)
    out = nhwc(concat)[..., 16:24]
    pointer = out.data_ptr()
    assert conv.conv(nhwc(x), out=out) is out and out.data_ptr() == pointer
    with torch.no_grad():
        expected = torch.nn.functional.conv2d(x, weight)
    assert torch.allclose(concat[:, 16:24], expected, atol=1e-5)
    assert torch.all(concat[:, :16] == -7.0) and torch.all(concat[:, 24:] == -7.0)
    # residual=out: the in-place ResNet add, in bf16.
    bf16 = pointwise.Conv1x1(weight, math="bf16", input_type="bf16", output_type="bf16")
    x16 = x.to(torch.bfloat16)
    out16 = torch.ones(1, 8, 4, 5, dtype=torch.bfloat16).contiguous(memory_format=torch.channels_last)
    result = bf16.conv(nhwc(x16), residual=nhwc(out16), out=nhwc(out16))
    with torch.no_grad():
        expected16 = torch.nn.functional.conv2d(x16.float(), weight.to(torch.bfloat16).float()) + 1
    assert result.data_ptr() == out16.data_ptr()
    assert torch.allclose(out16.float(), expected16, rtol=2 ** -7, atol=1e-4)


def test_three_dimensional_tensors_and_mixing_with_numpy():
    conv = pointwise.Conv1x1(np.eye(3, dtype=np.float32) * 2)
    image = torch.arange(12, dtype=torch.float32).reshape(2, 2, 3)
    y = conv.conv(image)
    assert isinstance(y, torch.Tensor) and y.shape == (2, 2, 3) and torch.equal(y, image * 2)
    out = np.zeros((2, 2, 3), np.float32)
    assert conv.conv(image, out=out) is out and np.array_equal(out, image.numpy() * 2)
    assert isinstance(conv.conv(image.numpy()), np.ndarray)
    residual = torch.ones(2, 2, 3)
    assert torch.equal(conv.conv(image.numpy(), residual=residual, out=torch.empty(2, 2, 3)), image * 2 + 1)


def test_empty_tensor():
    conv = pointwise.Conv1x1(np.ones((4, 3), np.float32))
    y = conv.conv(torch.empty(0, 2, 2, 4))
    assert isinstance(y, torch.Tensor) and y.shape == (0, 2, 2, 3)


def test_weights_of_a_bf16_module_that_requires_grad():
    layer = torch.nn.Conv2d(4, 3, 1).to(torch.bfloat16)
    assert layer.weight.requires_grad
    conv = pointwise.Conv1x1(layer.weight, layer.bias, math="bf16", input_type="bf16", output_type="f32")
    x = torch.ones(1, 4, 2, 2, dtype=torch.bfloat16).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        expected = layer(x).float()
    assert torch.allclose(nchw(conv.conv(nhwc(x))), expected, rtol=2 ** -7, atol=1e-2)


@pytest.fixture
def conv():
    return pointwise.Conv1x1(np.ones((4, 3), np.float32))  # Ci=4 -> Co=3


def test_channels_not_contiguous_are_refused(conv):
    contiguous_nchw = torch.ones(1, 4, 2, 2)  # NCHW, not channels_last: its NHWC view has channel stride 4
    with pytest.raises(ValueError, match="channel stride 4.*channels_last"):
        conv.conv(nhwc(contiguous_nchw))
    with pytest.raises(ValueError, match="channel stride"):
        conv.conv(torch.ones(1, 2, 2, 8)[..., ::2])
    with pytest.raises(ValueError, match="out has channel stride"):
        conv.conv(torch.ones(1, 2, 2, 4), out=nhwc(torch.ones(1, 3, 2, 2)))
    with pytest.raises(ValueError, match="equally spaced"):
        conv.conv(torch.ones(1, 2, 3, 4)[:, :, :2])  # rows 3 pixels apart, pixels 1


@pytest.mark.parametrize("tensor, error, message", [
    (torch.ones(1, 2, 2, 4, dtype=torch.float64), TypeError, "torch.float32 for input_type='f32', got torch.float64"),
    (torch.ones(1, 2, 2, 4, dtype=torch.bfloat16), TypeError, "torch.float32"),
    (torch.ones(1, 2, 2, 4, device="meta"), ValueError, "device meta.*CPU"),
    (torch.ones(1, 2, 2, 4).to_sparse(), TypeError, "strided"),
    (torch.ones(2, 4), ValueError, "NHWC"),
    (torch.ones(1, 2, 2, 5), ValueError, "channels"),
])
def test_bad_input_tensors(conv, tensor, error, message):
    with pytest.raises(error, match=message):
        conv.conv(tensor)


def test_bad_output_tensors(conv):
    x = torch.ones(1, 2, 2, 4)
    with pytest.raises(ValueError, match="out must have shape"):
        conv.conv(x, out=torch.empty(1, 2, 2, 4))
    with pytest.raises(TypeError, match="out must be torch.bfloat16"):
        pointwise.Conv1x1(np.ones((4, 3), np.float32), output_type="bf16").conv(x, out=torch.empty(1, 2, 2, 3))
    with pytest.raises(ValueError, match="requires grad"):
        conv.conv(x, out=torch.empty(1, 2, 2, 3, requires_grad=True))
    with pytest.raises(ValueError, match="residual must have shape"):
        conv.conv(x, residual=torch.empty(1, 2, 2, 4))
    with pytest.raises(ValueError, match="out must have shape"):
        conv.conv(x, out=torch.empty(2, 2, 3))


def test_overlap_of_tensors_is_refused_by_the_library():
    square = pointwise.Conv1x1(np.eye(4, dtype=np.float32))
    x = torch.ones(1, 2, 2, 4)
    with pytest.raises(pointwise.InvalidArgumentError):
        square.conv(x, out=x)


def test_input_that_requires_grad_is_read():
    x = torch.ones(1, 2, 2, 4, requires_grad=True)
    y = pointwise.Conv1x1(np.ones((4, 3), np.float32)).conv(x)
    assert not y.requires_grad and torch.all(y == 4)


def test_torch_example_runs():
    example = Path(__file__).resolve().parents[3] / "examples/python/torch_bf16.py"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    result = subprocess.run([sys.executable, str(example)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(r"(\w+) bf16 \(1, 256, 56, 56\) True max \|difference\| from torch: (\S+)\n", result.stdout)
    assert match and pointwise.isa_supported(match.group(1), math="bf16"), result.stdout
    assert float(match.group(2)) <= 2 ** -6  # a bf16 rounding step or two of values near 1
