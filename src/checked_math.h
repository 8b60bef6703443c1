// Size arithmetic that reports overflow instead of wrapping.
#pragma once

#include <cstddef>

namespace pw {

inline bool checked_mul(size_t a, size_t b, size_t* out) { return !__builtin_mul_overflow(a, b, out); }
inline bool checked_add(size_t a, size_t b, size_t* out) { return !__builtin_add_overflow(a, b, out); }

inline size_t round_up(size_t value, size_t multiple) { return (value + multiple - 1) / multiple * multiple; }
// No division when the quotient is 0 or 1 (a 64-bit division costs tens of cycles, and
// planning a run of a small layer is mostly such quotients).
inline size_t divide_round_up(size_t value, size_t divisor) {
  if (value <= divisor) return value != 0;
  return (value + divisor - 1) / divisor;
}

}  // namespace pw
