// Register-only arithmetic loops that measure a core's floating-point peak, one per
// distinct `peak` of the variant list (kernels/variants.def), each in its own
// translation unit compiled with its variant's flags only (bench/peak_<peak>.cpp).
// Each function runs `iterations` rounds and returns the flops it performed; the
// result of the arithmetic goes to a volatile sink so nothing is optimised away.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pointwise/pointwise.h"
#include "pointwise_variants_built.h"

namespace pw_bench {

// Where the loops leave their result (defined in canary.cpp).
extern volatile float peak_sink;

using peak_loop_fn = double (*)(uint64_t iterations);
// Reads `count` floats (a multiple of 64) with the loop's widest loads; returns their sum.
using read_loop_fn = float (*)(const float* data, size_t count);

// A peak loop and the variant whose CPU requirement it shares.
struct peak_loop {
  const char* name;  // the `peak` column of the list: "avx512", "portable", ...
  peak_loop_fn run;
  read_loop_fn read;  // the memory read loop compiled with the same flags (bench/read_bandwidth.h)
  pw_isa variant;
};

#define PW_VARIANT(value, name, arch, peak, requirement, auto_for_bf16) \
  PW_IF_BUILT_##name(double peak##_peak_loop(uint64_t iterations); float peak##_read_loop(const float* data, size_t count);)
#define PW_RESERVED(value, name)
#include "variants.def"
#undef PW_VARIANT
#undef PW_RESERVED

}  // namespace pw_bench
