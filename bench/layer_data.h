// The buffers of one layer (random input, weights in both layouts, bias) and the
// outputs every implementation is checked against before it is timed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layer_suites.h"
#include "precision.h"
#include "tensor_buffer.h"

namespace pw_bench {

// What a run must produce, and how far each element may be from it.
struct expected_output {
  std::vector<float> value;      // out_pixels x Co
  std::vector<float> tolerance;  // allowed |output - value| for each element
};

struct layer_data {
  tensor_buffer<float> input;          // in_pixels x Ci, NHWC
  tensor_buffer<uint16_t> input_bf16;  // the input rounded to bf16 (bits)
  std::vector<float> weights_io;     // Ci x Co (pointwise PW_WEIGHTS_IO, a row-major GEMM B)
  std::vector<float> weights_oi;     // Co x Ci (PyTorch OIHW, oneDNN oihw, XNNPACK OHWI)
  std::vector<float> bias;           // Co
  // The scalar variant's output (bias + ReLU) with fp32 math, and with bf16 math (made
  // when a bf16 row first asks for it).
  expected_output fp32_math, bf16_math;
  std::string error;  // non-empty when a reference could not be computed
};

// A corner of a layer's output: its first `pixels` pixels and their first `channels`
// channels (what a kernel-alone row computes).
struct output_block {
  size_t pixels, channels;
};
inline output_block whole_output(const layer& l) { return {l.out_pixels(), l.out_channels}; }

// The data of `l`; one layer is kept at a time (the benchmark runs layer by layer).
// with_bf16_reference: also the bf16-math reference.
const layer_data& data_for(const layer& l, bool with_bf16_reference);

// Empty when `output` (out_pixels x Co, dense, bf16 outputs widened) is within the
// bound of the reference of precision `p`, else a description of the first mismatch.
// A bf16 output may also be off by its own rounding.
std::string compare_output(const layer& l, const layer_data& data, precision p, const std::vector<float>& output);
// The same for the corner `block` of the output (`output` holds block.pixels x
// block.channels, dense).
std::string compare_output(const layer& l, const layer_data& data, precision p, const std::vector<float>& output,
                           output_block block);

// For a peer that may or may not apply a bf16 math hint (oneDNN's fpmath_mode): the
// math whose reference `output` matches ("bf16" or "fp32"; the nearer one when both
// bounds hold), or a description of the mismatch with each.
bool matching_math(const layer& l, const layer_data& data, const std::vector<float>& output,
                   std::string* math_or_error);

}  // namespace pw_bench
