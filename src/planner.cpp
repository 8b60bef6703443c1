#include "planner.h"

#include <algorithm>

#include "checked_math.h"

namespace pw {

channel_plan plan_channels(size_t in_channels, size_t out_channels, size_t mr, size_t nr,
                           const cache_sizes& caches, size_t l1_bytes_per_input_channel) {
  const cache_sizes c = with_default_caches(caches);
  // kc: the mr input rows of a block are read once per panel of nr output channels,
  // so they stay in L1 while the weights stream past them from L2 (BLIS keeps one
  // operand's micro-panel in L1 the same way); the weights are read once per call and
  // need not stay. A kernel that reads its rows in place gives them all of L1: a line
  // the weight stream pushes out comes back from L2 at little cost, while every extra
  // block costs each output a store and a reload of its partial sums. A kernel that
  // also copies its inputs (SSE's spread, l1_bytes_per_input_channel set) keeps rows
  // and copy in 40% of L1: its own measurements fell to 70% of peak at kc >= 342.
  // Measured on AVX-512 (10x32, 48 KiB L1), each build against the last in one process
  // (alternating bursts, median ratio): all of L1 (kc 1228) against 40% (kc 491):
  // 14x14 1024->256 1.02, 7x7 1024->1024 1.04, 7x7 2048->512 1.02-1.04, 14x14
  // 1024->2048 1.05, the 38 other ResNet-50 / MobileNet layers 0.995-1.011; AVX2
  // (6x16) 0.98-1.03, geomean 1.001. Earlier, against oneDNN: rows + weight rows in
  // half of L1 (kc 146) 0.954; rows in 30% / 40% / 50% 0.974 / 0.977 / 0.979.
  const bool copies_inputs = l1_bytes_per_input_channel != 0;
  const size_t input_bytes = copies_inputs ? l1_bytes_per_input_channel : mr * sizeof(float);
  size_t kc = (copies_inputs ? c.l1d.bytes * 2 / 5 : c.l1d.bytes) / input_bytes;
  kc = std::max<size_t>(kc, 64);
  // Below a few hundred channels splitting only adds partial-sum traffic; above that,
  // split into equal blocks so the last one is not a sliver.
  if (in_channels <= kc + kc / 2) {
    kc = in_channels;
  } else {
    const size_t blocks = divide_round_up(in_channels, kc);
    kc = divide_round_up(in_channels, blocks);
  }
  // nc: one block of packed weights (kc x nc) stays in half of L2 while every pixel
  // tile streams past it.
  const size_t l2_floats = c.l2.bytes / sizeof(float);
  size_t nc = l2_floats / 2 / std::max<size_t>(kc, 1);
  nc = std::max(nr, nc / nr * nr);
  const size_t padded_out = round_up(out_channels, nr);
  if (nc >= padded_out) {
    nc = padded_out;
  } else {
    const size_t blocks = divide_round_up(padded_out, nc);
    nc = round_up(divide_round_up(padded_out, blocks), nr);
  }
  return {kc, nc};
}

size_t task_count(const run_plan& plan, size_t groups) { return groups * plan.channel_tiles * plan.pixel_tiles; }

task_tile tile_of_task(const run_plan& plan, size_t index, size_t pixels, size_t out_channels) {
  task_tile t;
  const size_t pixel_tile = index % plan.pixel_tiles;
  const size_t channel_tile = (index / plan.pixel_tiles) % plan.channel_tiles;
  t.group = index / plan.pixel_tiles / plan.channel_tiles;
  t.pixel_begin = pixel_tile * plan.pixel_tile;
  t.pixel_count = std::min(plan.pixel_tile, pixels - t.pixel_begin);
  t.channel_begin = channel_tile * plan.channel_tile;
  t.channel_count = std::min(plan.channel_tile, out_channels - t.channel_begin);
  return t;
}

run_plan plan_run(size_t pixels, size_t groups, size_t in_channels, size_t out_channels,
                  const channel_plan& channels, size_t mr, size_t nr, size_t threads,
                  const cache_sizes& caches) {
  const cache_sizes c = with_default_caches(caches);
  (void)in_channels;
  run_plan plan;
  plan.channel_tile = channels.nc;
  plan.channel_tiles = divide_round_up(out_channels, plan.channel_tile);
  // When input channels are split, partial sums round-trip through the output: keep a
  // tile's outputs (pixel_tile x nc floats) within half of L2.
  const size_t l2_floats = c.l2.bytes / sizeof(float);
  size_t pixel_tile = l2_floats / 2 / std::max<size_t>(plan.channel_tile, 1);
  pixel_tile = std::max(mr, std::min(pixel_tile, kMaxPixelTile) / mr * mr);
  // Enough tasks to balance the threads: aim for 4 per thread. Split the pixels first,
  // but only down to 4 register tiles: each task streams its whole weight block from
  // L2, and a 10-pixel task of a 1024->256 layer reads 1 MiB of weights for 5 MFLOP,
  // which L2 cannot feed. Then split the output channels (a 7x7 layer has 49 pixels),
  // and only then the pixels down to one register tile.
  if (threads > 1) {
    const size_t wanted = 4 * threads;
    auto tasks = [&] { return groups * plan.channel_tiles * divide_round_up(pixels, pixel_tile); };
    auto split_pixels_down_to = [&](size_t floor) {
      while (tasks() < wanted && pixel_tile > floor) pixel_tile = std::max(floor, (pixel_tile / 2) / mr * mr);
    };
    split_pixels_down_to(4 * mr);
    while (tasks() < wanted && plan.channel_tile > nr) {
      plan.channel_tile = std::max(nr, round_up(plan.channel_tile / 2, nr));
      plan.channel_tiles = divide_round_up(out_channels, plan.channel_tile);
    }
    split_pixels_down_to(mr);
  }
  plan.pixel_tile = std::min(pixel_tile, round_up(pixels, mr));
  plan.pixel_tiles = divide_round_up(pixels, plan.pixel_tile);
  return plan;
}

}  // namespace pw
