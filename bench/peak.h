// Register-only arithmetic loops that measure a core's floating-point peak, one per
// ISA, each in its own translation unit compiled with that ISA's flags only.
// Each function runs `iterations` rounds and returns the flops it performed; the
// result of the arithmetic goes to a volatile sink so nothing is optimised away.
#pragma once

#include <cstdint>

namespace pw_bench {

// Which peak loop measures a variant's ceiling.
enum class peak_kind { portable, sse, avx2, avx512, neon };

// Where the loops leave their result (defined in canary.cpp).
extern volatile float peak_sink;

using peak_loop_fn = double (*)(uint64_t iterations);

#if defined(__x86_64__) || defined(_M_X64)
double sse_peak_loop(uint64_t iterations);     // SSE2 mul + add (SSE has no FMA)
double avx2_peak_loop(uint64_t iterations);    // AVX2 FMA3
double avx512_peak_loop(uint64_t iterations);  // AVX-512F FMA
#endif
#if defined(__aarch64__)
double neon_peak_loop(uint64_t iterations);    // Advanced SIMD FMLA
#endif
double portable_peak_loop(uint64_t iterations);  // scalar float multiply-add, no ISA flags

}  // namespace pw_bench
