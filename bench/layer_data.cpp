#include "layer_data.h"

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

std::vector<float> absolute(std::vector<float> values) {
  for (float& v : values) v = std::fabs(v);
  return values;
}

// One run of the scalar variant (tested against a double-precision reference by the
// test suite) with the given clamp.
std::string run_scalar(const layer& l, const std::vector<float>& input, const std::vector<float>& weights_io,
                       const std::vector<float>& bias, float output_min, std::vector<float>* output) {
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, l.in_channels, l.out_channels);
  desc.stride_h = desc.stride_w = l.stride;
  desc.output_min = output_min;
  desc.isa = PW_ISA_SCALAR;
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, weights_io.data(), bias.data(), &conv) != PW_OK)
    return std::string("scalar reference: pw_conv_create failed: ") + pw_last_error();
  std::unique_ptr<pw_conv, void (*)(pw_conv*)> owner(conv, pw_conv_destroy);
  output->assign(l.out_pixels() * l.out_channels, 0.0f);
  if (pw_conv_run(conv, 1, l.height, l.width, input.data(), 0, output->data(), 0, nullptr, 0, nullptr) != PW_OK)
    return std::string("scalar reference: pw_conv_run failed: ") + pw_last_error();
  return "";
}

}  // namespace

const layer_data& data_for(const layer& l) {
  static const layer* cached_layer = nullptr;
  static layer_data cached;
  if (cached_layer == &l) return cached;
  layer_data data;
  const uint32_t seed = static_cast<uint32_t>(l.in_channels * 7919 + l.out_channels * 31 + l.height);
  data.input = random_floats(l.in_pixels() * l.in_channels, seed);
  data.weights_io = random_floats(l.in_channels * l.out_channels, seed + 1);
  data.bias = random_floats(l.out_channels, seed + 2);
  data.weights_oi.resize(data.weights_io.size());
  for (size_t i = 0; i < l.in_channels; ++i)
    for (size_t o = 0; o < l.out_channels; ++o)
      data.weights_oi[o * l.in_channels + i] = data.weights_io[i * l.out_channels + o];
  data.error = run_scalar(l, data.input, data.weights_io, data.bias, 0.0f, &data.expected);
  // The error bound of docs/architecture.md for each of two results: (Ci + 2) * 2^-23 *
  // (|bias| + sum |x w|); the sum of magnitudes is itself a convolution of |x|, |w|, |bias|.
  std::vector<float> magnitude;
  if (data.error.empty())
    data.error = run_scalar(l, absolute(data.input), absolute(data.weights_io), absolute(data.bias), -INFINITY,
                            &magnitude);
  if (data.error.empty()) {
    const double unit = (static_cast<double>(l.in_channels) + 2) * std::ldexp(1.0, -23);
    data.tolerance.resize(magnitude.size());
    for (size_t i = 0; i < magnitude.size(); ++i)
      data.tolerance[i] = static_cast<float>(2.0 * unit * magnitude[i] * 1.01 + 1e-30);
  }
  cached = std::move(data);
  cached_layer = &l;
  return cached;
}

std::string compare_output(const layer& l, const layer_data& data, const float* output) {
  if (!data.error.empty()) return data.error;
  for (size_t p = 0; p < l.out_pixels(); ++p) {
    for (size_t o = 0; o < l.out_channels; ++o) {
      const size_t i = p * l.out_channels + o;
      const float difference = std::fabs(output[i] - data.expected[i]);
      if (!(difference <= data.tolerance[i])) {  // also catches NaN
        char text[200];
        std::snprintf(text, sizeof text, "output differs from pointwise's scalar variant at pixel %zu channel %zu: %g vs %g (bound %g)",
                      p, o, output[i], data.expected[i], data.tolerance[i]);
        return text;
      }
    }
  }
  return "";
}

}  // namespace pw_bench
