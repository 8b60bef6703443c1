// AVX512_BF16 operations of the bf16 microkernel (gemm_microkernel_bf16.h): a vector
// holds 16 fp32 outputs, or 16 bf16 channel pairs (32 bits each: channel 2p in the
// low half, 2p+1 in the high half, the order vdpbf16ps reads).
// Include only from a translation unit compiled with -mavx512bf16 (plus F/BW/VL).
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "x86_tail_moves.h"

namespace pw {
namespace {

struct avx512_bf16_ops {
  using acc_type = __m512;
  using pair_type = __m512i;
  static constexpr size_t width = 16;

  static __m512 splat(float x) { return _mm512_set1_ps(x); }

  // Channels 2p and 2p+1 of one pixel in every lane; GCC folds it into the
  // vdpbf16ps memory operand ({1to16}) or a vpbroadcastd.
  static __m512i broadcast_pair(const uint16_t* p) {
    int32_t pair;
    std::memcpy(&pair, p, sizeof pair);
    return _mm512_set1_epi32(pair);
  }
  // The last channel of an odd block alone, its partner zero: reads 16 bits only (the
  // element after it may sit on a page the process cannot read, and may be NaN).
  static __m512i broadcast_single(const uint16_t* p) { return _mm512_set1_epi32(static_cast<int32_t>(*p)); }

  static __m512i load_pairs(const char* p) { return _mm512_loadu_si512(p); }

  // acc + x.low * w.low + x.high * w.high per lane; products exact, sums fp32.
  static __m512 dot(__m512 acc, __m512i x, __m512i w) { return _mm512_dpbf16_ps(acc, (__m512bh)x, (__m512bh)w); }

  // max(lo, x): vmaxps returns its second operand when either is NaN, so NaN stays
  // NaN. Merge-masked with a full mask: GCC 12's unmasked forms trip
  // -Wmaybe-uninitialized on their _mm512_undefined_ps().
  static __m512 clamp(__m512 x, __m512 lo, __m512 hi) {
    const __m512 above_lo = _mm512_mask_max_ps(x, 0xFFFF, lo, x);
    return _mm512_mask_min_ps(above_lo, 0xFFFF, hi, above_lo);
  }
  static __m512 clamp_below(__m512 x, __m512 lo) { return _mm512_mask_max_ps(x, 0xFFFF, lo, x); }

  static __mmask16 tail_mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

  // `remaining` floats from p: a whole vector, a part, or zero. A part takes a masked
  // move (masked-off lanes are neither read nor written, so no fault past the end);
  // the kernel calls these on a part only where the vector lies in one page, for a
  // masked move across a page is slow whatever its mask (x86_tail_moves.h).
  static __m512 load_columns(const float* p, size_t remaining) {
    if (remaining >= width) return _mm512_loadu_ps(p);
    if (remaining == 0) return _mm512_setzero_ps();
    return _mm512_maskz_loadu_ps(tail_mask(remaining), p);
  }
  static void store_columns(float* p, __m512 x, size_t remaining) {
    if (remaining >= width) {
      _mm512_storeu_ps(p, x);
    } else if (remaining != 0) {
      _mm512_mask_storeu_ps(p, tail_mask(remaining), x);
    }
  }

  // `remaining` bf16 values from p widened to fp32 (exact), zero past them; nothing
  // past them is read (a part as load_columns takes one).
  static __m512 load_bf16_columns(const uint16_t* p, size_t remaining) {
    if (remaining == 0) return _mm512_setzero_ps();
    const __m256i bits = remaining >= width ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))
                                            : _mm256_maskz_loadu_epi16(tail_mask(remaining), p);
    // The zero-masked forms with a full mask: GCC 12's unmasked ones trip
    // -Wmaybe-uninitialized on their _mm512_undefined_epi32().
    const __m512i wide = _mm512_maskz_cvtepu16_epi32(0xFFFF, bits);
    return _mm512_castsi512_ps(_mm512_maskz_slli_epi32(0xFFFF, wide, 16));
  }
  // x rounded to nearest even bf16 (vcvtneps2bf16: NaN stays a quiet NaN; a denormal
  // becomes zero, as bf16 math allows), `remaining` of them stored, nothing past.
  static void store_bf16_columns(uint16_t* p, __m512 x, size_t remaining) {
    const __m256i bits = (__m256i)_mm512_cvtneps_pbh(x);
    if (remaining >= width) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), bits);
    } else if (remaining != 0) {
      _mm256_mask_storeu_epi16(p, tail_mask(remaining), bits);
    }
  }
  // Two vectors of one pixel (columns 0..15 in low, 16..31 in high) rounded as
  // store_bf16_columns does, by one vcvtne2ps2bf16 (its second operand fills the low
  // half), and `remaining` of the 32 stored by one move: half the conversions and
  // stores of two store_bf16_columns.
  static void store_bf16_column_pair(uint16_t* p, __m512 low, __m512 high, size_t remaining) {
    const __m512i bits = (__m512i)_mm512_cvtne2ps_pbh(high, low);
    if (remaining >= 2 * width) {
      _mm512_storeu_si512(p, bits);
    } else if (remaining != 0) {
      _mm512_mask_storeu_epi16(p, static_cast<__mmask32>((1u << remaining) - 1u), bits);
    }
  }
};

}  // namespace
}  // namespace pw
