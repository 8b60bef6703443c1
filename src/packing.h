// Weights packed at create into the panels the microkernels read (see
// kernels/microkernel.h for the layout of one block).
#pragma once

#include <cstddef>

#include "pointwise/pointwise.h"

namespace pw {

struct packing_shape {
  size_t groups, in_channels, out_channels;
  size_t nr;  // panel width
  size_t kc;  // input channels per block
};

// Floats of packed weights per group: every panel of every block, with the biases
// of the first block.
size_t packed_group_floats(const packing_shape& shape);

// Offset (floats, within a group) of the first panel of the block starting at input
// channel k0, and the distance between that block's panels.
size_t packed_block_offset(const packing_shape& shape, size_t k0);
size_t packed_panel_stride(const packing_shape& shape, size_t k0);

// Writes groups * packed_group_floats(shape) floats to `packed`.
void pack_weights(const packing_shape& shape, pw_weight_layout layout, const float* weights,
                  const float* bias, float* packed);

}  // namespace pw
