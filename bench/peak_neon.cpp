// NEON peak: 24 independent FMLA chains out of 32 q registers. Advanced SIMD is
// baseline on AArch64, so this file needs no extra flags.
#include <arm_neon.h>

#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double neon_peak_loop(uint64_t iterations) {
  constexpr int kChains = 24;
  const float32x4_t m = vdupq_n_f32(0.999f), c = vdupq_n_f32(1e-3f);
  float32x4_t acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = vdupq_n_f32(static_cast<float>(j));
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = vfmaq_f32(c, acc[j], m);
  }
  float32x4_t sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = vaddq_f32(sum, acc[j]);
  peak_sink = vaddvq_f32(sum);
  return static_cast<double>(iterations) * kChains * 4 * 2;
}

float neon_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
