// pointwise-info: what pointwise sees on this machine and what it would do with a
// layer. Prints the CPU features the dispatcher reads, the cache sizes the planner
// uses (and where they came from), the variants built and runnable, what
// PW_ISA_AUTO picks (POINTWISE_ISA included), and for a layer given on the command
// line the register and cache tiles of every runnable variant.
//
//   pointwise-info [--in Ci --out Co --height H --width W [--batch N] [--stride S]
//                   [--groups G] [--threads T]]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "cpu_info.h"
#include "dispatch.h"
#include "planner.h"
#include "pointwise/pointwise.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpu_features/cpuinfo_x86.h>
#endif

namespace {

struct layer_args {
  size_t in = 0, out = 0, height = 0, width = 0, batch = 1, stride = 1, groups = 1, threads = 1;
  bool given() const { return in != 0 || out != 0 || height != 0 || width != 0; }
};

void usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s [--in Ci --out Co --height H --width W [--batch N] [--stride S] [--groups G] "
               "[--threads T]]\n"
               "  without a layer: the CPU, its caches and the variants; with one: also the tiles.\n"
               "  --threads 0 means one per online CPU.\n",
               program);
}

bool parse_size(const char* text, size_t* value) {
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || text[0] == '-') return false;
  *value = static_cast<size_t>(parsed);
  return true;
}

bool parse_args(int argc, char** argv, layer_args* args) {
  struct option_slot {
    const char* name;
    size_t* value;
  } options[] = {{"--in", &args->in},         {"--out", &args->out},       {"--height", &args->height},
                 {"--width", &args->width},   {"--batch", &args->batch},   {"--stride", &args->stride},
                 {"--groups", &args->groups}, {"--threads", &args->threads}};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return false;
    bool known = false;
    for (const option_slot& option : options) {
      if (std::strcmp(argv[i], option.name) != 0) continue;
      known = true;
      if (i + 1 >= argc || !parse_size(argv[i + 1], option.value)) {
        std::fprintf(stderr, "%s needs a non-negative integer\n", option.name);
        return false;
      }
      ++i;
    }
    if (!known) {
      std::fprintf(stderr, "unknown argument: %s\n", argv[i]);
      return false;
    }
  }
  if (args->given() && (args->in == 0 || args->out == 0 || args->height == 0 || args->width == 0 ||
                        args->batch == 0 || args->stride == 0 || args->groups == 0)) {
    std::fprintf(stderr, "a layer needs --in, --out, --height and --width (and sizes >= 1)\n");
    return false;
  }
  return true;
}

const char* yes_no(bool value) { return value ? "yes" : "no"; }

void print_cpu() {
  std::printf("CPU\n");
#if defined(__x86_64__) || defined(_M_X64)
  const cpu_features::X86Info info = cpu_features::GetX86Info();
  std::printf("  model:    %s (%s, family %d model %d, %s)\n", info.brand_string, info.vendor, info.family,
              info.model, cpu_features::GetX86MicroarchitectureName(cpu_features::GetX86Microarchitecture(&info)));
#endif
  const pw::cpu_feature_set& f = pw::host_cpu_features();
  std::printf("  features: sse2 %s, avx2 %s, fma3 %s, avx512f %s, OS saves ymm %s, zmm %s, asimd %s\n",
              yes_no(f.x86_sse2), yes_no(f.x86_avx2), yes_no(f.x86_fma3), yes_no(f.x86_avx512f),
              yes_no(f.os_saves_ymm), yes_no(f.os_saves_zmm), yes_no(f.arm_asimd));
  std::printf("  online CPUs: %u\n", std::thread::hardware_concurrency());
}

void print_caches() {
  const pw::cache_sizes& c = pw::host_cache_sizes();
  auto level = [](const char* name, const pw::cache_level& l) {
    if (l.ways != 0)
      std::printf("  %-4s %8zu KiB, %zu-way\n", name, l.bytes / 1024, l.ways);
    else
      std::printf("  %-4s %8zu KiB, ways unknown\n", name, l.bytes / 1024);
  };
  std::printf("caches (from %s; L3 is this core's share)\n", c.source);
  level("L1d", c.l1d);
  level("L2", c.l2);
  level("L3", c.l3);
}

std::vector<pw_isa> all_variant_isas() {
  std::vector<pw_isa> isas;
  for (const pw::variant& v : pw::all_variants()) isas.push_back(v.isa);
  return isas;
}

void print_variants() {
  std::printf("variants (built into this library / runnable on this CPU)\n");
  for (pw_isa isa : all_variant_isas()) {
    const pw::variant* v = pw::find_built_variant(isa);
    if (v == nullptr) {
      std::printf("  %-12s not built\n", pw_isa_name(isa));
      continue;
    }
    std::printf("  %-12s built, %s, register tile %zu pixels x %zu channels\n", pw_isa_name(isa),
                pw_isa_supported(isa) ? "runnable" : "NOT runnable here", v->kernel->mr, v->kernel->nr);
  }
  const char* override_value = pw::process_isa_override();
  const pw_isa best = pw_best_isa();
  if (override_value != nullptr)
    std::printf("PW_ISA_AUTO picks: %s (POINTWISE_ISA=%s)\n",
                best == PW_ISA_AUTO ? "nothing: POINTWISE_ISA cannot be honoured, create fails" : pw_isa_name(best),
                override_value);
  else
    std::printf("PW_ISA_AUTO picks: %s (best runnable; POINTWISE_ISA unset)\n", pw_isa_name(best));
}

// The tiles of one variant: kc/nc from a real conv (what create packs), the run's
// split from the planner for this pixel count and thread count.
void print_tiles(pw_isa isa, const layer_args& args, size_t threads, const char* note) {
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, args.in, args.out);
  desc.groups = args.groups;
  desc.stride_h = desc.stride_w = args.stride;
  desc.isa = isa;
  std::vector<float> weights(args.groups * args.in * args.out, 0.0f);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, weights.data(), nullptr, &conv) != PW_OK) {
    std::printf("  %-12s cannot create: %s\n", pw_isa_name(isa), pw_last_error());
    return;
  }
  pw_conv_info info;
  pw_conv_get_info(conv, &info);
  pw_conv_destroy(conv);
  const pw::variant* v = pw::find_built_variant(info.isa);
  const size_t out_h = (args.height - 1) / args.stride + 1, out_w = (args.width - 1) / args.stride + 1;
  const size_t pixels = args.batch * out_h * out_w;
  const pw::channel_plan channels{info.kc, info.nc};
  const pw::run_plan run = pw::plan_run(pixels, args.groups, args.out, channels, info.mr, info.nr, threads,
                                        pw::host_cache_sizes());
  const pw::channel_plan planned = pw::plan_channels(args.in, args.out, v->kernel->mr, v->kernel->nr,
                                                     pw::host_cache_sizes(), v->kernel->l1_bytes_per_input_channel);
  std::printf("  %-12s mr %2zu  nr %2zu  kc %5zu  nc %5zu  pixel tile %5zu  channel tile %5zu  tiles %zu x %zu "
              "(pixels x channels) x %zu group(s) = %zu tasks  packed weights %zu KiB%s%s\n",
              pw_isa_name(info.isa), info.mr, info.nr, info.kc, info.nc, run.pixel_tile, run.channel_tile,
              run.pixel_tiles, run.channel_tiles, args.groups, pw::task_count(run, args.groups),
              info.packed_weight_bytes / 1024, note,
              (planned.kc != info.kc || planned.nc != info.nc) ? "  (differs from plan_channels!)" : "");
}

void print_layer(const layer_args& args) {
  const size_t threads = args.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : args.threads;
  const size_t out_h = (args.height - 1) / args.stride + 1, out_w = (args.width - 1) / args.stride + 1;
  const double flops = 2.0 * args.batch * out_h * out_w * args.groups * args.in * args.out;
  std::printf("layer: batch %zu, %zux%zu, %zu group(s) of %zu -> %zu channels, stride %zu: output %zux%zu, "
              "%zu pixels, %.3f GFLOP per run, %zu thread(s)\n",
              args.batch, args.height, args.width, args.groups, args.in, args.out, args.stride, out_h, out_w,
              args.batch * out_h * out_w, flops * 1e-9, threads);
  std::printf("tiles per runnable variant:\n");
  for (pw_isa isa : all_variant_isas())
    if (pw_isa_supported(isa)) print_tiles(isa, args, threads, "");
  if (pw_best_isa() != PW_ISA_AUTO) print_tiles(PW_ISA_AUTO, args, threads, "  <- PW_ISA_AUTO");
}

}  // namespace

int main(int argc, char** argv) {
  layer_args args;
  if (!parse_args(argc, argv, &args)) {
    usage(argv[0]);
    return 2;
  }
  std::printf("pointwise %s\n", pw_version());
  print_cpu();
  print_caches();
  print_variants();
  if (args.given()) print_layer(args);
  return 0;
}
