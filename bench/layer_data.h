// The buffers of one layer (random input, weights in both layouts, bias) and the
// output every implementation is checked against before it is timed.
#pragma once

#include <string>
#include <vector>

#include "layer_suites.h"

namespace pw_bench {

struct layer_data {
  std::vector<float> input;       // in_pixels x Ci, NHWC
  std::vector<float> weights_io;  // Ci x Co (pointwise PW_WEIGHTS_IO, a row-major GEMM B)
  std::vector<float> weights_oi;  // Co x Ci (PyTorch OIHW, oneDNN oihw, XNNPACK OHWI)
  std::vector<float> bias;        // Co
  std::vector<float> expected;    // out_pixels x Co: the scalar variant's output, bias + ReLU
  std::vector<float> tolerance;   // allowed |output - expected| for each element
  std::string error;              // non-empty when the reference could not be computed
};

// The data of `l`; one layer is kept at a time (the benchmark runs layer by layer).
const layer_data& data_for(const layer& l);

// Empty when `output` (out_pixels x Co, dense) matches `expected` within the bound,
// else a description of the first mismatch.
std::string compare_output(const layer& l, const layer_data& data, const float* output);

}  // namespace pw_bench
