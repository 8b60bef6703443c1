// The double-precision reference every variant is checked against, and the error
// bound of docs/architecture.md: |y - ref| <= (Ci + 2) * 2^-23 * (|bias| + sum_i |x_i w_i| + |residual|),
// plus (2*Ci + 2) * 2^-149 for the absolute rounding of results below float's normal range.
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

// A layer and its buffers' layout; strides are in floats, 0 means dense.
struct conv_shape {
  size_t groups = 1, in_channels = 1, out_channels = 1;
  size_t stride_h = 1, stride_w = 1;
  size_t batch = 1, height = 1, width = 1;
  size_t input_stride = 0, output_stride = 0, residual_stride = 0;
  pw_weight_layout layout = PW_WEIGHTS_IO;
  float output_min = -INFINITY, output_max = INFINITY;

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
};

// weights: G*Ci*Co in shape.layout; bias: G*Co or empty; residual: strided as the
// shape says (res_step) or empty.
reference_output reference_conv(const conv_shape& shape, const std::vector<float>& input,
                                const std::vector<float>& weights, const std::vector<float>& bias,
                                const std::vector<float>& residual);

// Empty string when every element of `output` (strided by out_step) is within the bound
// and NaN exactly where the reference is NaN; otherwise a description of the first misses.
std::string compare_with_reference(const conv_shape& shape, const float* output, const reference_output& ref);

std::vector<float> random_floats(size_t count, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// The sentinel written in every float a run must not touch.
constexpr float kSentinel = -12345.678f;
inline bool is_sentinel(float v) { return std::memcmp(&v, &kSentinel, sizeof v) == 0; }

}  // namespace pw_test
