// Which variant runs: a pure function of the CPU's features and the request, so
// tests can ask it about CPUs this machine is not. The variants come from the one
// list, kernels/variants.def.
#pragma once

#include <cstddef>

#include "cpu_info.h"
#include "microkernel.h"
#include "pointwise/pointwise.h"

namespace pw {

struct variant {
  pw_isa isa;
  const char* name;                                   // pw_isa_name
  const microkernel* kernel;                          // nullptr: not built into this library
  bool (*runs_on)(const cpu_feature_set& features);  // the CPU can run it (built or not)
  bool (*auto_for_bf16)(const cpu_feature_set& features);  // PW_ISA_AUTO may pick it for bf16 math
};

// Every row of the list, built or not, best first.
struct variant_list {
  const variant* first;
  size_t count;
  const variant* begin() const { return first; }
  const variant* end() const { return first + count; }
};
variant_list all_variants();

// pw_isa values as int: a C caller may store any int in a pw_isa, and C++ may not
// even copy such a value as the enum type (see enum_value.h).
const variant* find_variant(int isa);        // nullptr: PW_ISA_AUTO or not a variant
const variant* find_built_variant(int isa);  // nullptr: not built in
// "auto" or a variant's name, in any case: sets *isa and returns true.
bool parse_isa_name(const char* name, pw_isa* isa);
// "auto, avx512, avx2, ..." for messages.
const char* variant_names_for_messages();

// Built, and able to do that math (a kernel on bf16 rows does bf16 math only).
bool variant_does_math(const variant& v, pw_math math);

// The best built variant the CPU runs for that math (scalar at worst).
pw_isa best_isa_for(const cpu_feature_set& features, pw_math math = PW_MATH_F32);

struct isa_choice {
  pw_status status;        // PW_OK, or PW_ERROR_UNSUPPORTED / PW_ERROR_INVALID_ARGUMENT
  const variant* chosen;   // nullptr unless PW_OK
  char reason[200];        // why it failed, for pw_last_error
};

// Resolves a request: PW_ISA_AUTO means `isa_override` (the POINTWISE_ISA value,
// nullptr or "" when unset) or else the best variant for `features` and `math`.
isa_choice choose_variant(int requested, const char* isa_override, const cpu_feature_set& features,
                          pw_math math = PW_MATH_F32);

// The POINTWISE_ISA value read when the library loaded (nullptr when unset).
const char* process_isa_override();

// PW_ISA_AUTO or a row of the list.
bool isa_enum_in_range(int isa);

}  // namespace pw
