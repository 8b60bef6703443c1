// The contract between the core (src/) and the variants' kernels (kernels/): what a
// kernel computes per call (gemm_tile) and how its weights are packed (weight_layout).
// Plain C++ with no ISA flags: every translation unit may include it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pointwise/pointwise.h"
#include "pointwise_variants_built.h"

namespace pw {

// The element type of a kernel's input rows.
enum class element_type : unsigned char {
  f32,   // fp32 kernels: they do fp32 math, and bf16 math on rows the tile loop rounded
  bf16,  // native bf16 kernels: bf16 math only, on bf16 rows
};

// One call computes an mr x nc block of outputs: mr pixels (1..MR) and nc output
// channels (any count; the kernel walks its packed panels NR channels at a time and
// stores the last partial panel without writing past column nc).
struct gemm_tile {
  size_t mr;                       // pixels in this tile, 1..MR
  size_t nc;                       // output channels in this call
  size_t kc;                       // input channels in this block
  const void* const* input_rows;   // mr pointers to the pixels' first channel of this group,
                                   // elements of the kernel's input_type
  size_t input_offset;             // the block's first input channel: row m reads element
                                   // input_offset + k of input_rows[m]; a bf16 kernel reads
                                   // no element past input_offset + kc - 1, even for odd kc
  const void* weights;             // the tile's first panel of this block, in the kernel's weight_layout
  float* output;                   // row 0, column 0 of the tile
  size_t output_stride;            // floats between output pixels
  const float* residual;           // same shape as output, or nullptr; read on the first block
  size_t residual_stride;
  bool first_block;                // start from bias (+ residual) instead of the output
  bool last_block;                 // clamp before the store
  float output_min, output_max;
  // Only for a kernel with bf16_epilogue, nullptr otherwise. bf16_output: on the last
  // block the clamped sums go there, rounded to nearest even (bf16_output_stride
  // elements between pixels), and `output` is not written. bf16_residual: read on the
  // first block instead of `residual` (bf16_residual_stride elements apart); it may be
  // bf16_output itself (an in-place residual).
  uint16_t* bf16_output = nullptr;
  size_t bf16_output_stride = 0;
  const uint16_t* bf16_residual = nullptr;
  size_t bf16_residual_stride = 0;
  // Weights that come from beyond L2, or nullptr: a full tile (mr == MR) of a kernel
  // that honours it prefetches, while it computes its call's panel p, the
  // kPrefetchBytesPerChannel * kc bytes (half for bf16 weights) from prefetch_weights
  // + p * that. The tile loop
  // hands each call the next slice of the weights its next block reads, so the stream
  // from memory is spread over the whole block instead of bursting on one group.
  const void* prefetch_weights = nullptr;
};

// Bytes a full tile prefetches per input channel of a panel (gemm_tile::
// prefetch_weights) of 4-byte weights, half that for 2-byte (bf16) ones: half a line,
// so with rows of 128 bytes (AVX-512's 10x32) four register groups of a block bring in
// the next block, at a quarter of the rate they read it (a whole line per channel,
// twice the rate, measured slower: docs/tuning.md).
constexpr size_t kPrefetchBytesPerChannel = 32;

using gemm_kernel_fn = void (*)(const gemm_tile& tile);

// What a layout is packed for: one group's weights, cut as the planner chose.
struct packing_shape {
  size_t in_channels, out_channels;  // per group
  size_t nr;                         // the kernel's panel width
  size_t kc;                         // input channels per block (the last may be shorter)
  bool round_to_bf16;                // bf16 math: weights rounded to nearest even bf16
};

// One group's weights as the caller gave them.
struct group_weights {
  const float* weights;     // in_channels * out_channels
  pw_weight_layout layout;  // w(i, o) = weights[i * Co + o] (IO) or weights[o * Ci + i] (OI)
  const float* bias;        // out_channels, or nullptr (zero)
};

// How a kernel's weights are packed at create and found by the tile loop. Offsets
// and sizes are in bytes; the packing of a group starts 64-byte aligned.
struct weight_layout {
  // One group's packed bytes; false when that overflows size_t.
  bool (*group_bytes)(const packing_shape& shape, size_t* bytes);
  // Where the block starting at input channel k0 begins, and how far apart the panels
  // of NR output channels of that block are.
  size_t (*block_offset)(const packing_shape& shape, size_t k0);
  size_t (*panel_stride)(const packing_shape& shape, size_t k0);
  // Writes group_bytes(shape) bytes to `packed`.
  void (*pack_group)(const packing_shape& shape, const group_weights& source, void* packed);
};

// fp32 panels: per block and panel of NR output channels, on the first block NR
// biases, then kc rows of NR weights (row k = input channel k0 + k); channels past the
// layer's last output channel are zero (kernels/f32_panel_layout.cpp).
extern const weight_layout f32_panel_layout;

// bf16 channel pairs (what vdpbf16ps and BFDOT read): per block and panel of NR output
// channels, on the first block NR fp32 biases, then ceil(kc/2) rows of NR pairs of 32
// bits, channel 2p in the low half and 2p+1 in the high half (zero past an odd kc);
// weights always rounded to bf16 (kernels/channel_pair_layout.cpp).
extern const weight_layout bf16_pair_layout;

// fp32 channel pairs: the same rows with a pair of floats for each output channel,
// channel 2p first (what one 64-bit broadcast of an input row multiplies). In a panel
// of more than NR/2 channels the even output channels' pairs come first, then the odd
// ones' (one blend and one in-lane swap put the sums in channel order); the bias row
// holds (bias, 0) pairs in the same order; weights rounded to bf16 for bf16 math only
// (kernels/channel_pair_layout.cpp).
extern const weight_layout f32_pair_layout;

// bf16 pairs of channel pairs (what the AVX512_BF16 tiles of at most 16 and of 17..24
// output channels read): f32_pair_layout's rows, panels and bias row, with each 64-bit
// slot holding one output channel's bf16 weights of four input channels, 4q..4q+3 from
// the low half up (zero past the block's end); ceil(kc/4) rows per block; in a panel
// of more than 8 channels, channels 0..15 in f32_pair_layout's order for 16 (even ones
// first), 16..23 after them in order; weights always rounded to bf16
// (kernels/channel_pair_layout.cpp).
extern const weight_layout bf16_pair_pairs_layout;

// The conversions the tile loop needs, compiled with the variant's own flags
// (kernels/bf16.h): fp32 -> fp32 rounded to bf16, bf16 -> fp32 (exact), and fp32 ->
// bf16 (nearest even).
enum conversion { kRoundF32 = 0, kWidenBf16 = 1, kNarrowF32 = 2 };
// `count` rows of n elements, row r from element `offset` of rows[r], written densely
// to out (row r at out + r * n elements).
using gathered_conversion_fn = void (*)(const void* const* rows, size_t offset, size_t count, size_t n, void* out);
// `count` rows of n elements, in_stride and out_stride elements apart.
using strided_conversion_fn = void (*)(const void* in, size_t in_stride, size_t count, size_t n, void* out,
                                       size_t out_stride);
struct element_conversions {
  gathered_conversion_fn gathered[3];  // by `conversion`: input rows for the kernel
  strided_conversion_fn widen_bf16;    // a bf16 residual into the fp32 scratch
  strided_conversion_fn narrow_f32;    // the fp32 scratch into a bf16 output
};

struct microkernel {
  size_t mr;  // register tile: pixels
  size_t nr;  // register tile: output channels (the panel width of its layout)
  gemm_kernel_fn gemm;
  const weight_layout* layout;
  element_type input_type;                  // f32 kernels do both maths, bf16 kernels bf16 only
  const element_conversions* conversions;
  // The kernel reads a bf16 residual and stores a bf16 output itself (gemm_tile's
  // bf16_* fields); otherwise the tile loop keeps a bf16 output's sums in fp32 scratch
  // and converts them after the last block.
  bool bf16_epilogue;
  // For a kernel that copies its inputs (SSE spreads each input into a full vector):
  // the L1 bytes it keeps per input channel of a block, the mr input floats plus the
  // copy; the planner fits them in 40% of L1. 0: the kernel reads its mr rows in
  // place, and the planner lets them fill L1 (see plan_channels).
  size_t l1_bytes_per_input_channel = 0;
  // For tiles of at most few_rows pixels (a single pixel, a run's last register
  // group), or 0 and nullptr: a kernel with gemm's contract and results that walks
  // several panels at once, since a few pixels on one panel leave too few independent
  // sums to cover the multiply-add latency (kernels/gemm_few_rows_microkernel.h).
  size_t few_rows = 0;
  gemm_kernel_fn gemm_few_rows = nullptr;
  // A second register tile for layers of few output channels, or nullptr: a conv of
  // narrow_from..narrow->nr output channels per group runs it instead, with its own
  // mr, nr and packing, unless a narrower tile down the chain (narrow->narrow...)
  // takes that count (src/conv.h, kernel_for). Same results bit for bit as this
  // kernel, unless it sums_channel_pairs.
  const microkernel* narrow = nullptr;
  size_t narrow_from = 0;
  // ... and only for layers of at least this many input channels per group (a tile
  // whose end of block costs more than the wider one's pays for it over a long block).
  size_t narrow_min_in_channels = 0;
  // The kernel sums even and odd input channels of a block in separate lanes and adds
  // the two sums at the block's end: its results are within the reference's bound but
  // not bit for bit those of the kernel it narrows (still the same for any thread
  // count: a conv runs one kernel).
  bool sums_channel_pairs = false;
};

// One constant-initialised object per variant built, `<name>_microkernel` in
// kernels/<name>.cpp (no static constructor runs on a CPU that lacks the ISA).
#define PW_VARIANT(value, name, arch, peak, requirement, auto_for_bf16) \
  PW_IF_BUILT_##name(extern const microkernel name##_microkernel;)
#define PW_RESERVED(value, name)
#include "variants.def"
#undef PW_VARIANT
#undef PW_RESERVED

}  // namespace pw
