/* The library never prints: a program that detects the CPU, creates and runs a conv
   for every variant and math this CPU runs, and makes calls fail, must leave stdout
   and stderr empty (check_silent_run.cmake checks both). It reports its own failures
   by exit status only, so that any output is the library's. */
#include <stddef.h>

#include "pointwise/pointwise.h"

enum { kIn = 8, kOut = 8, kHeight = 2, kWidth = 3 };

/* 0 when a conv of this isa and math creates and runs, or cannot be created. */
static int create_and_run(pw_isa isa, pw_math math) {
  float weights[kIn * kOut], input[kHeight * kWidth * kIn], output[kHeight * kWidth * kOut];
  pw_conv_desc desc;
  pw_conv* conv = NULL;
  size_t i;
  pw_status status;
  for (i = 0; i < sizeof(weights) / sizeof(weights[0]); ++i) weights[i] = (float)(i % 5) - 2.0f;
  for (i = 0; i < sizeof(input) / sizeof(input[0]); ++i) input[i] = (float)(i % 7) * 0.5f;
  pw_conv_desc_init(&desc, kIn, kOut);
  desc.isa = isa;
  desc.math = math;
  /* A variant that cannot do this math refuses it: not this program's concern. */
  if (pw_conv_create(&desc, weights, NULL, &conv) != PW_OK) return 0;
  status = pw_conv_run(conv, 1, kHeight, kWidth, input, 0, output, 0, NULL, 0, NULL);
  pw_conv_destroy(conv);
  return status == PW_OK ? 0 : 1;
}

int main(void) {
  pw_conv_desc desc;
  pw_conv* conv = NULL;
  const float weight = 1.0f;
  int isa, failures = 0;
  pw_isa parsed;
  (void)pw_version();
  (void)pw_best_isa();
  for (isa = 0; isa <= PW_ISA_NEON_BF16; ++isa) {
    (void)pw_isa_name((pw_isa)isa);
    if (isa != PW_ISA_AUTO && !pw_isa_supported((pw_isa)isa)) continue;
    failures += create_and_run((pw_isa)isa, PW_MATH_F32);
    failures += create_and_run((pw_isa)isa, PW_MATH_BF16);
  }
  /* Failing calls: a status and pw_last_error(), nothing printed. */
  pw_conv_desc_init(&desc, 0, 1);
  if (pw_conv_create(&desc, &weight, NULL, &conv) == PW_OK) ++failures;
  if (pw_isa_from_name("no-such-isa", &parsed) == PW_OK) ++failures;
  (void)pw_last_error();
  return failures == 0 ? 0 : 1;
}
