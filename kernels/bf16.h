// bfloat16 bits and the conversions between fp32 and bf16 that the tile loop asks a
// variant for. Everything here is in an anonymous namespace: each translation unit,
// with or without ISA flags, gets its own copy (no inline function compiled for an
// ISA can be shared with code that runs without it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "microkernel.h"

namespace pw {
namespace {

inline uint32_t float_bits(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits;
}

inline float float_of_bits(uint32_t bits) {
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

// The fp32 bits of x rounded to the nearest even bf16 (its low 16 bits zero): a NaN
// stays a (quiet) NaN, +-Inf stays +-Inf, and a finite value past the largest bf16
// rounds to +-Inf as IEEE rounding does. All in 32-bit lanes, so it vectorises
// without packing.
inline uint32_t bf16_rounded_bits(uint32_t bits) {
  const uint32_t rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;
  const uint32_t quiet_nan = (bits | 0x00400000u) & 0xFFFF0000u;
  return (bits & 0x7FFFFFFFu) > 0x7F800000u ? quiet_nan : rounded;
}

inline uint16_t bf16_from_float(float x) { return static_cast<uint16_t>(bf16_rounded_bits(float_bits(x)) >> 16); }

inline float float_from_bf16(uint16_t bits) { return float_of_bits(static_cast<uint32_t>(bits) << 16); }

// x rounded to the nearest bf16, kept as fp32.
inline float round_to_bf16(float x) { return float_of_bits(bf16_rounded_bits(float_bits(x))); }

// One element converted, as the three conversions of element_conversions do.
struct round_f32 {
  using in = float;
  using out = float;
  static float convert(float x) { return round_to_bf16(x); }
};
struct widen_bf16 {
  using in = uint16_t;
  using out = float;
  static float convert(uint16_t x) { return float_from_bf16(x); }
};
struct narrow_f32 {
  using in = float;
  using out = uint16_t;
  static uint16_t convert(float x) { return bf16_from_float(x); }
};

// Plain loops the compiler vectorises with the flags of the unit that instantiates
// them (each variant's conversions object below); one call per register group or
// output pass, so the indirect call and the loop set-up are paid once for all rows.
template <class Op>
void convert_gathered(const void* const* rows, size_t offset, size_t count, size_t n, void* out) {
  typename Op::out* y = static_cast<typename Op::out*>(out);
  for (size_t r = 0; r < count; ++r, y += n) {
    const typename Op::in* x = static_cast<const typename Op::in*>(rows[r]) + offset;
    for (size_t i = 0; i < n; ++i) y[i] = Op::convert(x[i]);
  }
}

template <class Op>
void convert_strided(const void* in, size_t in_stride, size_t count, size_t n, void* out, size_t out_stride) {
  const typename Op::in* x = static_cast<const typename Op::in*>(in);
  typename Op::out* y = static_cast<typename Op::out*>(out);
  for (size_t r = 0; r < count; ++r, x += in_stride, y += out_stride)
    for (size_t i = 0; i < n; ++i) y[i] = Op::convert(x[i]);
}

// What a variant's translation unit puts in its microkernel object.
constexpr element_conversions this_unit_conversions = {
    {&convert_gathered<round_f32>, &convert_gathered<widen_bf16>, &convert_gathered<narrow_f32>},
    &convert_strided<widen_bf16>, &convert_strided<narrow_f32>};

}  // namespace
}  // namespace pw
