/* The worked example through the installed library: a 3x3 image with 2 channels,
   1..18, and the filter [1, 2] give [[5],[11],[17]], [[23],[29],[35]], [[41],[47],[53]].

   With CMake:      see ../cmake/CMakeLists.txt (find_package(pointwise CONFIG))
   With pkg-config: cc worked_example.c $(pkg-config --cflags --libs pointwise) */
#include <stdio.h>

#include <pointwise/pointwise.h>

int main(void) {
  const float input[3 * 3 * 2] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  const float weights[2] = {1, 2}; /* Ci=2 -> Co=1, IO layout */
  const float expected[3 * 3] = {5, 11, 17, 23, 29, 35, 41, 47, 53};
  float output[3 * 3];
  pw_conv_desc desc;
  pw_conv* conv = NULL;
  pw_status status;
  int i, wrong = 0;

  pw_conv_desc_init(&desc, /*in_channels=*/2, /*out_channels=*/1);
  status = pw_conv_create(&desc, weights, /*bias=*/NULL, &conv);
  if (status != PW_OK) {
    fprintf(stderr, "pw_conv_create: %s: %s\n", pw_status_string(status), pw_last_error());
    return 1;
  }
  status = pw_conv_run(conv, /*batch=*/1, /*height=*/3, /*width=*/3, input, 0, output, 0,
                       /*residual=*/NULL, 0, /*threadpool=*/NULL);
  pw_conv_destroy(conv);
  if (status != PW_OK) {
    fprintf(stderr, "pw_conv_run: %s: %s\n", pw_status_string(status), pw_last_error());
    return 1;
  }
  for (i = 0; i < 9; ++i) {
    printf("%g%s", (double)output[i], i % 3 == 2 ? "\n" : " ");
    if (output[i] != expected[i]) wrong = 1;
  }
  printf("pointwise %s, variant %s\n", pw_version(), pw_isa_name(pw_best_isa()));
  return wrong;
}
