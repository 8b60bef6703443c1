// Cache tiling: pure functions of the layer's sizes, the register tile and the cache
// sizes, so tests can plan for caches this machine does not have.
#pragma once

#include <cstddef>

#include "cpu_info.h"

namespace pw {

// Fixed at create: the packing depends on kc.
struct channel_plan {
  size_t kc;  // input channels per block (the last block may be shorter)
  size_t nc;  // output channels per block, a multiple of nr (or all of them)
};

// l1_bytes_per_input_channel: microkernel::l1_bytes_per_input_channel (0: the kernel
// reads its mr input rows in place); element_bytes: of an input row element and a
// packed weight as the kernel reads them (4 fp32, 2 bf16); max_kc: the most channels
// a block may have, max_nc the most output channels (0: no limit).
channel_plan plan_channels(size_t in_channels, size_t out_channels, size_t mr, size_t nr,
                           const cache_sizes& caches, size_t l1_bytes_per_input_channel = 0,
                           size_t element_bytes = 4, size_t max_kc = 0, size_t max_nc = 0);

// Chosen per run: how the output of one group is cut into tasks. The pixels are cut
// at register-row (mr) boundaries and the output channels at panel (nr) boundaries
// into tiles whose sizes differ by at most one row or one panel, so equal shares of
// tasks are equal shares of work.
struct run_plan {
  size_t pixel_tile;     // the most pixels a task has, a multiple of mr
  size_t channel_tile;   // the most output channels a task has, a multiple of nr
  size_t pixel_tiles;    // tiles over the pixels
  size_t channel_tiles;  // tiles over the output channels of one group
  size_t mr, nr;         // the register tile the cuts follow
  // The order of the tasks of one group. false: the channel tiles outside, each walking
  // every pixel tile. true (pixel bands): the channel tiles are cut into channel_ranges
  // ranges (one per thread where they divide evenly), and each range walks the pixel
  // tiles, every channel tile of the range on one pixel tile before the next.
  bool pixels_outer;
  size_t channel_ranges;  // 1 unless pixels_outer
};

// The largest pixel tile a run uses: the tile loop keeps its row pointers on the stack.
constexpr size_t kMaxPixelTile = 1024;

// The output block of task `index` (0 <= index < task_count): tasks of one channel
// tile and group are consecutive, so a thread's run of tasks reuses one weight block;
// in a plan of pixel bands, tasks of one pixel tile are, so it reuses one band of input.
struct task_tile {
  size_t group;
  size_t pixel_begin, pixel_count;
  size_t channel_begin, channel_count;
};
size_t task_count(const run_plan& plan, size_t groups);
// tile_of_task for a plan that cuts the pixels or the output channels.
task_tile tile_of_split_task(const run_plan& plan, size_t index, size_t pixels, size_t out_channels);
// Inline: a run of one tile per group (every small layer) finds its tile in a few
// instructions, without the call and the divisions of a split.
inline task_tile tile_of_task(const run_plan& plan, size_t index, size_t pixels, size_t out_channels) {
  if (plan.pixel_tiles == 1 && plan.channel_tiles == 1) return {index, 0, pixels, 0, out_channels};
  return tile_of_split_task(plan, index, pixels, out_channels);
}

// element_bytes: of a packed weight (4 fp32, 2 bf16); few_rows: microkernel::few_rows
// (0: the kernel has no few-rows kernel).
run_plan plan_run(size_t pixels, size_t groups, size_t in_channels, size_t out_channels, const channel_plan& channels,
                  size_t mr, size_t nr, size_t threads, const cache_sizes& caches, size_t element_bytes = 4,
                  size_t few_rows = 0);

// The part of the run plan that depends only on the conv (its channels, tiles and the
// caches): computed once at create, so a small run plans in a few instructions.
struct tile_limits {
  size_t mr, nr;
  size_t panels;         // register panels of output channels
  size_t channel_tiles;  // tiles over the output channels before threads ask for more
  size_t rows_in_l2;     // register rows of pixels a tile's outputs may hold
  size_t band_rows;      // register rows of a pixel band (run_plan::pixels_outer); 0: no bands
  size_t few_rows;       // runs of at most this many pixels go to the few-rows kernel
  bool small_weights;    // a group's weights fill at most a quarter of L2: every thread can hold them all
};
// element_bytes: of a packed weight (4 fp32, 2 bf16); few_rows as for plan_run.
tile_limits plan_tile_limits(size_t in_channels, size_t out_channels, const channel_plan& channels, size_t mr,
                             size_t nr, const cache_sizes& caches, size_t element_bytes = 4, size_t few_rows = 0);
// The same plan as above from the precomputed limits.
run_plan plan_run(const tile_limits& limits, size_t pixels, size_t groups, size_t threads);

}  // namespace pw
