// pw_conv_run: validation, then the tile loop that feeds the microkernel.
#include <algorithm>
#include <cstdint>

#include "checked_math.h"
#include "conv.h"
#include "denormals.h"
#include "errors.h"
#include "tensor_overlap.h"
#include "threadpool.h"

namespace pw {
namespace {

struct byte_range {
  uintptr_t begin, end;  // [begin, end)
};

// The bytes from `base` to one past the last of `pixels` pixels, `stride` floats
// apart, of which the last uses `channels` floats.
bool pixel_span(const void* base, size_t pixels, size_t stride, size_t channels, byte_range* range) {
  size_t floats = 0, bytes = 0;
  if (!checked_mul(pixels - 1, stride, &floats) || !checked_add(floats, channels, &floats) ||
      !checked_mul(floats, sizeof(float), &bytes))
    return false;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(base);
  uintptr_t end = 0;
  if (__builtin_add_overflow(begin, bytes, &end)) return false;
  *range = {begin, end};
  return true;
}

struct run_context {
  const pw_conv* conv;
  const microkernel* kernel;
  const float* input;
  size_t input_stride;           // floats between input pixels
  size_t width;                  // input width
  size_t image_pixels;           // input height * width
  size_t out_height, out_width;
  float* output;
  size_t output_stride;
  const float* residual;
  size_t residual_stride;
  size_t pixels;                 // output pixels: batch * out_height * out_width
  run_plan plan;
};

// One task: one group, one tile of output channels, one tile of pixels, every
// input-channel block in order (so each output sums its inputs in the same order
// whatever the split and the thread count).
void run_tile(void* opaque, size_t index) {
  const run_context& ctx = *static_cast<const run_context*>(opaque);
  const pw_conv& conv = *ctx.conv;
  const microkernel& kernel = *ctx.kernel;
  const run_plan& plan = ctx.plan;
  denormal_flush_scope flush(conv.flush_denormals);

  const task_tile task = tile_of_task(plan, index, ctx.pixels, conv.out_channels);
  const size_t group = task.group;
  const size_t m_begin = task.pixel_begin;
  const size_t m_count = task.pixel_count;
  const size_t n_begin = task.channel_begin;
  const size_t n_count = task.channel_count;

  // Row pointers of the tile's pixels, walking (image, oh, ow) with one pointer step
  // per pixel: the smallest layers spend only a few cycles of FMAs on a pixel, so a
  // multiply chain per pixel here would show (docs/tuning.md).
  const float* rows[kMaxPixelTile];
  {
    const size_t out_image = ctx.out_height * ctx.out_width;
    size_t image = m_begin / out_image;
    size_t oh = (m_begin % out_image) / ctx.out_width;
    size_t ow = m_begin % ctx.out_width;
    const float* group_input = ctx.input + group * conv.in_channels;
    const size_t pixel_step = conv.stride_w * ctx.input_stride;
    auto row_start = [&] {
      return group_input + (image * ctx.image_pixels + oh * conv.stride_h * ctx.width) * ctx.input_stride;
    };
    const float* row = row_start() + ow * pixel_step;
    for (size_t m = 0; m < m_count; ++m) {
      rows[m] = row;
      // Step only to a pixel that exists: no pointer past the input is ever formed.
      if (++ow < ctx.out_width) {
        row += pixel_step;
        continue;
      }
      ow = 0;
      if (++oh == ctx.out_height) {
        oh = 0;
        ++image;
      }
      if (m + 1 < m_count) row = row_start();
    }
  }

  const size_t channel_offset = group * conv.out_channels + n_begin;
  float* output = ctx.output + m_begin * ctx.output_stride + channel_offset;
  const float* residual =
      ctx.residual != nullptr ? ctx.residual + m_begin * ctx.residual_stride + channel_offset : nullptr;
  const unsigned char* group_weights = conv.packed_weights + group * conv.packed_group_stride;
  const weight_layout& layout = *kernel.layout;

  gemm_tile tile;
  tile.nc = n_count;
  tile.output_stride = ctx.output_stride;
  tile.residual_stride = ctx.residual_stride;
  tile.output_min = conv.output_min;
  tile.output_max = conv.output_max;
  for (size_t k0 = 0; k0 < conv.in_channels; k0 += conv.channels.kc) {
    tile.kc = std::min(conv.channels.kc, conv.in_channels - k0);
    tile.input_offset = k0;
    tile.weights = group_weights + layout.block_offset(conv.packing, k0) +
                   (n_begin / kernel.nr) * layout.panel_stride(conv.packing, k0);
    tile.first_block = k0 == 0;
    tile.last_block = k0 + tile.kc >= conv.in_channels;
    for (size_t m0 = 0; m0 < m_count; m0 += kernel.mr) {
      tile.mr = std::min(kernel.mr, m_count - m0);
      // The kernel reads the group's rows in place, strided input included: packing
      // them and prefetching them both measured slower (docs/tuning.md).
      tile.input_rows = rows + m0;
      tile.output = output + m0 * ctx.output_stride;
      tile.residual = residual != nullptr ? residual + m0 * ctx.residual_stride : nullptr;
      kernel.gemm(tile);
    }
  }
}

}  // namespace
}  // namespace pw

using namespace pw;

extern "C" pw_status pw_conv_run(const pw_conv* conv, size_t batch, size_t height, size_t width,
                                 const float* input, size_t input_pixel_stride, float* output,
                                 size_t output_pixel_stride, const float* residual,
                                 size_t residual_pixel_stride, pw_threadpool* threadpool) {
  if (conv == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "conv is NULL");

  const size_t in_channels = conv->groups * conv->in_channels;  // products checked at create
  const size_t out_channels = conv->groups * conv->out_channels;
  const size_t input_stride = input_pixel_stride == 0 ? in_channels : input_pixel_stride;
  const size_t output_stride = output_pixel_stride == 0 ? out_channels : output_pixel_stride;
  const size_t residual_stride = residual_pixel_stride == 0 ? out_channels : residual_pixel_stride;
  if (input_stride < in_channels)
    return fail(PW_ERROR_INVALID_ARGUMENT, "input_pixel_stride is %zu; must be 0 or >= groups * in_channels (%zu)",
                input_pixel_stride, in_channels);
  if (output_stride < out_channels)
    return fail(PW_ERROR_INVALID_ARGUMENT, "output_pixel_stride is %zu; must be 0 or >= groups * out_channels (%zu)",
                output_pixel_stride, out_channels);
  if (residual != nullptr && residual_stride < out_channels)
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "residual_pixel_stride is %zu; must be 0 or >= groups * out_channels (%zu)", residual_pixel_stride,
                out_channels);
  // An empty tensor (as in NumPy, PyTorch, XNNPACK, oneDNN): nothing to read or write.
  if (batch == 0 || height == 0 || width == 0) return PW_OK;
  if (input == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "input is NULL");
  if (output == nullptr) return fail(PW_ERROR_INVALID_ARGUMENT, "output is NULL");

  const size_t out_height = (height - 1) / conv->stride_h + 1;
  const size_t out_width = (width - 1) / conv->stride_w + 1;
  size_t image_pixels = 0, input_pixels = 0, pixels = 0;
  if (!checked_mul(height, width, &image_pixels) || !checked_mul(image_pixels, batch, &input_pixels))
    return fail(PW_ERROR_INVALID_ARGUMENT, "batch (%zu) * height (%zu) * width (%zu) overflows size_t", batch,
                height, width);
  pixels = batch * out_height * out_width;  // no larger than input_pixels

  byte_range input_range{}, output_range{}, residual_range{};
  if (!pixel_span(input, input_pixels, input_stride, in_channels, &input_range))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the input (batch * height * width = %zu pixels, input_pixel_stride %zu) overflows the address space",
                input_pixels, input_stride);
  if (!pixel_span(output, pixels, output_stride, out_channels, &output_range))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the output (%zu pixels, output_pixel_stride %zu) overflows the address space", pixels, output_stride);
  if (residual != nullptr && !pixel_span(residual, pixels, residual_stride, out_channels, &residual_range))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the residual (%zu pixels, residual_pixel_stride %zu) overflows the address space", pixels,
                residual_stride);
  const tensor_layout input_layout{input, input_pixels, input_stride, in_channels};
  const tensor_layout output_layout{output, pixels, output_stride, out_channels};
  shared_element shared{};
  if (tensors_share_element(output_layout, input_layout, &shared))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "output (%p) overlaps input (%p): output pixel %zu channel %zu is input pixel %zu channel %zu",
                static_cast<void*>(output), static_cast<const void*>(input), shared.a_pixel, shared.a_channel,
                shared.b_pixel, shared.b_channel);
  if (residual == output) {
    if (residual_stride != output_stride)
      return fail(PW_ERROR_INVALID_ARGUMENT,
                  "residual is output (in place) but residual_pixel_stride (%zu) differs from output_pixel_stride (%zu)",
                  residual_stride, output_stride);
  } else if (residual != nullptr &&
             tensors_share_element(output_layout, {residual, pixels, residual_stride, out_channels}, &shared)) {
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "residual (%p) overlaps output (%p) without being the same pointer: output pixel %zu channel %zu is "
                "residual pixel %zu channel %zu",
                static_cast<const void*>(residual), static_cast<void*>(output), shared.a_pixel, shared.a_channel,
                shared.b_pixel, shared.b_channel);
  }

  const microkernel& kernel = *conv->variant->kernel;
  const size_t threads = pw_threadpool_threads(threadpool);
  run_context ctx;
  ctx.conv = conv;
  ctx.kernel = &kernel;
  ctx.input = input;
  ctx.input_stride = input_stride;
  ctx.width = width;
  ctx.image_pixels = image_pixels;
  ctx.out_height = out_height;
  ctx.out_width = out_width;
  ctx.output = output;
  ctx.output_stride = output_stride;
  ctx.residual = residual;
  ctx.residual_stride = residual_stride;
  ctx.pixels = pixels;
  ctx.plan = plan_run(pixels, conv->groups, conv->out_channels, conv->channels, kernel.mr, kernel.nr, threads,
                      host_cache_sizes());
  run_tasks(threadpool, run_tile, &ctx, task_count(ctx.plan, conv->groups));
  return PW_OK;
}
