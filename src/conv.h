// The state behind a pw_conv handle: immutable after create.
#pragma once

#include <cstddef>

#include "dispatch.h"
#include "packing.h"
#include "planner.h"
#include "pointwise/pointwise.h"

struct pw_conv {
  size_t groups, in_channels, out_channels;
  size_t stride_h, stride_w;
  float output_min, output_max;
  bool flush_denormals;
  const pw::variant* variant;
  pw::channel_plan channels;
  pw::packing_shape packing;
  size_t packed_group_floats;
  size_t packed_bytes;
  float* packed_weights;  // 64-byte aligned, groups * packed_group_floats floats
};
