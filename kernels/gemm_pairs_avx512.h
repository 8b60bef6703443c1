// The AVX-512 register tile for layers of 17..24 output channels (MobileNet v2's and
// EfficientNet's 24-channel projections): on 32-channel panels such a layer fills 24 of
// every pixel's 32 FMA lanes. Here a panel is 24 channels: channels 0..15 of each pixel
// in one vector, and channels 16..23 of two pixels side by side in one vector (the low
// half the even pixel's, the high half the odd one's), so two pixels take 3 FMAs per
// input channel instead of 4. Weights: f32_panel_layout with NR = 24 (each row's last 8
// weights are loaded into both halves). Each output starts from its bias (+ residual)
// or partial sum and adds its input channels in order with one FMA each, as the 10x32
// kernel does: the results are the same bit for bit.
//
// Include it ONLY from kernels/avx512.cpp (after simd_ops_avx512.h): everything is in an
// anonymous namespace, as in gemm_microkernel.h.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <utility>

#include "gemm_microkernel.h"

namespace pw {
namespace {

constexpr size_t kPairsNR = 24;  // 16 channels in a pixel's own vector, 8 in a vector shared by two pixels

using pairs_arch = xsimd::avx512f;
using pairs_batch = simd_batch<pairs_arch>;

// The 8 floats at p in both halves of a vector (vbroadcastf64x4, AVX-512F). The
// zero-masked form with a full mask is the plain instruction; GCC 12's unmasked
// intrinsic trips -Wmaybe-uninitialized on its _mm512_undefined_pd().
inline __m512 both_halves(const float* p) {
  return _mm512_castpd_ps(_mm512_maskz_broadcast_f64x4(0xFF, _mm256_loadu_pd(reinterpret_cast<const double*>(p))));
}

// n floats (0..8) at p in lanes 0..n-1, zero above, and the other way: moves of 8, 4,
// 2 and 1 floats, which touch nothing past p[n - 1] (x86_tail_moves.h: a masked move
// spans its whole vector, and one that crosses into the next page is slow).
inline __m256 load_up_to_8(const float* p, size_t n) { return n == 8 ? _mm256_loadu_ps(p) : load_tail8(p, n); }
inline void store_up_to_8(float* p, __m256 x, size_t n) {
  if (n == 8) return _mm256_storeu_ps(p, x);
  store_tail8(p, x, n);
}

// The shared vector's elements of pixels 2q (at `even`) and 2q+1 (at `odd`, nullptr
// for none): channels 16..16+tail-1 of each, the other lanes zero; nothing else read.
inline __m512 load_shared(const float* even, const float* odd, size_t tail) {
  const __m256 low = load_up_to_8(even + 16, tail);
  const __m256 high = odd != nullptr ? load_up_to_8(odd + 16, tail) : _mm256_setzero_ps();
  return __builtin_shufflevector(low, high, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

inline void store_shared(float* even, float* odd, __m512 x, size_t tail) {
  store_up_to_8(even + 16, __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7), tail);
  if (odd != nullptr) store_up_to_8(odd + 16, __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15), tail);
}

// One panel of 24 channels (columns of them stored, 1..24) for M pixels.
template <size_t M>
inline void compute_pairs_panel(const gemm_tile& t, const panel_run& how, size_t n0, size_t columns,
                                const float* panel, const float* const (&rows_end)[M], ptrdiff_t kc_bytes) {
  using ops = simd_ops<pairs_arch>;
  constexpr size_t kPairs = (M + 1) / 2;
  const size_t own = columns < 16 ? columns : 16;  // channels in each pixel's own vector
  const size_t tail = columns - own;               // channels in the shared vectors, 0..8
  float* out[M];
  const float* res[M];
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m) {
    out[m] = t.output + m * t.output_stride + n0;
    res[m] = t.residual != nullptr ? t.residual + m * t.residual_stride + n0 : nullptr;
  }
  auto odd_of = [](auto* const (&rows)[M], size_t q) { return 2 * q + 1 < M ? rows[2 * q + 1] : nullptr; };
  __m512 acc[M], shared[kPairs];
  // The residual is read here, before any store, so residual == output works.
  if (how.start_from_bias) {
    const __m512 bias = _mm512_loadu_ps(panel), shared_bias = both_halves(panel + 16);
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) acc[m] = bias;
#pragma GCC unroll 16
    for (size_t q = 0; q < kPairs; ++q) shared[q] = shared_bias;
    if (t.residual != nullptr) {
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m) acc[m] = _mm512_add_ps(acc[m], load_columns<pairs_arch>(res[m], own));
#pragma GCC unroll 16
      for (size_t q = 0; q < kPairs; ++q)
        shared[q] = _mm512_add_ps(shared[q], load_shared(res[2 * q], odd_of(res, q), tail));
    }
  } else {
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) acc[m] = load_columns<pairs_arch>(out[m], own);
#pragma GCC unroll 16
    for (size_t q = 0; q < kPairs; ++q) shared[q] = load_shared(out[2 * q], odd_of(out, q), tail);
  }

  const float* w = panel + how.bias_rows * kPairsNR;
  for (ptrdiff_t offset = -kc_bytes; offset != 0; offset += sizeof(float), w += kPairsNR) {
    const __m512 weights = _mm512_loadu_ps(w), shared_weights = both_halves(w + 16);
#pragma GCC unroll 16
    for (size_t q = 0; q < kPairs; ++q) {
      const __m512 even = ops::broadcast(channel_at(rows_end[2 * q], offset));
      acc[2 * q] = ops::fmadd(even, weights, acc[2 * q]);
      if (2 * q + 1 < M) {
        const __m512 odd = ops::broadcast(channel_at(rows_end[2 * q + 1], offset));
        acc[2 * q + 1] = ops::fmadd(odd, weights, acc[2 * q + 1]);
        shared[q] = ops::fmadd(_mm512_mask_blend_ps(0xFF00, even, odd), shared_weights, shared[q]);
      } else {
        shared[q] = ops::fmadd(even, shared_weights, shared[q]);  // its high half is never stored
      }
    }
  }

  if (how.apply_clamp) {
    clamp_sums<ops>(t, [](float v) { return _mm512_set1_ps(v); }, [&](auto clamp) {
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m) acc[m] = clamp(acc[m]);
#pragma GCC unroll 16
      for (size_t q = 0; q < kPairs; ++q) shared[q] = clamp(shared[q]);
    });
  }
#pragma GCC unroll 16
  for (size_t m = 0; m < M; ++m) store_columns<pairs_arch>(out[m], acc[m], own);
  if (tail != 0) {
#pragma GCC unroll 16
    for (size_t q = 0; q < kPairs; ++q) store_shared(out[2 * q], odd_of(out, q), shared[q], tail);
  }
}

// M pixels, the tile's nc output channels in panels of 24 (see gemm_tile).
template <size_t M>
void gemm_pairs_rows(const gemm_tile& t) {
  const float* rows_end[M];
  const ptrdiff_t kc_bytes = static_cast<ptrdiff_t>(t.kc * sizeof(float));
  block_row_ends(t, rows_end);
  const panel_run how = whole_block_run(t);
  const size_t panel_stride = kPairsNR * (how.bias_rows + t.kc);
  const float* panel = static_cast<const float*>(t.weights);
  for (size_t n0 = 0; n0 < t.nc; n0 += kPairsNR, panel += panel_stride) {
    const size_t columns = t.nc - n0 < kPairsNR ? t.nc - n0 : kPairsNR;
    compute_pairs_panel<M>(t, how, n0, columns, panel, rows_end, kc_bytes);
  }
}

template <size_t... M>
inline void gemm_pairs_dispatch(const gemm_tile& t, std::index_sequence<M...>) {
  static constexpr gemm_kernel_fn by_rows[] = {&gemm_pairs_rows<M + 1>...};
  by_rows[t.mr - 1](t);
}

// The entry point: t.mr in 1..MR.
template <size_t MR>
void gemm_pairs(const gemm_tile& t) {
  gemm_pairs_dispatch(t, std::make_index_sequence<MR>());
}

}  // namespace
}  // namespace pw
