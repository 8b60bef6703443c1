// A run allocates nothing: the library's heap use is all at create. Its own binary,
// because it replaces malloc (and so cannot run under a sanitizer's allocator).
#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <vector>

#include "conv_harness.h"

// Counts every heap allocation of the process while `g_counting` is set. The library
// is linked statically into this test, so its calls resolve here too.
namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};
void note_allocation() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

extern "C" {
void* __libc_malloc(size_t);
void* __libc_calloc(size_t, size_t);
void* __libc_realloc(void*, size_t);
void* __libc_memalign(size_t, size_t);
void* malloc(size_t size) {
  note_allocation();
  return __libc_malloc(size);
}
void* calloc(size_t count, size_t size) {
  note_allocation();
  return __libc_calloc(count, size);
}
void* realloc(void* pointer, size_t size) {
  note_allocation();
  return __libc_realloc(pointer, size);
}
void* aligned_alloc(size_t alignment, size_t size) {
  note_allocation();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, size_t alignment, size_t size) {
  note_allocation();
  *out = __libc_memalign(alignment, size);
  return *out == nullptr ? ENOMEM : 0;
}
}

namespace pw_test {
namespace {

class NoAllocation : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
};

// Runs `s` twice on each pool (null, pthreadpool, a host pool) and counts the
// allocations of the second run; then checks that the counter sees create's.
void expect_runs_allocate_nothing(pw_isa isa, const conv_shape& s) {
  SCOPED_TRACE(s.describe());
  const conv_data d = make_conv_data(s, true, true, 10);
  const pw_conv_desc desc = s.desc(isa);
  pw_conv* conv = nullptr;
  ASSERT_EQ(pw_conv_create(&desc, d.weights.data(), d.bias.data(), &conv), PW_OK) << pw_last_error();
  // The tensors in their types (a bf16 output goes through the library's stack scratch).
  typed_tensor input(s.input_type, d.input), residual(s.output_type, d.residual),
      output(s.output_type, std::vector<float>(s.out_pixels() * s.dense_out()));
  pw_threadpool* pool = pw_threadpool_create(2);
  size_t custom_threads = 2;
  pw_threadpool* reverse = pw_threadpool_create_custom(reverse_parallel_for, &custom_threads, 2);
  for (pw_threadpool* p : {static_cast<pw_threadpool*>(nullptr), pool, reverse}) {
    // A first run outside the count: lazily initialised state of the C++ or C runtime
    // (not the library's) would otherwise be counted.
    ASSERT_EQ(pw_conv_run(conv, 1, s.height, s.width, input.data(), 0, output.data(), 0, residual.data(), 0, p), PW_OK);
    g_allocations = 0;
    g_counting = true;
    const pw_status status =
        pw_conv_run(conv, 1, s.height, s.width, input.data(), 0, output.data(), 0, residual.data(), 0, p);
    g_counting = false;
    EXPECT_EQ(status, PW_OK);
    EXPECT_EQ(g_allocations.load(), 0u) << "threads " << pw_threadpool_threads(p);
  }
  // The counter itself works: create allocates.
  pw_conv* second = nullptr;
  g_allocations = 0;
  g_counting = true;
  ASSERT_EQ(pw_conv_create(&desc, d.weights.data(), d.bias.data(), &second), PW_OK);
  g_counting = false;
  EXPECT_GT(g_allocations.load(), 0u);
  pw_conv_destroy(second);
  pw_threadpool_destroy(pool);
  pw_threadpool_destroy(reverse);
  pw_conv_destroy(conv);
}

conv_shape split_layer() {
  conv_shape s;
  s.height = 14;
  s.width = 14;
  s.in_channels = 1100;  // blocks of input channels (and of converted bf16 rows)
  s.out_channels = 130;
  return s;
}

TEST_P(NoAllocation, ARunAllocatesNothing) { expect_runs_allocate_nothing(GetParam(), split_layer()); }

// bf16 math and tensors: rows converted per register group and block, a bf16 output
// through a stack scratch; none of it on the heap.
TEST_P(NoAllocation, ARunWithBf16TypesAllocatesNothing) {
  conv_shape layer = split_layer();
  if (emulated_run()) {  // under qemu: just past one block of converted rows (512)
    layer.in_channels = 530;
    layer.out_channels = 40;
    layer.height = layer.width = 7;
  }
  for (const conv_shape& s : bf16_variants_of(GetParam(), layer)) expect_runs_allocate_nothing(GetParam(), s);
}

INSTANTIATE_TEST_SUITE_P(Variants, NoAllocation, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
