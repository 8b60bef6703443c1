// Column tails on x86 through moves of 8, 4, 2 and 1 floats, which touch no byte past
// the tail. A masked move (vmaskmovps, AVX-512's masked vmovups) whose whole vector
// crosses into the next 4 KiB page costs about 5 ns on the AMD host when that page is
// present and about 130 ns when it is not (a microcode assist, whatever the mask says),
// against 0.4 ns within a page; the last tails of a tensor that ends at a page end, or
// of a small output near one, land there (docs/tuning.md, "Small calls").
//
// Out of line: inlined at every tail of a kernel's unrolled rows, they made the 10x32
// kernel five times larger and the worked example's kernel alone 3 ns slower, even on
// the masked path.
//
// Include only from an ISA translation unit compiled with AVX (the AVX2 and AVX-512
// ones): everything here is in an anonymous namespace, as the ODR trap asks.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace pw {
namespace {

// Whether the `bytes` from p lie in one 4 KiB page, where a masked move is fast.
inline bool in_one_page(const void* p, size_t bytes) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  return (begin >> 12) == ((begin + bytes - 1) >> 12);
}

// p[0..n) into lanes 0..n-1, zero above; n < 4. movlps, not _mm_load_sd: GCC's double
// access is misaligned for float data (UBSan).
inline __m128 load_tail4(const float* p, size_t n) {
  __m128 x = _mm_setzero_ps();
  if (n & 2) x = _mm_loadl_pi(x, reinterpret_cast<const __m64*>(p));
  if (n & 1) x = (n & 2) ? _mm_movelh_ps(x, _mm_load_ss(p + 2)) : _mm_load_ss(p);
  return x;
}

// n < 8.
__attribute__((noinline)) __m256 load_tail8(const float* p, size_t n) {
  if (n & 4) return _mm256_insertf128_ps(_mm256_castps128_ps256(_mm_loadu_ps(p)), load_tail4(p + 4, n & 3), 1);
  return _mm256_insertf128_ps(_mm256_setzero_ps(), load_tail4(p, n), 0);
}

// Lanes 0..n-1 of x to p[0..n); n < 4.
inline void store_tail4(float* p, __m128 x, size_t n) {
  if (n & 2) {
    _mm_storel_pi(reinterpret_cast<__m64*>(p), x);
    p += 2;
    x = _mm_movehl_ps(x, x);
  }
  if (n & 1) _mm_store_ss(p, x);
}

// n < 8.
__attribute__((noinline)) void store_tail8(float* p, __m256 x, size_t n) {
  __m128 low = _mm256_castps256_ps128(x);
  if (n & 4) {
    _mm_storeu_ps(p, low);
    p += 4;
    low = _mm256_extractf128_ps(x, 1);
  }
  store_tail4(p, low, n & 3);
}

#ifdef __AVX512F__
// n < 16. The halves move with __builtin_shufflevector, which GCC lowers to register
// moves or one vinsertf64x4/vextractf64x4: the intrinsics for them (casts included)
// trip GCC 12's -Wmaybe-uninitialized on an _mm256_undefined_pd() inside.
__attribute__((noinline)) __m512 load_tail16(const float* p, size_t n) {
  if (n & 8) return __builtin_shufflevector(_mm256_loadu_ps(p), load_tail8(p + 8, n & 7), 0, 1, 2, 3, 4, 5, 6, 7, 8,
                                            9, 10, 11, 12, 13, 14, 15);
  return __builtin_shufflevector(load_tail8(p, n), _mm256_setzero_ps(), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                                 14, 15);
}

// 16-bit elements (bf16 bits), n < 16: p[0..n) into lanes 0..n-1 of a 256-bit
// vector, zero above, and back; through a stack copy of the vector (a tail's cost once
// per row and panel, and only where the masked move would cross a page).
inline __attribute__((noinline)) __m256i load_tail16_bits(const uint16_t* p, size_t n) {
  alignas(32) uint16_t lanes[16] = {};
  std::memcpy(lanes, p, n * sizeof(uint16_t));
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
}

inline __attribute__((noinline)) void store_tail16_bits(uint16_t* p, __m256i x, size_t n) {
  alignas(32) uint16_t lanes[16];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), x);
  std::memcpy(p, lanes, n * sizeof(uint16_t));
}

inline __attribute__((noinline)) void store_tail16(float* p, __m512 x, size_t n) {
  __m256 low = __builtin_shufflevector(x, x, 0, 1, 2, 3, 4, 5, 6, 7);
  if (n & 8) {
    _mm256_storeu_ps(p, low);
    p += 8;
    low = __builtin_shufflevector(x, x, 8, 9, 10, 11, 12, 13, 14, 15);
  }
  store_tail8(p, low, n & 7);
}
#endif

}  // namespace
}  // namespace pw
