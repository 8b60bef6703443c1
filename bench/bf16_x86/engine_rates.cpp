// Standalone (not in CMake): the rates of the engines a bf16 1x1 convolution can use on
// an AVX512_BF16 CPU, measured interleaved (one round of every loop, repeated) so the
// host's clock drift falls on all of them alike; prints the median and spread per loop
// over the rounds.
//   g++ -O2 -mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma
//       bench/bf16_x86/engine_rates.cpp -o /tmp/engine_rates && taskset -c 1 /tmp/engine_rates [rounds]
// (GCC 12's unmasked shift/extend intrinsics warn -Wmaybe-uninitialized: add -Wno-maybe-uninitialized.)
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

volatile float sink;

template <class V>
float lane0_sum(const V* acc, int chains) {
  float s = 0;
  for (int j = 0; j < chains; ++j) {
    float lanes[16];
    std::memcpy(lanes, &acc[j], sizeof(V) < 64 ? sizeof(V) : 64);
    s += lanes[0];
  }
  return s;
}

constexpr int kChains = 24;

// Each loop returns the flops (or elements) it performed.
double fma_zmm(uint64_t n) {
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(float(j));
  for (uint64_t i = 0; i < n; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
  }
  sink = lane0_sum(acc, kChains);
  return double(n) * kChains * 32;
}

double fma_ymm(uint64_t n) {
  const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(float(j));
  for (uint64_t i = 0; i < n; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
  }
  sink = lane0_sum(acc, kChains);
  return double(n) * kChains * 16;
}

double dpbf16_zmm(uint64_t n) {
  // 1/64 as bf16 pairs: the sums grow slowly and stay normal.
  const __m512bh a = (__m512bh)_mm512_set1_epi16(0x3C80), b = (__m512bh)_mm512_set1_epi16(0x3C80);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(float(j));
  for (uint64_t i = 0; i < n; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_dpbf16_ps(acc[j], a, b);
  }
  sink = lane0_sum(acc, kChains);
  return double(n) * kChains * 64;
}

double dpbf16_ymm(uint64_t n) {
  const __m256bh a = (__m256bh)_mm256_set1_epi16(0x3C80), b = (__m256bh)_mm256_set1_epi16(0x3C80);
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(float(j));
  for (uint64_t i = 0; i < n; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_dpbf16_ps(acc[j], a, b);
  }
  sink = lane0_sum(acc, kChains);
  return double(n) * kChains * 32;
}

// Streaming conversions over L1-resident buffers: 4096 elements (16 KiB fp32 + 8 KiB bf16).
constexpr size_t kElems = 4096;
alignas(64) float f32_buf[kElems];
alignas(64) float f32_out[kElems];
alignas(64) uint16_t bf16_buf[kElems];

// fp32 -> bf16 RNE, two zmm into one (vcvtne2ps2bf16), 32 elements per instruction.
double cvt_ne2ps(uint64_t n) {
  for (uint64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < kElems; i += 32) {
      const __m512 lo = _mm512_load_ps(f32_buf + i), hi = _mm512_load_ps(f32_buf + i + 16);
      _mm512_store_si512(bf16_buf + i, (__m512i)_mm512_cvtne2ps_pbh(hi, lo));
    }
    asm volatile("" ::: "memory");
  }
  return double(n) * kElems;
}

// fp32 -> bf16 RNE, one zmm into one ymm (vcvtneps2bf16), 16 elements per instruction.
double cvt_neps(uint64_t n) {
  for (uint64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < kElems; i += 16) {
      const __m512 x = _mm512_load_ps(f32_buf + i);
      _mm256_store_si256((__m256i*)(bf16_buf + i), (__m256i)_mm512_cvtneps_pbh(x));
    }
    asm volatile("" ::: "memory");
  }
  return double(n) * kElems;
}

// fp32 -> bf16 RNE in integer AVX-512 (for CPUs without AVX512_BF16; NaN quieted):
// bits + 0x7FFF + lsb, top half, vpmovdw.
double cvt_integer(uint64_t n) {
  const __m512i bias = _mm512_set1_epi32(0x7FFF), one = _mm512_set1_epi32(1), quiet = _mm512_set1_epi32(0x00400000);
  for (uint64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < kElems; i += 16) {
      const __m512 x = _mm512_load_ps(f32_buf + i);
      const __m512i bits = _mm512_castps_si512(x);
      const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(bits, 16), one);
      __m512i rounded = _mm512_add_epi32(_mm512_add_epi32(bits, bias), lsb);
      const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
      rounded = _mm512_mask_mov_epi32(rounded, nan, _mm512_or_si512(bits, quiet));
      _mm256_store_si256((__m256i*)(bf16_buf + i), _mm512_cvtepi32_epi16(_mm512_srli_epi32(rounded, 16)));
    }
    asm volatile("" ::: "memory");
  }
  return double(n) * kElems;
}

// bf16 -> fp32: vpmovzxwd + vpslld 16, 16 elements per step.
double widen(uint64_t n) {
  for (uint64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < kElems; i += 16) {
      const __m512i w = _mm512_cvtepu16_epi32(_mm256_load_si256((const __m256i*)(bf16_buf + i)));
      _mm512_store_ps(f32_out + i, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)));
    }
    asm volatile("" ::: "memory");
  }
  return double(n) * kElems;
}

// fp32 -> bf16-rounded fp32 (what an FMA kernel fed rounded inputs needs):
// vcvtneps2bf16 then widen, 16 elements per step.
double round_in_fp32(uint64_t n) {
  for (uint64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < kElems; i += 16) {
      const __m256i h = (__m256i)_mm512_cvtneps_pbh(_mm512_load_ps(f32_buf + i));
      _mm512_store_ps(f32_out + i, _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16)));
    }
    asm volatile("" ::: "memory");
  }
  return double(n) * kElems;
}

// Plain copy of fp32 (load + store, 16 per step): the memory traffic floor.
double copy_f32(uint64_t n) {
  for (uint64_t r = 0; r < n; ++r) {
    for (size_t i = 0; i < kElems; i += 16) _mm512_store_ps(f32_out + i, _mm512_load_ps(f32_buf + i));
    asm volatile("" ::: "memory");
  }
  return double(n) * kElems;
}

struct loop {
  const char* name;
  double (*fn)(uint64_t);
  uint64_t iterations;
  const char* unit;  // "GFLOP/s" or "Gelem/s"
  std::vector<double> rates;
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 15;
  for (size_t i = 0; i < kElems; ++i) f32_buf[i] = 1.0f + float(i) * 1e-3f;
  loop loops[] = {
      {"vfmadd231ps zmm", fma_zmm, 400000, "GFLOP/s", {}},
      {"vdpbf16ps zmm", dpbf16_zmm, 400000, "GFLOP/s", {}},
      {"vfmadd231ps ymm", fma_ymm, 400000, "GFLOP/s", {}},
      {"vdpbf16ps ymm", dpbf16_ymm, 400000, "GFLOP/s", {}},
      {"cvt fp32->bf16 vcvtne2ps2bf16", cvt_ne2ps, 10000, "Gelem/s", {}},
      {"cvt fp32->bf16 vcvtneps2bf16", cvt_neps, 10000, "Gelem/s", {}},
      {"cvt fp32->bf16 integer RNE", cvt_integer, 10000, "Gelem/s", {}},
      {"widen bf16->fp32 vpmovzxwd+vpslld", widen, 10000, "Gelem/s", {}},
      {"round fp32->bf16->fp32", round_in_fp32, 10000, "Gelem/s", {}},
      {"copy fp32 (load+store)", copy_f32, 10000, "Gelem/s", {}},
  };
  for (auto& l : loops) l.fn(l.iterations / 10);  // warm up
  for (int r = 0; r < rounds; ++r) {
    for (auto& l : loops) {
      // The fastest of 5 short runs (about 1 ms each): a time slice lost to another
      // process on the shared host does not count.
      double best = 0;
      for (int i = 0; i < 5; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const double work = l.fn(l.iterations);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::max(best, work / s * 1e-9);
      }
      l.rates.push_back(best);
    }
  }
  double fma_median = 0;
  std::printf("%-36s %10s %8s %8s  %s\n", "loop", "median", "min", "max", "unit");
  for (auto& l : loops) {
    std::sort(l.rates.begin(), l.rates.end());
    const double median = l.rates[l.rates.size() / 2];
    if (l.fn == fma_zmm) fma_median = median;
    std::printf("%-36s %10.2f %8.2f %8.2f  %s", l.name, median, l.rates.front(), l.rates.back(), l.unit);
    // Clock estimate from the FMA loop: 2 zmm FMA pipes x 32 flop per cycle.
    if (l.unit[1] == 'e' && fma_median > 0)
      std::printf("  (%.2f elem/cycle at %.2f GHz)", median / (fma_median / 64), fma_median / 64);
    std::printf("\n");
  }
  return 0;
}
