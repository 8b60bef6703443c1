// The state behind a pw_conv handle: immutable after create.
#pragma once

#include <cstddef>

#include "dispatch.h"
#include "microkernel.h"
#include "planner.h"
#include "pointwise/pointwise.h"

struct pw_conv {
  size_t groups, in_channels, out_channels;
  size_t stride_h, stride_w;
  float output_min, output_max;
  bool flush_denormals;
  const pw::variant* variant;
  pw::channel_plan channels;
  pw::packing_shape packing;       // what the variant's weight_layout packed
  size_t packed_group_stride;      // bytes from one group's packing to the next (64-byte multiple)
  size_t packed_bytes;             // what the layout wrote: groups * its group_bytes
  unsigned char* packed_weights;   // 64-byte aligned, groups * packed_group_stride bytes
};
