// pw_conv_create / destroy / get_info: validation, variant choice, planning, packing.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "checked_math.h"
#include "conv.h"
#include "enum_value.h"
#include "errors.h"

namespace pw {
namespace {

constexpr size_t kPackedAlignment = 64;

pw_status validate_desc(const pw_conv_desc* d) {
  if (d->groups == 0) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->groups is 0; must be >= 1");
  if (d->in_channels == 0) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->in_channels is 0; must be >= 1");
  if (d->out_channels == 0) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->out_channels is 0; must be >= 1");
  if (d->stride_h == 0) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->stride_h is 0; must be >= 1");
  if (d->stride_w == 0) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->stride_w is 0; must be >= 1");
  // The enums as ints: a C caller may have stored any value (see enum_value.h).
  const int layout = enum_value(d->weight_layout);
  if (layout != PW_WEIGHTS_IO && layout != PW_WEIGHTS_OI)
    return fail(PW_ERROR_INVALID_ARGUMENT, "desc->weight_layout is %d; must be PW_WEIGHTS_IO (0) or PW_WEIGHTS_OI (1)",
                layout);
  const int input_type = enum_value(d->input_type);
  if (input_type != PW_DATATYPE_F32 && input_type != PW_DATATYPE_BF16)
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "desc->input_type is %d; must be PW_DATATYPE_F32 (0) or PW_DATATYPE_BF16 (1)", input_type);
  const int output_type = enum_value(d->output_type);
  if (output_type != PW_DATATYPE_F32 && output_type != PW_DATATYPE_BF16)
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "desc->output_type is %d; must be PW_DATATYPE_F32 (0) or PW_DATATYPE_BF16 (1)", output_type);
  const int math = enum_value(d->math);
  if (math != PW_MATH_F32 && math != PW_MATH_BF16)
    return fail(PW_ERROR_INVALID_ARGUMENT, "desc->math is %d; must be PW_MATH_F32 (0) or PW_MATH_BF16 (1)", math);
  if (!isa_enum_in_range(enum_value(d->isa)))
    return fail(PW_ERROR_INVALID_ARGUMENT, "desc->isa is %d; must be a pw_isa value (%s)", enum_value(d->isa),
                variant_names_for_messages());
  if (std::isnan(d->output_min)) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->output_min is NaN");
  if (std::isnan(d->output_max)) return fail(PW_ERROR_INVALID_ARGUMENT, "desc->output_max is NaN");
  if (d->output_min > d->output_max)
    return fail(PW_ERROR_INVALID_ARGUMENT, "desc->output_min (%g) is greater than desc->output_max (%g)",
                static_cast<double>(d->output_min), static_cast<double>(d->output_max));
  size_t total = 0;
  if (!checked_mul(d->groups, d->in_channels, &total))
    return fail(PW_ERROR_INVALID_ARGUMENT, "desc->groups (%zu) * desc->in_channels (%zu) overflows size_t",
                d->groups, d->in_channels);
  if (!checked_mul(d->groups, d->out_channels, &total))
    return fail(PW_ERROR_INVALID_ARGUMENT, "desc->groups (%zu) * desc->out_channels (%zu) overflows size_t",
                d->groups, d->out_channels);
  if (!checked_mul(total, d->in_channels, &total) || !checked_mul(total, sizeof(float), &total))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the weights (desc->groups %zu * desc->in_channels %zu * desc->out_channels %zu floats) overflow size_t",
                d->groups, d->in_channels, d->out_channels);
  return PW_OK;
}

}  // namespace
}  // namespace pw

using namespace pw;

extern "C" {

void pw_conv_desc_init(pw_conv_desc* desc, size_t in_channels, size_t out_channels) {
  if (desc == nullptr) return;
  desc->groups = 1;
  desc->in_channels = in_channels;
  desc->out_channels = out_channels;
  desc->stride_h = 1;
  desc->stride_w = 1;
  desc->weight_layout = PW_WEIGHTS_IO;
  desc->output_min = -INFINITY;
  desc->output_max = INFINITY;
  desc->isa = PW_ISA_AUTO;
  desc->flush_denormals = 0;
  desc->input_type = PW_DATATYPE_F32;
  desc->output_type = PW_DATATYPE_F32;
  desc->math = PW_MATH_F32;
}

pw_status pw_conv_create(const pw_conv_desc* desc, const float* weights, const float* bias, pw_conv** conv) {
  if (conv == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "conv is NULL; must point to a pw_conv* to receive the conv");
  *conv = nullptr;
  if (desc == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "desc is NULL");
  if (weights == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "weights is NULL");
  const pw_status desc_status = validate_desc(desc);
  if (desc_status != PW_OK) return desc_status;

  const isa_choice choice = choose_variant(enum_value(desc->isa), process_isa_override(), host_cpu_features(), desc->math);
  if (choice.status != PW_OK) return fail(choice.status, "%s", choice.reason);
  const microkernel& kernel = kernel_for(*choice.chosen->kernel, *desc);
  const weight_layout& layout = *kernel.layout;

  const bool bf16_math = desc->math == PW_MATH_BF16;
  const channel_plan channels = plan_channels_for(kernel, *desc);
  const packing_shape packing{desc->in_channels, desc->out_channels, kernel.nr, channels.kc, bf16_math};
  size_t group_bytes = 0, group_stride = 0, total_bytes = 0;
  if (!layout.group_bytes(packing, &group_bytes) || !checked_add(group_bytes, kPackedAlignment - 1, &group_stride) ||
      !checked_mul(group_stride / kPackedAlignment * kPackedAlignment, desc->groups, &total_bytes))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the packed weights of desc (groups %zu, in_channels %zu, out_channels %zu) overflow size_t",
                desc->groups, desc->in_channels, desc->out_channels);
  group_stride = group_stride / kPackedAlignment * kPackedAlignment;

  pw_conv* c = new (std::nothrow) pw_conv{};
  if (c == nullptr) return fail(PW_ERROR_OUT_OF_MEMORY, "out of memory allocating the conv");
  c->packed_weights = static_cast<unsigned char*>(std::aligned_alloc(kPackedAlignment, total_bytes));
  if (c->packed_weights == nullptr) {
    delete c;
    return fail(PW_ERROR_OUT_OF_MEMORY, "out of memory allocating %zu bytes of packed weights", total_bytes);
  }
  c->groups = desc->groups;
  c->in_channels = desc->in_channels;
  c->out_channels = desc->out_channels;
  c->stride_h = desc->stride_h;
  c->stride_w = desc->stride_w;
  c->output_min = desc->output_min;
  c->output_max = desc->output_max;
  c->flush_denormals = desc->flush_denormals != 0;
  c->input_type = desc->input_type;
  c->output_type = desc->output_type;
  c->math = desc->math;
  c->variant = choice.chosen;
  c->kernel = &kernel;
  c->channels = channels;
  c->tiles = plan_tile_limits(desc->in_channels, desc->out_channels, channels, kernel.mr, kernel.nr, host_cache_sizes(),
                              row_element_bytes(kernel), kernel.few_rows);
  c->packing = packing;
  c->packed_group_stride = group_stride;
  c->first_block_offset = layout.block_offset(packing, 0);
  c->first_block_panel_stride = layout.panel_stride(packing, 0);
  c->convert_rows = row_conversion_for(kernel, *desc);
  c->input_element_bytes = element_bytes(desc->input_type);
  c->output_element_bytes = element_bytes(desc->output_type);
  c->kernel_element_bytes = row_element_bytes(kernel);
  c->packed_bytes = desc->groups * group_bytes;
  c->stream_weights = c->packed_bytes > with_default_caches(host_cache_sizes()).l2.bytes;
  const bool one_task = desc->groups == 1 && desc->stride_h == 1 && desc->stride_w == 1 && c->convert_rows == nullptr &&
                        desc->output_type == PW_DATATYPE_F32 && desc->in_channels <= channels.kc &&
                        c->tiles.channel_tiles == 1 && kernel.mr <= kMaxSingleTaskPixels;
  c->single_task_pixels =
      one_task ? std::min(c->tiles.rows_in_l2, kMaxSingleTaskPixels / kernel.mr) * kernel.mr : 0;
  for (size_t g = 0; g < desc->groups; ++g) {
    const size_t per_group = desc->in_channels * desc->out_channels;
    const group_weights source{weights + g * per_group, desc->weight_layout,
                               bias != nullptr ? bias + g * desc->out_channels : nullptr};
    layout.pack_group(packing, source, c->packed_weights + g * group_stride);
  }
  *conv = c;
  return PW_OK;
}

void pw_conv_destroy(pw_conv* conv) {
  if (conv == nullptr) return;
  std::free(conv->packed_weights);
  delete conv;
}

pw_status pw_conv_get_info(const pw_conv* conv, pw_conv_info* info) {
  if (conv == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "conv is NULL");
  if (info == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "info is NULL");
  info->isa = conv->variant->isa;
  info->mr = conv->kernel->mr;
  info->nr = conv->kernel->nr;
  info->kc = conv->channels.kc;
  info->nc = conv->channels.nc;
  info->packed_weight_bytes = conv->packed_bytes;
  return PW_OK;
}

}  // extern "C"
