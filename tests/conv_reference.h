// The double-precision reference every variant is checked against, and the error
// bound of docs/architecture.md: |y - ref| <= (Ci + 2) * 2^-23 * (|bias| + sum_i |x_i w_i| + |residual|),
// plus (2*Ci + 2) * 2^-149 for the absolute rounding of results below float's normal range.
// bf16: the reference rounds x (bf16 math or a bf16 input) and w (bf16 math) to bf16
// and sums in double; bf16 math may also flush bf16 denormals and sums below FLT_MIN
// (the bound allows either), and a bf16 output adds 2^-8 |y| for its rounding (plus
// 2^-134, half its spacing below FLT_MIN, where the rounding is absolute).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "pointwise/pointwise.h"

namespace pw_test {

// pw_isa values of variants that do bf16 math only: their desc gets PW_MATH_BF16.
bool variant_does_bf16_math_only(pw_isa isa);

// A layer and its buffers' layout; strides are in elements, 0 means dense.
struct conv_shape {
  size_t groups = 1, in_channels = 1, out_channels = 1;
  size_t stride_h = 1, stride_w = 1;
  size_t batch = 1, height = 1, width = 1;
  size_t input_stride = 0, output_stride = 0, residual_stride = 0;
  pw_weight_layout layout = PW_WEIGHTS_IO;
  float output_min = -INFINITY, output_max = INFINITY;
  pw_math math = PW_MATH_F32;
  pw_datatype input_type = PW_DATATYPE_F32, output_type = PW_DATATYPE_F32;

  size_t out_height() const { return (height - 1) / stride_h + 1; }
  size_t out_width() const { return (width - 1) / stride_w + 1; }
  size_t out_pixels() const { return batch * out_height() * out_width(); }
  size_t in_pixels() const { return batch * height * width; }
  size_t dense_in() const { return groups * in_channels; }
  size_t dense_out() const { return groups * out_channels; }
  size_t in_step() const { return input_stride ? input_stride : dense_in(); }
  size_t out_step() const { return output_stride ? output_stride : dense_out(); }
  size_t res_step() const { return residual_stride ? residual_stride : dense_out(); }
  std::string describe() const;
  // This layer as variant `isa` runs it: bf16 math on a variant that does nothing else.
  conv_shape on_variant(pw_isa isa) const {
    conv_shape s = *this;
    if (variant_does_bf16_math_only(isa)) s.math = PW_MATH_BF16;
    return s;
  }
  bool rounds_input() const { return math == PW_MATH_BF16 || input_type == PW_DATATYPE_BF16; }
  // The desc of this layer for variant `isa` (denormals kept).
  pw_conv_desc desc(pw_isa isa) const {
    pw_conv_desc d;
    pw_conv_desc_init(&d, in_channels, out_channels);
    d.groups = groups;
    d.stride_h = stride_h;
    d.stride_w = stride_w;
    d.weight_layout = layout;
    d.output_min = output_min;
    d.output_max = output_max;
    d.isa = isa;
    d.math = on_variant(isa).math;
    d.input_type = input_type;
    d.output_type = output_type;
    return d;
  }
};

struct reference_output {
  std::vector<double> value;  // out_pixels x dense_out, dense
  std::vector<double> bound;  // allowed |error| of each element
  // 1 where the finite terms' magnitudes add up past FLT_MAX: a float product or
  // partial sum may overflow, so an infinity of either sign (after the clamp) or NaN
  // (inf - inf) is also a right answer there, whatever the exact sum.
  std::vector<unsigned char> may_overflow;
  // 1 where bf16 math multiplies an infinity by a denormal that it may count as zero:
  // NaN (Inf * 0) is then a right answer too.
  std::vector<unsigned char> may_be_nan;
};

// weights: G*Ci*Co in shape.layout; bias: G*Co or empty; residual: strided as the
// shape says (res_step) or empty; all as fp32 values (a bf16 tensor's values widened).
// The shape's math and types are the ones the run used (conv_shape::on_variant).
reference_output reference_conv(const conv_shape& shape, const std::vector<float>& input,
                                const std::vector<float>& weights, const std::vector<float>& bias,
                                const std::vector<float>& residual);

// Empty string when every element of `output` (strided by out_step) is within the bound
// and NaN exactly where the reference is NaN; otherwise a description of the first misses.
std::string compare_with_reference(const conv_shape& shape, const float* output, const reference_output& ref);

std::vector<float> random_floats(size_t count, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// The sentinel written in every float a run must not touch, and its bf16 twin.
constexpr float kSentinel = -12345.678f;
inline bool is_sentinel(float v) { return std::memcmp(&v, &kSentinel, sizeof v) == 0; }
constexpr uint16_t kSentinelBf16 = 0xC641;  // -12352, a value no test output takes

// bf16 bits <-> fp32 for tests (round to nearest even, NaN kept).
uint16_t to_bf16(float x);
float from_bf16(uint16_t bits);
inline float round_bf16(float x) { return from_bf16(to_bf16(x)); }

}  // namespace pw_test
