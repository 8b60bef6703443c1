// The AVX512_BF16 register tiles for layers of at most 16 output channels (MobileNet
// v2's 16-channel projections, EfficientNet's narrow layers) and of 17..24. With one
// vector of 16 output channels per pixel, the 10x32 tile issues a broadcast per
// vdpbf16ps (10 broadcasts and a weight vector per 10 of them), and the loads, not the
// dot products, set the pace; on 24 channels it spends a quarter of its lanes on
// padding. Here each lane pair (64 bits) of a vector holds one output channel's sums
// of an even channel pair (low lane) and an odd one (high lane): one 64-bit broadcast
// brings four input channels of a pixel, and every vector of lane pairs (8 output
// channels each) uses it, so a 10-pixel group on 16 channels takes 12 loads per 20 dot
// products, as the 10x32 tile does on wide layers, and an 8-pixel group on 24 channels
// 11 loads per 24. The sums start from the bias; at the block's end each channel's two
// sums are added, in channel order (lane_pair_sums_avx512.h), then the residual or the
// partial sums. Weights: bf16_pair_pairs_layout, NR = 16 or 24.
//
// The sums run in another order than the 10x32 kernel's (microkernel::
// sums_channel_pairs), the same for any thread count and pixel count.
//
// Include it ONLY from kernels/avx512_bf16.cpp: everything is in an anonymous
// namespace (the ODR trap of STYLE.md).
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "clamp_sums.h"
#include "gemm_microkernel_bf16.h"
#include "lane_pair_sums_avx512.h"
#include "microkernel.h"
#include "simd_ops_avx512_bf16.h"

namespace pw {
namespace {

constexpr size_t kBf16ChannelPairsNR = 16;  // output channels per panel: two vectors of 8 lane pairs
constexpr size_t kBf16ChannelPairsWideNR = 24;  // three vectors of 8 lane pairs
constexpr size_t kLanePairs = 8;  // output channels per vector of lane pairs

// Input channels p[0..3] in every lane pair: p[0], p[1] in the low lane, p[2], p[3] in
// the high one.
inline __m512i broadcast_two_channel_pairs(const uint16_t* p) {
  long long four;
  std::memcpy(&four, p, sizeof four);
  return _mm512_set1_epi64(four);
}

// The block's last 1..3 channels, the missing ones zero (their weights are zero too, so
// an infinite input never meets a zero weight): reads only those channels, since the
// element after them may sit on a page the process cannot read.
inline __m512i broadcast_last_channels(const uint16_t* p, size_t count) {
  uint64_t four = p[0];
  if (count > 1) four |= static_cast<uint64_t>(p[1]) << 16;
  if (count > 2) four |= static_cast<uint64_t>(p[2]) << 32;
  return _mm512_set1_epi64(static_cast<long long>(four));
}

// What every panel of a call shares.
struct bf16_pair_pairs_block {
  size_t whole_rows;  // kc / 4 rows of four channels (1..3 more take one row after them)
  size_t rest;        // kc % 4
  size_t bias_bytes;  // a slot row on the first block, else 0
  bool apply_clamp;
};

// The epilogue's moves of `remaining` columns (avx512_bf16_ops'), but a part of exactly
// 8 columns with an unmasked half-width move: a masked move across a page is slow
// whatever its mask (x86_tail_moves.h), and a panel of 24 channels always ends on 8.
struct pair_pairs_moves {
  using ops = avx512_bf16_ops;
  static __m512 load_columns(const float* p, size_t remaining) {
    // The shuffles, not _mm512_zextps256_ps512 and _mm512_castps512_ps256, whose
    // _mm256_undefined_pd() trips GCC 12's -Wmaybe-uninitialized (as in x86_tail_moves.h).
    if (remaining == 8)
      return __builtin_shufflevector(_mm256_loadu_ps(p), _mm256_setzero_ps(), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
                                     13, 14, 15);
    return ops::load_columns(p, remaining);
  }
  static __m512 load_bf16_columns(const uint16_t* p, size_t remaining) {
    if (remaining != 8) return ops::load_bf16_columns(p, remaining);
    const __m256i bits = _mm256_zextsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    const __m512i wide = _mm512_maskz_cvtepu16_epi32(0xFFFF, bits);
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xFFFF, wide, 16));
  }
  static void store_columns(float* p, __m512 x, size_t remaining) {
    if (remaining == 8) return _mm256_storeu_ps(p, __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7));
    ops::store_columns(p, x, remaining);
  }
  static void store_bf16_columns(uint16_t* p, __m512 x, size_t remaining) {
    if (remaining != 8) return ops::store_bf16_columns(p, x, remaining);
    const __m256i bits = (__m256i)_mm512_cvtneps_pbh(x);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(bits));
  }
  // Whether `columns` end a vector with a masked move.
  static bool masked_tail(size_t columns) { return columns % 16 != 0 && columns % 16 != 8; }
};

// Output vectors of 16 channels a panel of NV vectors of lane pairs fills.
constexpr size_t output_vectors(size_t nv) { return nv == 3 ? 2 : 1; }

// One M x `columns` block of a panel of NR channels (rows of NR slots): NV = 1 for at
// most 8 columns, whose slots are the row's first vector; 2 for 9..16: even channels'
// slots, then odd ones'; 3 for 17..24: channels 0..15 as for 2, then channels 16..23.
// The epilogue moves a part of a vector other than 8 columns with the ISA's masked
// moves: the caller sees that every row's part lies in one page.
template <size_t NR, size_t M, size_t NV>
inline void bf16_pair_pairs_panel(const gemm_tile& t, const bf16_pair_pairs_block& block,
                                  const uint16_t* const (&rows_end)[M], size_t n0, size_t columns, const char* panel) {
  using ops = avx512_bf16_ops;
  using moves = pair_pairs_moves;
  constexpr size_t row_bytes = NR * 8;
  constexpr size_t OV = output_vectors(NV);
  __m512 acc[M][NV];
  // The first block starts from the bias row's (bias, 0) lane pairs; a later one from
  // zero, the partial sums added at the end.
#pragma GCC unroll 3
  for (size_t j = 0; j < NV; ++j) {
    const __m512 start =
        t.first_block ? _mm512_loadu_ps(reinterpret_cast<const float*>(panel) + j * 16) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) acc[m][j] = start;
  }

  // The rows' ends sit past the last whole row of four channels and the loop runs a
  // negative byte offset up to zero: M row pointers, one offset and the weight pointer
  // stay in general-purpose registers.
  const char* w = panel + block.bias_bytes;
  for (ptrdiff_t offset = -static_cast<ptrdiff_t>(block.whole_rows * 8); offset != 0;
       offset += 8, w += row_bytes) {
    __m512i weights[NV];
#pragma GCC unroll 3
    for (size_t j = 0; j < NV; ++j) weights[j] = _mm512_loadu_si512(w + j * 64);
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) {
      const __m512i x = broadcast_two_channel_pairs(pair_at(rows_end[m], offset));
#pragma GCC unroll 3
      for (size_t j = 0; j < NV; ++j) acc[m][j] = ops::dot(acc[m][j], x, weights[j]);
    }
  }
  if (block.rest != 0) {
    __m512i weights[NV];
#pragma GCC unroll 3
    for (size_t j = 0; j < NV; ++j) weights[j] = _mm512_loadu_si512(w + j * 64);
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) {
      const __m512i x = broadcast_last_channels(rows_end[m], block.rest);
#pragma GCC unroll 3
      for (size_t j = 0; j < NV; ++j) acc[m][j] = ops::dot(acc[m][j], x, weights[j]);
    }
  }

  __m512 sums[M][OV];
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m) {
    if constexpr (NV == 1) {
      sums[m][0] = channel_sums(acc[m][0]);
    } else {
      sums[m][0] = channel_sums(acc[m][0], acc[m][1]);
      if constexpr (NV == 3) sums[m][1] = channel_sums(acc[m][2]);
    }
  }
  // Columns of output vector v.
  const auto part = [columns](size_t v) { return columns > v * 16 ? columns - v * 16 : 0; };
  // Every residual or partial sum is read before any store, so an in-place residual works.
  float* out = t.output + n0;
  if (!t.first_block) {
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 2
      for (size_t v = 0; v < OV; ++v)
        sums[m][v] = _mm512_add_ps(sums[m][v], moves::load_columns(out + m * t.output_stride + v * 16, part(v)));
  } else if (t.bf16_residual != nullptr) {
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 2
      for (size_t v = 0; v < OV; ++v)
        sums[m][v] = _mm512_add_ps(
            sums[m][v], moves::load_bf16_columns(t.bf16_residual + n0 + m * t.bf16_residual_stride + v * 16, part(v)));
  } else if (t.residual != nullptr) {
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 2
      for (size_t v = 0; v < OV; ++v)
        sums[m][v] = _mm512_add_ps(sums[m][v],
                                   moves::load_columns(t.residual + n0 + m * t.residual_stride + v * 16, part(v)));
  }
  if (block.apply_clamp) {
    clamp_sums<ops>(t, [](float v) { return ops::splat(v); }, [&](auto clamp) {
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 2
        for (size_t v = 0; v < OV; ++v) sums[m][v] = clamp(sums[m][v]);
    });
  }
  if (t.last_block && t.bf16_output != nullptr) {
    if constexpr (OV == 1 && M > 1) {
      if (columns == 2 * kLanePairs && t.bf16_output_stride == 2 * kLanePairs) {
        // Two pixels' 16 channels side by side (a dense output of 16 channels): one
        // vcvtne2ps2bf16 and one store for both, the rounding of store_bf16_columns.
        uint16_t* bf16_out = t.bf16_output + n0;
#pragma GCC unroll 16
        for (size_t m = 0; m + 1 < M; m += 2)
          _mm512_storeu_si512(bf16_out + m * 16, (__m512i)_mm512_cvtne2ps_pbh(sums[m + 1][0], sums[m][0]));
        if constexpr (M % 2 != 0) moves::store_bf16_columns(bf16_out + (M - 1) * 16, sums[M - 1][0], 16);
        return;
      }
    }
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 2
      for (size_t v = 0; v < OV; ++v)
        moves::store_bf16_columns(t.bf16_output + n0 + m * t.bf16_output_stride + v * 16, sums[m][v], part(v));
    return;
  }
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 2
    for (size_t v = 0; v < OV; ++v) moves::store_columns(out + m * t.output_stride + v * 16, sums[m][v], part(v));
}

// bf16_pair_pairs_panel on stack copies (run_panel_staged in gemm_microkernel_bf16.h).
template <size_t NR, size_t M, size_t NV>
__attribute__((noinline)) void bf16_pair_pairs_panel_staged(const gemm_tile& t, const bf16_pair_pairs_block& block,
                                                            const uint16_t* const (&rows_end)[M], size_t n0,
                                                            size_t columns, const char* panel) {
  run_panel_staged<M, NR>(t, n0, columns, [&](const gemm_tile& staged) {
    bf16_pair_pairs_panel<NR, M, NV>(staged, block, rows_end, 0, columns, panel);
  });
}

// bf16_pair_pairs_panel where no row of any tensor has a masked column tail (a last
// output vector of other than 8 or 16 columns) across a page end, else
// bf16_pair_pairs_panel_staged.
template <size_t NR, size_t M, size_t NV>
inline void bf16_pair_pairs_panel_in_place(const gemm_tile& t, const bf16_pair_pairs_block& block,
                                           const uint16_t* const (&rows_end)[M], size_t n0, size_t columns,
                                           const char* panel) {
  if (pair_pairs_moves::masked_tail(columns)) {
    const size_t last = n0 + (output_vectors(NV) - 1) * 16;
    const bool reads_output = !t.first_block;
    const bool writes_output = !(t.last_block && t.bf16_output != nullptr);
    const float* residual = t.first_block && t.residual != nullptr ? t.residual + last : nullptr;
    const uint16_t* bf16_residual = t.first_block && t.bf16_residual != nullptr ? t.bf16_residual + last : nullptr;
    const bool fits =
        ((!reads_output && !writes_output) || no_row_crosses_a_page<M>(t.output + last, t.output_stride, 64)) &&
        no_row_crosses_a_page<M>(residual, t.residual_stride, 64) &&
        no_row_crosses_a_page<M>(bf16_residual, t.bf16_residual_stride, 32) &&
        (writes_output || no_row_crosses_a_page<M>(t.bf16_output + last, t.bf16_output_stride, 32));
    if (!fits) return bf16_pair_pairs_panel_staged<NR, M, NV>(t, block, rows_end, n0, columns, panel);
  }
  bf16_pair_pairs_panel<NR, M, NV>(t, block, rows_end, n0, columns, panel);
}

// M pixels, the call's nc output channels in panels of NR (see gemm_tile).
template <size_t NR, size_t M>
void bf16_pair_pairs_rows(const gemm_tile& t) {
  constexpr size_t row_bytes = NR * 8;
  bf16_pair_pairs_block block;
  block.whole_rows = t.kc / 4;
  block.rest = t.kc % 4;
  block.bias_bytes = t.first_block ? row_bytes : 0;
  block.apply_clamp = t.last_block && (t.output_min > -INFINITY || t.output_max < INFINITY);
  const size_t panel_bytes = block.bias_bytes + (block.whole_rows + (block.rest != 0 ? 1 : 0)) * row_bytes;

  const uint16_t* rows_end[M];
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m)
    rows_end[m] = static_cast<const uint16_t*>(t.input_rows[m]) + t.input_offset + 4 * block.whole_rows;

  const char* panel = static_cast<const char*>(t.weights);
  for (size_t n0 = 0; n0 < t.nc; n0 += NR, panel += panel_bytes) {
    const size_t columns = t.nc - n0 < NR ? t.nc - n0 : NR;
    if (columns <= kLanePairs) {
      bf16_pair_pairs_panel_in_place<NR, M, 1>(t, block, rows_end, n0, columns, panel);
    } else if (NR <= 2 * kLanePairs || columns <= 2 * kLanePairs) {
      bf16_pair_pairs_panel_in_place<NR, M, 2>(t, block, rows_end, n0, columns, panel);
    } else if constexpr (NR > 2 * kLanePairs) {
      bf16_pair_pairs_panel_in_place<NR, M, 3>(t, block, rows_end, n0, columns, panel);
    }
  }
}

template <size_t NR, size_t... M>
inline void gemm_bf16_pair_pairs_dispatch(const gemm_tile& t, std::index_sequence<M...>) {
  // One fully unrolled kernel per row count: a tail of pixels costs only its rows.
  static constexpr gemm_kernel_fn by_rows[] = {&bf16_pair_pairs_rows<NR, M + 1>...};
  by_rows[t.mr - 1](t);
}

// The entry point: t.mr in 1..MR, panels of NR = 16 or 24 channels.
template <size_t NR, size_t MR>
void gemm_bf16_pair_pairs(const gemm_tile& t) {
  static_assert(NR == 2 * kLanePairs || NR == 3 * kLanePairs, "panels of two or three vectors of lane pairs");
  gemm_bf16_pair_pairs_dispatch<NR>(t, std::make_index_sequence<MR>());
}

}  // namespace
}  // namespace pw
