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
  pw_datatype input_type, output_type;
  pw_math math;
  const pw::variant* variant;
  const pw::microkernel* kernel;   // the register tile it runs: the variant's, or its narrow one (kernel_for)
  pw::channel_plan channels;
  pw::tile_limits tiles;           // the run plan's conv-only part
  pw::packing_shape packing;       // what the variant's weight_layout packed
  size_t packed_group_stride;      // bytes from one group's packing to the next (64-byte multiple)
  // The layout's block_offset and panel_stride of the first block (input channel 0),
  // asked once at create: a run of one block then makes no call to find its weights.
  size_t first_block_offset, first_block_panel_stride;
  // What every run reads of the kernel and the element types, worked out at create.
  pw::gathered_conversion_fn convert_rows;   // nullptr: the kernel reads the input rows in place
  size_t input_element_bytes, output_element_bytes, kernel_element_bytes;
  size_t packed_bytes;             // what the layout wrote: groups * its group_bytes
  unsigned char* packed_weights;   // 64-byte aligned, groups * packed_group_stride bytes
  // The packed weights outgrow L2, so a run brings each block in from L3 or memory:
  // the tile loop hands each full register group a slice of the next block's weights
  // to prefetch (gemm_tile::prefetch_weights).
  bool stream_weights;
  // A run of at most this many pixels on one thread is its plan's one task, run
  // without the plan and the task (0: never): one group, stride 1, one block of input
  // channels read in place, one tile of output channels, an fp32 output, and pixels
  // whose outputs the plan keeps in one tile. On several threads the plan keeps a
  // register group of pixels of a conv of one panel in one task.
  size_t single_task_pixels;
};

namespace pw {

// The most elements of one input row the tile loop converts per kernel call (it
// rounds or widens mr rows x kc channels into a stack buffer): kc is planned no larger.
constexpr size_t kMaxConvertedRowElements = 512;

// The most pixels a run takes without a plan (pw_conv::single_task_pixels): it keeps
// their row pointers on the stack (64 measured slower than 16 on the worked example).
constexpr size_t kMaxSingleTaskPixels = 16;

// The most fp32 outputs one register group keeps for a bf16 output tensor (its
// partial sums stay fp32 until the last block): mr x nc is planned no larger.
constexpr size_t kMaxBf16OutputTileFloats = 8192;

// The register tile a conv of desc runs on a variant's kernel: the narrowest tile of
// its chain of narrow tiles whose ranges hold the output and input channel counts
// (each tile taking the layers it was measured faster for), else the kernel itself.
inline const microkernel& kernel_for(const microkernel& kernel, const pw_conv_desc& d) {
  const microkernel* chosen = &kernel;
  for (const microkernel* k = &kernel; k->narrow != nullptr; k = k->narrow)
    if (d.out_channels >= k->narrow_from && d.out_channels <= k->narrow->nr &&
        d.in_channels >= k->narrow_min_in_channels)
      chosen = k->narrow;
  return *chosen;
}

// Whether the tile loop must convert the input rows for this kernel: they are not
// already what the kernel reads (bf16 tensors for an fp32 kernel, fp32 tensors for a
// bf16 kernel), or bf16 math asks an fp32 kernel for rounded fp32 inputs.
inline bool needs_row_conversion(const microkernel& kernel, const pw_conv_desc& d) {
  const bool bf16_rows = kernel.input_type == element_type::bf16;
  if (bf16_rows) return d.input_type != PW_DATATYPE_BF16;
  return d.input_type == PW_DATATYPE_BF16 || d.math == PW_MATH_BF16;
}

// How the tile loop converts the input rows for this kernel (see
// needs_row_conversion), or nullptr when the kernel reads them in place.
inline gathered_conversion_fn row_conversion_for(const microkernel& kernel, const pw_conv_desc& d) {
  if (kernel.input_type == element_type::bf16)
    return d.input_type == PW_DATATYPE_F32 ? kernel.conversions->gathered[kNarrowF32] : nullptr;
  if (d.input_type == PW_DATATYPE_BF16) return kernel.conversions->gathered[kWidenBf16];  // exact: both maths
  if (d.math == PW_MATH_BF16) return kernel.conversions->gathered[kRoundF32];
  return nullptr;
}

// Bytes of one element of a tensor of this type.
inline size_t element_bytes(pw_datatype type) { return type == PW_DATATYPE_BF16 ? 2 : 4; }

// Bytes of one input element as the kernel reads it.
inline size_t row_element_bytes(const microkernel& kernel) { return kernel.input_type == element_type::bf16 ? 2 : 4; }

// kc and nc for this kernel and desc, as create packs them: rows converted per group
// fit the conversion buffer, and a bf16 output's fp32 tile fits its scratch.
inline channel_plan plan_channels_for(const microkernel& kernel, const pw_conv_desc& d) {
  return plan_channels(d.in_channels, d.out_channels, kernel.mr, kernel.nr, host_cache_sizes(),
                       kernel.l1_bytes_per_input_channel, row_element_bytes(kernel),
                       needs_row_conversion(kernel, d) ? kMaxConvertedRowElements : 0,
                       d.output_type == PW_DATATYPE_BF16 ? kMaxBf16OutputTileFloats / kernel.mr : 0);
}

}  // namespace pw
