// pw_conv_run at the edges of its contract, on every variant: empty tensors, buffers
// shared by channel slices (DenseNet), pixel strides of their own on runs split into
// many tiles over several threads, tiles whose rows cross image ends, layers of a
// few pixels (one kernel call), and the clamp's boundary values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "conv_harness.h"

namespace pw_test {
namespace {

class RunContract : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
  pw_isa isa() const { return GetParam(); }
};

struct conv_holder {
  pw_conv* conv = nullptr;
  conv_holder(pw_isa isa, size_t ci, size_t co, uint32_t seed) {
    pw_conv_desc desc = variant_desc(isa, ci, co);
    const std::vector<float> weights = random_floats(ci * co, seed), bias = random_floats(co, seed + 1);
    EXPECT_EQ(pw_conv_create(&desc, weights.data(), bias.data(), &conv), PW_OK) << pw_last_error();
  }
  ~conv_holder() { pw_conv_destroy(conv); }
};

TEST_P(RunContract, EmptyTensorsRunAndTouchNothing) {
  conv_holder c(isa(), 5, 7, 1);
  ASSERT_NE(c.conv, nullptr);
  pw_threadpool* pool = pw_threadpool_create(3);
  ASSERT_NE(pool, nullptr);
  const size_t sizes[][3] = {{0, 4, 4}, {2, 0, 4}, {2, 4, 0}, {0, 0, 0}};
  for (const auto& size : sizes) {
    SCOPED_TRACE(std::to_string(size[0]) + "x" + std::to_string(size[1]) + "x" + std::to_string(size[2]));
    // Pointers may be NULL.
    EXPECT_EQ(pw_conv_run(c.conv, size[0], size[1], size[2], nullptr, 0, nullptr, 0, nullptr, 0, nullptr), PW_OK)
        << pw_last_error();
    EXPECT_EQ(pw_conv_run(c.conv, size[0], size[1], size[2], nullptr, 0, nullptr, 0, nullptr, 0, pool), PW_OK);
    // Real buffers (even overlapping ones, since no element is used) stay
    // untouched.
    std::vector<float> buffer(64, kSentinel);
    EXPECT_EQ(
        pw_conv_run(c.conv, size[0], size[1], size[2], buffer.data(), 9, buffer.data() + 1, 0, buffer.data(), 0, pool),
        PW_OK);
    for (float v : buffer) EXPECT_TRUE(is_sentinel(v));
  }
  pw_threadpool_destroy(pool);
}

// One buffer of `total` floats a pixel: the input in channels [0, ci), and the
// run writes channels [out_first, out_first + co), reading a residual from
// [res_first, res_first + co) when res_first is not 0. Returns the buffer.
std::vector<float> run_in_one_buffer(const pw_conv* conv, size_t h, size_t w, size_t co, size_t total, size_t out_first,
                                     size_t res_first, pw_threadpool* pool, pw_status* status) {
  std::vector<float> buffer = random_floats(h * w * total, 77);
  for (size_t p = 0; p < h * w; ++p)
    for (size_t ch = out_first; ch < out_first + co; ++ch) buffer[p * total + ch] = kSentinel;
  *status = pw_conv_run(conv, 1, h, w, buffer.data(), total, buffer.data() + out_first, total,
                        res_first != 0 ? buffer.data() + res_first : nullptr, total, pool);
  return buffer;
}

TEST_P(RunContract, ChannelSlicesOfOneBufferAsInputResidualAndOutput) {
  // DenseNet: a layer reads channels [0, 40) of every pixel and writes [40, 72)
  // of the same pixels; 28x28 with several threads runs many tiles.
  const size_t h = 28, w = 28, ci = 40, co = 32;
  conv_holder c(isa(), ci, co, 3);
  ASSERT_NE(c.conv, nullptr);
  for (size_t threads : {1, 3}) {
    SCOPED_TRACE(std::to_string(threads) + " thread(s)");
    pw_threadpool* pool = threads > 1 ? pw_threadpool_create(threads) : nullptr;
    for (size_t res_first : {size_t{0}, ci}) {
      const size_t out_first = res_first != 0 ? ci + co : ci, total = out_first + co + 3;
      pw_status status;
      const std::vector<float> shared = run_in_one_buffer(c.conv, h, w, co, total, out_first, res_first, pool, &status);
      ASSERT_EQ(status, PW_OK) << pw_last_error();
      // The same run from separate buffers gives the same bits; everything but
      // the output's channels is as it was.
      const std::vector<float> original = random_floats(h * w * total, 77);
      std::vector<float> separate_output(h * w * co, kSentinel);
      ASSERT_EQ(pw_conv_run(c.conv, 1, h, w, original.data(), total, separate_output.data(), 0,
                            res_first != 0 ? original.data() + res_first : nullptr, total, pool),
                PW_OK);
      for (size_t p = 0; p < h * w; ++p)
        for (size_t ch = 0; ch < total; ++ch) {
          const bool output = ch >= out_first && ch < out_first + co;
          const float expected = output ? separate_output[p * co + ch - out_first] : original[p * total + ch];
          ASSERT_EQ(std::memcmp(&shared[p * total + ch], &expected, 4), 0) << "pixel " << p << " channel " << ch;
        }
    }
    pw_threadpool_destroy(pool);
  }
}

TEST_P(RunContract, ChannelSlicesThatShareAChannelAreRefusedSayingWhich) {
  const size_t h = 3, w = 4, ci = 8, co = 5, total = 16;
  conv_holder c(isa(), ci, co, 5);
  ASSERT_NE(c.conv, nullptr);
  pw_status status;
  // The output starts on the input's last channel.
  std::vector<float> buffer = run_in_one_buffer(c.conv, h, w, co, total, ci - 1, 0, nullptr, &status);
  EXPECT_EQ(status, PW_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(pw_last_error(), "output pixel 0 channel 0 is input pixel 0 channel 7"), nullptr)
      << pw_last_error();
  // The residual's last channel is the output's first.
  const size_t wide = ci + 2 * co;
  const std::vector<float> before = random_floats(h * w * wide, 78);
  buffer = before;
  EXPECT_EQ(pw_conv_run(c.conv, 1, h, w, buffer.data(), wide, buffer.data() + ci + co - 1, wide, buffer.data() + ci,
                        wide, nullptr),
            PW_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(pw_last_error(), "output pixel 0 channel 0 is residual pixel 0 channel 4"), nullptr)
      << pw_last_error();
  EXPECT_EQ(std::memcmp(buffer.data(), before.data(), buffer.size() * sizeof(float)), 0) << "a refused run wrote";
}

// Layers that the planner splits into many pixel tiles (and channel tiles),
// each buffer with its own pixel stride, run on 1, 2 and 3 threads: a tile's
// offset computed with another buffer's stride lands on the wrong pixels.
TEST_P(RunContract, EveryBufferKeepsItsOwnPixelStrideOnManyTilesAndThreads) {
  struct strides {
    size_t input, output, residual;
  };
  const strides cases[] = {
      {0, 0, 130},     // only the residual padded
      {0, 100, 0},     // only the output padded (the residual dense, narrower)
      {0, 100, 70},    // residual padded less than the output
      {90, 0, 0},      // only the input padded
      {90, 100, 0},    // input and output
      {75, 100, 130},  // all three, all different
  };
  pw_threadpool* pools[] = {nullptr, pw_threadpool_create(2), pw_threadpool_create(3)};
  for (const strides& st : cases)
    for (pw_threadpool* pool : pools) {
      for (size_t groups : {1, 2}) {
        conv_shape s;
        s.groups = groups;
        s.in_channels = 64 / groups;
        s.out_channels = 64 / groups;
        s.height = 23;
        s.width = 29;
        s.input_stride = st.input;
        s.output_stride = st.output;
        s.residual_stride = st.residual;
        run_options options;
        options.pool = pool;
        SCOPED_TRACE(s.describe() + ", " + std::to_string(pw_threadpool_threads(pool)) + " thread(s)");
        EXPECT_EQ(check_conv(isa(), s, true, true, 91, options), "");
        s.stride_h = s.stride_w = 2;  // strided input pixels too
        EXPECT_EQ(check_conv(isa(), s, true, true, 92, options), "");
      }
    }
  for (pw_threadpool* pool : pools) pw_threadpool_destroy(pool);
}

TEST_P(RunContract, PixelStrideEqualToTheChannelsIsDense) {
  conv_shape s;
  s.in_channels = 19;
  s.out_channels = 23;
  s.height = 9;
  s.width = 11;
  s.input_stride = 19;
  s.output_stride = 23;
  s.residual_stride = 23;
  pw_threadpool* pool = pw_threadpool_create(2);
  run_options options;
  options.pool = pool;
  EXPECT_EQ(check_conv(isa(), s, true, true, 93, options), "");
  pw_threadpool_destroy(pool);
}

TEST_P(RunContract, ClampBoundsThatMeetGiveThatValue) {
  // output_min == output_max is allowed (only min > max is not): every finite
  // result becomes the bound; NaN still propagates.
  const float bounds[][2] = {{0.5f, 0.5f}, {0.0f, 0.0f}, {-INFINITY, -INFINITY}, {INFINITY, INFINITY}};
  for (const auto& bound : bounds) {
    conv_shape s;
    s.in_channels = 13;
    s.out_channels = 37;
    s.height = 5;
    s.width = 7;
    s.output_min = bound[0];
    s.output_max = bound[1];
    SCOPED_TRACE(s.describe());
    EXPECT_EQ(check_conv(isa(), s, true, true, 94), "");
    const conv_data d = make_conv_data(s, true, true, 95);
    const run_result r = run_conv(isa(), s, d);
    ASSERT_EQ(r.status, PW_OK) << r.error;
    for (size_t i = 0; i < r.output.size(); ++i)
      ASSERT_TRUE(r.output[i] == bound[0]) << "element " << i << " is " << r.output[i];
  }
}

TEST_P(RunContract, ClampWithOneInfiniteBound) {
  const float bounds[][2] = {{-INFINITY, 0.25f}, {-0.25f, INFINITY}, {-INFINITY, INFINITY}};
  for (const auto& bound : bounds) {
    conv_shape s;
    s.in_channels = 21;
    s.out_channels = 18;
    s.height = 6;
    s.width = 6;
    s.output_min = bound[0];
    s.output_max = bound[1];
    SCOPED_TRACE(s.describe());
    EXPECT_EQ(check_conv(isa(), s, true, true, 96), "");
  }
}

// The row pointers of a tile that starts mid-row or mid-image and runs across image
// ends: at unit strides output pixel p reads input pixel p (one step per pixel, no
// division), at any other stride the (image, row, column) walk finds each pixel.
TEST_P(RunContract, RowsOfTilesThatCrossRowAndImageEndsOnEveryStride) {
  const size_t stride_pairs[][2] = {{1, 1}, {1, 2}, {2, 1}, {2, 3}};
  pw_threadpool* pools[] = {nullptr, pw_threadpool_create(2), pw_threadpool_create(3)};
  for (const auto& stride : stride_pairs)
    for (size_t input_stride : {0, 29})
      for (size_t groups : {1, 2})
        for (pw_threadpool* pool : pools) {
          conv_shape s;
          s.groups = groups;
          s.in_channels = 12 / groups;
          s.out_channels = 40 / groups;
          s.batch = 3;
          s.height = 5;
          s.width = 7;
          s.stride_h = stride[0];
          s.stride_w = stride[1];
          s.input_stride = input_stride;
          run_options options;
          options.pool = pool;
          SCOPED_TRACE(s.describe() + ", " + std::to_string(pw_threadpool_threads(pool)) + " thread(s)");
          EXPECT_EQ(check_conv(isa(), s, true, false, 97, options), "");
        }
  for (pw_threadpool* pool : pools) pw_threadpool_destroy(pool);
}

// Layers of at most MR pixels whose input channels fit one block: the tile loop's one
// kernel call, on every variant (MR 4 to 14), with and without a residual, padded
// pixel strides, groups, and channel tiles that start past 0 (several threads split
// the output channels of so few pixels); and a block more, which takes the loops.
TEST_P(RunContract, LayersOfAFewPixelsInOneKernelCall) {
  const size_t images[][2] = {{1, 1}, {1, 3}, {2, 2}, {3, 3}, {2, 7}};
  pw_threadpool* pools[] = {nullptr, pw_threadpool_create(2)};
  for (const auto& image : images)
    for (size_t out_channels : {1, 33, 200})
      for (size_t in_channels : {2, 70, 3000})
        for (size_t groups : {1, 2})
          for (pw_threadpool* pool : pools) {
            conv_shape s;
            s.groups = groups;
            s.in_channels = in_channels;
            s.out_channels = out_channels;
            s.height = image[0];
            s.width = image[1];
            s.output_min = 0.0f;
            s.input_stride = groups * in_channels + 3;
            s.residual_stride = groups * out_channels + 5;
            run_options options;
            options.pool = pool;
            SCOPED_TRACE(s.describe() + ", " + std::to_string(pw_threadpool_threads(pool)) + " thread(s)");
            EXPECT_EQ(check_conv(isa(), s, true, groups == 1, 98, options), "");
          }
  for (pw_threadpool* pool : pools) pw_threadpool_destroy(pool);
}

// A run of a few register groups of pixels whose channels fit one block and one tile
// (the run makes its kernel calls without a plan) gives the same bits as the same
// pixels of a run of many (the tile loop), with padded strides, a residual apart or in
// place, a clamp, denormals flushed or not, fp32 and bf16 inputs (which a bf16 kernel
// reads in place), on one thread and two; the channels between the output's pixels
// stay untouched.
TEST_P(RunContract, AFewPixelsWithoutAPlanEqualTheSamePixelsOfALargeRun) {
  pw_threadpool* pools[] = {nullptr, pw_threadpool_create(2)};
  ASSERT_NE(pools[1], nullptr);
  enum class residual_kind { none, apart, in_place };
  for (pw_datatype input_type : {PW_DATATYPE_F32, PW_DATATYPE_BF16})
    for (size_t in_channels : {2, 70})
      for (size_t out_channels : {1, 7, 33})
        for (residual_kind residual : {residual_kind::none, residual_kind::apart, residual_kind::in_place})
          for (int flush : {0, 1}) {
            pw_conv_desc desc = variant_desc(isa(), in_channels, out_channels);
            desc.input_type = input_type;
            desc.output_min = -0.25f;
            desc.output_max = 0.75f;
            desc.flush_denormals = flush;
            const std::vector<float> weights = random_floats(in_channels * out_channels, 31);
            const std::vector<float> bias = random_floats(out_channels, 32);
            pw_conv* conv = nullptr;
            ASSERT_EQ(pw_conv_create(&desc, weights.data(), bias.data(), &conv), PW_OK) << pw_last_error();
            pw_conv_info info;
            ASSERT_EQ(pw_conv_get_info(conv, &info), PW_OK);
            const size_t large = 3 * info.mr + 19;
            const size_t in_stride = in_channels + 3, out_stride = out_channels + 2;
            const size_t res_stride = residual == residual_kind::in_place ? out_stride : out_channels + 5;
            typed_tensor input(input_type, random_floats(large * in_stride, 33));
            const std::vector<float> residual_values = random_floats(large * res_stride, 34);
            // The output of a run of `pixels` pixels on `pool`, sentinels between its pixels.
            auto run = [&](size_t pixels, pw_threadpool* pool) {
              std::vector<float> output(large * out_stride, kSentinel);
              const float* res = nullptr;
              if (residual == residual_kind::apart) res = residual_values.data();
              if (residual == residual_kind::in_place) {
                for (size_t p = 0; p < pixels; ++p)
                  for (size_t o = 0; o < out_channels; ++o)
                    output[p * out_stride + o] = residual_values[p * res_stride + o];
                res = output.data();
              }
              EXPECT_EQ(pw_conv_run(conv, 1, 1, pixels, input.data(), in_stride, output.data(), out_stride, res,
                                    res_stride, pool),
                        PW_OK)
                  << pw_last_error();
              return output;
            };
            const std::vector<float> expected = run(large, nullptr);
            for (pw_threadpool* pool : pools)
              for (size_t pixels = 1; pixels <= 2 * info.mr + 1; ++pixels) {
                SCOPED_TRACE(std::string(input_type == PW_DATATYPE_BF16 ? "bf16 " : "fp32 ") +
                             std::to_string(in_channels) + "->" + std::to_string(out_channels) + ", residual " +
                             std::to_string(static_cast<int>(residual)) + ", flush " + std::to_string(flush) + ", " +
                             std::to_string(pixels) + " pixels, " + std::to_string(pw_threadpool_threads(pool)) +
                             " thread(s)");
                const std::vector<float> output = run(pixels, pool);
                EXPECT_EQ(std::memcmp(output.data(), expected.data(), pixels * out_stride * sizeof(float)), 0);
                for (size_t p = 0; p < pixels; ++p)
                  for (size_t o = out_channels; o < out_stride; ++o)
                    EXPECT_TRUE(is_sentinel(output[p * out_stride + o]));
              }
            pw_conv_destroy(conv);
          }
  for (pw_threadpool* pool : pools) pw_threadpool_destroy(pool);
}

INSTANTIATE_TEST_SUITE_P(Variants, RunContract, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
