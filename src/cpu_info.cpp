#include "cpu_info.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "cpu_features_macros.h"
#if defined(CPU_FEATURES_ARCH_X86)
#include "cpuinfo_x86.h"
#elif defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>  // getauxval; HWCAP_* and HWCAP2_* from glibc's bits/hwcap.h
#ifndef HWCAP2_BF16    // glibc before 2.32 lacks it: the kernel's ABI value
#define HWCAP2_BF16 (1 << 14)
#endif
#endif

namespace pw {

bool bf16_dot_beats_fma(const char* vendor, int family) {
#if defined(__aarch64__)
  // BFDOT does two multiply-adds per lane where FMLA does one, at the FMLA's issue
  // rate on the BF16 cores (Neoverse V1/V2/N2, Cortex-A710 and later); not timed here.
  (void)vendor;
  (void)family;
  return true;
#else
  // AMD Zen 5 (family 0x1A) issues vdpbf16ps zmm at the vfmadd231ps rate: twice the
  // flops. Intel Sapphire/Emerald Rapids issue it at half that rate: the same flops as
  // the FMA kernel. Zen 4 (0x19) is not measured. docs/tuning.md has the figures.
  return std::strcmp(vendor, "AuthenticAMD") == 0 && family >= 0x1A;
#endif
}

namespace {

#if defined(CPU_FEATURES_ARCH_X86)
// cpu_features 0.7 clears the AVX bits when the OS does not save their state, but
// it does not expose XCR0 itself; the dispatcher checks OS state explicitly so the
// rule is visible (and testable) in one place.
unsigned long long read_xcr0() {
  unsigned eax = 0, edx = 0;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<unsigned long long>(edx) << 32) | eax;
}

cpu_feature_set detect_features() {
  const cpu_features::X86Info info = cpu_features::GetX86Info();
  const cpu_features::X86Features f = info.features;
  cpu_feature_set set;
  // Feature bits are signed 1-bit fields: a set bit reads as -1.
  set.x86_sse2 = f.sse2 != 0;
  set.x86_avx2 = f.avx2 != 0;
  set.x86_fma3 = f.fma3 != 0;
  set.x86_avx512f = f.avx512f != 0;
  set.x86_avx512bw = f.avx512bw != 0;
  set.x86_avx512vl = f.avx512vl != 0;
  set.x86_avx512_bf16 = f.avx512_bf16 != 0;
  set.bf16_dot_beats_fma = bf16_dot_beats_fma(info.vendor, info.family);
  unsigned ecx = 0;
  {
    unsigned eax = 1, ebx = 0, edx = 0;
    __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "c"(0));
  }
  const bool osxsave = (ecx & (1u << 27)) != 0;
  if (osxsave) {
    const unsigned long long xcr0 = read_xcr0();
    set.os_saves_ymm = (xcr0 & 0x6) == 0x6;     // SSE and AVX state
    set.os_saves_zmm = (xcr0 & 0xe6) == 0xe6;   // plus opmask, ZMM_Hi256, Hi16_ZMM
  }
  return set;
}
#elif defined(__aarch64__) && defined(__linux__)
// The kernel's hwcaps, read here rather than through cpu_features: Debian's
// cpu_features 0.7 prints a debug line to stdout whenever a hwcap word reads 0 (every
// core without an HWCAP2 feature), and the library never prints. The dispatcher needs
// two bits, both in the kernel's ABI.
cpu_feature_set detect_features() {
  cpu_feature_set set;
  set.arm_asimd = (getauxval(AT_HWCAP) & HWCAP_ASIMD) != 0;
  set.arm_bf16 = set.arm_asimd && (getauxval(AT_HWCAP2) & HWCAP2_BF16) != 0;
  set.bf16_dot_beats_fma = bf16_dot_beats_fma("", 0);
  return set;
}
#elif defined(__aarch64__)
// Advanced SIMD is part of every AArch64 core; without Linux's hwcaps, BF16 is not
// known and not used.
cpu_feature_set detect_features() {
  cpu_feature_set set;
  set.arm_asimd = true;
  set.bf16_dot_beats_fma = bf16_dot_beats_fma("", 0);
  return set;
}
#else
cpu_feature_set detect_features() { return cpu_feature_set{}; }
#endif

#if defined(CPU_FEATURES_ARCH_X86)
// Only x86 needs it: there cpu_features reports the whole socket's L3.
size_t online_cpus() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<size_t>(n) : 1;
}
#endif

// Counts the CPUs in a sysfs list such as "0-3,8,10-11".
size_t count_cpu_list(const char* list) {
  size_t count = 0;
  const char* p = list;
  while (*p != '\0' && *p != '\n') {
    char* end = nullptr;
    const unsigned long first = std::strtoul(p, &end, 10);
    if (end == p) break;
    unsigned long last = first;
    p = end;
    if (*p == '-') {
      last = std::strtoul(p + 1, &end, 10);
      p = end;
    }
    if (last >= first) count += last - first + 1;
    if (*p == ',') ++p;
  }
  return count;
}

bool read_sysfs_line(const char* path, char* buffer, size_t size) {
  FILE* file = std::fopen(path, "r");
  if (file == nullptr) return false;
  const bool ok = std::fgets(buffer, static_cast<int>(size), file) != nullptr;
  std::fclose(file);
  return ok;
}

// Fills the levels still unknown from /sys/devices/system/cpu/cpu0/cache.
bool fill_from_sysfs(cache_sizes* sizes) {
  bool found = false;
  for (int index = 0; index < 8; ++index) {
    char path[128], line[128], type[32];
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", index);
    if (!read_sysfs_line(path, line, sizeof(line))) break;
    const int level = std::atoi(line);
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", index);
    if (!read_sysfs_line(path, type, sizeof(type)) || std::strncmp(type, "Instruction", 11) == 0) continue;
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", index);
    if (!read_sysfs_line(path, line, sizeof(line))) continue;
    char* unit = nullptr;
    size_t bytes = std::strtoul(line, &unit, 10);
    if (unit != nullptr && (*unit == 'K' || *unit == 'k')) bytes <<= 10;
    if (unit != nullptr && *unit == 'M') bytes <<= 20;
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/ways_of_associativity", index);
    const size_t ways = read_sysfs_line(path, line, sizeof(line)) ? std::strtoul(line, nullptr, 10) : 0;
    std::snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/shared_cpu_list", index);
    size_t sharing = read_sysfs_line(path, line, sizeof(line)) ? count_cpu_list(line) : 1;
    if (sharing == 0) sharing = 1;
    cache_level* target = level == 1 ? &sizes->l1d : level == 2 ? &sizes->l2 : level == 3 ? &sizes->l3 : nullptr;
    if (target == nullptr || target->bytes != 0 || bytes == 0) continue;
    target->bytes = level == 3 ? bytes / sharing : bytes;
    target->ways = ways;
    found = true;
  }
  return found;
}

cache_sizes detect_caches() {
  cache_sizes sizes;
#if defined(CPU_FEATURES_ARCH_X86)
  const cpu_features::CacheInfo info = cpu_features::GetX86CacheInfo();
  for (int i = 0; i < info.size; ++i) {
    const cpu_features::CacheLevelInfo& level = info.levels[i];
    const bool holds_data = level.cache_type == cpu_features::CPU_FEATURE_CACHE_DATA ||
                            level.cache_type == cpu_features::CPU_FEATURE_CACHE_UNIFIED;
    if (!holds_data || level.cache_size <= 0) continue;
    cache_level* target = level.level == 1 ? &sizes.l1d : level.level == 2 ? &sizes.l2
                        : level.level == 3 ? &sizes.l3 : nullptr;
    if (target == nullptr || target->bytes != 0) continue;
    target->bytes = static_cast<size_t>(level.cache_size);
    target->ways = level.ways > 0 && level.ways != 0xff ? static_cast<size_t>(level.ways) : 0;
  }
  if (sizes.l1d.bytes != 0) {
    sizes.source = "cpu_features";
    // cpu_features reports the whole socket's L3; the planner wants one core's share.
    sizes.l3.bytes /= online_cpus();
  }
#endif
  if (sizes.l1d.bytes == 0 || sizes.l2.bytes == 0 || sizes.l3.bytes == 0) {
    if (fill_from_sysfs(&sizes) && std::strcmp(sizes.source, "defaults") == 0) sizes.source = "sysfs";
  }
  return with_default_caches(sizes);
}

}  // namespace

cache_sizes with_default_caches(cache_sizes sizes) {
  // Small enough for any CPU of the last decade, so tiles planned from them still fit.
  if (sizes.l1d.bytes == 0) sizes.l1d = {32 * 1024, 8};
  if (sizes.l2.bytes == 0) sizes.l2 = {256 * 1024, 8};
  if (sizes.l3.bytes == 0) sizes.l3 = {sizes.l2.bytes * 4, 16};
  return sizes;
}

const cpu_feature_set& host_cpu_features() {
  static const cpu_feature_set features = detect_features();
  return features;
}

const cache_sizes& host_cache_sizes() {
  static const cache_sizes sizes = detect_caches();
  return sizes;
}

}  // namespace pw
