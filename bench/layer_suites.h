// The layer suites: NHWC, batch 1, one group, bias + ReLU.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace pw_bench {

struct layer {
  std::string suite;  // "resnet50", "mobilenet_v1", "mobilenet_v2", "wide", "fc", "narrow",
                      // "worked_example"
  size_t height, width, in_channels, out_channels, stride;

  size_t out_height() const { return (height - 1) / stride + 1; }
  size_t out_width() const { return (width - 1) / stride + 1; }
  size_t out_pixels() const { return out_height() * out_width(); }
  size_t in_pixels() const { return height * width; }
  double flops() const { return 2.0 * out_pixels() * in_channels * out_channels; }
  // Bytes a run must move at least: the input pixels it reads, the weights, the bias
  // and the output it writes.
  double min_bytes() const {
    return 4.0 * (out_pixels() * in_channels + in_channels * out_channels + out_channels +
                  out_pixels() * out_channels);
  }
  // "28x28_512x128", "56x56_256x512_s2": the benchmark name's layer part.
  std::string name() const;
};

const std::vector<layer>& all_layers();  // every suite, in the order the benchmark runs them

}  // namespace pw_bench
