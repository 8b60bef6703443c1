// The AArch64 BF16 variant (FEAT_BF16: Armv8.6, optional from Armv8.2): bf16 inputs
// and weights, fp32 sums, with BFDOT by lane.
//
// Compiled with -march=armv8.2-a+bf16 (this file only): the smallest target that has
// BFDOT. -march=armv8.6-a would let GCC use every Armv8.3-8.6 instruction, which
// BF16 cores such as Neoverse V1 (Armv8.4 + BF16) lack; the dispatcher checks one
// fact, HWCAP2_BF16 (getauxval in src/cpu_info.cpp), so this file may use
// Armv8.2 + BF16 and nothing more.
//
// The tile contract is gemm_tile (microkernel.h) with the bf16 changes of the bf16
// kernel contract: input_rows[m] point to bf16 bits (uint16_t), input_offset
// counts bf16 elements, and the packed weights of one block, per panel of NR output
// channels, are
//   first block:  NR fp32 biases, then ceil(kc/2) rows of NR channel pairs
//   later blocks: ceil(kc/2) rows of NR channel pairs
// where a channel pair is 32 bits: the bf16 weight of input channel 2p in the low half,
// of channel 2p+1 in the high half (0 for the last row of an odd kc). Panels are
// NR*4*(first ? 1 : 0) + ceil(kc/2)*NR*4 bytes apart. Output, bias and residual are
// fp32.
//
// BFDOT by lane (bfdot v.4s, w.8h, x.2h[l]) adds to 4 output channels the dot product
// of one input channel pair (lane l of a register holding 8 channels of one pixel)
// with those channels' weight pairs: 8 multiply-adds. One 128-bit load brings 8 input
// channels of a pixel, used lane by lane as the fp32 kernel's k_group does.
//
// Tile 10 pixels x 8 output channels: 20 accumulators, 10 input groups and 2 weight
// vectors use all 32 registers without a spill (.ci/check_neon_bf16_inner_loop.sh
// checks the object). BFDOT was chosen over BFMMLA, which needs pixels in pairs,
// permutes in the epilogue and a packing of its own for no more peak unless a core
// issues it at over half BFDOT's rate (instruction counts in docs/tuning.md).
#include <arm_neon.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "bf16.h"
#include "clamp_sums.h"
#include "microkernel.h"

namespace pw {
namespace {

constexpr size_t kNeonBf16MR = 10;
constexpr size_t kNeonBf16NR = 8;
constexpr size_t kFloatsPerVector = 4;
constexpr size_t kPairsPerVector = 4;              // 32-bit channel pairs in a 128-bit register
constexpr size_t kChannelsPerGroup = 8;            // input channels of one 128-bit load
constexpr size_t kPairRowBytes = kNeonBf16NR * 4;  // one row of NR channel pairs, or NR biases

// The clamp for clamp_sums: fmax/fmin (not fmaxnm/fminnm) return NaN when either
// operand is NaN.
struct neon_bf16_clamp {
  static float32x4_t clamp(float32x4_t x, float32x4_t lo, float32x4_t hi) { return vminq_f32(vmaxq_f32(x, lo), hi); }
  static float32x4_t clamp_below(float32x4_t x, float32x4_t lo) { return vmaxq_f32(x, lo); }
};

using bf16_bits = uint16_t;

// `remaining` floats from p: a whole vector, a part (never reading p[remaining]), or zero.
inline float32x4_t load_columns(const float* p, size_t remaining) {
  if (remaining >= kFloatsPerVector) return vld1q_f32(p);
  const float32x2_t zero = vdup_n_f32(0.0f);
  if (remaining == 0) return vcombine_f32(zero, zero);
  const float32x2_t low = remaining >= 2 ? vld1_f32(p) : vld1_lane_f32(p, zero, 0);
  const float32x2_t high = remaining == 3 ? vld1_lane_f32(p + 2, zero, 0) : zero;
  return vcombine_f32(low, high);
}

// Lanes 0..remaining-1 of x to p; nothing written at p[remaining] or beyond.
inline void store_columns(float* p, float32x4_t x, size_t remaining) {
  if (remaining >= kFloatsPerVector) return vst1q_f32(p, x);
  float32x2_t pair = vget_low_f32(x);
  if (remaining & 2) {
    vst1_f32(p, pair);
    pair = vget_high_f32(x);
    p += 2;
  }
  if (remaining & 1) vst1_lane_f32(p, pair, 0);
}

// Eight input channels (four pairs) of one pixel.
inline bfloat16x8_t load_group(const bf16_bits* p) { return vreinterpretq_bf16_u16(vld1q_u16(p)); }

// One channel pair in lane 0 (4 bytes read; the address need not be 4-aligned).
inline bfloat16x8_t load_pair(const bf16_bits* p) {
  uint32_t bits;
  std::memcpy(&bits, p, sizeof(bits));
  return vreinterpretq_bf16_u32(vdupq_n_u32(bits));
}

// The last channel of an odd block in lane 0, its partner zero: 2 bytes read, so a
// row that ends at a page boundary is never read past.
inline bfloat16x8_t load_single(const bf16_bits* p) { return vreinterpretq_bf16_u32(vdupq_n_u32(*p)); }

inline bfloat16x8_t load_weights(const bf16_bits* p) { return vreinterpretq_bf16_u16(vld1q_u16(p)); }

// The accumulators of an M x (NV vectors) block; the loops over them are fully
// unrolled so every element lives in its own register.
template <size_t M, size_t NV>
struct accumulator_block {
  float32x4_t v[M][NV];
};

// The input bytes `byte_offset` (negative) from a row's end: one offset register
// serves every row and is the loop's exit test, as in the fp32 kernel.
inline const bf16_bits* channel_at(const bf16_bits* row_end, ptrdiff_t byte_offset) {
  return reinterpret_cast<const bf16_bits*>(reinterpret_cast<const char*>(row_end) + byte_offset);
}

// Pair L of every pixel's register x[m] times row L of weight pairs at w (NR pairs a
// row, of which the block uses its first NV vectors).
template <size_t M, size_t NV, int L>
inline void dot_pair(accumulator_block<M, NV>& acc, const bfloat16x8_t (&x)[M], const bf16_bits* w) {
  bfloat16x8_t weights[NV];
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) weights[j] = load_weights(w + (L * kNeonBf16NR + j * kPairsPerVector) * 2);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc.v[m][j] = vbfdotq_laneq_f32(acc.v[m][j], weights[j], x[m], L);
  }
}

// Eight input channels of every pixel: one load per pixel, four pair rows of weights.
template <size_t M, size_t NV, int... L>
inline void dot_group(accumulator_block<M, NV>& acc, const bf16_bits* const (&rows_end)[M], ptrdiff_t byte_offset,
                      const bf16_bits* w, std::integer_sequence<int, L...>) {
  bfloat16x8_t x[M];
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) x[m] = load_group(channel_at(rows_end[m], byte_offset));
  (dot_pair<M, NV, L>(acc, x, w), ...);
}

// Channels [group_end, kc) of the block, fewer than a group: whole pairs, then the odd
// last channel on its own.
template <size_t M, size_t NV>
inline void dot_tail(accumulator_block<M, NV>& acc, const bf16_bits* const (&rows_end)[M], size_t channels,
                     const bf16_bits* w) {
  bfloat16x8_t x[M];
  size_t k = 0;
  for (; k + 2 <= channels; k += 2, w += 2 * kNeonBf16NR) {
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) x[m] = load_pair(rows_end[m] + k);
    dot_pair<M, NV, 0>(acc, x, w);
  }
  if (k < channels) {
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) x[m] = load_single(rows_end[m] + k);
    dot_pair<M, NV, 0>(acc, x, w);
  }
}

// How every panel of the call starts and ends.
struct panel_run {
  size_t bias_rows;  // 1 on the first block: the panel opens with NR biases
  bool apply_clamp;
};

// The M x `columns` block of outputs of the panel at `panel`, with NV vectors per row
// (columns in ((NV - 1) * 4, NV * 4]).
template <size_t M, size_t NV>
inline void compute_panel(const gemm_tile& t, const bf16_bits* const (&rows_end)[M], panel_run how, size_t n0,
                          size_t columns, const char* panel) {
  float* out = t.output + n0;
  accumulator_block<M, NV> acc;
  // The residual is read here, before any store, so residual == output works.
  if (how.bias_rows != 0) {
    const float* bias = reinterpret_cast<const float*>(panel);
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const float32x4_t b = vld1q_f32(bias + j * kFloatsPerVector);
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) acc.v[m][j] = b;
    }
    if (t.residual != nullptr) {
      const float* res = t.residual + n0;
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) {
          const size_t remaining = columns > j * kFloatsPerVector ? columns - j * kFloatsPerVector : 0;
          acc.v[m][j] =
              vaddq_f32(acc.v[m][j], load_columns(res + m * t.residual_stride + j * kFloatsPerVector, remaining));
        }
      }
    }
  } else {
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const size_t remaining = columns > j * kFloatsPerVector ? columns - j * kFloatsPerVector : 0;
        acc.v[m][j] = load_columns(out + m * t.output_stride + j * kFloatsPerVector, remaining);
      }
    }
  }

  const bf16_bits* w = reinterpret_cast<const bf16_bits*>(panel + how.bias_rows * kPairRowBytes);
  const size_t group_channels = t.kc / kChannelsPerGroup * kChannelsPerGroup;
  for (ptrdiff_t offset = -static_cast<ptrdiff_t>(group_channels * sizeof(bf16_bits)); offset != 0;
       offset += kChannelsPerGroup * sizeof(bf16_bits), w += kChannelsPerGroup * kNeonBf16NR)
    dot_group<M, NV>(acc, rows_end, offset, w, std::make_integer_sequence<int, kPairsPerVector>());
  if (t.kc != group_channels) dot_tail<M, NV>(acc, rows_end, t.kc - group_channels, w);

  if (how.apply_clamp) {
    clamp_sums<neon_bf16_clamp>(t, [](float v) { return vdupq_n_f32(v); }, [&](auto clamp) {
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) acc.v[m][j] = clamp(acc.v[m][j]);
      }
    });
  }
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const size_t remaining = columns > j * kFloatsPerVector ? columns - j * kFloatsPerVector : 0;
      store_columns(out + m * t.output_stride + j * kFloatsPerVector, acc.v[m][j], remaining);
    }
  }
}

// An M x nc block of outputs, nc walked NR channels at a time; a last panel of at most
// 4 columns runs with one vector per row (its second vector's weights are zero).
template <size_t M>
void gemm_bf16_rows(const gemm_tile& t) {
  constexpr size_t panel_vectors = kNeonBf16NR / kFloatsPerVector;
  const bf16_bits* rows_end[M];
  const size_t group_channels = t.kc / kChannelsPerGroup * kChannelsPerGroup;
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m)
    rows_end[m] = reinterpret_cast<const bf16_bits*>(t.input_rows[m]) + t.input_offset + group_channels;

  panel_run how;
  how.bias_rows = t.first_block ? 1 : 0;
  how.apply_clamp = t.last_block && (t.output_min > -INFINITY || t.output_max < INFINITY);
  const size_t panel_bytes = kPairRowBytes * (how.bias_rows + (t.kc + 1) / 2);
  const char* panel = reinterpret_cast<const char*>(t.weights);
  for (size_t n0 = 0; n0 < t.nc; n0 += kNeonBf16NR, panel += panel_bytes) {
    const size_t columns = t.nc - n0 < kNeonBf16NR ? t.nc - n0 : kNeonBf16NR;
    if (columns <= kFloatsPerVector)
      compute_panel<M, 1>(t, rows_end, how, n0, columns, panel);
    else
      compute_panel<M, panel_vectors>(t, rows_end, how, n0, columns, panel);
  }
}

template <size_t... M>
inline void gemm_bf16_dispatch_rows(const gemm_tile& t, std::index_sequence<M...>) {
  // One fully unrolled kernel per row count, so a tail of pixels costs only its rows.
  static constexpr gemm_kernel_fn by_rows[] = {&gemm_bf16_rows<M + 1>...};
  by_rows[t.mr - 1](t);
}

// The entry point: t.mr in 1..MR.
void gemm_bf16(const gemm_tile& t) { gemm_bf16_dispatch_rows(t, std::make_index_sequence<kNeonBf16MR>()); }

}  // namespace

const microkernel neon_bf16_microkernel = {kNeonBf16MR,       kNeonBf16NR,          &gemm_bf16, &bf16_pair_layout,
                                           element_type::bf16, &this_unit_conversions, false};

}  // namespace pw
