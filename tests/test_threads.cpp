// Threads: results are bitwise identical for every thread count and pool, one conv
// runs from many threads at once, and a run allocates nothing.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <thread>
#include <vector>

#include "conv_harness.h"

namespace pw_test {
namespace {

// A host pool over std::thread, one contiguous slice of tasks each.
void std_thread_parallel_for(void* user, pw_task_fn task, void* context, size_t count) {
  const size_t threads = *static_cast<size_t*>(user);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t)
    workers.emplace_back([=] {
      for (size_t i = t; i < count; i += threads) task(context, i);
    });
  for (std::thread& w : workers) w.join();
}

class Threads : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
};

std::vector<conv_shape> threaded_shapes() {
  std::vector<conv_shape> shapes;
  auto add = [&](size_t h, size_t w, size_t ci, size_t co, size_t groups, size_t stride) {
    conv_shape s;
    s.height = h;
    s.width = w;
    s.in_channels = ci;
    s.out_channels = co;
    s.groups = groups;
    s.stride_h = s.stride_w = stride;
    s.output_min = 0.0f;
    shapes.push_back(s);
  };
  add(7, 7, 512, 200, 1, 1);     // few pixels: split over output channels
  add(28, 28, 64, 96, 1, 1);     // many pixels
  add(14, 14, 1500, 40, 1, 1);   // input channels split into blocks
  add(15, 13, 24, 36, 3, 2);     // groups and stride
  add(2, 7, 2600, 300, 1, 1);    // weights beyond a 1 MiB L2 (3.3 MiB): streamed, next blocks prefetched
  add(1, 1, 777, 333, 1, 1);     // fully connected
  add(1, 1, 1152, 48, 1, 1);     // one pixel, few outputs (squeeze-excite): channel tiles the only split
  add(1, 3, 300, 500, 1, 1);     // three pixels: the few-rows kernel over several panel groups
  return shapes;
}

TEST_P(Threads, BitwiseIdenticalForEveryThreadCountAndPool) {
  for (const conv_shape& s : threaded_shapes()) {
    SCOPED_TRACE(s.describe());
    const conv_data d = make_conv_data(s, true, true, 7);
    const run_result single = run_conv(GetParam(), s, d, {});
    ASSERT_EQ(single.status, PW_OK) << single.error;
    std::vector<pw_threadpool*> pools;
    for (size_t threads : {1, 2, 3, 8}) pools.push_back(pw_threadpool_create(threads));
    pools.push_back(pw_threadpool_create_custom(reverse_parallel_for, nullptr, 4));
    size_t std_threads = 3;
    pools.push_back(pw_threadpool_create_custom(std_thread_parallel_for, &std_threads, std_threads));
    for (pw_threadpool* pool : pools) {
      ASSERT_NE(pool, nullptr);
      run_options options;
      options.pool = pool;
      const run_result threaded = run_conv(GetParam(), s, d, options);
      ASSERT_EQ(threaded.status, PW_OK) << threaded.error;
      EXPECT_EQ(std::memcmp(threaded.output.data(), single.output.data(), single.output.size() * sizeof(float)), 0)
          << "pool of " << pw_threadpool_threads(pool) << " threads differs from one thread";
      pw_threadpool_destroy(pool);
    }
    {
      // In place with a pool: every tile reads its residual before it writes it.
      run_options options;
      options.in_place_residual = true;
      options.pool = pw_threadpool_create(3);
      EXPECT_EQ(check_conv(GetParam(), s, true, true, 8, options), "");
      pw_threadpool_destroy(options.pool);
    }
  }
}

// The same with bf16 math and bf16 tensors: conversion of rows per register group and
// block, and the bf16 output's rounding through the stack scratch, must not depend on
// the split either. Each math and type pair takes two of the layers in turn (one under
// qemu), so that every layer meets several pairs.
TEST_P(Threads, Bf16TypesBitwiseIdenticalForEveryThreadCountAndPool) {
  const std::vector<conv_shape> shapes = threaded_shapes();
  // pthreadpool's own thread counts are the fp32 test's; the split depends on the count
  // only, which the host pools of 3 and 4 cover too.
  const std::vector<size_t> thread_counts = {2};
  const std::vector<conv_shape> pairs = bf16_variants_of(GetParam(), conv_shape{});
  for (size_t k = 0; k < pairs.size(); ++k)
    for (size_t turn = 0; turn < (emulated_run() ? 1u : 2u); ++turn) {
      conv_shape s = shapes[(k + 2 * turn) % shapes.size()];
      s.math = pairs[k].math;
      s.input_type = pairs[k].input_type;
      s.output_type = pairs[k].output_type;
      SCOPED_TRACE(s.describe());
      const conv_data d = make_conv_data(s, true, true, 17);
      const run_result single = run_conv(GetParam(), s, d, {});
      ASSERT_EQ(single.status, PW_OK) << single.error;
      std::vector<pw_threadpool*> pools;
      for (size_t threads : thread_counts) pools.push_back(pw_threadpool_create(threads));
      pools.push_back(pw_threadpool_create_custom(reverse_parallel_for, nullptr, 4));
      size_t std_threads = 3;
      pools.push_back(pw_threadpool_create_custom(std_thread_parallel_for, &std_threads, std_threads));
      for (pw_threadpool* pool : pools) {
        ASSERT_NE(pool, nullptr);
        run_options options;
        options.pool = pool;
        const run_result threaded = run_conv(GetParam(), s, d, options);
        ASSERT_EQ(threaded.status, PW_OK) << threaded.error;
        EXPECT_EQ(std::memcmp(threaded.output.data(), single.output.data(), single.output.size() * sizeof(float)), 0)
            << "pool of " << pw_threadpool_threads(pool) << " threads differs from one thread";
        pw_threadpool_destroy(pool);
      }
      // In place (a bf16 residual in a bf16 output) with a pool, against the reference.
      run_options options;
      options.in_place_residual = true;
      options.pool = pw_threadpool_create(3);
      EXPECT_EQ(check_conv(GetParam(), s, true, true, 18, options), "");
      pw_threadpool_destroy(options.pool);
    }
}

TEST_P(Threads, OneConvRunFromFourThreadsAtOnce) {
  conv_shape s;
  s.height = 17;
  s.width = 19;
  s.in_channels = 300;
  s.out_channels = 77;
  s.output_min = 0.0f;
  const conv_data d = make_conv_data(s, true, false, 9);
  const pw_conv_desc desc = s.desc(GetParam());
  pw_conv* conv = nullptr;
  ASSERT_EQ(pw_conv_create(&desc, d.weights.data(), d.bias.data(), &conv), PW_OK);
  std::vector<float> expected(s.out_pixels() * s.dense_out());
  ASSERT_EQ(pw_conv_run(conv, 1, s.height, s.width, d.input.data(), 0, expected.data(), 0, nullptr, 0, nullptr), PW_OK);
  std::vector<std::vector<float>> outputs(4, std::vector<float>(expected.size(), kSentinel));
  std::vector<int> statuses(4, -1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 5 && statuses[t] != 1; ++repeat)
        statuses[t] = pw_conv_run(conv, 1, s.height, s.width, d.input.data(), 0, outputs[t].data(), 0, nullptr, 0,
                                  nullptr);
    });
  for (std::thread& t : threads) t.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(statuses[t], PW_OK);
    EXPECT_EQ(std::memcmp(outputs[t].data(), expected.data(), expected.size() * sizeof(float)), 0) << "thread " << t;
  }
  pw_conv_destroy(conv);
}

INSTANTIATE_TEST_SUITE_P(Variants, Threads, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
