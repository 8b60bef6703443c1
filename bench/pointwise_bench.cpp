// The ISA-variant benchmark: every pointwise variant this build has and this CPU
// runs, PW_ISA_AUTO, and the peers that were found, over the layer suites of
// bench/layer_suites.cpp, at each precision (fp32; bf16 math on fp32 tensors; bf16
// tensors), on one thread and on all cores, side by side in one process.
//
// Row names: <suite>/<layer>/<variant>[:<precision>]/threads:<T>, the precision
// (bench/precision.h) left out for fp32, e.g.
//   resnet50/28x28_512x128/avx512/threads:1          (fp32 tensors, fp32 math)
//   resnet50/28x28_512x128/avx512:bf16math/threads:1 (fp32 tensors, bf16 math)
//   resnet50/28x28_512x128/avx512_bf16:bf16/threads:2 (bf16 tensors, bf16 math)
//   mobilenet_v2/7x7_960x320/onednn:bf16/threads:2   peak/fma/avx512/threads:1
//   peak/memory_read/l3/threads:2
// so --benchmark_filter can pick a suite, a layer, a variant, a precision or a thread
// count. A variant that does bf16 math only has no fp32 row. --precisions=fp32,bf16
// (a list of fp32, bf16math, bf16; default all) leaves the others out.
//
// Next to each layer's rows, its kernel-alone rows, one per variant on one thread:
//   kernel_alone/resnet50/28x28_512x128/avx512/threads:1
//   kernel_alone/resnet50/28x28_512x128/avx512_bf16:bf16/threads:1
// one call of the variant's microkernel on the shapes the planner chose for the
// layer's conv (mr pixels, the first channel tile, the first block of kc input
// channels, bias + ReLU, the conv's own packed weights), the same L1-resident rows
// every call, at the precision whose rows the kernel reads in place (fp32 for an fp32
// kernel, bf16 tensors for a bf16 kernel). A filter on a suite or layer picks both kinds.
//
// Each row's output is checked against the scalar variant's before it is timed (a
// kernel-alone row: every block of its rows and channels). Each row reports GFLOP/s
// (2*M*Ci*Co per run, a kernel-alone row 2*mr*kc*nc per call; timed by the thread's
// CPU time on one thread, by the wall clock on several; wall_GFLOP/s is always the
// wall clock's), peak_GFLOP/s (the canary: a burst of the variant's peak loop on as
// many threads, each timed by its CPU time, run just before and just after the
// batch), peak_share (GFLOP/s over that canary) and weight_bytes (the weights a run
// reads: pointwise's packed bytes, a peer's dense weights); a layer row also GB/s
// (the bytes a run must move at least, for memory-bound layers), bytes_per_run and
// flop_per_byte.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "canary.h"
#include "dispatch.h"
#include "cpu_info.h"
#include "layer_data.h"
#include "layer_suites.h"
#include "machine_load.h"
#include "peers.h"
#include "precision.h"
#include "runner.h"

namespace pw_bench {
namespace {

using clock_type = std::chrono::steady_clock;

struct row_spec {
  const layer* l;
  size_t threads;
  pw_isa isa;                // the pointwise variant (PW_ISA_AUTO included) when peer is null
  const peer_library* peer;  // or the peer library
  precision prec;
  const peak_loop* peak;     // the loop the canary runs
  bool kernel_alone;         // one call of the variant's microkernel instead of the layer
};

// The runner of the row being measured. Google Benchmark calls a row's function
// several times (to size the batch, then for each repetition): the runner is made
// and checked once, on the first call.
struct active_row {
  const row_spec* spec = nullptr;
  std::unique_ptr<conv_runner> runner;
  std::string error;
  std::string math_note;            // for a peer's bf16math row: the math its output matched
  const peak_loop* peak = nullptr;  // the canary's loop: the row's, or fp32's for a peer that did fp32 math
};
active_row g_active;

void activate(const row_spec& spec) {
  if (g_active.spec == &spec) return;
  if (g_active.runner != nullptr) g_active.runner->after_row();
  g_active.runner.reset();  // before data_for replaces the layer's buffers
  g_active.spec = &spec;
  g_active.error.clear();
  g_active.math_note.clear();
  g_active.peak = spec.peak;
  const layer_data& data = data_for(*spec.l, spec.prec != precision::fp32);
  if (!data.error.empty()) {
    g_active.error = data.error;
    return;
  }
  if (spec.kernel_alone)
    g_active.runner = make_kernel_alone_runner(*spec.l, data, spec.isa, spec.prec, &g_active.error);
  else if (spec.peer != nullptr)
    g_active.runner = spec.peer->make(*spec.l, data, spec.prec, spec.threads, &g_active.error);
  else
    g_active.runner = make_pointwise_runner(*spec.l, data, spec.isa, spec.prec, spec.threads, &g_active.error);
  if (g_active.runner == nullptr) return;
  g_active.runner->run();
  const std::vector<float> output = g_active.runner->output_values();
  if (spec.peer != nullptr && spec.prec == precision::bf16math) {
    // A peer's bf16 math on fp32 tensors is a hint it may not take (oneDNN's
    // fpmath_mode): either math passes, and the label says which one it was.
    std::string math;
    if (matching_math(*spec.l, data, output, &math)) {
      g_active.math_note = " (" + math + " math)";
      if (math == "fp32") g_active.peak = peer_peak_loop(precision::fp32);
    } else {
      g_active.error = math;
    }
  } else {
    g_active.error = compare_output(*spec.l, data, spec.prec, output, g_active.runner->checked_block(*spec.l));
  }
  if (!g_active.error.empty()) g_active.runner.reset();
}

// Destroys the last row's runner while the libraries it uses are still up.
void release_active_row() {
  if (g_active.runner != nullptr) g_active.runner->after_row();
  g_active.runner.reset();
  g_active.spec = nullptr;
}

// A row on several threads waits for every core: when other processes want them,
// wait a little for a quieter moment (10 ms at a time, at most 100 ms per batch and
// 60 s over the whole run, so a machine that stays busy only costs a minute).
void wait_for_free_cores() {
  static double total_waited = 0;
  constexpr double kStep = 0.01, kPerBatch = 0.1, kPerRun = 60;
  for (double waited = 0; waited < kPerBatch && total_waited < kPerRun; waited += kStep, total_waited += kStep) {
    const int others = other_runnable_threads();
    if (others < 2) return;  // 1 may be one of our own pools' workers still spinning
    std::this_thread::sleep_for(std::chrono::duration<double>(kStep));
  }
}

// A layer row, or a kernel-alone row (its runner is one kernel call): the same canary,
// clocks and counters, so their shares of peak compare.
void run_layer_row(benchmark::State& state, const row_spec* spec) {
  activate(*spec);
  if (g_active.runner == nullptr) {
    state.SkipWithError(g_active.error.c_str());
    return;
  }
  conv_runner& runner = *g_active.runner;
  if (spec->threads > 1) wait_for_free_cores();
  const double canary_before = canary_peak(g_active.peak, spec->threads);
  const int others_before = other_runnable_threads();
  const double cpu_start = thread_cpu_seconds();
  const auto start = clock_type::now();
  for (auto _ : state) runner.run();
  const double wall_seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  const double cpu_seconds = thread_cpu_seconds() - cpu_start;
  const int others_after = other_runnable_threads();
  const double canary_after = canary_peak(g_active.peak, spec->threads);
  // One thread: the time the thread ran (the machine is shared: time another process
  // held the core is not the kernel's); several: the wall time, the only clock that
  // sees every thread of the run.
  const double seconds = spec->threads == 1 ? cpu_seconds : wall_seconds;

  const double runs = static_cast<double>(state.iterations());
  const double flops = runner.flops_per_run(*spec->l);
  const double flops_per_second = flops * runs / std::max(seconds, 1e-12);
  const double canary = 0.5 * (canary_before + canary_after);
  state.counters["GFLOP/s"] = flops_per_second * 1e-9;
  state.counters["wall_GFLOP/s"] = flops * runs / std::max(wall_seconds, 1e-12) * 1e-9;
  state.counters["peak_GFLOP/s"] = canary * 1e-9;
  state.counters["peak_share"] = flops_per_second / canary;
  // How far the ceiling moved during the batch: a large drop marks a row measured
  // while the host throttled the core.
  state.counters["canary_drop"] = 1.0 - std::min(canary_before, canary_after) / std::max(canary_before, canary_after);
  if (!spec->kernel_alone) {
    state.counters["GB/s"] = spec->l->min_bytes() * runs / std::max(seconds, 1e-12) * 1e-9;
    state.counters["flop_per_byte"] = spec->l->flops() / spec->l->min_bytes();
    state.counters["bytes_per_run"] = spec->l->min_bytes();
  }
  // The weights one run reads: pointwise's packed bytes (a kernel-alone row: the panels
  // of its call), a peer's dense weights of the precision.
  const double dense_weight_bytes =
      static_cast<double>(spec->l->in_channels * spec->l->out_channels) * (spec->prec == precision::bf16 ? 2 : 4);
  state.counters["weight_bytes"] = runner.weight_bytes() > 0 ? runner.weight_bytes() : dense_weight_bytes;
  state.counters["threads"] = static_cast<double>(spec->threads);
  // Threads of other processes ready to run around the batch: a row on several
  // threads (wall clock) loses time to them; a one-thread row (CPU time) does not.
  if (others_before >= 0 && others_after >= 0) state.counters["others_running"] = 0.5 * (others_before + others_after);
  state.SetLabel(runner.label() + g_active.math_note);
}

void run_fma_peak_row(benchmark::State& state, const peak_loop* kind, size_t threads) {
  // Each iteration is one canary, as the layer rows see it; the row reports their median.
  std::vector<double> rates;
  for (auto _ : state) rates.push_back(canary_peak(kind, threads));
  std::sort(rates.begin(), rates.end());
  const double rate = rates.empty() ? 0.0 : rates[rates.size() / 2];
  state.counters["GFLOP/s"] = rate * 1e-9;
  state.counters["peak_GFLOP/s"] = rate * 1e-9;
  state.counters["peak_share"] = 1.0;
  state.counters["threads"] = static_cast<double>(threads);
  state.SetLabel(std::string(kind->name) + " register-only loop");
}

// The read bandwidth of a buffer of `bytes` (split over the threads): half of the
// L2, half of this core's L3 share, or far beyond any L3, so a layer can be held to
// the level its working set lives in.
void run_memory_row(benchmark::State& state, size_t bytes, size_t threads) {
  const int passes = bytes < (size_t{16} << 20) ? 50 : 3;
  double rate_sum = 0;
  for (auto _ : state) rate_sum += measure_read_bandwidth(threads, bytes / threads, passes);
  const double rate = rate_sum / std::max<double>(1, static_cast<double>(state.iterations()));
  state.counters["GB/s"] = rate * 1e-9;
  state.counters["buffer_bytes"] = static_cast<double>(bytes);
  state.counters["threads"] = static_cast<double>(threads);
  state.SetLabel("read " + std::to_string(bytes >> 10) + " KiB");
}

struct memory_level {
  const char* name;
  size_t bytes;  // over all threads
};

std::vector<memory_level> memory_levels(size_t threads) {
  const pw::cache_sizes& caches = pw::host_cache_sizes();
  return {{"l2", std::max<size_t>(caches.l2.bytes / 2, 64 << 10) * threads},
          {"l3", std::max<size_t>(caches.l3.bytes / 2, 1 << 20) * threads},
          {"dram", size_t{256} << 20}};
}

std::vector<size_t> thread_counts() {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  std::vector<size_t> counts{1};
  if (cores > 1) counts.push_back(cores);
  return counts;
}

std::vector<pw_isa> runnable_variants() {
  std::vector<pw_isa> variants;
  for (const pw::variant& v : pw::all_variants())
    if (pw_isa_supported(v.isa)) variants.push_back(v.isa);
  return variants;
}

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : " ") + part;
  return text;
}

void describe_run(const std::vector<pw_isa>& variants, const std::vector<peer_library>& peers,
                  const std::vector<precision>& precisions) {
  std::vector<std::string> names;
  for (pw_isa isa : variants) names.push_back(pw_isa_name(isa));
  benchmark::AddCustomContext("pointwise_version", pw_version());
  const std::string variant_list = join(names);
  benchmark::AddCustomContext("pointwise_variants", variant_list);
  const pw_isa best = pw_best_isa();
  benchmark::AddCustomContext("pointwise_auto", best == PW_ISA_AUTO ? "unavailable (POINTWISE_ISA cannot be honoured)"
                                                                    : pw_isa_name(best));
  names.clear();
  for (precision p : precisions) names.push_back(precision_name(p));
  benchmark::AddCustomContext("precisions", join(names));
  for (precision p : precisions)
    if (p != precision::fp32)
      benchmark::AddCustomContext(std::string("pointwise_auto_") + precision_name(p), pw_isa_name(auto_variant(p)));
  names.clear();
  for (const peak_loop* loop : runnable_peak_loops()) names.push_back(loop->name);
  benchmark::AddCustomContext("peak_loops", join(names));
  for (const peer_library& peer : peers) benchmark::AddCustomContext("peer_" + peer.name, peer.version);
  if (peers.empty()) benchmark::AddCustomContext("peers", "none found at build time");
  // The caches the planner tiles for: the report tells from them which layers' weights
  // live beyond L2.
  const pw::cache_sizes& caches = pw::host_cache_sizes();
  benchmark::AddCustomContext("l1d_bytes", std::to_string(caches.l1d.bytes));
  benchmark::AddCustomContext("l2_bytes", std::to_string(caches.l2.bytes));
  benchmark::AddCustomContext("l3_bytes", std::to_string(caches.l3.bytes));
  std::fprintf(stderr, "pointwise %s: variants [%s], auto picks %s (bf16 math: %s)\n", pw_version(),
               variant_list.c_str(), pw_isa_name(best), pw_isa_name(auto_variant(precision::bf16math)));
  for (const peer_library& peer : peers) std::fprintf(stderr, "peer %s: %s\n", peer.name.c_str(), peer.version.c_str());
}

// Takes --precisions=<list> out of the arguments; false (with a message) when the
// list is not one of fp32, bf16math, bf16.
bool take_precisions_flag(int* argc, char** argv, std::vector<precision>* precisions) {
  static const char kFlag[] = "--precisions=";
  int kept = 1;
  bool ok = true;
  for (int i = 1; i < *argc; ++i) {
    if (std::strncmp(argv[i], kFlag, sizeof kFlag - 1) == 0) {
      if (!parse_precisions(argv[i] + sizeof kFlag - 1, precisions)) {
        std::fprintf(stderr, "%s: a comma-separated list of fp32, bf16math, bf16\n", argv[i]);
        ok = false;
      }
    } else {
      argv[kept++] = argv[i];
    }
  }
  *argc = kept;
  return ok;
}

bool is_bf16_only(pw_isa isa) {
  const pw::variant* v = pw::find_variant(isa);
  return v != nullptr && !pw::variant_does_math(*v, PW_MATH_F32);
}

}  // namespace
}  // namespace pw_bench

int main(int argc, char** argv) {
  using namespace pw_bench;
  std::vector<precision> precisions{precision::fp32, precision::bf16math, precision::bf16};
  if (!take_precisions_flag(&argc, argv, &precisions)) return 1;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;

  static const std::vector<peer_library> peers = available_peers();
  const std::vector<pw_isa> variants = runnable_variants();
  describe_run(variants, peers, precisions);
  auto enabled = [&](precision p) { return std::find(precisions.begin(), precisions.end(), p) != precisions.end(); };

  static std::vector<std::unique_ptr<row_spec>> specs;  // the rows' arguments live as long as the run
  for (size_t threads : thread_counts()) {
    const std::string suffix = "/threads:" + std::to_string(threads);
    for (const peak_loop* loop : runnable_peak_loops())
      benchmark::RegisterBenchmark((std::string("peak/fma/") + loop->name + suffix).c_str(), run_fma_peak_row, loop,
                                   threads)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    for (const memory_level& level : memory_levels(threads))
      benchmark::RegisterBenchmark((std::string("peak/memory_read/") + level.name + suffix).c_str(), run_memory_row,
                                   level.bytes, threads)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
  }

  for (const layer& l : all_layers()) {
    // The kernel-alone rows first, next to the layer's own (the layer's data and
    // reference are made once): one thread, each variant's kernel at the precision it
    // reads in place.
    for (pw_isa isa : variants) {
      const precision p = native_precision(isa);
      if (!enabled(p)) continue;
      specs.push_back(std::make_unique<row_spec>(row_spec{&l, 1, isa, nullptr, p, peak_loop_for(isa), true}));
      benchmark::RegisterBenchmark(
          ("kernel_alone/" + l.suite + "/" + l.name() + "/" + row_variant_name(pw_isa_name(isa), p) + "/threads:1")
              .c_str(),
          run_layer_row, specs.back().get())
          ->UseRealTime()
          ->Unit(benchmark::kMicrosecond);
    }
    for (size_t threads : thread_counts()) {
      const std::string prefix = l.suite + "/" + l.name() + "/";
      const std::string suffix = "/threads:" + std::to_string(threads);
      auto add = [&](const std::string& variant_name, pw_isa isa, const peer_library* peer, precision p,
                     const peak_loop* peak) {
        specs.push_back(std::make_unique<row_spec>(row_spec{&l, threads, isa, peer, p, peak, false}));
        benchmark::RegisterBenchmark((prefix + row_variant_name(variant_name, p) + suffix).c_str(), run_layer_row,
                                     specs.back().get())
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
      };
      for (pw_isa isa : variants)
        for (precision p : precisions)
          if (p != precision::fp32 || !is_bf16_only(isa)) add(pw_isa_name(isa), isa, nullptr, p, peak_loop_for(isa));
      // The default rows: what PW_ISA_AUTO (and POINTWISE_ISA) picks for the desc; the
      // label says which, and the canary is that variant's loop.
      for (precision p : precisions) {
        const pw_isa picked = auto_variant(p);
        add("auto", PW_ISA_AUTO, nullptr, p, peak_loop_for(picked == PW_ISA_AUTO ? PW_ISA_SCALAR : picked));
      }
      for (const peer_library& peer : peers)
        for (precision p : peer.precisions)
          if (enabled(p)) add(peer.name, PW_ISA_AUTO, &peer, p, peer_peak_loop(p));
    }
  }

  benchmark::RunSpecifiedBenchmarks();
  release_active_row();
  benchmark::Shutdown();
  return 0;
}
