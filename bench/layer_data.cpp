#include "layer_data.h"

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <memory>
#include <random>

#include "pointwise/pointwise.h"

namespace pw_bench {
namespace {

std::vector<float> random_floats(size_t count, uint32_t seed) {
  std::mt19937 generator(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> values(count);
  for (float& v : values) v = uniform(generator);
  return values;
}

template <class Values>
Values absolute(Values values) {
  for (float& v : values) v = std::fabs(v);
  return values;
}

// One run of the scalar variant (tested against a double-precision reference by the
// test suite) with the given clamp and math.
std::string run_scalar(const layer& l, const tensor_buffer<float>& input, const std::vector<float>& weights_io,
                       const std::vector<float>& bias, float output_min, pw_math math, std::vector<float>* output) {
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, l.in_channels, l.out_channels);
  desc.stride_h = desc.stride_w = l.stride;
  desc.output_min = output_min;
  desc.isa = PW_ISA_SCALAR;
  desc.math = math;
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, weights_io.data(), bias.data(), &conv) != PW_OK)
    return std::string("scalar reference: pw_conv_create failed: ") + pw_last_error();
  std::unique_ptr<pw_conv, void (*)(pw_conv*)> owner(conv, pw_conv_destroy);
  output->assign(l.out_pixels() * l.out_channels, 0.0f);
  if (pw_conv_run(conv, 1, l.height, l.width, input.data(), 0, output->data(), 0, nullptr, 0, nullptr) != PW_OK)
    return std::string("scalar reference: pw_conv_run failed: ") + pw_last_error();
  return "";
}

// The scalar variant's output for `math`, and the error bound of docs/architecture.md
// for each of two results: (Ci + 2) * 2^-23 * (|bias| + sum |x w|), where the sum of
// magnitudes is itself a convolution of |x|, |w|, |bias| (with the same math: bf16
// math rounds the magnitudes as it rounds the values). bf16 math may flush sums
// below FLT_MIN: (2 Ci + 2) * FLT_MIN more.
std::string reference(const layer& l, const layer_data& data, pw_math math, expected_output* expected) {
  std::string error = run_scalar(l, data.input, data.weights_io, data.bias, 0.0f, math, &expected->value);
  std::vector<float> magnitude;
  if (error.empty())
    error = run_scalar(l, absolute(data.input), absolute(data.weights_io), absolute(data.bias), -INFINITY, math,
                       &magnitude);
  if (!error.empty()) return error;
  const double unit = (static_cast<double>(l.in_channels) + 2) * std::ldexp(1.0, -23);
  const double underflow = math == PW_MATH_BF16 ? (2.0 * l.in_channels + 2) * FLT_MIN : 0.0;
  expected->tolerance.resize(magnitude.size());
  for (size_t i = 0; i < magnitude.size(); ++i)
    expected->tolerance[i] = static_cast<float>(2.0 * (unit * magnitude[i] + underflow) * 1.01 + 1e-30);
  return "";
}

std::string first_mismatch(const layer& l, const expected_output& expected, bool bf16_output,
                           const std::vector<float>& output, output_block block, const char* reference_name) {
  if (block.pixels > l.out_pixels() || block.channels > l.out_channels ||
      output.size() != block.pixels * block.channels || expected.value.size() != l.out_pixels() * l.out_channels)
    return "output has the wrong size";
  for (size_t p = 0; p < block.pixels; ++p) {
    for (size_t o = 0; o < block.channels; ++o) {
      const size_t i = p * l.out_channels + o;
      double bound = expected.tolerance[i];
      // A bf16 output is the result rounded to nearest even after the clamp: 2^-8 of
      // its magnitude more.
      if (bf16_output) bound += std::ldexp(1.0, -8) * (std::fabs(expected.value[i]) + bound);
      const float value = output[p * block.channels + o];
      const double difference = std::fabs(static_cast<double>(value) - expected.value[i]);
      if (!(difference <= bound)) {  // also catches NaN
        char text[240];
        std::snprintf(
            text, sizeof text,
            "output differs from pointwise's scalar variant (%s) at pixel %zu channel %zu: %g vs %g (bound %g)",
            reference_name, p, o, value, expected.value[i], bound);
        return text;
      }
    }
  }
  return "";
}

}  // namespace

const layer_data& data_for(const layer& l, bool with_bf16_reference) {
  static const layer* cached_layer = nullptr;
  static layer_data cached;
  if (cached_layer != &l) {
    layer_data data;
    const uint32_t seed = static_cast<uint32_t>(l.in_channels * 7919 + l.out_channels * 31 + l.height);
    const std::vector<float> input = random_floats(l.in_pixels() * l.in_channels, seed);
    data.input.assign(input.begin(), input.end());
    data.input_bf16.resize(data.input.size());
    for (size_t i = 0; i < data.input.size(); ++i) data.input_bf16[i] = to_bf16(data.input[i]);
    data.weights_io = random_floats(l.in_channels * l.out_channels, seed + 1);
    data.bias = random_floats(l.out_channels, seed + 2);
    data.weights_oi.resize(data.weights_io.size());
    for (size_t i = 0; i < l.in_channels; ++i)
      for (size_t o = 0; o < l.out_channels; ++o)
        data.weights_oi[o * l.in_channels + i] = data.weights_io[i * l.out_channels + o];
    data.error = reference(l, data, PW_MATH_F32, &data.fp32_math);
    cached = std::move(data);
    cached_layer = &l;
  }
  // bf16 math rounds fp32 inputs to bf16 on load, as the bf16 input tensor holds them:
  // one reference serves both bf16 precisions.
  if (with_bf16_reference && cached.error.empty() && cached.bf16_math.value.empty())
    cached.error = reference(l, cached, PW_MATH_BF16, &cached.bf16_math);
  return cached;
}

std::string compare_output(const layer& l, const layer_data& data, precision p, const std::vector<float>& output) {
  return compare_output(l, data, p, output, whole_output(l));
}

std::string compare_output(const layer& l, const layer_data& data, precision p, const std::vector<float>& output,
                           output_block block) {
  if (!data.error.empty()) return data.error;
  if (p == precision::fp32) return first_mismatch(l, data.fp32_math, false, output, block, "fp32 math");
  if (data.bf16_math.value.empty()) return "the bf16-math reference was not made";
  return first_mismatch(l, data.bf16_math, p == precision::bf16, output, block, "bf16 math");
}

bool matching_math(const layer& l, const layer_data& data, const std::vector<float>& output,
                   std::string* math_or_error) {
  // On wide layers the bound of either math may hold the other's result: of the
  // references the output is within bound of, the nearer one names the math.
  const std::string as_bf16 = compare_output(l, data, precision::bf16math, output);
  const std::string as_fp32 = compare_output(l, data, precision::fp32, output);
  if (!as_bf16.empty() && !as_fp32.empty()) {
    *math_or_error = as_bf16 + "; " + as_fp32;
    return false;
  }
  auto distance = [&](const expected_output& expected) {
    double sum = 0;
    for (size_t i = 0; i < output.size(); ++i) sum += std::fabs(static_cast<double>(output[i]) - expected.value[i]);
    return sum;
  };
  const bool bf16 = as_fp32.empty() ? as_bf16.empty() && distance(data.bf16_math) < distance(data.fp32_math) : true;
  *math_or_error = bf16 ? "bf16" : "fp32";
  return true;
}

}  // namespace pw_bench
