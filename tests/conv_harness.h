// Runs one layer through the public API on a chosen variant and checks it against
// the reference, the sentinels around the output, and the untouched input padding.
#pragma once

#include <string>
#include <vector>

#include "conv_reference.h"
#include "pointwise/pointwise.h"

namespace pw_test {

struct conv_data {
  std::vector<float> input;     // in_pixels * in_step; channels past dense_in are NaN
  std::vector<float> weights;   // G*Ci*Co in shape.layout
  std::vector<float> bias;      // G*Co, or empty
  std::vector<float> residual;  // out_pixels * res_step, or empty
};

conv_data make_conv_data(const conv_shape& shape, bool with_bias, bool with_residual, uint32_t seed);

struct run_options {
  bool in_place_residual = false;  // residual passed as the output pointer
  pw_threadpool* pool = nullptr;
};

struct run_result {
  pw_status status;
  std::string error;              // pw_last_error() after a failure
  std::vector<float> output;      // out_pixels * out_step values (a bf16 output widened), kSentinel
                                  // wherever the run left the sentinel alone
};

// A tensor's values held in its element type: fp32 as they are, bf16 as bits
// (kSentinel <-> kSentinelBf16), read back as fp32 values.
class typed_tensor {
 public:
  typed_tensor(pw_datatype type, const std::vector<float>& values);
  void* data();
  std::vector<float> values() const;

 private:
  pw_datatype type_;
  std::vector<float> values_;
  std::vector<uint16_t> bits_;
};

// Creates a conv for `isa`, runs it once and destroys it. The tensors take the
// shape's types (data holds their values).
run_result run_conv(pw_isa isa, const conv_shape& shape, const conv_data& data, const run_options& options = {});

// Empty when the run succeeded, matched the reference and left every sentinel alone.
std::string check_conv(pw_isa isa, const conv_shape& shape, bool with_bias, bool with_residual, uint32_t seed,
                       const run_options& options = {});
// The same on values of the caller's (bf16 tensors must hold bf16 values).
std::string check_conv_data(pw_isa isa, const conv_shape& shape, const conv_data& data,
                            const run_options& options = {});

// A host pool (pw_threadpool_create_custom) that runs the tasks in reverse order on the
// calling thread: any dependence of the results on task order shows.
void reverse_parallel_for(void* user_context, pw_task_fn task, void* task_context, size_t count);

// The desc of a dense Ci -> Co layer for variant `isa`: fp32 tensors, and the math
// the variant does (bf16 on a bf16-only variant), for tests that set up their own runs.
pw_conv_desc variant_desc(pw_isa isa, size_t in_channels, size_t out_channels);

// True under an emulator (POINTWISE_TEST_EMULATED=1, set by .ci/test.d/40-aarch64.sh):
// suites then run smaller layers and fewer combinations, never fewer kinds of tail.
bool emulated_run();

// The bf16 math and type combinations variant `isa` does, every one but fp32 math on
// fp32 tensors: shape with its math, input_type and output_type set.
std::vector<conv_shape> bf16_variants_of(pw_isa isa, const conv_shape& shape);

// "scalar", "sse", ... for test names.
std::string isa_param_name(pw_isa isa);
// The ISA values a variant-parameterised suite runs over: every real variant, so a
// variant this CPU or this build lacks shows up as skipped rather than missing.
std::vector<pw_isa> all_variant_isas();

}  // namespace pw_test

// Skips the current test, saying why, when `isa` cannot run here.
#define PW_SKIP_UNLESS_SUPPORTED(isa)                                                              \
  do {                                                                                               \
    if (!pw_isa_supported(isa))                                                                      \
      GTEST_SKIP() << "variant " << pw_isa_name(isa) << " is not built in or not runnable on this CPU"; \
  } while (0)
