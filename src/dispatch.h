// Which variant runs: a pure function of the CPU's features and the request, so
// tests can ask it about CPUs this machine is not.
#pragma once

#include <cstddef>

#include "../kernels/microkernel.h"
#include "cpu_info.h"
#include "pointwise/pointwise.h"

namespace pw {

struct variant {
  pw_isa isa;
  const microkernel* kernel;
  bool (*runs_on)(const cpu_feature_set& features);
};

// The variants built into this library, best first (src/variants.def).
const variant* built_variants(size_t* count);
const variant* find_built_variant(pw_isa isa);  // nullptr: not built in

// The best built variant the CPU runs (scalar at worst).
pw_isa best_isa_for(const cpu_feature_set& features);

struct isa_choice {
  pw_status status;        // PW_OK, or PW_ERROR_UNSUPPORTED / PW_ERROR_INVALID_ARGUMENT
  const variant* chosen;   // nullptr unless PW_OK
  char reason[160];        // why it failed, for pw_last_error
};

// Resolves a request: PW_ISA_AUTO means `isa_override` (the POINTWISE_ISA value,
// nullptr or "" when unset) or else the best variant for `features`.
isa_choice choose_variant(pw_isa requested, const char* isa_override, const cpu_feature_set& features);

// The POINTWISE_ISA value read when the library loaded (nullptr when unset).
const char* process_isa_override();

bool isa_enum_in_range(pw_isa isa);

}  // namespace pw
