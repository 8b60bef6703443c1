// AVX2 + FMA3 operations of the microkernel template (gemm_microkernel.h): the FMA3
// intrinsic, and column tails through moves of 4, 2 and 1 floats or, within a page,
// vmaskmovps; neither touches memory past the last channel.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "gemm_microkernel.h"
#include "x86_tail_moves.h"

namespace pw {
namespace {

// Lane i of the mask for n columns is all ones when i < n: 8 - n entries into this row.
alignas(64) constexpr int32_t kAvx2TailMaskRow[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <>
struct simd_ops<xsimd::fma3<xsimd::avx2>> {
  using batch = simd_batch<xsimd::fma3<xsimd::avx2>>;
  static constexpr size_t k_group = 1;

  static batch broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static batch fmadd(batch a, batch b, batch c) { return _mm256_fmadd_ps(a, b, c); }

  // x86 max/min return their second operand when either is NaN: max(lo, x) keeps NaN.
  static batch clamp(batch x, batch lo, batch hi) { return xsimd::min(hi, xsimd::max(lo, x)); }
  static batch clamp_below(batch x, batch lo) { return xsimd::max(lo, x); }

  // 0 < n < width; never touches p[n]: moves of 4, 2 and 1 floats, which stay within
  // the n floats (x86_tail_moves.h), or, where the caller knows the 32 bytes at p lie in
  // one page, vmaskmovps (masked-off lanes are neither read nor written).
  static batch load_partial(const float* p, size_t n) { return load_tail8(p, n); }
  static void store_partial(float* p, batch x, size_t n) { store_tail8(p, x, n); }
  static constexpr size_t masked_tail_bytes = 32;
  static __m256i tail_mask(size_t n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kAvx2TailMaskRow + 8 - n));
  }
  static batch load_partial_masked(const float* p, size_t n) { return _mm256_maskload_ps(p, tail_mask(n)); }
  static void store_partial_masked(float* p, batch x, size_t n) { _mm256_maskstore_ps(p, tail_mask(n), x); }
};

}  // namespace
}  // namespace pw
