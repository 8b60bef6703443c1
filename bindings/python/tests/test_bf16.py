"""bfloat16 through numpy: math="bf16" on every variant, uint16 arrays as bf16 tensors,
their dtype checks, and the bf16-only variants' refusal of fp32 math."""

import numpy as np
import pytest

import pointwise
from pointwise import Status, UnsupportedError
from reference import assert_close, reference_conv_typed, round_to_bf16, variant

TYPES = ("f32", "bf16")


def tensor(values, type_name):
    """(what to pass, its float32 values) for float32 `values` held as type_name."""
    if type_name == "bf16":
        bits = pointwise.to_bf16(values)
        return bits, pointwise.from_bf16(bits)
    return values, values


# (groups, Ci, Co, stride, residual, activation)
CASES = [
    (1, 1, 1, 1, False, None),
    (1, 19, 33, 1, True, "relu"),
    (3, 5, 7, (2, 1), True, (-0.5, 0.25)),
    (1, 64, 40, 2, False, "relu6"),
]
CLAMPS = {None: (-np.inf, np.inf), "relu": (0.0, np.inf), "relu6": (0.0, 6.0), (-0.5, 0.25): (-0.5, 0.25)}


@pytest.mark.parametrize("output_type", TYPES)
@pytest.mark.parametrize("input_type", TYPES)
@pytest.mark.parametrize("math", ("f32", "bf16"))
@pytest.mark.parametrize("case", CASES, ids=lambda c: "g%d_ci%d_co%d_s%s%s_%s" % (
    c[0], c[1], c[2], c[3], "_r" if c[4] else "", c[5]))
@pytest.mark.parametrize("isa", ("auto",) + pointwise.ISAS)
def test_matches_reference(isa, case, math, input_type, output_type):
    groups, ci, co, stride, with_residual, activation = case
    rng = np.random.default_rng(ci * 100 + co)
    w_gio = rng.uniform(-1, 1, (groups, ci, co)).astype(np.float32)
    bias = rng.uniform(-1, 1, groups * co).astype(np.float32)
    x, x_values = tensor(rng.uniform(-1, 1, (2, 5, 7, groups * ci)).astype(np.float32), input_type)
    conv = pointwise.Conv1x1(w_gio, bias, groups=groups, stride=stride, activation=activation,
                             isa=variant(isa, math), math=math, input_type=input_type, output_type=output_type)
    info = conv.info
    assert (info.math, info.input_type, info.output_type) == (math, input_type, output_type)
    assert isa == "auto" or info.isa == isa
    shape = conv.output_shape(x.shape)
    residual, residual_values = (tensor(rng.uniform(-1, 1, shape).astype(np.float32), output_type)
                                 if with_residual else (None, None))
    y = conv.conv(x, residual)
    assert y.dtype == pointwise._arrays.DTYPES[output_type] and y.shape == shape
    y_values = pointwise.from_bf16(y) if output_type == "bf16" else y
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    reference, bound = reference_conv_typed(x_values, w_gio, bias, (sh, sw), residual_values, CLAMPS[activation],
                                            math, output_type)
    assert_close(y_values, reference, bound)
    assert np.array_equal(conv.conv(x, residual, threads=2), y)


@pytest.mark.parametrize("isa", pointwise.ISAS)
def test_bf16_in_place_residual_into_a_channel_slice(isa):
    rng = np.random.default_rng(5)
    ci, co = 21, 17
    w = rng.uniform(-1, 1, (ci, co)).astype(np.float32)
    conv = pointwise.Conv1x1(w, isa=variant(isa, "bf16"), math="bf16", input_type="bf16", output_type="bf16")
    wide_x = pointwise.to_bf16(rng.uniform(-1, 1, (1, 4, 3, ci + 5)))
    x = wide_x[..., 2:2 + ci]
    concat = np.full((1, 4, 3, co + 10), 0xABCD, np.uint16)
    out = concat[..., 3:3 + co]
    initial = pointwise.to_bf16(rng.uniform(-1, 1, out.shape))
    out[...] = initial
    assert conv.conv(x, residual=out, out=out) is out
    reference, bound = reference_conv_typed(pointwise.from_bf16(x), w[np.newaxis],
                                            residual=pointwise.from_bf16(initial), math="bf16", output_type="bf16")
    assert_close(pointwise.from_bf16(out), reference, bound)
    assert np.all(concat[..., :3] == 0xABCD) and np.all(concat[..., 3 + co:] == 0xABCD)


def test_bf16_math_on_float32_tensors_rounds_the_inputs():
    """1 + 2^-9 is not a bf16 value: bf16 math sees 1, fp32 math sees it whole."""
    x = np.full((1, 1, 1, 1), 1 + 2.0 ** -9, np.float32)
    assert pointwise.Conv1x1([[1.0]], math="bf16").conv(x)[0, 0, 0, 0] == 1.0
    assert pointwise.Conv1x1([[1.0]], math="f32").conv(x)[0, 0, 0, 0] == np.float32(1 + 2.0 ** -9)
    assert pointwise.Conv1x1([[1 + 2.0 ** -9]], math="bf16").conv(np.ones((1, 1, 1, 1), np.float32))[0, 0, 0, 0] == 1.0


def test_nan_and_inf_survive_a_bf16_output():
    x = pointwise.to_bf16(np.array([[[[np.nan], [np.inf], [-np.inf], [2.0]]]], np.float32))
    y = pointwise.Conv1x1([[1.0]], math="bf16", input_type="bf16", output_type="bf16").conv(x)
    values = pointwise.from_bf16(y)[0, 0, :, 0]
    assert np.isnan(values[0]) and values[1] == np.inf and values[2] == -np.inf and values[3] == 2.0


@pytest.mark.parametrize("input_type, output_type, bad, error", [
    ("bf16", "f32", dict(x=np.ones((1, 2, 2, 4), np.float32)), "x must be uint16"),
    ("f32", "f32", dict(x=np.ones((1, 2, 2, 4), np.uint16)), "x must be float32"),
    ("f32", "bf16", dict(out=np.ones((1, 2, 2, 3), np.float32)), "out must be uint16"),
    ("f32", "bf16", dict(residual=np.ones((1, 2, 2, 3), np.float32)), "residual must be uint16"),
    ("f32", "f32", dict(out=np.ones((1, 2, 2, 3), np.uint16)), "out must be float32"),
    ("bf16", "bf16", dict(x=np.ones((1, 2, 2, 4), np.int16)), "x must be uint16"),
    ("bf16", "bf16", dict(x=[[[[1] * 4]]]), "numpy.ndarray"),
])
def test_dtypes_must_match_the_types(input_type, output_type, bad, error):
    conv = pointwise.Conv1x1(np.ones((4, 3), np.float32), math="bf16", input_type=input_type, output_type=output_type)
    arguments = dict(x=np.ones((1, 2, 2, 4), pointwise._arrays.DTYPES[input_type]))
    arguments.update(bad)
    with pytest.raises(TypeError, match=error) as caught:
        conv.conv(**arguments)
    assert ("%s=%r" % ("input_type" if "x" in bad else "output_type", input_type if "x" in bad else output_type)
            in str(caught.value)) or "numpy.ndarray" in error


@pytest.mark.parametrize("argument, value, error", [
    ("math", "fp16", ValueError), ("math", 1, TypeError), ("input_type", "float32", ValueError),
    ("output_type", None, TypeError),
])
def test_bad_type_names(argument, value, error):
    with pytest.raises(error, match=argument):
        pointwise.Conv1x1([[1.0]], **{argument: value})


def test_type_names_in_any_case():
    conv = pointwise.Conv1x1([[1.0]], math="BF16", input_type="Bf16", output_type="F32")
    assert (conv.info.math, conv.info.input_type, conv.info.output_type) == ("bf16", "bf16", "f32")
    assert "math='bf16'" in repr(conv)


@pytest.mark.parametrize("isa", [isa for isa in pointwise.ISAS if isa.endswith("_bf16")])
def test_bf16_only_variant_refuses_f32_math_with_the_librarys_message(isa):
    if not pointwise.isa_supported(isa):
        pytest.skip("variant %s is not built in or not runnable on this CPU" % isa)
    assert pointwise.isa_supported(isa, math="bf16") and not pointwise.isa_supported(isa, math="f32")
    with pytest.raises(UnsupportedError) as caught:
        pointwise.Conv1x1(np.ones((4, 3), np.float32), isa=isa, math="f32")
    assert caught.value.status == Status.UNSUPPORTED
    assert isa in caught.value.message and "PW_MATH_F32" in caught.value.message
    assert pointwise.Conv1x1(np.ones((4, 3), np.float32), isa=isa, math="bf16").info.isa == isa


def test_to_bf16_rounds_to_nearest_even():
    values = np.array([1.0, 1 + 2.0 ** -8, 1 + 3 * 2.0 ** -8, 1 + 2.0 ** -8 + 2.0 ** -20, -2.5, 0.0, -0.0,
                       np.inf, -np.inf, np.finfo(np.float32).max], np.float32)
    bits = pointwise.to_bf16(values)
    assert bits.dtype == np.uint16 and bits.shape == values.shape
    assert [int(b) for b in bits] == [0x3F80, 0x3F80, 0x3F82, 0x3F81, 0xC020, 0x0000, 0x8000,
                                      0x7F80, 0xFF80, 0x7F80]
    assert np.isnan(pointwise.from_bf16(pointwise.to_bf16(np.float32(np.nan))))
    # 1 + 2^-8 ties down to 1 (even), 1 + 3 * 2^-8 up to 1 + 2^-6 (even).
    assert np.array_equal(round_to_bf16(values[:3]), np.array([1.0, 1.0, 1 + 2.0 ** -6], np.float32))
    with pytest.raises(TypeError):
        pointwise.to_bf16(np.ones(3, np.int32))
    with pytest.raises(TypeError):
        pointwise.from_bf16(np.ones(3, np.float32))
