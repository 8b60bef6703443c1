// The memory read loop: streams a buffer with the baseline ISA's widest loads and a
// few independent sums (no extra ISA flags, so it runs on every CPU of the target).
#pragma once

#include <cstddef>

namespace pw_bench {

float read_buffer(const float* data, size_t count);  // count: a multiple of 16

}  // namespace pw_bench
