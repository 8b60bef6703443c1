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

// Round to nearest even; a NaN stays a (quiet) NaN, +-Inf stays +-Inf, and a finite
// value past the largest bf16 rounds to +-Inf as IEEE rounding does.
inline uint16_t bf16_from_float(float x) {
  const uint32_t bits = float_bits(x);
  const uint32_t rounded = bits + 0x7FFFu + ((bits >> 16) & 1u);
  const bool nan = (bits & 0x7FFFFFFFu) > 0x7F800000u;
  return static_cast<uint16_t>(nan ? (bits >> 16) | 0x0040u : rounded >> 16);
}

inline float float_from_bf16(uint16_t bits) { return float_of_bits(static_cast<uint32_t>(bits) << 16); }

// x rounded to the nearest bf16, kept as fp32.
inline float round_to_bf16(float x) { return float_from_bf16(bf16_from_float(x)); }

// Plain loops the compiler vectorises with the flags of the unit that instantiates
// them (each variant's conversions object below).
void convert_round_f32(const void* in, void* out, size_t n) {
  const float* x = static_cast<const float*>(in);
  float* y = static_cast<float*>(out);
  for (size_t i = 0; i < n; ++i) y[i] = round_to_bf16(x[i]);
}

void convert_widen_bf16(const void* in, void* out, size_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(in);
  float* y = static_cast<float*>(out);
  for (size_t i = 0; i < n; ++i) y[i] = float_from_bf16(x[i]);
}

void convert_narrow_f32(const void* in, void* out, size_t n) {
  const float* x = static_cast<const float*>(in);
  uint16_t* y = static_cast<uint16_t*>(out);
  for (size_t i = 0; i < n; ++i) y[i] = bf16_from_float(x[i]);
}

// What a variant's translation unit puts in its microkernel object.
constexpr element_conversions this_unit_conversions = {&convert_round_f32, &convert_widen_bf16,
                                                       &convert_narrow_f32};

}  // namespace
}  // namespace pw
