// pointwise_ab: is build B of libpointwise faster than build A? Both builds are loaded
// into one process (dlopen, each with its own symbols) and run the same layers in
// alternating bursts of about 10 ms, 41 rounds per layer, so a host that throttles
// the core or a neighbour that takes the cache for seconds hits both alike. Prints
// per layer the median GFLOP/s of each build and the median of the per-round ratios
// B/A with its quartiles, then the geometric mean of the medians per suite.
//
// A build against itself gives 1.00 [0.99..1.01] on this project's 2-core host, where
// two pointwise_bench runs minutes apart differ by 5-15%: a 2% change is visible here
// and invisible there. On several threads both builds run on one shared pool (two
// pools would spin against each other between bursts): by default a pool whose
// threads take task indices from one counter; with --pool pthreadpool one pthreadpool,
// which hands each thread a contiguous range of tasks first, as the library's own
// pw_threadpool_create (and so the benchmark's rows) does.
//
//   pointwise_ab build-a/src/libpointwise.so build-b/src/libpointwise.so
//       [--threads N] [--pool counter|pthreadpool] [--rounds R] [--filter SUBSTRING]
//       [--precision fp32|bf16math|bf16] [--isa NAME]
// The layers are the benchmark's suites (bench/layer_suites.cpp); --filter keeps
// those whose "suite/name" contains SUBSTRING (e.g. "resnet50/", "7x7_"). --precision
// runs them as the benchmark's rows of that precision do (bf16: bf16 tensors and
// math); --isa forces a variant (as POINTWISE_ISA names it) instead of PW_ISA_AUTO.
#include <dlfcn.h>
#include <pthreadpool.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "layer_suites.h"
#include "precision.h"
#include "tensor_buffer.h"
#include "pointwise/pointwise.h"

namespace {

using pw_bench::layer;
using pw_bench::precision;

// The C API of one loaded build.
struct library {
  void* handle = nullptr;
  decltype(&pw_conv_desc_init) desc_init = nullptr;
  decltype(&pw_conv_create) create = nullptr;
  decltype(&pw_conv_run) run = nullptr;
  decltype(&pw_conv_destroy) destroy = nullptr;
  decltype(&pw_threadpool_create_custom) pool_create = nullptr;
  decltype(&pw_threadpool_destroy) pool_destroy = nullptr;
  decltype(&pw_last_error) last_error = nullptr;
  decltype(&pw_isa_from_name) isa_from_name = nullptr;
};

template <class Fn>
bool resolve(void* handle, const char* path, const char* name, Fn* fn) {
  *fn = reinterpret_cast<Fn>(dlsym(handle, name));
  if (*fn == nullptr) std::fprintf(stderr, "pointwise_ab: %s lacks %s\n", path, name);
  return *fn != nullptr;
}

bool load(const char* path, library* lib) {
  // RTLD_DEEPBIND: each build binds to its own symbols, not to the first one loaded.
  lib->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (lib->handle == nullptr) {
    std::fprintf(stderr, "pointwise_ab: %s\n", dlerror());
    return false;
  }
  void* h = lib->handle;
  return resolve(h, path, "pw_conv_desc_init", &lib->desc_init) && resolve(h, path, "pw_conv_create", &lib->create) &&
         resolve(h, path, "pw_conv_run", &lib->run) && resolve(h, path, "pw_conv_destroy", &lib->destroy) &&
         resolve(h, path, "pw_threadpool_create_custom", &lib->pool_create) &&
         resolve(h, path, "pw_threadpool_destroy", &lib->pool_destroy) &&
         resolve(h, path, "pw_last_error", &lib->last_error) &&
         resolve(h, path, "pw_isa_from_name", &lib->isa_from_name);
}

// A fork-join pool both builds share: the caller and threads-1 workers take task
// indices from one counter; workers spin between jobs, as pthreadpool's do.
class shared_pool {
 public:
  explicit shared_pool(size_t threads) {
    for (size_t i = 1; i < threads; ++i) workers_.emplace_back([this] { work(); });
  }
  ~shared_pool() {
    stop_.store(true);
    generation_.fetch_add(1);
    for (std::thread& t : workers_) t.join();
  }
  static void parallel_for(void* self, pw_task_fn task, void* context, size_t count) {
    static_cast<shared_pool*>(self)->run(task, context, count);
  }

 private:
  void run(pw_task_fn task, void* context, size_t count) {
    task_ = task;
    context_ = context;
    count_ = count;
    next_.store(0);
    done_.store(0);
    generation_.fetch_add(1);  // publishes the job to the spinning workers
    drain();
    while (done_.load() < count) {
    }
  }
  void drain() {
    for (size_t i; (i = next_.fetch_add(1)) < count_;) {
      task_(context_, i);
      done_.fetch_add(1);
    }
  }
  void work() {
    for (unsigned seen = 0;;) {
      unsigned now;
      while ((now = generation_.load()) == seen) {
      }
      seen = now;
      if (stop_.load()) return;
      drain();
    }
  }

  std::vector<std::thread> workers_;
  std::atomic<unsigned> generation_{0};
  std::atomic<size_t> next_{0}, done_{0};
  std::atomic<bool> stop_{false};
  pw_task_fn task_ = nullptr;
  void* context_ = nullptr;
  size_t count_ = 0;
};

// One pthreadpool both builds share, behind pw_threadpool_create_custom.
void pthreadpool_parallel_for(void* pool, pw_task_fn task, void* context, size_t count) {
  // pthreadpool's task type has the same shape as pw_task_fn.
  pthreadpool_parallelize_1d(static_cast<pthreadpool_t>(pool), reinterpret_cast<pthreadpool_task_1d_t>(task),
                             context, count, 0);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
double quantile(std::vector<double> v, size_t numerator, size_t denominator) {
  std::sort(v.begin(), v.end());
  return v[v.size() * numerator / denominator];
}

struct layer_result {
  double a_gflops, b_gflops, ratio, ratio_q1, ratio_q3;
};

// What every layer runs as: the precision of the benchmark's rows and the variant.
struct run_options {
  precision prec = precision::fp32;
  pw_isa isa = PW_ISA_AUTO;
};

// One layer, both builds, `rounds` alternating bursts. Returns false (after a
// message) when a build rejects the layer.
bool compare_layer(const layer& l, library (&libs)[2], pw_threadpool* (&pools)[2], int rounds, run_options options,
                   layer_result* result) {
  std::mt19937 random(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  auto filled = [&](size_t count) {
    pw_bench::tensor_buffer<float> v(count);
    for (float& x : v) x = uniform(random);
    return v;
  };
  const pw_bench::tensor_buffer<float> input = filled(l.in_pixels() * l.in_channels);
  const pw_bench::tensor_buffer<float> weights = filled(l.in_channels * l.out_channels);
  const pw_bench::tensor_buffer<float> bias = filled(l.out_channels);
  pw_bench::tensor_buffer<float> output(l.out_pixels() * l.out_channels);
  // bf16 tensors: the same values rounded, and an output of bf16 elements.
  const bool bf16_tensors = options.prec == precision::bf16;
  pw_bench::tensor_buffer<uint16_t> input_bf16, output_bf16;
  if (bf16_tensors) {
    input_bf16.resize(input.size());
    std::transform(input.begin(), input.end(), input_bf16.begin(), pw_bench::to_bf16);
    output_bf16.resize(output.size());
  }
  const void* run_input = bf16_tensors ? static_cast<const void*>(input_bf16.data()) : input.data();
  void* run_output = bf16_tensors ? static_cast<void*>(output_bf16.data()) : output.data();

  pw_conv* convs[2] = {nullptr, nullptr};
  for (int i = 0; i < 2; ++i) {
    pw_conv_desc desc;
    libs[i].desc_init(&desc, l.in_channels, l.out_channels);
    desc.stride_h = desc.stride_w = l.stride;
    desc.output_min = 0.0f;  // ReLU, as in the benchmark
    desc.isa = options.isa;
    desc.math = pw_bench::math_of(options.prec);
    desc.input_type = desc.output_type = pw_bench::tensor_type_of(options.prec);
    if (libs[i].create(&desc, weights.data(), bias.data(), &convs[i]) != PW_OK) {
      std::fprintf(stderr, "pointwise_ab: build %c, %s/%s: %s\n", 'A' + i, l.suite.c_str(), l.name().c_str(),
                   libs[i].last_error());
      if (convs[0] != nullptr) libs[0].destroy(convs[0]);
      return false;
    }
  }

  using clock = std::chrono::steady_clock;
  std::vector<double> gflops[2], ratios;
  for (int round = 0; round < rounds; ++round) {
    double rate[2];
    for (int k = 0; k < 2; ++k) {
      const int i = (round % 2 == 0) ? k : 1 - k;  // alternate which build goes first
      size_t runs = 0;
      const auto start = clock::now();
      double seconds = 0;
      do {
        if (libs[i].run(convs[i], 1, l.height, l.width, run_input, 0, run_output, 0, nullptr, 0, pools[i]) != PW_OK) {
          std::fprintf(stderr, "pointwise_ab: build %c, %s/%s: %s\n", 'A' + i, l.suite.c_str(), l.name().c_str(),
                       libs[i].last_error());
          for (int j = 0; j < 2; ++j) libs[j].destroy(convs[j]);
          return false;
        }
        ++runs;
        seconds = std::chrono::duration<double>(clock::now() - start).count();
      } while (seconds < 0.01);
      rate[i] = l.flops() * static_cast<double>(runs) / seconds * 1e-9;
      gflops[i].push_back(rate[i]);
    }
    ratios.push_back(rate[1] / rate[0]);
  }
  for (int i = 0; i < 2; ++i) libs[i].destroy(convs[i]);
  *result = {median(gflops[0]), median(gflops[1]), median(ratios), quantile(ratios, 1, 4), quantile(ratios, 3, 4)};
  return true;
}

int usage(const char* problem = nullptr, const char* value = nullptr) {
  if (problem != nullptr) std::fprintf(stderr, "pointwise_ab: %s%s%s\n", problem, value ? ": " : "", value ? value : "");
  std::fprintf(stderr,
               "usage: pointwise_ab LIB_A LIB_B [--threads N] [--pool counter|pthreadpool] [--rounds R]\n"
               "                    [--filter SUBSTRING] [--precision fp32|bf16math|bf16] [--isa NAME]\n"
               "  LIB_A, LIB_B: two builds of libpointwise.so (paths)\n");
  return 2;
}

// A whole decimal number in [1, max], or 0.
size_t parse_count(const char* text, size_t max) {
  if (*text < '0' || *text > '9') return 0;
  errno = 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || *end != '\0' || value > max) return 0;
  return static_cast<size_t>(value);
}

// Whether `count` threads can run at once here (a thread or address-space limit).
bool threads_can_start(size_t count) {
  std::vector<std::thread> started;
  bool ok = true;
  try {
    for (size_t i = 0; i < count; ++i) started.emplace_back([] {});
  } catch (const std::system_error&) {
    ok = false;
  }
  for (std::thread& t : started) t.join();
  return ok;
}

constexpr size_t kMaxThreads = 1024;
constexpr size_t kMaxRounds = 100000;

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  size_t threads = 1, rounds = 41;
  std::string filter, pool_kind = "counter", isa_name;
  run_options options;
  for (int i = 3; i < argc; ++i) {
    const char* option = argv[i];
    if (i + 1 >= argc) return usage("option without a value or unknown", option);
    const char* value = argv[++i];
    if (std::strcmp(option, "--threads") == 0) {
      if ((threads = parse_count(value, kMaxThreads)) == 0) return usage("--threads must be 1..1024", value);
    } else if (std::strcmp(option, "--rounds") == 0) {
      if ((rounds = parse_count(value, kMaxRounds)) == 0) return usage("--rounds must be 1..100000", value);
    } else if (std::strcmp(option, "--pool") == 0) {
      pool_kind = value;
      if (pool_kind != "counter" && pool_kind != "pthreadpool") return usage("--pool must be counter or pthreadpool", value);
    } else if (std::strcmp(option, "--filter") == 0) {
      filter = value;
    } else if (std::strcmp(option, "--precision") == 0) {
      std::vector<precision> one;
      if (!pw_bench::parse_precisions(value, &one) || one.size() != 1)
        return usage("--precision must be one of fp32, bf16math, bf16", value);
      options.prec = one[0];
    } else if (std::strcmp(option, "--isa") == 0) {
      isa_name = value;
    } else {
      return usage("unknown option", option);
    }
  }

  library libs[2];
  if (!load(argv[1], &libs[0]) || !load(argv[2], &libs[1])) return 1;
  if (!isa_name.empty() && libs[0].isa_from_name(isa_name.c_str(), &options.isa) != PW_OK)
    return usage("--isa names no variant", isa_name.c_str());
  const bool use_pthreadpool = pool_kind == "pthreadpool";
  std::optional<shared_pool> counter_pool;
  try {
    if (!use_pthreadpool && threads > 1) counter_pool.emplace(threads);
  } catch (const std::system_error& e) {
    std::fprintf(stderr, "pointwise_ab: cannot start %zu threads: %s\n", threads, e.what());
    return 1;
  }
  // pthreadpool_create waits forever for a worker that failed to start: start and stop
  // as many threads first, as the library's pw_threadpool_create does.
  if (use_pthreadpool && threads > 1 && !threads_can_start(threads - 1)) {
    std::fprintf(stderr, "pointwise_ab: cannot start %zu threads\n", threads);
    return 1;
  }
  pthreadpool_t shared_pthreadpool = use_pthreadpool && threads > 1 ? pthreadpool_create(threads) : nullptr;
  if (use_pthreadpool && threads > 1 && shared_pthreadpool == nullptr) {
    std::fprintf(stderr, "pointwise_ab: pthreadpool_create(%zu) failed\n", threads);
    return 1;
  }
  pw_threadpool* pools[2] = {nullptr, nullptr};  // NULL: the calling thread only
  if (threads > 1) {
    for (int i = 0; i < 2; ++i) {
      pools[i] = use_pthreadpool ? libs[i].pool_create(&pthreadpool_parallel_for, shared_pthreadpool, threads)
                                 : libs[i].pool_create(&shared_pool::parallel_for, &*counter_pool, threads);
      if (pools[i] == nullptr) {
        std::fprintf(stderr, "pointwise_ab: build %c: %s\n", 'A' + i, libs[i].last_error());
        return 1;
      }
    }
  }

  std::printf("A: %s\nB: %s\n%zu thread(s) (%s pool), %zu rounds of ~10 ms per build and layer, %s, variant %s\n",
              argv[1], argv[2], threads, pool_kind.c_str(), rounds, pw_bench::precision_name(options.prec),
              isa_name.empty() ? "auto" : isa_name.c_str());
  std::printf("%-32s %9s %9s %7s  %s\n", "layer", "A GFLOP/s", "B GFLOP/s", "B/A", "[quartiles]");
  std::map<std::string, std::vector<double>> log_ratios;  // per suite
  for (const layer& l : pw_bench::all_layers()) {
    const std::string name = l.suite + "/" + l.name();
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    layer_result r{};
    if (!compare_layer(l, libs, pools, static_cast<int>(rounds), options, &r)) return 1;
    std::printf("%-32s %9.1f %9.1f %7.3f  [%.3f..%.3f]\n", name.c_str(), r.a_gflops, r.b_gflops, r.ratio, r.ratio_q1,
                r.ratio_q3);
    std::fflush(stdout);
    log_ratios[l.suite].push_back(std::log(r.ratio));
    log_ratios["all"].push_back(std::log(r.ratio));
  }
  if (log_ratios.empty()) {
    std::fprintf(stderr, "pointwise_ab: no layer matches --filter %s\n", filter.c_str());
    return 1;
  }
  for (const auto& [suite, logs] : log_ratios) {
    double sum = 0;
    for (double x : logs) sum += x;
    std::printf("geomean B/A %-16s %.3f over %zu layer(s)\n", suite.c_str(), std::exp(sum / logs.size()), logs.size());
  }
  for (int i = 0; i < 2; ++i) libs[i].pool_destroy(pools[i]);
  if (shared_pthreadpool != nullptr) pthreadpool_destroy(shared_pthreadpool);
  return 0;
}
