// pointwise-info: what pointwise sees on this machine and what it would do with a
// layer. Prints the CPU features the dispatcher reads, the cache sizes the planner
// uses (and where they came from), the variants built and runnable, what
// PW_ISA_AUTO picks (POINTWISE_ISA included), and for a layer given on the command
// line the register and cache tiles of every runnable variant.
//
//   pointwise-info [--in Ci --out Co --height H --width W [--batch N] [--stride S]
//                   [--groups G] [--threads T] [--math f32|bf16] [--input-type f32|bf16]
//                   [--output-type f32|bf16]]
//
// Users point it at their own layer sizes: every input gets a result (exit 0) or a
// message saying what is wrong (exit 1 for a layer, 2 for the command line), never a
// signal or an uncaught exception.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include <strings.h>

#include "checked_math.h"
#include "conv.h"
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
  pw_math math = PW_MATH_F32;
  pw_datatype input_type = PW_DATATYPE_F32, output_type = PW_DATATYPE_F32;
  bool any_option = false;  // a layer option was given
  bool given() const { return any_option; }
};

void usage(std::FILE* to, const char* program) {
  std::fprintf(to,
               "usage: %s [--in Ci --out Co --height H --width W [--batch N] [--stride S] [--groups G] "
               "[--threads T] [--math f32|bf16] [--input-type f32|bf16] [--output-type f32|bf16]]\n"
               "  without a layer: the CPU, its caches and the variants; with one: also the tiles.\n"
               "  --threads 0 means one per online CPU.\n",
               program);
}

// A decimal size from 0 to SIZE_MAX: digits only (no sign, no space), and a value
// that does not fit is an error rather than clamped.
bool parse_size(const char* option, const char* text, size_t* value) {
  bool digits = text[0] != '\0';
  for (const char* c = text; *c != '\0'; ++c) digits = digits && *c >= '0' && *c <= '9';
  if (!digits) {
    std::fprintf(stderr, "%s needs a non-negative decimal integer, got \"%.40s\"\n", option, text);
    return false;
  }
  errno = 0;
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(text, &end, 10);
  if (errno == ERANGE || parsed > SIZE_MAX) {
    std::fprintf(stderr, "%s %.40s is larger than the largest size, %zu\n", option, text, SIZE_MAX);
    return false;
  }
  *value = static_cast<size_t>(parsed);
  return true;
}

// "f32" or "bf16" (any case) as 0 or 1.
bool parse_type(const char* option, const char* text, int* value) {
  if (strcasecmp(text, "f32") == 0) {
    *value = 0;
    return true;
  }
  if (strcasecmp(text, "bf16") == 0) {
    *value = 1;
    return true;
  }
  std::fprintf(stderr, "%s needs f32 or bf16, got \"%.40s\"\n", option, text);
  return false;
}

enum class parse_result { ok, help, bad };

parse_result parse_args(int argc, char** argv, layer_args* args) {
  struct option_slot {
    const char* name;
    size_t* value;
  } options[] = {{"--in", &args->in},         {"--out", &args->out},       {"--height", &args->height},
                 {"--width", &args->width},   {"--batch", &args->batch},   {"--stride", &args->stride},
                 {"--groups", &args->groups}, {"--threads", &args->threads}};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) return parse_result::help;
    const char* type_options[] = {"--math", "--input-type", "--output-type"};
    bool typed = false;
    for (int t = 0; t < 3; ++t) {
      if (std::strcmp(argv[i], type_options[t]) != 0) continue;
      typed = true;
      int value = 0;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        return parse_result::bad;
      }
      if (!parse_type(argv[i], argv[i + 1], &value)) return parse_result::bad;
      if (t == 0) args->math = value ? PW_MATH_BF16 : PW_MATH_F32;
      if (t == 1) args->input_type = value ? PW_DATATYPE_BF16 : PW_DATATYPE_F32;
      if (t == 2) args->output_type = value ? PW_DATATYPE_BF16 : PW_DATATYPE_F32;
      ++i;
    }
    if (typed) continue;
    bool known = false;
    for (const option_slot& option : options) {
      if (std::strcmp(argv[i], option.name) != 0) continue;
      known = true;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", option.name);
        return parse_result::bad;
      }
      if (!parse_size(option.name, argv[i + 1], option.value)) return parse_result::bad;
      args->any_option = true;
      ++i;
      break;
    }
    if (!known) {
      std::fprintf(stderr, "unknown argument: %.80s\n", argv[i]);
      return parse_result::bad;
    }
  }
  if (args->given() && (args->in == 0 || args->out == 0 || args->height == 0 || args->width == 0 ||
                        args->batch == 0 || args->stride == 0 || args->groups == 0)) {
    std::fprintf(stderr, "a layer needs --in, --out, --height and --width (and sizes >= 1)\n");
    return parse_result::bad;
  }
  return parse_result::ok;
}

// The layer's sizes in floats and bytes, each product checked: a layer whose
// tensors do not fit the address space is refused with the product that overflows.
struct layer_sizes {
  size_t out_h, out_w, pixels, weight_floats;
};

bool size_layer(const layer_args& a, layer_sizes* sizes) {
  sizes->out_h = (a.height - 1) / a.stride + 1;
  sizes->out_w = (a.width - 1) / a.stride + 1;
  size_t dense_in = 0, dense_out = 0, in_pixels = 0, floats = 0, bytes = 0;
  auto overflows = [](const char* what) {
    std::fprintf(stderr, "the layer's %s overflows the address space (size_t): no machine can hold it\n", what);
    return false;
  };
  if (!pw::checked_mul(a.groups, a.in, &dense_in) || !pw::checked_mul(a.groups, a.out, &dense_out))
    return overflows("channel count (groups x in or groups x out)");
  if (!pw::checked_mul(dense_in, a.out, &sizes->weight_floats) ||
      !pw::checked_mul(sizes->weight_floats, sizeof(float), &bytes))
    return overflows("weights (groups x in x out floats)");
  if (!pw::checked_mul(a.batch, a.height, &in_pixels) || !pw::checked_mul(in_pixels, a.width, &in_pixels) ||
      !pw::checked_mul(in_pixels, dense_in, &floats) || !pw::checked_mul(floats, sizeof(float), &bytes))
    return overflows("input (batch x height x width x groups x in floats)");
  if (!pw::checked_mul(a.batch, sizes->out_h, &sizes->pixels) ||
      !pw::checked_mul(sizes->pixels, sizes->out_w, &sizes->pixels) ||
      !pw::checked_mul(sizes->pixels, dense_out, &floats) || !pw::checked_mul(floats, sizeof(float), &bytes))
    return overflows("output (batch x out height x out width x groups x out floats)");
  return true;
}

// Weights this large are planned, not allocated: a real conv would copy and pack
// them (twice the memory), only to read its tiles back.
constexpr size_t kMaxWeightBytesToCreate = size_t{1} << 30;

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
    std::printf("  %-12s built, %s, register tile %zu pixels x %zu channels", pw_isa_name(isa),
                pw_isa_supported(isa) ? "runnable" : "NOT runnable here", v->kernel->mr, v->kernel->nr);
    // The chain of narrow tiles, each with the output channel counts it is made for.
    const char* separator = " (";
    for (const pw::microkernel* k = v->kernel; k->narrow != nullptr; k = k->narrow) {
      std::printf("%s%zu x %zu for %zu..%zu output channels", separator, k->narrow->mr, k->narrow->nr, k->narrow_from,
                  k->narrow->nr);
      if (k->narrow_min_in_channels > 1) std::printf(" of %zu+ input channels", k->narrow_min_in_channels);
      separator = ", ";
    }
    std::printf("%s\n", separator[0] == ',' ? ")" : "");
  }
  const char* override_value = pw::process_isa_override();
  const pw_isa best = pw_best_isa();
  if (override_value != nullptr)
    std::printf("PW_ISA_AUTO picks: %s (POINTWISE_ISA=%s)\n",
                best == PW_ISA_AUTO ? "nothing: POINTWISE_ISA cannot be honoured, create fails" : pw_isa_name(best),
                override_value);
  else
    std::printf("PW_ISA_AUTO picks: %s (best runnable; POINTWISE_ISA unset)\n", pw_isa_name(best));
  if (override_value == nullptr) {
    const pw::cpu_feature_set& features = pw::host_cpu_features();
    std::printf("  for bf16 math: %s (a bf16 dot product %s the FMA kernel on this CPU)\n",
                pw_isa_name(pw::best_isa_for(features, PW_MATH_BF16)),
                features.bf16_dot_beats_fma ? "beats" : "does not beat");
  }
}

// The tiles of one variant: kc/nc from a real conv made from `weights` (what create
// packs) or, when weights is nullptr, from the planner alone; the run's split from
// the planner for this pixel count and thread count. False when create fails.
bool print_tiles(pw_isa isa, const layer_args& args, const layer_sizes& sizes, const float* weights,
                 size_t threads, const char* note) {
  pw_conv_info info{};
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, args.in, args.out);
  desc.groups = args.groups;
  desc.stride_h = desc.stride_w = args.stride;
  desc.isa = isa;
  desc.math = args.math;
  desc.input_type = args.input_type;
  desc.output_type = args.output_type;
  const pw::variant* named = pw::find_built_variant(isa);
  if (named != nullptr && !pw::variant_does_math(*named, args.math)) {
    std::printf("  %-12s does bf16 math only (--math bf16)\n", named->name);
    return true;
  }
  if (weights != nullptr) {
    pw_conv* conv = nullptr;
    if (pw_conv_create(&desc, weights, nullptr, &conv) != PW_OK) {
      std::printf("  %-12s cannot create: %s\n", pw_isa_name(isa), pw_last_error());
      return false;
    }
    pw_conv_get_info(conv, &info);
    pw_conv_destroy(conv);
  } else {
    const pw_isa chosen = isa == PW_ISA_AUTO ? pw::best_isa_for(pw::host_cpu_features(), args.math) : isa;
    const pw::microkernel& kernel = pw::kernel_for(*pw::find_built_variant(chosen)->kernel, desc);
    const pw::channel_plan planned = pw::plan_channels_for(kernel, desc);
    info = {chosen, kernel.mr, kernel.nr, planned.kc, planned.nc, 0};
  }
  const pw::microkernel& kernel = pw::kernel_for(*pw::find_built_variant(info.isa)->kernel, desc);
  const size_t pixels = sizes.pixels;
  const pw::channel_plan channels{info.kc, info.nc};
  const pw::run_plan run = pw::plan_run(pixels, args.groups, args.in, args.out, channels, info.mr, info.nr, threads,
                                        pw::host_cache_sizes(), pw::row_element_bytes(kernel), kernel.few_rows);
  const pw::channel_plan planned = pw::plan_channels_for(kernel, desc);
  const std::string packed =
      weights != nullptr ? "packed weights " + std::to_string(info.packed_weight_bytes / 1024) + " KiB" : "not created";
  std::printf("  %-12s mr %2zu  nr %2zu  kc %5zu  nc %5zu  pixel tile %5zu  channel tile %5zu  tiles %zu x %zu "
              "(pixels x channels) x %zu group(s) = %zu tasks  %s%s%s\n",
              pw_isa_name(info.isa), info.mr, info.nr, info.kc, info.nc, run.pixel_tile, run.channel_tile,
              run.pixel_tiles, run.channel_tiles, args.groups, pw::task_count(run, args.groups), packed.c_str(), note,
              (planned.kc != info.kc || planned.nc != info.nc) ? "  (differs from plan_channels!)" : "");
  return true;
}

// False when the layer cannot be planned or created; the reason is printed.
bool print_layer(const layer_args& args) {
  layer_sizes sizes;
  if (!size_layer(args, &sizes)) return false;
  const size_t threads = args.threads == 0 ? std::max(1u, std::thread::hardware_concurrency()) : args.threads;
  const double flops = 2.0 * static_cast<double>(sizes.pixels) * static_cast<double>(args.groups) *
                       static_cast<double>(args.in) * static_cast<double>(args.out);
  std::printf("layer: batch %zu, %zux%zu, %zu group(s) of %zu -> %zu channels, stride %zu: output %zux%zu, "
              "%zu pixels, %.3f GFLOP per run, %zu thread(s); %s math, %s input, %s output\n",
              args.batch, args.height, args.width, args.groups, args.in, args.out, args.stride, sizes.out_h,
              sizes.out_w, sizes.pixels, flops * 1e-9, threads, args.math == PW_MATH_BF16 ? "bf16" : "f32",
              args.input_type == PW_DATATYPE_BF16 ? "bf16" : "f32", args.output_type == PW_DATATYPE_BF16 ? "bf16" : "f32");
  std::vector<float> weights;
  if (sizes.weight_floats * sizeof(float) <= kMaxWeightBytesToCreate) {
    try {
      weights.assign(sizes.weight_floats, 0.0f);
    } catch (const std::bad_alloc&) {
      weights.clear();
    }
  }
  const float* real = weights.empty() ? nullptr : weights.data();
  if (real == nullptr)
    std::printf("tiles per runnable variant (from the planner: the %zu MiB of weights are not allocated):\n",
                sizes.weight_floats / (1024 * 1024 / sizeof(float)));
  else
    std::printf("tiles per runnable variant:\n");
  bool created = true;
  for (pw_isa isa : all_variant_isas())
    if (pw_isa_supported(isa)) created = print_tiles(isa, args, sizes, real, threads, "") && created;
  if (pw_best_isa() != PW_ISA_AUTO)
    created = print_tiles(PW_ISA_AUTO, args, sizes, real, threads, "  <- PW_ISA_AUTO") && created;
  return created;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    layer_args args;
    switch (parse_args(argc, argv, &args)) {
      case parse_result::help: usage(stdout, argv[0]); return 0;
      case parse_result::bad: usage(stderr, argv[0]); return 2;
      case parse_result::ok: break;
    }
    std::printf("pointwise %s\n", pw_version());
    print_cpu();
    print_caches();
    print_variants();
    if (args.given() && !print_layer(args)) return 1;
    return 0;
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "pointwise-info: %s\n", e.what());
    return 1;
  }
}
