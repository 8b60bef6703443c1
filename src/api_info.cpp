// The small C API functions: version, status and ISA names, ISA queries, errors.
#include "dispatch.h"
#include "enum_value.h"
#include "errors.h"

#define PW_STRINGIFY_(x) #x
#define PW_STRINGIFY(x) PW_STRINGIFY_(x)

using namespace pw;

namespace {

// ASCII only, whatever the C locale: ISA names are ASCII.
bool equal_ignoring_case(const char* a, const char* b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  for (; *a != '\0' && *b != '\0'; ++a, ++b)
    if (lower(*a) != lower(*b)) return false;
  return *a == *b;
}

}  // namespace

extern "C" {

const char* pw_version(void) {
  return PW_STRINGIFY(POINTWISE_VERSION_MAJOR) "." PW_STRINGIFY(POINTWISE_VERSION_MINOR) "." PW_STRINGIFY(
      POINTWISE_VERSION_PATCH);
}

const char* pw_status_string(pw_status status) {
  switch (enum_value(status)) {
    case PW_OK: return "ok";
    case PW_ERROR_INVALID_ARGUMENT: return "invalid argument";
    case PW_ERROR_UNSUPPORTED: return "unsupported";
    case PW_ERROR_OUT_OF_MEMORY: return "out of memory";
  }
  return "unknown status";
}

const char* pw_last_error(void) { return last_error_message(); }

const char* pw_isa_name(pw_isa isa) {
  switch (enum_value(isa)) {
    case PW_ISA_AUTO: return "auto";
    case PW_ISA_SCALAR: return "scalar";
    case PW_ISA_SSE: return "sse";
    case PW_ISA_AVX2: return "avx2";
    case PW_ISA_AVX512: return "avx512";
    case PW_ISA_NEON: return "neon";
  }
  return "unknown";
}

pw_status pw_isa_from_name(const char* name, pw_isa* isa) {
  if (name == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "name is NULL");
  if (isa == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "isa is NULL");
  for (int value = PW_ISA_AUTO; value <= PW_ISA_NEON; ++value) {
    if (equal_ignoring_case(name, pw_isa_name(static_cast<pw_isa>(value)))) {
      *isa = static_cast<pw_isa>(value);
      return PW_OK;
    }
  }
  return fail(PW_ERROR_INVALID_ARGUMENT,
              "name \"%.40s\" is not an ISA name (auto, scalar, sse, avx2, avx512, neon)", name);
}

int pw_isa_supported(pw_isa isa) {
  const int value = enum_value(isa);
  if (value < PW_ISA_AUTO || value > PW_ISA_NEON) return 0;
  const variant* v = find_built_variant(isa);
  return v != nullptr && v->runs_on(host_cpu_features()) ? 1 : 0;
}

pw_isa pw_best_isa(void) {
  const isa_choice choice = choose_variant(PW_ISA_AUTO, process_isa_override(), host_cpu_features());
  return choice.status == PW_OK ? choice.chosen->isa : PW_ISA_AUTO;
}

}  // extern "C"
