/* The public header compiles as strict C99, and the worked example of the README
   runs through the C API from C. */
#include <math.h>
#include <stdio.h>

#include "pointwise/pointwise.h"

int main(void) {
  const float input[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  const float weights[2] = {1, 2};
  const float expected[9] = {5, 11, 17, 23, 29, 35, 41, 47, 53};
  float output[9];
  pw_conv_desc desc;
  pw_conv* conv = NULL;
  pw_status status;
  int i, failures = 0;

  pw_conv_desc_init(&desc, 2, 1);
  status = pw_conv_create(&desc, weights, NULL, &conv);
  if (status != PW_OK) {
    printf("pw_conv_create: %s: %s\n", pw_status_string(status), pw_last_error());
    return 1;
  }
  status = pw_conv_run(conv, 1, 3, 3, input, 0, output, 0, NULL, 0, NULL);
  if (status != PW_OK) {
    printf("pw_conv_run: %s: %s\n", pw_status_string(status), pw_last_error());
    return 1;
  }
  for (i = 0; i < 9; ++i) {
    printf("%g%s", (double)output[i], i % 3 == 2 ? "\n" : " ");
    if (output[i] != expected[i]) ++failures;
  }
  printf("pointwise %s, variant %s\n", pw_version(), pw_isa_name(pw_best_isa()));
  pw_conv_destroy(conv);
  pw_conv_destroy(NULL);
  if (pw_conv_create(NULL, weights, NULL, &conv) != PW_ERROR_INVALID_ARGUMENT || conv != NULL) ++failures;
  return failures == 0 ? 0 : 1;
}
