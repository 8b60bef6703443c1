// The per-thread message behind pw_last_error() and the fail() helper that sets it.
#include "errors.h"

#include <cstdarg>
#include <cstdio>

namespace pw {
namespace {
// A fixed buffer: recording an error must not allocate (a run never allocates, and
// an out-of-memory error must still be reportable).
thread_local char g_last_error[512] = "";
}  // namespace

pw_status fail(pw_status status, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_last_error, sizeof(g_last_error), format, args);
  va_end(args);
  return status;
}

const char* last_error_message() { return g_last_error; }

}  // namespace pw
