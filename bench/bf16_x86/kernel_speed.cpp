// Standalone (not in CMake): the AVX512_BF16 microkernel and the fp32 AVX-512 one,
// alone on a hot tile (MR rows in L1, the packed panels in L1/L2, first and last block,
// no residual, no clamp), each as a share of its own peak loop (vdpbf16ps, FMA; 24
// chains) run just before and just after it, every kernel and shape in turn, round after
// round; median, min and max over the rounds.
//   F="-mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma"
//   g++ -std=c++17 -O2 $F -Ikernels bench/bf16_x86/kernel_speed.cpp -o /tmp/kernel_speed
//   taskset -c 1 /tmp/kernel_speed [rounds]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "gemm_microkernel_bf16.h"
#include "simd_ops_avx512.h"
#include "simd_ops_avx512_bf16.h"

namespace {

volatile float sink;
constexpr int kChains = 24;

// Read out lane 0 of each chain through memory (a vector reduction loop after the
// peak loop made GCC keep the chains on the stack inside it).
float lane0_sum(const __m512 (&acc)[kChains]) {
  float s = 0;
  for (int j = 0; j < kChains; ++j) {
    float lanes[16];
    std::memcpy(lanes, &acc[j], sizeof lanes);
    s += lanes[0];
  }
  return s;
}

__attribute__((noinline)) double fma_peak(uint64_t n) {
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(float(j));
  for (uint64_t i = 0; i < n; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
  }
  sink = lane0_sum(acc);
  return double(n) * kChains * 32;
}

__attribute__((noinline)) double dpbf16_peak(uint64_t n) {
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3C80), b = (__m512bh)_mm512_set1_epi16(0x3C80);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(float(j));
  for (uint64_t i = 0; i < n; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
  }
  sink = lane0_sum(acc);
  return double(n) * kChains * 64;
}

struct kernel_under_test {
  const char* name;
  bool bf16;  // bf16 inputs and pair-packed weights, else fp32
  size_t mr, nr;
  pw::gemm_kernel_fn fn;
};

template <size_t MR, size_t NR>
kernel_under_test bf16_kernel(const char* name) {
  return {name, true, MR, NR, &pw::gemm_bf16<pw::avx512_bf16_ops, MR, NR / 16>};
}
template <size_t MR, size_t NR>
kernel_under_test fp32_kernel(const char* name) {
  return {name, false, MR, NR, &pw::gemm<xsimd::avx512f, MR, NR / 16>};
}

struct shape {
  size_t kc, nc;
};

// The buffers of one kernel on one shape, filled with small values (no denormals).
struct workload {
  std::vector<uint16_t> bf16_input;
  std::vector<float> fp32_input;
  std::vector<const float*> rows;
  std::vector<uint32_t> weights;  // bias + rows, pair-packed or fp32, padded
  std::vector<float> output;
  pw::gemm_tile tile{};

  workload(const kernel_under_test& k, shape s) {
    const size_t panels = (s.nc + k.nr - 1) / k.nr;
    const size_t weight_rows = k.bf16 ? (s.kc + 1) / 2 : s.kc;
    weights.assign(panels * k.nr * (1 + weight_rows), 0);
    for (size_t p = 0; p < panels; ++p) {
      uint32_t* panel = weights.data() + p * k.nr * (1 + weight_rows);
      const float bias = 0.25f;
      for (size_t j = 0; j < k.nr; ++j) std::memcpy(panel + j, &bias, 4);
      for (size_t i = k.nr; i < k.nr * (1 + weight_rows); ++i) panel[i] = k.bf16 ? 0x3C003C00u : 0x3C000000u;
    }
    rows.resize(k.mr);
    bf16_input.assign(k.mr * s.kc, 0x3C00);  // 2^-7
    fp32_input.assign(k.mr * s.kc, 1.0f / 128);
    for (size_t m = 0; m < k.mr; ++m)
      rows[m] = k.bf16 ? reinterpret_cast<const float*>(bf16_input.data() + m * s.kc) : fp32_input.data() + m * s.kc;
    output.assign(k.mr * s.nc, 0.f);
    tile.mr = k.mr;
    tile.nc = s.nc;
    tile.kc = s.kc;
    tile.input_rows = rows.data();
    tile.input_offset = 0;
    tile.weights = reinterpret_cast<const float*>(weights.data());
    tile.output = output.data();
    tile.output_stride = s.nc;
    tile.first_block = true;
    tile.last_block = true;
    tile.output_min = -INFINITY;
    tile.output_max = INFINITY;
  }
};

struct series {
  std::vector<double> rates;
  double median() {
    std::sort(rates.begin(), rates.end());
    return rates[rates.size() / 2];
  }
};

// GFLOP/s of run() (which returns its flops): the fastest of 5 short runs, so a
// time slice lost to another process (the host is shared) does not count.
template <class F>
double rate(F&& run) {
  double best = 0;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double flops = run();
    best = std::max(best, flops / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1e-9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  const double target_flops = 2e8;  // 0.4-0.8 ms per run at 270-540 GFLOP/s
  std::vector<kernel_under_test> kernels = {
      fp32_kernel<10, 32>("fp32 10x32 (avx512.cpp)"),
      bf16_kernel<10, 32>("bf16 10x32"),
      bf16_kernel<12, 32>("bf16 12x32"),
      bf16_kernel<14, 32>("bf16 14x32"),
      bf16_kernel<8, 48>("bf16 8x48"),
      bf16_kernel<6, 64>("bf16 6x64"),
      bf16_kernel<5, 64>("bf16 5x64"),
  };
  const shape shapes[] = {{128, 512}, {256, 256}, {128, 128}, {64, 64}, {256, 512}};
  for (shape s : shapes) {
    std::vector<workload> loads;
    for (auto& k : kernels) loads.emplace_back(k, s);
    series fma, dp;
    std::vector<series> kernel_rates(kernels.size()), shares(kernels.size());
    const auto fma_rate = [&] { return rate([&] { return fma_peak(uint64_t(target_flops / (kChains * 32))); }); };
    const auto dp_rate = [&] { return rate([&] { return dpbf16_peak(uint64_t(target_flops / (kChains * 64))); }); };
    for (int r = -1; r < rounds; ++r) {  // round -1 warms up
      for (size_t i = 0; i < kernels.size(); ++i) {
        // The kernel between two runs of its own peak loop: the share is taken against
        // their mean, so the host's clock changes between rounds cancel.
        const double call_flops = 2.0 * kernels[i].mr * s.nc * s.kc;
        const uint64_t calls = uint64_t(target_flops / call_flops) + 1;
        const double before = kernels[i].bf16 ? dp_rate() : fma_rate();
        const double g = rate([&] {
          for (uint64_t c = 0; c < calls; ++c) {
            kernels[i].fn(loads[i].tile);
            asm volatile("" ::: "memory");
          }
          return calls * call_flops;
        });
        const double after = kernels[i].bf16 ? dp_rate() : fma_rate();
        if (r < 0) continue;
        (kernels[i].bf16 ? dp : fma).rates.push_back((before + after) / 2);
        kernel_rates[i].rates.push_back(g);
        shares[i].rates.push_back(g / ((before + after) / 2));
      }
    }
    const double fma_median = fma.median(), dp_median = dp.median();
    std::printf("kc=%zu nc=%zu: FMA peak %.1f GFLOP/s [%.1f..%.1f], vdpbf16ps peak %.1f [%.1f..%.1f]\n", s.kc, s.nc,
                fma_median, fma.rates.front(), fma.rates.back(), dp_median, dp.rates.front(), dp.rates.back());
    for (size_t i = 0; i < kernels.size(); ++i) {
      const double g = kernel_rates[i].median(), share = shares[i].median();
      std::printf("  %-24s %6.1f GFLOP/s [%6.1f..%6.1f]  %5.1f%% of own peak [%5.1f..%5.1f]\n", kernels[i].name, g,
                  kernel_rates[i].rates.front(), kernel_rates[i].rates.back(), 100 * share,
                  100 * shares[i].rates.front(), 100 * shares[i].rates.back());
    }
  }
  std::printf("%g\n", double(sink) * 0);
  return 0;
}
