// What the dispatcher and the planner know of the CPU. Only cpu_info.cpp talks to
// cpu_features; everything else sees these plain structs, so tests can fake them.
#pragma once

#include <cstddef>

namespace pw {

struct cpu_feature_set {
  bool x86_sse2 = false;
  bool x86_avx2 = false;
  bool x86_fma3 = false;
  bool x86_avx512f = false;
  bool os_saves_ymm = false;  // XCR0 has SSE + AVX state: the OS preserves ymm registers
  bool os_saves_zmm = false;  // XCR0 also has opmask + zmm state
  bool x86_avx512bw = false;
  bool x86_avx512vl = false;
  bool x86_avx512_bf16 = false;
  bool arm_asimd = false;
  bool arm_bf16 = false;      // FEAT_BF16 (HWCAP2_BF16): BFDOT, BFMMLA
  // A bf16 dot-product instruction (vdpbf16ps, BFDOT) does more multiply-adds per
  // cycle than the fp32 FMA, so a bf16-math desc is faster on it than on the fp32
  // kernel fed rounded inputs. Decided from the vendor and family (cpu_info.cpp).
  bool bf16_dot_beats_fma = false;
};

struct cache_level {
  size_t bytes = 0;
  size_t ways = 0;  // 0: unknown
};

struct cache_sizes {
  cache_level l1d, l2, l3;  // l3 is this core's share of the shared cache
  const char* source = "defaults";  // "cpu_features", "sysfs" or "defaults"
};

// Read once at load time (the first call) and cached.
const cpu_feature_set& host_cpu_features();
const cache_sizes& host_cache_sizes();

// Whether a CPU of that vendor ("GenuineIntel", "AuthenticAMD"; "" on AArch64) and
// family runs a bf16 dot product faster than the fp32 FMA kernel; exposed for tests.
bool bf16_dot_beats_fma(const char* vendor, int family);

// Fills the levels that `sizes` lacks with conservative defaults; exposed for tests.
cache_sizes with_default_caches(cache_sizes sizes);

}  // namespace pw
