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

#include "dispatch.h"

namespace pw_bench {

volatile float peak_sink;

namespace {

using clock_type = std::chrono::steady_clock;

#define PW_VARIANT(value, name, arch, peak, requirement, auto_for_bf16) \
  PW_IF_BUILT_##name({#peak, &peak##_peak_loop, &peak##_read_loop, static_cast<pw_isa>(value)},)
#define PW_RESERVED(value, name)
const peak_loop kRowLoops[] = {
#include "variants.def"
};
#undef PW_VARIANT
#undef PW_RESERVED

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
uint64_t iterations_for(const peak_loop* kind, double seconds) {
  static std::mutex mutex;
  static std::map<const peak_loop*, double> rounds_per_second;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = rounds_per_second.find(kind);
  if (found == rounds_per_second.end()) {
    peak_loop_fn loop = kind->run;
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

std::vector<const peak_loop*> runnable_peak_loops() {
  std::vector<const peak_loop*> loops;
  // The list is best first; one entry per distinct loop (variants may share one).
  for (const peak_loop& loop : kRowLoops) {
    if (!pw_isa_supported(loop.variant)) continue;
    bool seen = false;
    for (const peak_loop* other : loops) seen = seen || other->run == loop.run;
    if (!seen) loops.insert(loops.begin(), &loop);
  }
  // The portable loop is only the ceiling where no SIMD loop runs.
  if (loops.size() > 1) {
    for (auto it = loops.begin(); it != loops.end(); ++it) {
      if ((*it)->run == &portable_peak_loop) {
        loops.erase(it);
        break;
      }
    }
  }
  return loops;
}

const peak_loop* peak_loop_for(pw_isa variant) {
  const std::vector<const peak_loop*> runnable = runnable_peak_loops();
  for (const peak_loop& loop : kRowLoops)
    if (loop.variant == variant && loop.run != &portable_peak_loop) return &loop;
  return runnable.front();
}

const peak_loop* peer_peak_loop(precision p) {
  for (const pw::variant& v : pw::all_variants())
    if (pw_isa_supported(v.isa) && pw::variant_does_math(v, math_of(p))) return peak_loop_for(v.isa);
  return runnable_peak_loops().back();
}

double measure_peak(const peak_loop* kind, size_t threads, double seconds) {
  if (kind == nullptr) return 0.0;
  peak_loop_fn loop = kind->run;
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

double canary_peak(const peak_loop* kind, size_t threads) {
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
    read_loop_fn read;
    double seconds[256];
  } context{&buffers, floats / 64 * 64, passes, runnable_peak_loops().back()->read, {}};
  auto read_task = [](void* raw, size_t index) {
    auto* c = static_cast<context_type*>(raw);
    const float* data = (*c->buffers)[index].get();
    c->read(data, c->floats);  // first pass: bring the TLB in
    const auto start = clock_type::now();
    for (int p = 0; p < c->passes; ++p) c->read(data, c->floats);
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
