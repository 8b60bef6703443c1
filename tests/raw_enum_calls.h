/* See raw_enum_calls.c. */
#ifndef POINTWISE_TESTS_RAW_ENUM_CALLS_H_
#define POINTWISE_TESTS_RAW_ENUM_CALLS_H_

#include "pointwise/pointwise.h"

#ifdef __cplusplus
extern "C" {
#endif

const char* raw_isa_name(int isa);
int raw_isa_supported(int isa);
const char* raw_status_string(int status);

#ifdef __cplusplus
}
#endif

#endif
