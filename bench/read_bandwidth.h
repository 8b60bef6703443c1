// The memory read loop, included by each peak loop's translation unit
// (bench/peak_<peak>.cpp) so that it is compiled with that loop's ISA flags: the
// 64-byte vectors below become the widest loads those flags allow (one zmm load with
// AVX-512, two ymm with AVX2, four xmm with SSE2 or NEON), and the bandwidth measured
// is what the variant's own loads can pull, not the baseline ISA's.
#pragma once

#include <cstddef>

#include "peak.h"

namespace pw_bench {
namespace {

// Sums `count` floats (a multiple of 64) with four independent sums, so several loads
// are in flight; the adds are far cheaper than the misses.
inline float read_with_widest_loads(const float* data, size_t count) {
  typedef float line __attribute__((vector_size(64)));
  line s0{}, s1{}, s2{}, s3{};
  for (size_t i = 0; i + 64 <= count; i += 64) {
    line a, b, c, d;
    __builtin_memcpy(&a, data + i, sizeof a);
    __builtin_memcpy(&b, data + i + 16, sizeof b);
    __builtin_memcpy(&c, data + i + 32, sizeof c);
    __builtin_memcpy(&d, data + i + 48, sizeof d);
    s0 += a;
    s1 += b;
    s2 += c;
    s3 += d;
  }
  const line s = (s0 + s1) + (s2 + s3);
  float sum = 0;
  for (int j = 0; j < 16; ++j) sum += s[j];
  peak_sink = sum;
  return sum;
}

}  // namespace
}  // namespace pw_bench
