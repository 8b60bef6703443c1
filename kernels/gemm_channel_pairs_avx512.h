// The AVX-512 register tile for layers of at most 16 output channels (MobileNet v2's
// 16-channel projection, EfficientNet's and MnasNet's narrow layers). With one vector
// of 16 output channels per pixel, the 10x32 tile issues one broadcast load per
// multiply-add, and on a core of two loads a cycle the loads, not the FMAs, set the
// pace. Here each lane pair of a vector holds one output channel's sums of an even and
// an odd input channel: one 64-bit broadcast brings two input channels of a pixel, and
// two FMAs (the even and the odd output channels) use it, so a 10-pixel group takes 12
// loads per 20 FMAs, as the 10x32 tile does on wide layers. The sums start from the
// bias; at the block's end each channel's even and odd sums are added, in channel
// order, and the residual or the partial sums added. Weights: f32_pair_layout, NR = 16.
//
// The sums run in another order than the 10x32 kernel's (microkernel::
// sums_channel_pairs), the same for any thread count.
//
// Include it ONLY from kernels/avx512.cpp (after simd_ops_avx512.h): everything is in an
// anonymous namespace, as in gemm_microkernel.h.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstring>
#include <utility>

#include "gemm_microkernel.h"
#include "lane_pair_sums_avx512.h"

namespace pw {
namespace {

constexpr size_t kChannelPairsNR = 16;  // output channels per panel: two vectors of 8 channel pairs

using channel_pairs_arch = xsimd::avx512f;

// Input channels p[0] and p[1] in the low and high lane of every lane pair.
inline __m512 broadcast_channel_pair(const float* p) {
  double pair;
  std::memcpy(&pair, p, sizeof pair);
  return _mm512_castpd_ps(_mm512_set1_pd(pair));
}

// One panel of 16 channels (columns of them stored, 1..16) for M pixels, NV = 1 when
// columns <= 8 (one vector of pairs per pixel), else 2.
template <size_t M, size_t NV>
inline void compute_channel_pairs_panel(const gemm_tile& t, const panel_run& how, size_t n0, size_t columns,
                                        const float* panel, const float* const (&rows_end)[M], ptrdiff_t kc_bytes) {
  using ops = simd_ops<channel_pairs_arch>;
  constexpr size_t pair_row = 2 * kChannelPairsNR;  // floats per row of pairs
  __m512 acc[M][NV];
  // The first block starts from the bias row's (bias, 0) pairs; a later one from zero,
  // the partial sums added at the end.
#pragma GCC unroll 2
  for (size_t j = 0; j < NV; ++j) {
    const __m512 start = how.start_from_bias ? _mm512_loadu_ps(panel + j * 16) : _mm512_setzero_ps();
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) acc[m][j] = start;
  }

  const float* w = panel + how.bias_rows * pair_row;
  ptrdiff_t offset = -kc_bytes;
  for (; offset <= -static_cast<ptrdiff_t>(2 * sizeof(float)); offset += 2 * sizeof(float), w += pair_row) {
    __m512 weights[NV];
#pragma GCC unroll 2
    for (size_t j = 0; j < NV; ++j) weights[j] = _mm512_loadu_ps(w + j * 16);
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) {
      const __m512 x = broadcast_channel_pair(channel_at(rows_end[m], offset));
#pragma GCC unroll 2
      for (size_t j = 0; j < NV; ++j) acc[m][j] = _mm512_fmadd_ps(x, weights[j], acc[m][j]);
    }
  }
  if (offset != 0) {
    // An odd block's last channel, alone in its pair: only the even lanes take it (the
    // odd lanes' weights are padding, and an infinite input times zero would be NaN).
    __m512 weights[NV];
#pragma GCC unroll 2
    for (size_t j = 0; j < NV; ++j) weights[j] = _mm512_loadu_ps(w + j * 16);
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) {
      const __m512 x = _mm512_set1_ps(*channel_at(rows_end[m], offset));
#pragma GCC unroll 2
      for (size_t j = 0; j < NV; ++j) acc[m][j] = _mm512_mask3_fmadd_ps(x, weights[j], acc[m][j], kEvenLanes);
    }
  }

  __m512 sums[M];
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m) {
    if constexpr (NV == 2) {
      sums[m] = channel_sums(acc[m][0], acc[m][1]);
    } else {
      sums[m] = channel_sums(acc[m][0]);
    }
  }
  float* out[M];
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m) out[m] = t.output + m * t.output_stride + n0;
  // Every residual or partial sum is read before any store, so residual == output works.
  if (!how.start_from_bias) {
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) sums[m] = _mm512_add_ps(sums[m], load_columns<channel_pairs_arch>(out[m], columns));
  } else if (t.residual != nullptr) {
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
      sums[m] = _mm512_add_ps(
          sums[m], load_columns<channel_pairs_arch>(t.residual + m * t.residual_stride + n0, columns));
  }
  if (how.apply_clamp) {
    clamp_sums<ops>(t, [](float v) { return _mm512_set1_ps(v); }, [&](auto clamp) {
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m) sums[m] = clamp(sums[m]);
    });
  }
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m) store_columns<channel_pairs_arch>(out[m], sums[m], columns);
}

// M pixels, the tile's nc output channels in panels of 16 (see gemm_tile).
template <size_t M>
void gemm_channel_pairs_rows(const gemm_tile& t) {
  const float* rows_end[M];
  const ptrdiff_t kc_bytes = static_cast<ptrdiff_t>(t.kc * sizeof(float));
  block_row_ends(t, rows_end);
  const panel_run how = whole_block_run(t);
  const size_t panel_stride = 2 * kChannelPairsNR * (how.bias_rows + (t.kc + 1) / 2);
  const float* panel = static_cast<const float*>(t.weights);
  for (size_t n0 = 0; n0 < t.nc; n0 += kChannelPairsNR, panel += panel_stride) {
    const size_t columns = t.nc - n0 < kChannelPairsNR ? t.nc - n0 : kChannelPairsNR;
    if (columns <= 8) {
      compute_channel_pairs_panel<M, 1>(t, how, n0, columns, panel, rows_end, kc_bytes);
    } else {
      compute_channel_pairs_panel<M, 2>(t, how, n0, columns, panel, rows_end, kc_bytes);
    }
  }
}

template <size_t... M>
inline void gemm_channel_pairs_dispatch(const gemm_tile& t, std::index_sequence<M...>) {
  static constexpr gemm_kernel_fn by_rows[] = {&gemm_channel_pairs_rows<M + 1>...};
  by_rows[t.mr - 1](t);
}

// The entry point: t.mr in 1..MR.
template <size_t MR>
void gemm_channel_pairs(const gemm_tile& t) {
  gemm_channel_pairs_dispatch(t, std::make_index_sequence<MR>());
}

}  // namespace
}  // namespace pw
