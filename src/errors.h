// Per-thread error messages for pw_last_error().
#pragma once

#include "pointwise/pointwise.h"

namespace pw {

// Records a printf-style message for this thread and returns status, so that
// validation reads `return fail(PW_ERROR_INVALID_ARGUMENT, "...", ...);`.
pw_status fail(pw_status status, const char* format, ...)
    __attribute__((format(printf, 2, 3)));

const char* last_error_message();

}  // namespace pw
