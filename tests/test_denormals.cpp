// Denormals: with flush_denormals off they are computed like any other number; with
// it on, denormal inputs and results are flushed to zero during the run and the
// floating-point mode of every thread that ran a task (the caller, pthreadpool's
// workers, a host pool's threads) is what it was before: also after a failed run.
#include <gtest/gtest.h>

#include <pthreadpool.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <initializer_list>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

#include "conv_harness.h"
#include "threadpool.h"  // pw_threadpool's pthreadpool, to probe its workers' modes

namespace pw_test {
namespace {

// The thread's floating-point control mode: MXCSR without its sticky exception flags
// (bits 0-5), or FPCR on AArch64.
#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned long kFlushBits = (1ul << 15) | (1ul << 6);  // FTZ | DAZ
constexpr unsigned long kFlushToZeroOnly = 1ul << 15;
unsigned long fp_mode() { return _mm_getcsr() & ~0x3fu; }
void set_fp_mode(unsigned long mode) { _mm_setcsr(static_cast<unsigned>(mode) | (_mm_getcsr() & 0x3fu)); }
#elif defined(__aarch64__)
constexpr unsigned long kFlushBits = 1ul << 24;  // FPCR.FZ
constexpr unsigned long kFlushToZeroOnly = 1ul << 24;
unsigned long fp_mode() {
  unsigned long fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}
void set_fp_mode(unsigned long mode) { __asm__ volatile("msr fpcr, %0" : : "r"(mode)); }
#else
#define POINTWISE_NO_FP_MODE 1
constexpr unsigned long kFlushBits = 0, kFlushToZeroOnly = 0;
unsigned long fp_mode() { return 0; }
void set_fp_mode(unsigned long) {}
#endif

// Restores the test thread's mode however the test ends.
class fp_mode_guard {
 public:
  fp_mode_guard() : saved_(fp_mode()) {}
  ~fp_mode_guard() { set_fp_mode(saved_); }

 private:
  unsigned long saved_;
};

class Denormals : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
  pw_conv* create(size_t ci, size_t co, const float* weights, const float* bias, bool flush,
                  pw_math math = PW_MATH_F32) {
    pw_conv_desc desc = variant_desc(GetParam(), ci, co);
    if (math == PW_MATH_BF16) desc.math = math;
    desc.flush_denormals = flush ? 1 : 0;
    pw_conv* conv = nullptr;
    EXPECT_EQ(pw_conv_create(&desc, weights, bias, &conv), PW_OK) << pw_last_error();
    return conv;
  }
};

constexpr float kDenormal = 1e-40f;

// The two-pixel layer of KeptWhenFlushIsOff: x = 1e-40 times w = 1, and 1 times a
// denormal weight plus a denormal bias, as outputs {x*1, x*d + d, 1*1, 1*d + d}.
void run_denormal_pixels(pw_conv* conv, float output[4]) {
  const float input[2] = {kDenormal, 1.0f};
  ASSERT_EQ(pw_conv_run(conv, 1, 1, 2, input, 0, output, 0, nullptr, 0, nullptr), PW_OK) << pw_last_error();
}

// Whole layers of tiny values against the reference (which knows that rounding below
// FLT_MIN is absolute, and what bf16 math may flush).
void expect_tiny_layers_match_the_reference(pw_isa isa, pw_math math) {
  for (const float scale : {1e-38f, 1e-42f, 1e-20f}) {
    conv_shape s;
    s.in_channels = 37;
    s.out_channels = 19;
    s.height = 5;
    s.width = 3;
    s.math = math;
    conv_data d = make_conv_data(s, true, true, 21);
    for (float& x : d.input) x *= scale;
    for (float& r : d.residual) r *= scale * scale;
    for (float& b : d.bias) b *= 1e-39f;
    const run_result r = run_conv(isa, s, d);
    ASSERT_EQ(r.status, PW_OK) << r.error;
    const reference_output ref = reference_conv(s.on_variant(isa), d.input, d.weights, d.bias, d.residual);
    EXPECT_EQ(compare_with_reference(s, r.output.data(), ref), "") << "scale " << scale;
  }
}

// fp32 math keeps denormals exactly: only the variants that do fp32 math (a bf16-only
// variant is covered by MayFlushWithBf16MathButKeepNormalValues).
class DenormalsFp32Math : public Denormals {};

TEST_P(DenormalsFp32Math, KeptWhenFlushIsOffAndMatchTheReference) {
  ASSERT_EQ(std::fpclassify(kDenormal), FP_SUBNORMAL);
  const float weights[2] = {1.0f, kDenormal};
  const float bias[2] = {0.0f, kDenormal};
  pw_conv* conv = create(1, 2, weights, bias, false);
  ASSERT_NE(conv, nullptr);
  float output[4];
  run_denormal_pixels(conv, output);
  EXPECT_EQ(output[0], kDenormal);
  EXPECT_EQ(output[1], kDenormal * kDenormal + kDenormal);  // the product underflows to 0
  EXPECT_EQ(output[2], 1.0f);
  EXPECT_EQ(output[3], 2 * kDenormal);
  pw_conv_destroy(conv);
  expect_tiny_layers_match_the_reference(GetParam(), PW_MATH_F32);
}

// The header's promise for bf16 math with flush_denormals off: denormal bf16 inputs and
// weights may count as zero, and so may sums below FLT_MIN (vdpbf16ps flushes even a
// denormal fp32 accumulator whatever MXCSR says); everything else is the bf16-math
// value, and normal values are never flushed. Every variant, since every one does bf16 math.
TEST_P(Denormals, MayFlushWithBf16MathButKeepNormalValues) {
  const float weights[2] = {1.0f, kDenormal};
  const float bias[2] = {0.0f, kDenormal};
  pw_conv* conv = create(1, 2, weights, bias, false, PW_MATH_BF16);
  ASSERT_NE(conv, nullptr);
  float output[4];
  run_denormal_pixels(conv, output);
  const float x = round_bf16(kDenormal), w = round_bf16(kDenormal);
  ASSERT_EQ(std::fpclassify(x), FP_SUBNORMAL) << "1e-40 is a bf16 denormal too";
  auto one_of = [](float got, std::initializer_list<float> allowed) {
    for (float a : allowed)
      if (got == a && !std::signbit(got)) return true;
    return false;
  };
  EXPECT_TRUE(one_of(output[0], {x, 0.0f})) << output[0] << ": the bf16 input, or zero";
  EXPECT_TRUE(one_of(output[1], {kDenormal, 0.0f})) << output[1] << ": the fp32 bias (the product underflows), or zero";
  EXPECT_EQ(output[2], 1.0f) << "normal values are never flushed";
  EXPECT_TRUE(one_of(output[3], {w + kDenormal, kDenormal, 0.0f})) << output[3];
  pw_conv_destroy(conv);
  expect_tiny_layers_match_the_reference(GetParam(), PW_MATH_BF16);
}

#if !defined(POINTWISE_NO_FP_MODE)

TEST_P(Denormals, FlushedWhenFlushIsOn) {
  fp_mode_guard guard;
  set_fp_mode(fp_mode() & ~kFlushBits);  // the caller keeps denormals
  const float weights[3] = {1.0f, kDenormal, 1.0f};
  const float bias[3] = {0.0f, 0.0f, kDenormal};
  pw_conv* conv = create(1, 3, weights, bias, true);
  ASSERT_NE(conv, nullptr);
  const float input[2] = {kDenormal, 1.0f};
  float output[6];
  ASSERT_EQ(pw_conv_run(conv, 1, 2, 1, input, 0, output, 0, nullptr, 0, nullptr), PW_OK) << pw_last_error();
  EXPECT_EQ(output[0], 0.0f) << "denormal input times 1 with DAZ";
  EXPECT_EQ(output[1], 0.0f);
  EXPECT_EQ(output[2], 0.0f) << "denormal input plus denormal bias with DAZ";
  EXPECT_EQ(output[3], 1.0f);
  EXPECT_EQ(output[4], 0.0f) << "1 times a denormal weight with DAZ";
  EXPECT_EQ(output[5], 1.0f);
  pw_conv_destroy(conv);
  // A result that would be denormal (from normal inputs) flushes too.
  const float small[1] = {1e-20f};
  const float w2 = 1e-20f;
  conv = create(1, 1, &w2, nullptr, true);
  ASSERT_NE(conv, nullptr);
  ASSERT_EQ(pw_conv_run(conv, 1, 1, 1, small, 0, output, 0, nullptr, 0, nullptr), PW_OK);
  EXPECT_EQ(output[0], 0.0f) << "1e-20 * 1e-20 is denormal: FTZ makes it 0";
  pw_conv_destroy(conv);
  EXPECT_EQ(fp_mode() & kFlushBits, 0u) << "the caller's mode was not restored";
}

// A host pool over std::thread that records each thread's mode before its tasks and
// after each task: a task must leave its thread's mode as it found it.
struct recording_pool {
  size_t threads = 2;
  unsigned long worker_mode = 0;  // what each worker starts with
  std::mutex mutex;
  std::vector<std::pair<unsigned long, unsigned long>> before_after;  // one per task
};

void recording_parallel_for(void* user, pw_task_fn task, void* context, size_t count) {
  recording_pool& pool = *static_cast<recording_pool*>(user);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < pool.threads; ++t)
    workers.emplace_back([&pool, task, context, count, t] {
      set_fp_mode(pool.worker_mode);
      const unsigned long before = fp_mode();
      for (size_t i = t; i < count; i += pool.threads) {
        task(context, i);
        const std::lock_guard<std::mutex> lock(pool.mutex);
        pool.before_after.emplace_back(before, fp_mode());
      }
    });
  for (std::thread& w : workers) w.join();
}

// The modes pthreadpool's workers (and the caller, which takes part) have now.
std::set<unsigned long> pthreadpool_thread_modes(pw_threadpool* pool) {
  struct probe {
    std::mutex mutex;
    std::set<unsigned long> modes;
  } p;
  pthreadpool_parallelize_1d(
      pool->pool,
      [](void* context, size_t) {
        probe& p = *static_cast<probe*>(context);
        // A little work so that every worker gets a share.
        volatile float sink = 0;
        for (int i = 0; i < 20000; ++i) sink = sink + 1.0f;
        const std::lock_guard<std::mutex> lock(p.mutex);
        p.modes.insert(fp_mode());
      },
      &p, 64, 0);
  return p.modes;
}

// A layer big enough to be split into many tasks, with denormal inputs.
struct split_layer {
  conv_shape shape;
  conv_data data;
  split_layer() {
    shape.in_channels = 24;
    shape.out_channels = 200;
    shape.height = 16;
    shape.width = 16;
    data = make_conv_data(shape, true, false, 31);
    for (size_t i = 0; i < data.input.size(); i += 3) data.input[i] = kDenormal;
  }
};

TEST_P(Denormals, CallerAndPoolThreadModesRestoredOnEveryPool) {
  fp_mode_guard guard;
  const split_layer layer;
  pw_conv_desc desc = variant_desc(GetParam(), layer.shape.in_channels, layer.shape.out_channels);
  desc.flush_denormals = 1;
  pw_conv* conv = nullptr;
  ASSERT_EQ(pw_conv_create(&desc, layer.data.weights.data(), layer.data.bias.data(), &conv), PW_OK);
  std::vector<float> output(layer.shape.out_pixels() * layer.shape.dense_out());
  std::vector<float> flushed_single;

  // Three caller modes: a restore must give back the caller's mode, not just clear
  // FTZ/DAZ; a caller that already flushes (the run then writes no mode) still gets
  // flushed results and keeps its mode.
  for (const unsigned long caller_mode : {fp_mode() & ~kFlushBits, (fp_mode() & ~kFlushBits) | kFlushToZeroOnly,
                                          fp_mode() | kFlushBits}) {
    SCOPED_TRACE("caller mode " + std::to_string(caller_mode));
    set_fp_mode(caller_mode);
    // The calling thread.
    ASSERT_EQ(pw_conv_run(conv, 1, 16, 16, layer.data.input.data(), 0, output.data(), 0, nullptr, 0, nullptr), PW_OK);
    EXPECT_EQ(fp_mode(), caller_mode);
    if (flushed_single.empty()) flushed_single = output;
    // An empty run (zero batch), a failed one (a pixel stride too small), then a null input.
    EXPECT_EQ(pw_conv_run(conv, 0, 16, 16, layer.data.input.data(), 0, output.data(), 0, nullptr, 0, nullptr), PW_OK);
    EXPECT_EQ(fp_mode(), caller_mode) << "after an empty run";
    EXPECT_EQ(pw_conv_run(conv, 1, 16, 16, layer.data.input.data(), 1, output.data(), 0, nullptr, 0, nullptr),
              PW_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(pw_conv_run(conv, 1, 16, 16, nullptr, 0, output.data(), 0, nullptr, 0, nullptr), PW_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(fp_mode(), caller_mode) << "after a failed run";

    // pthreadpool: the caller and the workers.
    pw_threadpool* pool = pw_threadpool_create(2);
    ASSERT_NE(pool, nullptr);
    const std::set<unsigned long> workers_before = pthreadpool_thread_modes(pool);
    std::fill(output.begin(), output.end(), kSentinel);
    ASSERT_EQ(pw_conv_run(conv, 1, 16, 16, layer.data.input.data(), 0, output.data(), 0, nullptr, 0, pool), PW_OK);
    EXPECT_EQ(fp_mode(), caller_mode) << "pthreadpool: the caller";
    EXPECT_EQ(pthreadpool_thread_modes(pool), workers_before) << "pthreadpool: a worker kept FTZ/DAZ";
    EXPECT_EQ(output, flushed_single) << "pthreadpool workers flushed differently";
    pw_threadpool_destroy(pool);

    // A host pool whose workers start in any of those modes.
    for (const unsigned long worker_mode :
         {caller_mode & ~kFlushBits, caller_mode | kFlushToZeroOnly, caller_mode | kFlushBits}) {
      recording_pool recorder;
      recorder.worker_mode = worker_mode;
      pw_threadpool* custom = pw_threadpool_create_custom(recording_parallel_for, &recorder, recorder.threads);
      ASSERT_NE(custom, nullptr);
      std::fill(output.begin(), output.end(), kSentinel);
      ASSERT_EQ(pw_conv_run(conv, 1, 16, 16, layer.data.input.data(), 0, output.data(), 0, nullptr, 0, custom), PW_OK);
      EXPECT_EQ(fp_mode(), caller_mode) << "host pool: the caller";
      ASSERT_GT(recorder.before_after.size(), 1u) << "the run was not split into tasks";
      for (const auto& [before, after] : recorder.before_after) {
        EXPECT_EQ(before, worker_mode);
        EXPECT_EQ(after, before) << "a task left its host thread's mode changed";
      }
      EXPECT_EQ(output, flushed_single) << "host pool workers flushed differently";
      pw_threadpool_destroy(custom);
    }
  }
  pw_conv_destroy(conv);
}

#endif  // !POINTWISE_NO_FP_MODE

INSTANTIATE_TEST_SUITE_P(Variants, Denormals, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

std::vector<pw_isa> fp32_math_variant_isas() {
  std::vector<pw_isa> isas;
  for (pw_isa isa : all_variant_isas())
    if (!variant_does_bf16_math_only(isa)) isas.push_back(isa);
  return isas;
}

INSTANTIATE_TEST_SUITE_P(Variants, DenormalsFp32Math, ::testing::ValuesIn(fp32_math_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
