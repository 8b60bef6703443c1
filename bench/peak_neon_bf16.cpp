// NEON BF16 peak: 24 independent BFDOT chains out of 32 q registers, 16 flops per
// instruction (4 lanes x 2 products x multiply and add). Compiled with the neon_bf16
// variant's flags only.
#include <arm_neon.h>

#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double neon_bf16_peak_loop(uint64_t iterations) {
  constexpr int kChains = 24;
  // bf16 values near 1 and near 0: the sums stay finite for any count.
  const bfloat16x8_t x = vreinterpretq_bf16_u16(vdupq_n_u16(0x3F7F));
  const bfloat16x8_t w = vreinterpretq_bf16_u16(vdupq_n_u16(0x2400));
  float32x4_t acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = vdupq_n_f32(static_cast<float>(j));
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = vbfdotq_f32(acc[j], x, w);
  }
  float32x4_t sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = vaddq_f32(sum, acc[j]);
  peak_sink = vaddvq_f32(sum);
  return static_cast<double>(iterations) * kChains * 4 * 4;
}

float neon_bf16_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
