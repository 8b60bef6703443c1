// The contract between the tile loop (src/) and the per-ISA microkernels (kernels/).
// Plain C++ with no ISA flags: every translation unit may include it.
#pragma once

#include <cstddef>

namespace pw {

// One call computes an mr x nc block of outputs: mr pixels (1..MR) and nc output
// channels (any count; the kernel walks the packed panels NR channels at a time and
// stores the last partial panel without writing past column nc).
//
// Packed weights of one input-channel block, per panel of NR output channels:
//   first block:  NR biases, then kc rows of NR weights (row k = input channel k0 + k)
//   later blocks: kc rows of NR weights
// Channels past the layer's last output channel are zero in the packing.
struct gemm_tile {
  size_t mr;                       // pixels in this tile, 1..MR
  size_t nc;                       // output channels in this call
  size_t kc;                       // input channels in this block
  const float* const* input_rows;  // mr pointers to the pixels' first channel of this group
  size_t input_offset;             // the block's first input channel: row m reads input_rows[m][input_offset + k]
  const float* weights;            // the first panel of this block
  float* output;                   // row 0, column 0 of the tile
  size_t output_stride;            // floats between output pixels
  const float* residual;           // same shape as output, or nullptr; read on the first block
  size_t residual_stride;
  bool first_block;                // start from bias (+ residual) instead of the output
  bool last_block;                 // clamp before the store
  float output_min, output_max;
};

using gemm_kernel_fn = void (*)(const gemm_tile& tile);

struct microkernel {
  size_t mr;  // register tile: pixels
  size_t nr;  // register tile: output channels (panel width of the packing)
  gemm_kernel_fn gemm;
  // For a kernel that copies its inputs (SSE spreads each input into a full vector):
  // the L1 bytes it keeps per input channel of a block, the mr input floats plus the
  // copy; the planner fits them in 40% of L1. 0: the kernel reads its mr rows in
  // place, and the planner lets them fill L1 (see plan_channels).
  size_t l1_bytes_per_input_channel = 0;
};

// One object per ISA translation unit, constant-initialised (no static constructor
// runs on a CPU that lacks the ISA).
extern const microkernel scalar_microkernel;
#if defined(POINTWISE_BUILD_SSE)
extern const microkernel sse_microkernel;
#endif
#if defined(POINTWISE_BUILD_AVX2)
extern const microkernel avx2_microkernel;
#endif
#if defined(POINTWISE_BUILD_AVX512)
extern const microkernel avx512_microkernel;
#endif
#if defined(POINTWISE_BUILD_NEON)
extern const microkernel neon_microkernel;
#endif

}  // namespace pw
