#include "canary.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cpu_info.h"
#include "read_bandwidth.h"

namespace pw_bench {

volatile float peak_sink;

namespace {

using clock_type = std::chrono::steady_clock;

peak_loop_fn loop_of(peak_kind kind) {
  switch (kind) {
#if defined(__x86_64__) || defined(_M_X64)
    case peak_kind::sse: return sse_peak_loop;
    case peak_kind::avx2: return avx2_peak_loop;
    case peak_kind::avx512: return avx512_peak_loop;
#endif
#if defined(__aarch64__)
    case peak_kind::neon: return neon_peak_loop;
#endif
    case peak_kind::portable: return portable_peak_loop;
    default: return nullptr;
  }
}

// Runs task(context, i) for i < threads, one call per thread (the caller runs i = 0).
// Plain threads made for each call and joined at once: a thread pool's workers spin
// for a while after their work is done, and on a machine this small they would
// steal the cores from the kernel measured next.
void run_on_threads(size_t threads, void (*task)(void*, size_t), void* context) {
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < threads; ++i) helpers.emplace_back(task, context, i);
  task(context, 0);
  for (std::thread& helper : helpers) helper.join();
}

struct burst_task {
  peak_loop_fn loop;
  uint64_t iterations;
  double rates[256];
};

double timed_burst(peak_loop_fn loop, uint64_t iterations) {
  const double start = thread_cpu_seconds();
  const double flops = loop(iterations);
  const double seconds = thread_cpu_seconds() - start;
  return flops / std::max(seconds, 1e-9);
}

// Rounds of the loop that take about `seconds` at the rate measured at first use.
uint64_t iterations_for(peak_kind kind, double seconds) {
  static std::mutex mutex;
  static std::map<peak_kind, double> rounds_per_second;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = rounds_per_second.find(kind);
  if (found == rounds_per_second.end()) {
    peak_loop_fn loop = loop_of(kind);
    const uint64_t probe = 20000;
    loop(probe);  // warm up: wake the vector unit and the clock
    const auto start = clock_type::now();
    loop(probe);
    const double elapsed = std::chrono::duration<double>(clock_type::now() - start).count();
    found = rounds_per_second.emplace(kind, probe / std::max(elapsed, 1e-9)).first;
  }
  return std::max<uint64_t>(1000, static_cast<uint64_t>(found->second * seconds));
}

}  // namespace

double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + 1e-9 * static_cast<double>(now.tv_nsec);
}

const char* peak_kind_name(peak_kind kind) {
  switch (kind) {
    case peak_kind::sse: return "sse";
    case peak_kind::avx2: return "avx2";
    case peak_kind::avx512: return "avx512";
    case peak_kind::neon: return "neon";
    case peak_kind::portable: return "portable";
  }
  return "unknown";
}

bool peak_kind_runs_here(peak_kind kind) {
  if (loop_of(kind) == nullptr) return false;
  const pw::cpu_feature_set& cpu = pw::host_cpu_features();
  switch (kind) {
    case peak_kind::sse: return cpu.x86_sse2;
    case peak_kind::avx2: return cpu.x86_avx2 && cpu.x86_fma3 && cpu.os_saves_ymm;
    case peak_kind::avx512: return cpu.x86_avx512f && cpu.os_saves_zmm;
    case peak_kind::neon: return cpu.arm_asimd;
    case peak_kind::portable: return true;
  }
  return false;
}

std::vector<peak_kind> runnable_peak_kinds() {
  std::vector<peak_kind> kinds;
  for (peak_kind kind : {peak_kind::portable, peak_kind::sse, peak_kind::avx2, peak_kind::avx512, peak_kind::neon})
    if (peak_kind_runs_here(kind)) kinds.push_back(kind);
  // The portable loop is only the ceiling where no SIMD loop runs.
  if (kinds.size() > 1) kinds.erase(kinds.begin());
  return kinds;
}

peak_kind peak_kind_for(pw_isa variant) {
  switch (variant) {
    case PW_ISA_SSE: return peak_kind::sse;
    case PW_ISA_AVX2: return peak_kind::avx2;
    case PW_ISA_AVX512: return peak_kind::avx512;
    case PW_ISA_NEON: return peak_kind::neon;
    default:
      // The scalar variant is compiled for the baseline ISA, which lets the compiler
      // vectorise it with SSE2 (x86-64) or NEON (AArch64): that baseline is its ceiling.
      return runnable_peak_kinds().front();
  }
}

peak_kind best_peak_kind() { return runnable_peak_kinds().back(); }

double measure_peak(peak_kind kind, size_t threads, double seconds) {
  peak_loop_fn loop = loop_of(kind);
  if (loop == nullptr) return 0.0;
  const uint64_t iterations = iterations_for(kind, seconds);
  if (threads <= 1) return timed_burst(loop, iterations);
  auto task = std::make_unique<burst_task>();
  task->loop = loop;
  task->iterations = iterations;
  threads = std::min<size_t>(threads, 256);
  run_on_threads(
      threads,
      [](void* context, size_t index) {
        auto* t = static_cast<burst_task*>(context);
        t->rates[index] = timed_burst(t->loop, t->iterations);
      },
      task.get());
  double total = 0;
  for (size_t i = 0; i < threads; ++i) total += task->rates[i];
  return total;
}

double canary_peak(peak_kind kind, size_t threads) {
  // The best of a few half-millisecond bursts: a throttled core stays throttled for
  // far longer than this (0.5-2 s), while a burst the scheduler interrupted is dropped.
  double best = 0;
  for (int burst = 0; burst < 4; ++burst) best = std::max(best, measure_peak(kind, threads, 0.0005));
  return best;
}

double measure_read_bandwidth(size_t threads, size_t bytes_per_thread, int passes) {
  threads = std::max<size_t>(1, threads);
  const size_t floats = bytes_per_thread / sizeof(float);
  std::vector<std::unique_ptr<float[]>> buffers;
  for (size_t t = 0; t < threads; ++t) {
    buffers.emplace_back(new float[floats]);
    std::fill_n(buffers.back().get(), floats, 1.0f);  // touch every page before timing
  }
  struct context_type {
    std::vector<std::unique_ptr<float[]>>* buffers;
    size_t floats;
    int passes;
    double seconds[256];
  } context{&buffers, floats, passes, {}};
  auto read_task = [](void* raw, size_t index) {
    auto* c = static_cast<context_type*>(raw);
    const float* data = (*c->buffers)[index].get();
    read_buffer(data, c->floats);  // first pass: bring the TLB in
    const auto start = clock_type::now();
    for (int p = 0; p < c->passes; ++p) read_buffer(data, c->floats);
    c->seconds[index] = std::chrono::duration<double>(clock_type::now() - start).count();
  };
  threads = std::min<size_t>(threads, 256);
  run_on_threads(threads, read_task, &context);
  double rate = 0;
  for (size_t t = 0; t < threads; ++t)
    rate += static_cast<double>(bytes_per_thread) * passes / std::max(context.seconds[t], 1e-9);
  return rate;
}

}  // namespace pw_bench
