#include "layer_suites.h"

namespace pw_bench {

std::string layer::name() const {
  std::string text = std::to_string(height) + "x" + std::to_string(width) + "_" + std::to_string(in_channels) +
                     "x" + std::to_string(out_channels);
  if (stride != 1) text += "_s" + std::to_string(stride);
  return text;
}

const std::vector<layer>& all_layers() {
  static const std::vector<layer> layers = [] {
    std::vector<layer> list;
    auto add = [&](const char* suite, size_t hw, size_t ci, size_t co, size_t stride = 1) {
      list.push_back(layer{suite, hw, hw, ci, co, stride});
    };
    // ResNet-50's 1x1 convolutions (each shape once).
    add("resnet50", 56, 64, 64);
    add("resnet50", 56, 64, 256);
    add("resnet50", 56, 256, 64);
    add("resnet50", 56, 256, 512, 2);
    add("resnet50", 28, 128, 512);
    add("resnet50", 28, 512, 128);
    add("resnet50", 14, 256, 1024);
    add("resnet50", 14, 1024, 256);
    add("resnet50", 7, 512, 2048);
    add("resnet50", 7, 2048, 512);
    // MobileNet v1's pointwise layers (the stride-2 steps are in the depthwise layers).
    add("mobilenet_v1", 112, 32, 64);
    add("mobilenet_v1", 56, 64, 128);
    add("mobilenet_v1", 56, 128, 128);
    add("mobilenet_v1", 28, 128, 256);
    add("mobilenet_v1", 28, 256, 256);
    add("mobilenet_v1", 14, 256, 512);
    add("mobilenet_v1", 14, 512, 512);
    add("mobilenet_v1", 7, 512, 1024);
    add("mobilenet_v1", 7, 1024, 1024);
    // MobileNet v2's expand and project layers, and its last 1x1 layer.
    add("mobilenet_v2", 112, 32, 16);
    add("mobilenet_v2", 112, 16, 96);
    add("mobilenet_v2", 56, 96, 24);
    add("mobilenet_v2", 56, 24, 144);
    add("mobilenet_v2", 56, 144, 24);
    add("mobilenet_v2", 28, 144, 32);
    add("mobilenet_v2", 28, 32, 192);
    add("mobilenet_v2", 28, 192, 32);
    add("mobilenet_v2", 14, 192, 64);
    add("mobilenet_v2", 14, 64, 384);
    add("mobilenet_v2", 14, 384, 64);
    add("mobilenet_v2", 14, 384, 96);
    add("mobilenet_v2", 14, 96, 576);
    add("mobilenet_v2", 14, 576, 96);
    add("mobilenet_v2", 7, 576, 160);
    add("mobilenet_v2", 7, 160, 960);
    add("mobilenet_v2", 7, 960, 160);
    add("mobilenet_v2", 7, 960, 320);
    add("mobilenet_v2", 7, 320, 1280);
    // Wide layers whose weights or inputs do not fit in L2: the planner's blocking over
    // input and output channels must keep them at the kernel's speed (no cliff).
    add("wide", 14, 1024, 2048);
    add("wide", 7, 2048, 512);
    add("wide", 64, 1024, 1024);
    // Weights beyond L3 (64 MiB): read from memory once per run, at the kernel's
    // speed only if the stream overlaps the FMAs.
    add("wide", 7, 4096, 4096);
    // Fully-connected layers as 1x1 convolutions of a 1x1 image: ResNet-50's classifier,
    // whose weights come from memory, and squeeze-excite layers (EfficientNet-B0's
    // 1152->48->1152, MobileNet v3's 576->144), whose few outputs leave a single pixel
    // short of independent sums.
    add("fc", 1, 2048, 1000);
    add("fc", 1, 1152, 48);
    add("fc", 1, 48, 1152);
    add("fc", 1, 576, 144);
    // Few output channels on many input channels (EfficientNet's and MnasNet's
    // projections): one panel of 16 outputs per pixel.
    add("narrow", 28, 192, 16);
    add("narrow", 14, 480, 16);
    // The worked example of the README (3x3 image, 2 -> 1).
    add("worked_example", 3, 2, 1);
    return list;
  }();
  return layers;
}

}  // namespace pw_bench
