// The ceiling of the portable scalar variant on a CPU with no SIMD peak loop here:
// one float multiply and one add per chain (2 flops), 8 independent chains.
#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double portable_peak_loop(uint64_t iterations) {
  constexpr int kChains = 8;
  float acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = static_cast<float>(j);
  float m = 0.999f, c = 1e-3f;
  for (uint64_t i = 0; i < iterations; ++i) {
    asm volatile("" : "+r"(i));  // keeps the compiler from collapsing the chains
#pragma GCC unroll 8
    for (int j = 0; j < kChains; ++j) acc[j] = acc[j] * m + c;
  }
  float sum = 0;
  for (int j = 0; j < kChains; ++j) sum += acc[j];
  peak_sink = sum;
  return static_cast<double>(iterations) * kChains * 2;
}

float portable_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
