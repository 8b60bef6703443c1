// The precisions a row runs at, a dimension of the benchmark next to the variant: the
// row's name carries it after the variant, "<variant>:<precision>", and fp32 rows keep
// the bare variant name.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pointwise/pointwise.h"

namespace pw_bench {

enum class precision {
  fp32,      // fp32 tensors, fp32 math
  bf16math,  // fp32 tensors, bf16 math (inputs and weights rounded to bf16)
  bf16,      // bf16 tensors in and out, bf16 math
};

inline const char* precision_name(precision p) {
  return p == precision::fp32 ? "fp32" : p == precision::bf16math ? "bf16math" : "bf16";
}
inline pw_math math_of(precision p) { return p == precision::fp32 ? PW_MATH_F32 : PW_MATH_BF16; }
inline pw_datatype tensor_type_of(precision p) { return p == precision::bf16 ? PW_DATATYPE_BF16 : PW_DATATYPE_F32; }

// "avx512" for fp32, "avx512:bf16math", "onednn:bf16": the benchmark name's variant part.
inline std::string row_variant_name(const std::string& variant, precision p) {
  return p == precision::fp32 ? variant : variant + ":" + precision_name(p);
}

// "fp32,bf16math,bf16" -> the precisions; false when a name is unknown.
inline bool parse_precisions(const std::string& text, std::vector<precision>* out) {
  out->clear();
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, end - start);
    bool known = false;
    for (precision p : {precision::fp32, precision::bf16math, precision::bf16}) {
      if (name == precision_name(p)) {
        out->push_back(p);
        known = true;
      }
    }
    if (!known) return false;
    start = end + 1;
  }
  return !out->empty();
}

// fp32 <-> bf16 bits, rounding to nearest even (NaN kept a NaN), as pointwise and
// oneDNN round.
inline uint16_t to_bf16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}
inline float from_bf16(uint16_t half) {
  const uint32_t bits = static_cast<uint32_t>(half) << 16;
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace pw_bench
