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

// The bytes from `base` to one past the last of `pixels` pixels, `stride` elements
// of `element_bytes` apart, of which the last uses `channels` elements.
bool pixel_span(const void* base, size_t pixels, size_t stride, size_t channels, size_t element_bytes,
                byte_range* range) {
  size_t elements = 0, bytes = 0;
  if (!checked_mul(pixels - 1, stride, &elements) || !checked_add(elements, channels, &elements) ||
      !checked_mul(elements, element_bytes, &bytes))
    return false;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(base);
  uintptr_t end = 0;
  if (__builtin_add_overflow(begin, bytes, &end)) return false;
  *range = {begin, end};
  return true;
}

bool ranges_overlap(byte_range a, byte_range b) { return a.begin < b.end && b.begin < a.end; }

// Output rows or columns of an input `size` (>= 1) long: no division at stride 1.
size_t output_extent(size_t size, size_t stride) { return stride == 1 ? size : (size - 1) / stride + 1; }

// The fp32 outputs of a task for a bf16 output tensor (partial sums stay fp32 until
// the last block): at most this many floats, on the stack of the thread running it.
constexpr size_t kBf16OutputScratchFloats = kMaxBf16OutputTileFloats;
// The rows of one register group converted for the kernel (rounded, widened or
// narrowed): mr rows of at most kMaxConvertedRowElements channels.
constexpr size_t kMaxConvertedRows = 16;

// What a run adds to the conv: the tensors and the plan.
struct run_context {
  const pw_conv* conv;
  const unsigned char* input;
  size_t input_stride_bytes;     // between input pixels
  size_t width;                  // input width
  size_t image_pixels;           // input height * width
  size_t out_height, out_width;
  void* output;
  size_t output_stride;          // elements between output pixels (of the output's type)
  const void* residual;
  size_t residual_stride;
  size_t pixels;                 // output pixels: batch * out_height * out_width
  const run_plan* plan;          // not a copy: GCC copies a struct this size with rep movs
};

// Where the kernel of one register group reads its block of input channels: the rows
// in place, or a copy converted into `buffer`.
const void* const* rows_for_kernel(const run_context& ctx, const void* const* rows, size_t count, size_t k0,
                                   size_t kc, const void** converted, unsigned char* buffer, size_t* input_offset) {
  const pw_conv& conv = *ctx.conv;
  if (conv.convert_rows == nullptr) {
    *input_offset = k0;
    return rows;
  }
  conv.convert_rows(rows, k0, count, kc, buffer);
  for (size_t m = 0; m < count; ++m) converted[m] = buffer + m * kc * conv.kernel_element_bytes;
  *input_offset = 0;
  return converted;
}

// Row pointers of the output pixels [first, first + count) of `group`.
void pixel_rows(const run_context& ctx, size_t group, size_t first, size_t count, const void** rows) {
  const pw_conv& conv = *ctx.conv;
  const unsigned char* group_input = ctx.input + group * conv.in_channels * conv.input_element_bytes;
  if (conv.stride_h == 1 && conv.stride_w == 1) {
    // Output pixel p reads input pixel p: one stride apart across row and image ends
    // alike, and no division to find where the tile starts.
    // Four pointers a step: one a step runs at a step a cycle, which layers of short
    // blocks and many pixels notice (docs/tuning.md, "Narrow outputs").
    const size_t step = ctx.input_stride_bytes;
    const unsigned char* row = group_input + first * step;
    size_t m = 0;
    for (; m + 4 <= count; m += 4, row += 4 * step) {
      rows[m] = row;
      rows[m + 1] = row + step;
      rows[m + 2] = row + 2 * step;
      rows[m + 3] = row + 3 * step;
    }
    for (; m < count; ++m, row += step) rows[m] = row;
    return;
  }
  // Walking (image, oh, ow) with one pointer step per pixel: the smallest layers spend
  // only a few cycles of FMAs on a pixel, so a multiply chain per pixel here would
  // show (docs/tuning.md).
  const size_t out_image = ctx.out_height * ctx.out_width;
  size_t image = first / out_image;
  size_t oh = (first % out_image) / ctx.out_width;
  size_t ow = first % ctx.out_width;
  const size_t pixel_step = conv.stride_w * ctx.input_stride_bytes;
  auto row_start = [&] {
    return group_input + (image * ctx.image_pixels + oh * conv.stride_h * ctx.width) * ctx.input_stride_bytes;
  };
  const unsigned char* row = row_start() + ow * pixel_step;
  for (size_t m = 0; m < count; ++m) {
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
    if (m + 1 < count) row = row_start();
  }
}

// Streamed weights: the packed bytes that task `index` (channels [n_begin, n_begin +
// n_count) of group_weights) reads after its block at input channel k0: its own next
// block of input channels, else the next task's first block; empty at the last task.
// Not inlined: in the tile loop it kept the loop out of run_tile, which cost the small
// layers (many short calls, weights in L2) about 1%.
struct weight_bytes {
  const unsigned char* begin = nullptr;
  size_t size = 0;
};
__attribute__((noinline)) weight_bytes next_block_weights(const run_context& ctx, size_t index,
                                                          const unsigned char* group_weights, size_t n_begin,
                                                          size_t n_count, size_t k0, size_t kc) {
  const pw_conv& conv = *ctx.conv;
  const microkernel& kernel = *conv.kernel;
  const weight_layout& layout = *kernel.layout;
  weight_bytes next;
  if (k0 + kc < conv.in_channels) {
    const size_t panel_stride = layout.panel_stride(conv.packing, k0 + kc);
    next.begin = group_weights + layout.block_offset(conv.packing, k0 + kc) + (n_begin / kernel.nr) * panel_stride;
    next.size = divide_round_up(n_count, kernel.nr) * panel_stride;
  } else if (index + 1 < task_count(*ctx.plan, conv.groups)) {
    const task_tile task = tile_of_task(*ctx.plan, index + 1, ctx.pixels, conv.out_channels);
    next.begin = conv.packed_weights + task.group * conv.packed_group_stride + conv.first_block_offset +
                 (task.channel_begin / kernel.nr) * conv.first_block_panel_stride;
    next.size = divide_round_up(task.channel_count, kernel.nr) * conv.first_block_panel_stride;
  }
  return next;
}

// One task: one group, one tile of output channels, one tile of pixels, every
// input-channel block in order (so each output sums its inputs in the same order
// whatever the split and the thread count).
void run_tile(void* opaque, size_t index) {
  const run_context& ctx = *static_cast<const run_context*>(opaque);
  const pw_conv& conv = *ctx.conv;
  const microkernel& kernel = *conv.kernel;
  const run_plan& plan = *ctx.plan;
  denormal_flush_scope flush(conv.flush_denormals);

  const task_tile task = tile_of_task(plan, index, ctx.pixels, conv.out_channels);
  const size_t group = task.group;
  const size_t m_begin = task.pixel_begin;
  const size_t m_count = task.pixel_count;
  const size_t n_begin = task.channel_begin;
  const size_t n_count = task.channel_count;

  const void* rows[kMaxPixelTile];
  pixel_rows(ctx, group, m_begin, m_count, rows);

  const size_t channel_offset = group * conv.out_channels + n_begin;
  const unsigned char* group_weights = conv.packed_weights + group * conv.packed_group_stride;
  const weight_layout& layout = *kernel.layout;
  alignas(64) unsigned char converted_rows[kMaxConvertedRows * kMaxConvertedRowElements * sizeof(float)];
  const void* converted[kMaxConvertedRows];

  gemm_tile tile;
  tile.nc = n_count;
  tile.output_min = conv.output_min;
  tile.output_max = conv.output_max;
  // Every block of input channels for the pixels [first, first + count) of the task,
  // into `output` (fp32, `output_stride` floats between pixels) from `residual`; for a
  // kernel with the bf16 epilogue, the tile's bf16_* pointers are advanced alike.
  uint16_t* bf16_output = nullptr;
  const uint16_t* bf16_residual = nullptr;
  auto run_blocks = [&](size_t first, size_t count, float* output, size_t output_stride, const float* residual,
                        size_t residual_stride) {
    tile.output_stride = output_stride;
    tile.residual_stride = residual_stride;
    for (size_t k0 = 0; k0 < conv.in_channels; k0 += conv.channels.kc) {
      const size_t kc = std::min(conv.channels.kc, conv.in_channels - k0);
      tile.kc = kc;
      const size_t block_offset = k0 == 0 ? conv.first_block_offset : layout.block_offset(conv.packing, k0);
      const size_t panel_stride = k0 == 0 ? conv.first_block_panel_stride : layout.panel_stride(conv.packing, k0);
      tile.weights = group_weights + block_offset + (n_begin / kernel.nr) * panel_stride;
      tile.first_block = k0 == 0;
      tile.last_block = k0 + kc >= conv.in_channels;
      // A run with a full register group (the kernel prefetches on full tiles only)
      // hands each group the next slice of the next block's weights.
      weight_bytes next;
      if (conv.stream_weights && count >= kernel.mr)
        next = next_block_weights(ctx, index, group_weights, n_begin, n_count, k0, kc);
      const size_t weight_bytes_per_channel = kernel.input_type == element_type::bf16 ? 2 : 4;
      const size_t prefetch_slice =
          divide_round_up(n_count, kernel.nr) * kc * kPrefetchBytesPerChannel * weight_bytes_per_channel / 4;
      size_t prefetched = 0;
      for (size_t m0 = 0; m0 < count; m0 += kernel.mr, prefetched += prefetch_slice) {
        tile.mr = std::min(kernel.mr, count - m0);
        tile.prefetch_weights = prefetched < next.size ? next.begin + prefetched : nullptr;
        // The kernel reads the group's rows in place, strided input included: packing
        // them and prefetching them both measured slower (docs/tuning.md). Rows of
        // another type are converted once per group and block, never per use.
        tile.input_rows =
            rows_for_kernel(ctx, rows + first + m0, tile.mr, k0, kc, converted, converted_rows, &tile.input_offset);
        tile.output = output + m0 * output_stride;
        tile.residual = residual != nullptr ? residual + m0 * residual_stride : nullptr;
        if (bf16_output != nullptr) {
          tile.bf16_output = bf16_output + m0 * tile.bf16_output_stride;
          tile.bf16_residual = bf16_residual != nullptr ? bf16_residual + m0 * tile.bf16_residual_stride : nullptr;
        }
        // A few pixels walk several panels at once (kernels/gemm_few_rows_microkernel.h),
        // with the same sums in the same order: the split still never shows.
        (tile.mr <= kernel.few_rows ? kernel.gemm_few_rows : kernel.gemm)(tile);
      }
    }
  };

  if (conv.output_type != PW_DATATYPE_BF16) {
    float* output = static_cast<float*>(ctx.output) + m_begin * ctx.output_stride + channel_offset;
    const float* residual = ctx.residual != nullptr
                                ? static_cast<const float*>(ctx.residual) + m_begin * ctx.residual_stride + channel_offset
                                : nullptr;
    if (conv.convert_rows == nullptr && conv.in_channels <= conv.channels.kc && m_count <= kernel.mr) {
      // One block of one register group (a layer of a few pixels): run_blocks' one
      // kernel call without its loops, whose overhead such a layer would notice.
      tile.mr = m_count;
      tile.kc = conv.in_channels;
      tile.input_rows = rows;
      tile.input_offset = 0;
      tile.weights = group_weights + conv.first_block_offset + (n_begin / kernel.nr) * conv.first_block_panel_stride;
      tile.output = output;
      tile.output_stride = ctx.output_stride;
      tile.residual = residual;
      tile.residual_stride = ctx.residual_stride;
      tile.first_block = true;
      tile.last_block = true;
      (m_count <= kernel.few_rows ? kernel.gemm_few_rows : kernel.gemm)(tile);
      return;
    }
    run_blocks(0, m_count, output, ctx.output_stride, residual, ctx.residual_stride);
    return;
  }

  // A bf16 output: the sums of a pass of pixels stay in fp32 scratch until the last
  // block. A kernel with the bf16 epilogue reads the bf16 residual and rounds its last
  // block's sums into the output itself (one block: the scratch is not touched);
  // otherwise a bf16 residual is widened into the scratch first (the kernel reads it
  // as an in-place residual) and the clamped results are rounded into the output.
  alignas(64) float scratch[kBf16OutputScratchFloats];
  // The planner keeps mr x n_count within the scratch (plan_channels' max_nc).
  const size_t pass = std::max(kernel.mr, kBf16OutputScratchFloats / n_count / kernel.mr * kernel.mr);
  const element_conversions& convert = *kernel.conversions;
  uint16_t* output = static_cast<uint16_t*>(ctx.output) + m_begin * ctx.output_stride + channel_offset;
  const uint16_t* residual = ctx.residual != nullptr
                                 ? static_cast<const uint16_t*>(ctx.residual) + m_begin * ctx.residual_stride + channel_offset
                                 : nullptr;
  if (kernel.bf16_epilogue) {
    tile.bf16_output_stride = ctx.output_stride;
    tile.bf16_residual_stride = ctx.residual_stride;
    if (conv.in_channels <= conv.channels.kc) {  // one block: straight from the registers
      bf16_output = output;
      bf16_residual = residual;
      run_blocks(0, m_count, scratch, 0, nullptr, 0);
      return;
    }
    for (size_t p0 = 0; p0 < m_count; p0 += pass) {
      const size_t count = std::min(pass, m_count - p0);
      bf16_output = output + p0 * ctx.output_stride;
      bf16_residual = residual != nullptr ? residual + p0 * ctx.residual_stride : nullptr;
      run_blocks(p0, count, scratch, n_count, nullptr, 0);
    }
    return;
  }
  for (size_t p0 = 0; p0 < m_count; p0 += pass) {
    const size_t count = std::min(pass, m_count - p0);
    if (residual != nullptr)
      convert.widen_bf16(residual + p0 * ctx.residual_stride, ctx.residual_stride, count, n_count, scratch, n_count);
    run_blocks(p0, count, scratch, n_count, residual != nullptr ? scratch : nullptr, n_count);
    convert.narrow_f32(scratch, n_count, count, n_count, output + p0 * ctx.output_stride, ctx.output_stride);
  }
}

// A run that is its plan's one task (see pw_conv::single_task_pixels): the tile
// loop's kernel calls, one a register group, without the plan, the task and the tile
// loop, which cost such a run more than its arithmetic does (docs/tuning.md, "Small calls").
void run_single_task(const pw_conv& conv, size_t pixels, const unsigned char* input, size_t input_stride_bytes,
                     float* output, size_t output_stride, const float* residual, size_t residual_stride) {
  const microkernel& kernel = *conv.kernel;
  denormal_flush_scope flush(conv.flush_denormals);
  const void* rows[kMaxSingleTaskPixels];
  for (size_t m = 0; m < pixels; ++m) rows[m] = input + m * input_stride_bytes;
  gemm_tile tile;
  tile.nc = conv.out_channels;
  tile.kc = conv.in_channels;
  tile.input_offset = 0;
  tile.weights = conv.packed_weights + conv.first_block_offset;
  tile.output_stride = output_stride;
  tile.residual_stride = residual_stride;
  tile.first_block = true;
  tile.last_block = true;
  tile.output_min = conv.output_min;
  tile.output_max = conv.output_max;
  if (pixels <= kernel.mr) {  // one register group: its call without the loop, which measured slower
    tile.mr = pixels;
    tile.input_rows = rows;
    tile.output = output;
    tile.residual = residual;
    (pixels <= kernel.few_rows ? kernel.gemm_few_rows : kernel.gemm)(tile);
    return;
  }
  for (size_t m0 = 0; m0 < pixels; m0 += kernel.mr) {
    tile.mr = std::min(kernel.mr, pixels - m0);
    tile.input_rows = rows + m0;
    tile.output = output + m0 * output_stride;
    tile.residual = residual != nullptr ? residual + m0 * residual_stride : nullptr;
    (tile.mr <= kernel.few_rows ? kernel.gemm_few_rows : kernel.gemm)(tile);
  }
}

}  // namespace
}  // namespace pw

using namespace pw;

extern "C" pw_status pw_conv_run(const pw_conv* conv, size_t batch, size_t height, size_t width,
                                 const void* input, size_t input_pixel_stride, void* output,
                                 size_t output_pixel_stride, const void* residual,
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

  const size_t out_height = output_extent(height, conv->stride_h);
  const size_t out_width = output_extent(width, conv->stride_w);
  size_t image_pixels = 0, input_pixels = 0, pixels = 0;
  if (!checked_mul(height, width, &image_pixels) || !checked_mul(image_pixels, batch, &input_pixels))
    return fail(PW_ERROR_INVALID_ARGUMENT, "batch (%zu) * height (%zu) * width (%zu) overflows size_t", batch,
                height, width);
  pixels = batch * out_height * out_width;  // no larger than input_pixels

  const size_t input_bytes = conv->input_element_bytes, output_bytes = conv->output_element_bytes;
  byte_range input_range{}, output_range{}, residual_range{};
  if (!pixel_span(input, input_pixels, input_stride, in_channels, input_bytes, &input_range))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the input (batch * height * width = %zu pixels, input_pixel_stride %zu) overflows the address space",
                input_pixels, input_stride);
  if (!pixel_span(output, pixels, output_stride, out_channels, output_bytes, &output_range))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the output (%zu pixels, output_pixel_stride %zu) overflows the address space", pixels, output_stride);
  if (residual != nullptr &&
      !pixel_span(residual, pixels, residual_stride, out_channels, output_bytes, &residual_range))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "the residual (%zu pixels, residual_pixel_stride %zu) overflows the address space", pixels,
                residual_stride);
  // Built where the address ranges meet only (GCC stores it on the stack wherever it is in scope).
  auto output_layout = [&] { return tensor_layout{output, pixels, output_stride, out_channels, output_bytes}; };
  shared_element shared;  // set when an overlap is found; not cleared (GCC would zero it with rep stos)
  // The element walk only where the address ranges meet.
  if (ranges_overlap(input_range, output_range) &&
      tensors_share_element(output_layout(), {input, input_pixels, input_stride, in_channels, input_bytes}, &shared))
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "output (%p) overlaps input (%p): output pixel %zu channel %zu is input pixel %zu channel %zu",
                output, input, shared.a_pixel, shared.a_channel,
                shared.b_pixel, shared.b_channel);
  if (residual == output) {
    if (residual_stride != output_stride)
      return fail(PW_ERROR_INVALID_ARGUMENT,
                  "residual is output (in place) but residual_pixel_stride (%zu) differs from output_pixel_stride (%zu)",
                  residual_stride, output_stride);
  } else if (residual != nullptr && ranges_overlap(residual_range, output_range) &&
             tensors_share_element(output_layout(), {residual, pixels, residual_stride, out_channels, output_bytes},
                                   &shared)) {
    return fail(PW_ERROR_INVALID_ARGUMENT,
                "residual (%p) overlaps output (%p) without being the same pointer: output pixel %zu channel %zu is "
                "residual pixel %zu channel %zu",
                residual, output, shared.a_pixel, shared.a_channel,
                shared.b_pixel, shared.b_channel);
  }

  const size_t threads = threads_of(threadpool);
  const bool single_task = threads <= 1 ? pixels <= conv->single_task_pixels
                                        : pixels <= conv->kernel->mr && conv->single_task_pixels != 0 &&
                                              conv->tiles.panels == 1;
  if (single_task) {
    run_single_task(*conv, pixels, static_cast<const unsigned char*>(input), input_stride * input_bytes,
                    static_cast<float*>(output), output_stride, static_cast<const float*>(residual), residual_stride);
    return PW_OK;
  }
  run_context ctx;
  ctx.conv = conv;
  ctx.input = static_cast<const unsigned char*>(input);
  ctx.input_stride_bytes = input_stride * input_bytes;
  ctx.width = width;
  ctx.image_pixels = image_pixels;
  ctx.out_height = out_height;
  ctx.out_width = out_width;
  ctx.output = output;
  ctx.output_stride = output_stride;
  ctx.residual = residual;
  ctx.residual_stride = residual_stride;
  ctx.pixels = pixels;
  const run_plan plan = plan_run(conv->tiles, pixels, conv->groups, threads);
  ctx.plan = &plan;
  run_tasks(threadpool, run_tile, &ctx, task_count(plan, conv->groups));
  return PW_OK;
}
