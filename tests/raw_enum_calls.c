/* Calls that pass arbitrary ints where the C API takes an enum, as a C caller may.
   In C an enum is an int; in C++ an out-of-range enum value is undefined, so the
   tests go through here rather than cast in C++. */
#include "raw_enum_calls.h"

const char* raw_isa_name(int isa) { return pw_isa_name((pw_isa)isa); }
int raw_isa_supported(int isa) { return pw_isa_supported((pw_isa)isa); }
const char* raw_status_string(int status) { return pw_status_string((pw_status)status); }
