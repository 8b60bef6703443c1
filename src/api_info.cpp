// The small C API functions: version, status and ISA names, ISA queries, errors.
#include "dispatch.h"
#include "enum_value.h"
#include "errors.h"

#define PW_STRINGIFY_(x) #x
#define PW_STRINGIFY(x) PW_STRINGIFY_(x)

using namespace pw;

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
  if (enum_value(isa) == PW_ISA_AUTO) return "auto";
  const variant* v = find_variant(enum_value(isa));
  return v != nullptr ? v->name : "unknown";
}

pw_status pw_isa_from_name(const char* name, pw_isa* isa) {
  if (name == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "name is NULL");
  if (isa == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "isa is NULL");
  if (parse_isa_name(name, isa)) return PW_OK;
  return fail(PW_ERROR_INVALID_ARGUMENT, "name \"%.40s\" is not an ISA name (%s)", name,
              variant_names_for_messages());
}

int pw_isa_supported(pw_isa isa) {
  const variant* v = find_built_variant(enum_value(isa));
  return v != nullptr && v->runs_on(host_cpu_features()) ? 1 : 0;
}

pw_isa pw_best_isa(void) {
  const isa_choice choice = choose_variant(PW_ISA_AUTO, process_isa_override(), host_cpu_features());
  return choice.status == PW_OK ? choice.chosen->isa : PW_ISA_AUTO;
}

}  // extern "C"
