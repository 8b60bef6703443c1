// kc and nc at create, the tiles and tasks of a run: see planner.h.
#include "planner.h"

#include <algorithm>

#include "checked_math.h"

namespace pw {

// Tasks per thread on several threads: equal shares of work, with a few to spare
// for a thread another process delays (2 and 8 measured no better: docs/tuning.md).
constexpr size_t kTasksPerThread = 4;

channel_plan plan_channels(size_t in_channels, size_t out_channels, size_t mr, size_t nr,
                           const cache_sizes& caches, size_t l1_bytes_per_input_channel,
                           size_t element_bytes, size_t max_kc, size_t max_nc) {
  const cache_sizes c = with_default_caches(caches);
  // kc: the mr input rows of a block are read once per panel of nr output channels,
  // so they stay in L1 while the weights stream past them from L2 (BLIS keeps one
  // operand's micro-panel in L1 the same way); the weights are read once per call and
  // need not stay. A kernel that reads its rows in place gives them all of L1: a line
  // the weight stream pushes out comes back from L2 at little cost, while every extra
  // block costs each output a store and a reload of its partial sums. A kernel that
  // also copies its inputs (SSE's spread, l1_bytes_per_input_channel set) keeps rows
  // and copy in 40% of L1, where it measured fastest (docs/tuning.md, "kc").
  const bool copies_inputs = l1_bytes_per_input_channel != 0;
  const size_t input_bytes = copies_inputs ? l1_bytes_per_input_channel : mr * element_bytes;
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
  // A tile loop that converts the rows first holds them in a buffer of max_kc.
  if (max_kc != 0 && kc > max_kc) kc = divide_round_up(in_channels, divide_round_up(in_channels, max_kc));
  // Channel pairs (2-byte elements) stay whole within a block.
  if (element_bytes == 2 && kc < in_channels && kc % 2 != 0) kc = max_kc != 0 && kc + 1 > max_kc ? kc - 1 : kc + 1;
  // nc: one block of packed weights (kc x nc) stays in half of L2 while every pixel
  // tile streams past it.
  const size_t l2_floats = c.l2.bytes / element_bytes;
  size_t nc = l2_floats / 2 / std::max<size_t>(kc, 1);
  nc = std::max(nr, nc / nr * nr);
  if (max_nc != 0) nc = std::min(nc, std::max(nr, max_nc / nr * nr));
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

namespace {

// Where part `index` of `units` cut into `parts` parts begins: the parts differ by at
// most one unit, and the longer ones are spread out, so that any run of consecutive
// parts (what one thread takes first) holds its fair share of the units.
size_t part_begin(size_t units, size_t parts, size_t index) {
  // units * index can pass 2^64 only for absurd layers; the 128-bit product is exact
  // (and its division a library call, so the common case stays in 64 bits).
  size_t product = 0;
  if (!__builtin_mul_overflow(units, index, &product)) return product / parts;
  return static_cast<size_t>(static_cast<unsigned __int128>(units) * index / parts);
}

// The fewest parts, at least `wanted`, that cut `units` into equal parts, looking as
// far as twice `wanted`; `wanted` itself when none does. 10 panels of output channels
// wanted in 8 tiles become 10 tiles of one panel, not 2 of two and 6 of one.
size_t even_parts(size_t units, size_t wanted) {
  for (size_t parts = wanted; parts <= std::min(units, 2 * wanted); ++parts)
    if (units % parts == 0) return parts;
  return wanted;
}

}  // namespace

task_tile tile_of_split_task(const run_plan& plan, size_t index, size_t pixels, size_t out_channels) {
  task_tile t;
  size_t pixel_tile = 0, channel_tile = 0;
  if (plan.pixels_outer) {
    const size_t tiles_per_range = plan.channel_tiles / plan.channel_ranges;
    const size_t range_tasks = plan.pixel_tiles * tiles_per_range;
    const size_t in_group = index % (range_tasks * plan.channel_ranges);
    const size_t in_range = in_group % range_tasks;
    pixel_tile = in_range / tiles_per_range;
    channel_tile = in_group / range_tasks * tiles_per_range + in_range % tiles_per_range;
  } else {
    pixel_tile = index % plan.pixel_tiles;
    channel_tile = (index / plan.pixel_tiles) % plan.channel_tiles;
  }
  t.group = index / plan.pixel_tiles / plan.channel_tiles;
  const size_t rows = divide_round_up(pixels, plan.mr);
  t.pixel_begin = part_begin(rows, plan.pixel_tiles, pixel_tile) * plan.mr;
  t.pixel_count = std::min(pixels, part_begin(rows, plan.pixel_tiles, pixel_tile + 1) * plan.mr) - t.pixel_begin;
  const size_t panels = divide_round_up(out_channels, plan.nr);
  t.channel_begin = part_begin(panels, plan.channel_tiles, channel_tile) * plan.nr;
  t.channel_count =
      std::min(out_channels, part_begin(panels, plan.channel_tiles, channel_tile + 1) * plan.nr) - t.channel_begin;
  return t;
}

tile_limits plan_tile_limits(size_t in_channels, size_t out_channels, const channel_plan& channels, size_t mr,
                             size_t nr, const cache_sizes& caches, size_t element_bytes, size_t few_rows) {
  const cache_sizes c = with_default_caches(caches);
  tile_limits limits;
  limits.mr = mr;
  limits.nr = nr;
  limits.few_rows = few_rows;
  limits.panels = divide_round_up(out_channels, nr);
  // A task's output channels: one block of packed weights (nc), which stays in L2.
  limits.channel_tiles = divide_round_up(limits.panels, std::max<size_t>(channels.nc / nr, 1));
  // When input channels are split, partial sums round-trip through the output: keep a
  // tile's outputs (pixels x nc floats) within half of L2.
  const size_t l2_floats = c.l2.bytes / sizeof(float);
  limits.rows_in_l2 =
      std::max<size_t>(1, std::min(l2_floats / 2 / std::max(channels.nc, nr), kMaxPixelTile) / mr);
  // A size past size_t is not small.
  size_t padded_out = 0, weight_bytes = 0;
  const bool weight_bytes_fit = checked_mul(limits.panels, nr, &padded_out) &&
                                checked_mul(in_channels, padded_out, &weight_bytes) &&
                                checked_mul(weight_bytes, element_bytes, &weight_bytes);
  limits.small_weights = weight_bytes_fit && weight_bytes <= c.l2.bytes / 4;
  // Pixel bands: a channel tile's pass over every pixel reads every input row again,
  // from L3 or memory once the rows outgrow L2, and each row is a new stream for the
  // prefetchers, which stop at every 4 KiB page (twice per row when a row straddles a
  // page). Rows that fill half of L2, beside a weight block in the other half, come from
  // far once and from L2 for every other channel tile of the band, while each band reads
  // the weights again: only weights that L3 keeps (half of it), never ones that each
  // band would stream from memory (docs/tuning.md, "Pixel bands").
  size_t row_bytes = 0;
  limits.band_rows = 0;
  if (weight_bytes_fit && weight_bytes <= c.l3.bytes / 2 && checked_mul(in_channels, element_bytes, &row_bytes))
    limits.band_rows = std::min(std::max<size_t>(1, std::min(c.l2.bytes / 2 / row_bytes, kMaxPixelTile) / mr),
                                limits.rows_in_l2);
  return limits;
}

run_plan plan_run(size_t pixels, size_t groups, size_t in_channels, size_t out_channels, const channel_plan& channels,
                  size_t mr, size_t nr, size_t threads, const cache_sizes& caches, size_t element_bytes,
                  size_t few_rows) {
  return plan_run(plan_tile_limits(in_channels, out_channels, channels, mr, nr, caches, element_bytes, few_rows),
                  pixels, groups, threads);
}

run_plan plan_run(const tile_limits& limits, size_t pixels, size_t groups, size_t threads) {
  const size_t mr = limits.mr, nr = limits.nr, panels = limits.panels;
  const size_t rows = divide_round_up(pixels, mr);  // register rows of pixels
  size_t channel_tiles = limits.channel_tiles;
  size_t pixel_tiles = divide_round_up(rows, limits.rows_in_l2);
  if (threads > 1 && pixels <= limits.few_rows) {
    // Pixels the few-rows kernel takes in one call (a fully-connected layer): only the
    // channels split, one tile per thread of two panels at least. The kernel walks a
    // tile's panels together, and a task's sums are chains of kc multiply-adds however
    // few panels it has, so a one-panel tile takes as long as two panels on one thread:
    // more tiles only add tasks that wait on the same latency, and the hand-off.
    channel_tiles = std::max(channel_tiles, std::min(divide_round_up(threads, groups), panels / 2));
  } else if (threads > 1) {
    // Enough tasks for every thread: split the pixels first, but only down to 4
    // register rows a task: each task streams its whole weight block from L2, and a
    // 10-pixel task of a 1024->256 layer reads 1 MiB of weights for 5 MFLOP, which L2
    // cannot feed. Then split the output channels (a 7x7 layer has 49 pixels), and
    // only then the pixels down to one register row.
    const size_t wanted = kTasksPerThread * threads;
    auto tiles_for = [&](size_t other_tiles) { return divide_round_up(wanted, groups * other_tiles); };
    pixel_tiles = std::max(pixel_tiles, std::min(tiles_for(channel_tiles), std::max<size_t>(rows / 4, 1)));
    // Small weights, which every thread holds in its L2 anyway, are not cut once the
    // pixels give each thread a task: threads on different channels of the same pixels
    // share the cache line at the cut of every pixel when the output is not 64-byte
    // aligned, and it crosses between the cores each time (docs/tuning.md, "Threads").
    if (!(limits.small_weights && groups * channel_tiles * pixel_tiles >= threads)) {
      const size_t wanted_channel_tiles = std::min(tiles_for(pixel_tiles), panels);
      if (channel_tiles < wanted_channel_tiles) channel_tiles = even_parts(panels, wanted_channel_tiles);
      pixel_tiles = std::max(pixel_tiles, std::min(tiles_for(channel_tiles), rows));
    }
    // Equal shares: a task count that is a multiple of the thread count, where the
    // pixels allow it, so no thread is left with one task more than another
    // (docs/tuning.md, "equal tiles").
    while (groups * channel_tiles * pixel_tiles % threads != 0 && pixel_tiles < rows) ++pixel_tiles;
  }
  run_plan plan;
  // Pixel bands where several channel tiles would each read more input rows than L2
  // holds. On several threads each thread takes its own range of channel tiles where
  // they divide evenly, so a band's rows come from far once for all threads and each
  // thread streams only its share of the weights (docs/tuning.md, "Pixel bands").
  plan.pixels_outer = limits.band_rows != 0 && channel_tiles > 1 && rows > limits.band_rows;
  plan.channel_ranges = 1;
  if (plan.pixels_outer) {
    pixel_tiles = std::max(pixel_tiles, divide_round_up(rows, limits.band_rows));
    if (threads > 1 && channel_tiles % threads == 0) plan.channel_ranges = threads;
    while (groups * channel_tiles * pixel_tiles % threads != 0 && pixel_tiles < rows) ++pixel_tiles;
  }
  plan.mr = mr;
  plan.nr = nr;
  plan.pixel_tiles = pixel_tiles;
  plan.channel_tiles = channel_tiles;
  plan.pixel_tile = divide_round_up(rows, pixel_tiles) * mr;
  plan.channel_tile = divide_round_up(panels, channel_tiles) * nr;
  return plan;
}

}  // namespace pw
