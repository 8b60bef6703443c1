// The variant table expanded from kernels/variants.def, and the choice of a variant for a request.
#include "dispatch.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>


namespace pw {
namespace {

#define PW_VARIANT(value, name, arch, peak, requirement, auto_for_bf16)                \
  {static_cast<pw_isa>(value), #name,                                                   \
   PW_IF_BUILT_##name(&name##_microkernel) PW_IF_NOT_BUILT_##name(nullptr),            \
   [](const cpu_feature_set& features) -> bool {                                        \
     (void)features;                                                                    \
     return requirement;                                                                \
   },                                                                                   \
   [](const cpu_feature_set& features) -> bool {                                        \
     (void)features;                                                                    \
     return auto_for_bf16;                                                              \
   }},
#define PW_RESERVED(value, name) \
  {static_cast<pw_isa>(value), #name, nullptr, [](const cpu_feature_set&) { return false; }, \
   [](const cpu_feature_set&) { return false; }},
const variant kVariants[] = {
#include "variants.def"
};
#undef PW_VARIANT
#undef PW_RESERVED

constexpr size_t kVariantCount = sizeof(kVariants) / sizeof(kVariants[0]);

// Read while the library loads, so every conv of the process sees the same value and
// later setenv() calls cannot race with create.
const char* const g_isa_override = [] {
  const char* value = std::getenv("POINTWISE_ISA");
  return (value != nullptr && value[0] != '\0') ? value : nullptr;
}();

// ASCII only, whatever the C locale: ISA names are ASCII.
bool equal_ignoring_case(const char* a, const char* b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (; *a != '\0' && *b != '\0'; ++a, ++b)
    if (lower(*a) != lower(*b)) return false;
  return *a == *b;
}

}  // namespace

variant_list all_variants() { return {kVariants, kVariantCount}; }

const variant* find_variant(int isa) {
  for (const variant& v : kVariants)
    if (static_cast<int>(v.isa) == isa) return &v;
  return nullptr;
}

const variant* find_built_variant(int isa) {
  const variant* v = find_variant(isa);
  return v != nullptr && v->kernel != nullptr ? v : nullptr;
}

bool parse_isa_name(const char* name, pw_isa* isa) {
  if (equal_ignoring_case(name, "auto")) {
    *isa = PW_ISA_AUTO;
    return true;
  }
  for (const variant& v : kVariants) {
    if (equal_ignoring_case(name, v.name)) {
      *isa = v.isa;
      return true;
    }
  }
  return false;
}

const char* variant_names_for_messages() {
  static const char* const names = [] {
    static char buffer[256] = "auto";
    for (const variant& v : kVariants) {
      std::strncat(buffer, ", ", sizeof(buffer) - std::strlen(buffer) - 1);
      std::strncat(buffer, v.name, sizeof(buffer) - std::strlen(buffer) - 1);
    }
    return buffer;
  }();
  return names;
}

bool variant_does_math(const variant& v, pw_math math) {
  return v.kernel != nullptr && (math == PW_MATH_BF16 || v.kernel->input_type == element_type::f32);
}

pw_isa best_isa_for(const cpu_feature_set& features, pw_math math) {
  for (const variant& v : kVariants) {
    if (v.kernel == nullptr || !v.runs_on(features) || !variant_does_math(v, math)) continue;
    if (math == PW_MATH_BF16 && !v.auto_for_bf16(features)) continue;
    return v.isa;
  }
  return PW_ISA_SCALAR;
}

bool isa_enum_in_range(int isa) { return isa == PW_ISA_AUTO || find_variant(isa) != nullptr; }

isa_choice choose_variant(int requested, const char* isa_override, const cpu_feature_set& features,
                          pw_math math) {
  isa_choice choice{PW_OK, nullptr, ""};
  const char* requested_by = "desc->isa";
  if (requested == PW_ISA_AUTO && isa_override != nullptr && isa_override[0] != '\0') {
    pw_isa named = PW_ISA_AUTO;
    if (!parse_isa_name(isa_override, &named)) {
      choice.status = PW_ERROR_UNSUPPORTED;
      std::snprintf(choice.reason, sizeof(choice.reason), "POINTWISE_ISA=\"%.40s\" is not a variant name (%s)",
                    isa_override, variant_names_for_messages());
      return choice;
    }
    requested = named;
    requested_by = "POINTWISE_ISA";
  }
  if (requested == PW_ISA_AUTO) requested = best_isa_for(features, math);
  const variant* v = find_variant(requested);
  if (v == nullptr) {
    choice.status = PW_ERROR_INVALID_ARGUMENT;
    std::snprintf(choice.reason, sizeof(choice.reason), "desc->isa is %d, not a pw_isa value",
                  requested);
    return choice;
  }
  if (v->kernel == nullptr) {
    choice.status = PW_ERROR_UNSUPPORTED;
    std::snprintf(choice.reason, sizeof(choice.reason), "%s asks for %s, which is not built into this library",
                  requested_by, v->name);
    return choice;
  }
  if (!v->runs_on(features)) {
    choice.status = PW_ERROR_UNSUPPORTED;
    std::snprintf(choice.reason, sizeof(choice.reason), "%s asks for %s, which this CPU cannot run", requested_by,
                  v->name);
    return choice;
  }
  if (!variant_does_math(*v, math)) {
    choice.status = PW_ERROR_UNSUPPORTED;
    std::snprintf(choice.reason, sizeof(choice.reason),
                  "%s asks for %s, which does PW_MATH_BF16 only, but desc->math is PW_MATH_F32", requested_by,
                  v->name);
    return choice;
  }
  choice.chosen = v;
  return choice;
}

const char* process_isa_override() { return g_isa_override; }

}  // namespace pw
