#include "dispatch.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace pw {
namespace {

#define PW_VARIANT(isa, kernel_object, requirement)                                 \
  {isa, &kernel_object, [](const cpu_feature_set& features) -> bool {              \
     (void)features;                                                                \
     return requirement;                                                            \
   }},
const variant kBuiltVariants[] = {
#include "variants.def"
};
#undef PW_VARIANT

constexpr size_t kBuiltVariantCount = sizeof(kBuiltVariants) / sizeof(kBuiltVariants[0]);

// Read while the library loads, so every conv of the process sees the same value and
// later setenv() calls cannot race with create.
const char* const g_isa_override = [] {
  const char* value = std::getenv("POINTWISE_ISA");
  return (value != nullptr && value[0] != '\0') ? value : nullptr;
}();

}  // namespace

const variant* built_variants(size_t* count) {
  *count = kBuiltVariantCount;
  return kBuiltVariants;
}

const variant* find_built_variant(pw_isa isa) {
  for (const variant& v : kBuiltVariants)
    if (v.isa == isa) return &v;
  return nullptr;
}

pw_isa best_isa_for(const cpu_feature_set& features) {
  for (const variant& v : kBuiltVariants)
    if (v.runs_on(features)) return v.isa;
  return PW_ISA_SCALAR;
}

bool isa_enum_in_range(pw_isa isa) {
  return static_cast<int>(isa) >= PW_ISA_AUTO && static_cast<int>(isa) <= PW_ISA_NEON;
}

isa_choice choose_variant(pw_isa requested, const char* isa_override, const cpu_feature_set& features) {
  isa_choice choice{PW_OK, nullptr, ""};
  const char* requested_by = "desc->isa";
  if (requested == PW_ISA_AUTO && isa_override != nullptr && isa_override[0] != '\0') {
    pw_isa named = PW_ISA_AUTO;
    if (pw_isa_from_name(isa_override, &named) != PW_OK) {
      choice.status = PW_ERROR_UNSUPPORTED;
      std::snprintf(choice.reason, sizeof(choice.reason),
                    "POINTWISE_ISA=\"%.40s\" is not a variant name (scalar, sse, avx2, avx512, neon, auto)",
                    isa_override);
      return choice;
    }
    requested = named;
    requested_by = "POINTWISE_ISA";
  }
  if (requested == PW_ISA_AUTO) requested = best_isa_for(features);
  if (!isa_enum_in_range(requested)) {
    choice.status = PW_ERROR_INVALID_ARGUMENT;
    std::snprintf(choice.reason, sizeof(choice.reason), "desc->isa is %d, not a pw_isa value",
                  static_cast<int>(requested));
    return choice;
  }
  const variant* v = find_built_variant(requested);
  if (v == nullptr) {
    choice.status = PW_ERROR_UNSUPPORTED;
    std::snprintf(choice.reason, sizeof(choice.reason), "%s asks for %s, which is not built into this library",
                  requested_by, pw_isa_name(requested));
    return choice;
  }
  if (!v->runs_on(features)) {
    choice.status = PW_ERROR_UNSUPPORTED;
    std::snprintf(choice.reason, sizeof(choice.reason), "%s asks for %s, which this CPU cannot run",
                  requested_by, pw_isa_name(requested));
    return choice;
  }
  choice.chosen = v;
  return choice;
}

const char* process_isa_override() { return g_isa_override; }

}  // namespace pw
