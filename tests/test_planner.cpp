// Planner invariants with fake caches: tiles are multiples of the register tile, fit
// the cache they target, are equal to within one register row or panel, and the tasks
// cover every output exactly once.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "checked_math.h"
#include "planner.h"

namespace pw {
namespace {

struct register_tile {
  size_t mr, nr;
};

std::vector<cache_sizes> fake_caches() {
  std::vector<cache_sizes> caches;
  cache_sizes none;  // a virtual CPU that reports nothing
  caches.push_back(none);
  cache_sizes no_l3;
  no_l3.l1d = {32 * 1024, 8};
  no_l3.l2 = {1024 * 1024, 16};
  caches.push_back(no_l3);
  cache_sizes server;
  server.l1d = {48 * 1024, 12};
  server.l2 = {2 * 1024 * 1024, 16};
  server.l3 = {4 * 1024 * 1024, 16};
  caches.push_back(server);
  cache_sizes tiny;
  tiny.l1d = {8 * 1024, 4};
  tiny.l2 = {64 * 1024, 4};
  tiny.l3 = {64 * 1024, 4};
  caches.push_back(tiny);
  return caches;
}

TEST(Planner, ChannelBlocksAreTileMultiplesAndFitTheirCache) {
  const register_tile tiles[] = {{4, 8}, {6, 16}, {8, 48}, {14, 32}, {8, 8}};
  for (const cache_sizes& caches : fake_caches())
    for (const register_tile& t : tiles)
      for (size_t ci : {1, 3, 64, 255, 512, 1024, 2048, 4096})
        for (size_t co : {1, 7, 64, 1000, 2048}) {
          const channel_plan plan = plan_channels(ci, co, t.mr, t.nr, caches);
          const cache_sizes c = with_default_caches(caches);
          SCOPED_TRACE(testing::Message() << "Ci " << ci << " Co " << co << " tile " << t.mr << "x" << t.nr
                                          << " L1 " << c.l1d.bytes << " L2 " << c.l2.bytes);
          ASSERT_GE(plan.kc, 1u);
          ASSERT_LE(plan.kc, ci);
          EXPECT_EQ(plan.nc % t.nr, 0u);
          EXPECT_GE(plan.nc, t.nr);
          EXPECT_LE(plan.nc, (co + t.nr - 1) / t.nr * t.nr);
          // The mr input rows of one block stay in L1 whenever the block is split at all.
          if (plan.kc < ci) {
            EXPECT_LE(t.mr * plan.kc * sizeof(float), c.l1d.bytes);
          }
          // One block of packed weights fits in L2 (unless a single panel is already larger).
          if (plan.nc > t.nr) {
            EXPECT_LE(plan.kc * plan.nc * sizeof(float), c.l2.bytes);
          }
        }
}

TEST(Planner, TasksCoverEveryOutputExactlyOnce) {
  const register_tile tiles[] = {{4, 8}, {14, 32}, {6, 16}};
  // Under an emulator (.ci/test.d/40-aarch64.sh sets POINTWISE_TEST_EMULATED=1) the
  // 112x112 image alone takes minutes, twice, for integer logic that does not depend
  // on the ISA; 56x56 still spans many pixel tiles per thread.
  const char* emulated_env = std::getenv("POINTWISE_TEST_EMULATED");
  const bool emulated = emulated_env != nullptr && emulated_env[0] != '\0' && emulated_env[0] != '0';
  const std::vector<size_t> pixel_counts = emulated ? std::vector<size_t>{1, 7, 49, 196, 3136}
                                                       : std::vector<size_t>{1, 7, 49, 196, 3136, 12544};
  for (const cache_sizes& caches : fake_caches())
    for (const register_tile& t : tiles)
      for (size_t pixels : pixel_counts)
        for (size_t co : {1, 33, 256, 1000})
          for (size_t groups : {1, 3})
            for (size_t threads : {1, 2, 3, 8}) {
              const size_t ci = 300;
              const channel_plan channels = plan_channels(ci, co, t.mr, t.nr, caches);
              const run_plan plan = plan_run(pixels, groups, ci, co, channels, t.mr, t.nr, threads, caches);
              SCOPED_TRACE(testing::Message() << "pixels " << pixels << " Co " << co << " groups " << groups
                                              << " threads " << threads);
              ASSERT_EQ(plan.pixel_tile % t.mr, 0u);
              ASSERT_LE(plan.pixel_tile, kMaxPixelTile);
              ASSERT_EQ(plan.channel_tile % t.nr, 0u);
              ASSERT_LE(plan.channel_tile, channels.nc);  // a task's weights are one L2 block at most
              // Its outputs (the partial sums of a split Ci) fit in half of L2.
              if (plan.pixel_tile > t.mr) {
                EXPECT_LE(plan.pixel_tile * channels.nc * sizeof(float), with_default_caches(caches).l2.bytes / 2);
              }
              std::vector<unsigned char> covered(groups * pixels * co, 0);
              const size_t tasks = task_count(plan, groups);
              size_t fewest_rows = SIZE_MAX, most_rows = 0, fewest_panels = SIZE_MAX, most_panels = 0;
              for (size_t i = 0; i < tasks; ++i) {
                const task_tile tile = tile_of_task(plan, i, pixels, co);
                ASSERT_LT(tile.group, groups);
                ASSERT_GT(tile.pixel_count, 0u);
                ASSERT_GT(tile.channel_count, 0u);
                ASSERT_LE(tile.pixel_count, plan.pixel_tile);
                ASSERT_LE(tile.channel_count, plan.channel_tile);
                ASSERT_EQ(tile.pixel_begin % t.mr, 0u);
                ASSERT_EQ(tile.channel_begin % t.nr, 0u);
                ASSERT_LE(tile.pixel_begin + tile.pixel_count, pixels);
                ASSERT_LE(tile.channel_begin + tile.channel_count, co);
                const size_t rows = (tile.pixel_count + t.mr - 1) / t.mr;
                const size_t panels = (tile.channel_count + t.nr - 1) / t.nr;
                fewest_rows = std::min(fewest_rows, rows);
                most_rows = std::max(most_rows, rows);
                fewest_panels = std::min(fewest_panels, panels);
                most_panels = std::max(most_panels, panels);
                for (size_t p = tile.pixel_begin; p < tile.pixel_begin + tile.pixel_count; ++p)
                  for (size_t c = tile.channel_begin; c < tile.channel_begin + tile.channel_count; ++c)
                    ++covered[(tile.group * pixels + p) * co + c];
              }
              for (unsigned char count : covered) ASSERT_EQ(count, 1);
              // Equal shares: tiles differ by one register row or panel at most, and on
              // several threads the task count is a multiple of the thread count unless
              // every pixel tile is already a single register row.
              EXPECT_LE(most_rows - fewest_rows, 1u);
              EXPECT_LE(most_panels - fewest_panels, 1u);
              if (threads > 1 && tasks % threads != 0) {
                EXPECT_EQ(plan.pixel_tiles, (pixels + t.mr - 1) / t.mr) << tasks << " tasks";
              }
              // Enough tasks to keep every thread busy when the layer has the work for it.
              if (threads > 1 && groups * pixels * co >= threads * t.mr * t.nr * 4) {
                EXPECT_GE(tasks, threads) << "pixel tile " << plan.pixel_tile << " channel tile " << plan.channel_tile;
              }
            }
}

// A plan of one tile per group takes tile_of_task's inline case; the split case must
// give the same tiles for it (tasks of one tile are the group's whole output).
TEST(Planner, OneTilePlansGiveTheSameTilesInlineAndSplit) {
  for (const cache_sizes& caches : fake_caches())
    for (size_t pixels : {1, 9, 14, 49})
      for (size_t co : {1, 16, 33})
        for (size_t groups : {1, 3}) {
          const channel_plan channels = plan_channels(40, co, 14, 32, caches);
          const run_plan plan = plan_run(pixels, groups, 40, co, channels, 14, 32, 1, caches);
          if (plan.pixel_tiles != 1 || plan.channel_tiles != 1) continue;
          for (size_t i = 0; i < task_count(plan, groups); ++i) {
            const task_tile fast = tile_of_task(plan, i, pixels, co);
            const task_tile split = tile_of_split_task(plan, i, pixels, co);
            EXPECT_EQ(fast.group, split.group);
            EXPECT_EQ(fast.pixel_begin, split.pixel_begin);
            EXPECT_EQ(fast.pixel_count, split.pixel_count);
            EXPECT_EQ(fast.channel_begin, split.channel_begin);
            EXPECT_EQ(fast.channel_count, split.channel_count);
            EXPECT_EQ(fast.group, i);
            EXPECT_EQ(fast.pixel_count, pixels);
            EXPECT_EQ(fast.channel_count, co);
          }
        }
}

// divide_round_up skips the division when the quotient is 0 or 1: both ways agree
// with the plain formula.
TEST(Planner, DivideRoundUpWithAndWithoutTheDivision) {
  for (size_t divisor : {1, 2, 7, 10, 64, 1000})
    for (size_t value : {0, 1, 2, 6, 7, 8, 9, 10, 11, 63, 64, 65, 999, 1000, 1001, 123456})
      EXPECT_EQ(divide_round_up(value, divisor), (value + divisor - 1) / divisor) << value << " / " << divisor;
  EXPECT_EQ(divide_round_up(SIZE_MAX, SIZE_MAX), 1u);
  EXPECT_EQ(divide_round_up(SIZE_MAX - 1, SIZE_MAX), 1u);
}

// A run of at most few_rows pixels (a fully-connected layer) cuts only its channels, into
// one tile per thread of two panels at least where the panels and the L2 block allow:
// more, smaller tiles would take panels from the few-rows kernel, which walks them
// together. The tiles still cover every output once and differ by one panel at most.
TEST(Planner, FewPixelRunsCutChannelsIntoOneTilePerThread) {
  const register_tile t{10, 32};
  const size_t few_rows = 4;
  for (const cache_sizes& caches : fake_caches())
    for (size_t pixels = 1; pixels <= few_rows; ++pixels)
      for (size_t ci : {48, 576, 2048})
        for (size_t co : {16, 48, 144, 1000, 1152})
          for (size_t groups : {1, 3})
            for (size_t threads : {1, 2, 3, 8}) {
              SCOPED_TRACE(testing::Message() << "pixels " << pixels << " Ci " << ci << " Co " << co << " groups "
                                              << groups << " threads " << threads);
              const channel_plan channels = plan_channels(ci, co, t.mr, t.nr, caches);
              const tile_limits limits = plan_tile_limits(ci, co, channels, t.mr, t.nr, caches, 4, few_rows);
              const run_plan plan = plan_run(limits, pixels, groups, threads);
              const size_t panels = (co + t.nr - 1) / t.nr;
              EXPECT_EQ(plan.pixel_tiles, 1u);
              const size_t per_thread = std::min((threads + groups - 1) / groups, panels / 2);
              EXPECT_EQ(plan.channel_tiles, std::max(limits.channel_tiles, per_thread));
              std::vector<unsigned char> covered(groups * pixels * co, 0);
              size_t fewest_panels = SIZE_MAX, most_panels = 0;
              for (size_t i = 0; i < task_count(plan, groups); ++i) {
                const task_tile tile = tile_of_task(plan, i, pixels, co);
                ASSERT_EQ(tile.pixel_count, pixels);
                ASSERT_LE(tile.channel_count, plan.channel_tile);
                const size_t tile_panels = (tile.channel_count + t.nr - 1) / t.nr;
                fewest_panels = std::min(fewest_panels, tile_panels);
                most_panels = std::max(most_panels, tile_panels);
                for (size_t p = 0; p < pixels; ++p)
                  for (size_t c = tile.channel_begin; c < tile.channel_begin + tile.channel_count; ++c)
                    ++covered[(tile.group * pixels + p) * co + c];
              }
              for (unsigned char count : covered) ASSERT_EQ(count, 1);
              EXPECT_LE(most_panels - fewest_panels, 1u);
            }
  // Without a few-rows kernel the split stays as before: 4 tasks per thread where the
  // panels allow.
  const cache_sizes l2_of_1_mib = fake_caches()[1];
  const channel_plan channels = plan_channels(576, 144, t.mr, t.nr, l2_of_1_mib);
  EXPECT_EQ(plan_run(1, 1, 576, 144, channels, t.mr, t.nr, 2, l2_of_1_mib, 4, few_rows).channel_tiles, 2u);
  EXPECT_EQ(plan_run(1, 1, 576, 144, channels, t.mr, t.nr, 2, l2_of_1_mib).channel_tiles, 5u);
  // 2 or 3 panels on 2 threads: one tile, whose chains are as long as a one-panel tile's.
  const channel_plan two_panels = plan_channels(1152, 48, t.mr, t.nr, l2_of_1_mib);
  EXPECT_EQ(plan_run(1, 1, 1152, 48, two_panels, t.mr, t.nr, 2, l2_of_1_mib, 4, few_rows).channel_tiles, 1u);
  const channel_plan three_panels = plan_channels(1152, 96, t.mr, t.nr, l2_of_1_mib);
  EXPECT_EQ(plan_run(1, 1, 1152, 96, three_panels, t.mr, t.nr, 2, l2_of_1_mib, 4, few_rows).channel_tiles, 1u);
  // 4 panels on 2 threads: 2 tiles of 2.
  const channel_plan four_panels = plan_channels(1152, 128, t.mr, t.nr, l2_of_1_mib);
  EXPECT_EQ(plan_run(1, 1, 1152, 128, four_panels, t.mr, t.nr, 2, l2_of_1_mib, 4, few_rows).channel_tiles, 2u);
}

// The EPYC development host: 48 KiB L1d, 1 MiB L2 per core (docs/tuning.md, "Threads").
cache_sizes zen5_caches() {
  cache_sizes c;
  c.l1d = {48 * 1024, 12};
  c.l2 = {1024 * 1024, 16};
  c.l3 = {32 * 1024 * 1024, 16};
  return c;
}

// The tasks a pthreadpool of `threads` hands thread `thread`: one contiguous range each.
std::vector<task_tile> tasks_of_thread(const run_plan& plan, size_t thread, size_t threads, size_t pixels, size_t co) {
  const size_t tasks = task_count(plan, 1);
  std::vector<task_tile> tiles;
  for (size_t i = thread * tasks / threads; i < (thread + 1) * tasks / threads; ++i)
    tiles.push_back(tile_of_task(plan, i, pixels, co));
  return tiles;
}

TEST(Planner, SmallWeightsAreNotCutWhenThePixelsGiveEveryThreadATask) {
  const cache_sizes caches = zen5_caches();
  // MobileNet v2's 14x14 layers: 20 register rows, weights of 48-216 KiB (at most a quarter of L2).
  for (const auto& [ci, co] : {std::pair<size_t, size_t>{192, 64}, {64, 384}, {384, 96}, {96, 576}, {576, 96}}) {
    SCOPED_TRACE(testing::Message() << "14x14 " << ci << "->" << co);
    const channel_plan channels = plan_channels(ci, co, 10, 32, caches);
    const run_plan plan = plan_run(196, 1, ci, co, channels, 10, 32, 2, caches);
    EXPECT_EQ(plan.channel_tiles, 1u);  // each thread writes whole output pixels
    EXPECT_EQ(plan.pixel_tiles % 2, 0u);
    EXPECT_GE(plan.pixel_tile, 4 * 10u);  // tasks keep at least 4 register rows
    // A single thread still runs the layer as one task.
    const run_plan single = plan_run(196, 1, ci, co, channels, 10, 32, 1, caches);
    EXPECT_EQ(task_count(single, 1), 1u);
  }
  // Bytes decide: 256->384 is 192 KiB of bf16 weights and 384 KiB of fp32 ones.
  const channel_plan bf16 = plan_channels(256, 384, 10, 32, caches, 0, 2);
  const tile_limits bf16_limits = plan_tile_limits(256, 384, bf16, 10, 32, caches, 2);
  EXPECT_TRUE(bf16_limits.small_weights);
  EXPECT_EQ(plan_run(bf16_limits, 196, 1, 2).channel_tiles, 1u);
  const channel_plan fp32 = plan_channels(256, 384, 10, 32, caches);
  EXPECT_FALSE(plan_tile_limits(256, 384, fp32, 10, 32, caches, 4).small_weights);
}

TEST(Planner, LargerWeightsGiveEachThreadItsOwnChannels) {
  const cache_sizes caches = zen5_caches();
  // 14x14 256->512 (512 KiB of weights) and 256->1024 (two blocks of 512 output
  // channels): each thread keeps its half of the weights in its L2.
  for (const auto& [co, per_thread] : {std::pair<size_t, size_t>{512, 256}, {1024, 512}}) {
    SCOPED_TRACE(testing::Message() << "14x14 256->" << co);
    const channel_plan channels = plan_channels(256, co, 10, 32, caches);
    const run_plan plan = plan_run(196, 1, 256, co, channels, 10, 32, 2, caches);
    EXPECT_EQ(plan.channel_tiles, 2u);
    for (size_t thread = 0; thread < 2; ++thread)
      for (const task_tile& tile : tasks_of_thread(plan, thread, 2, 196, co)) {
        EXPECT_EQ(tile.channel_begin, thread * per_thread);
        EXPECT_EQ(tile.channel_count, per_thread);
      }
  }
  // 7x7 (5 register rows): too few pixels for the threads, so small weights are cut too.
  const channel_plan narrow = plan_channels(576, 160, 10, 32, caches);
  const run_plan small = plan_run(49, 1, 576, 160, narrow, 10, 32, 2, caches);
  EXPECT_GT(small.channel_tiles, 1u);
  EXPECT_EQ(task_count(small, 1) % 2, 0u);
}

// Whether each pixel tile shows up in one unbroken run of `tiles`: the band's input
// rows are then read from beyond L2 once, not once per channel tile.
bool pixel_tiles_in_unbroken_runs(const std::vector<task_tile>& tiles) {
  std::vector<size_t> finished;
  for (size_t i = 0; i < tiles.size(); ++i) {
    if (std::find(finished.begin(), finished.end(), tiles[i].pixel_begin) != finished.end()) return false;
    if (i + 1 == tiles.size() || tiles[i + 1].pixel_begin != tiles[i].pixel_begin)
      finished.push_back(tiles[i].pixel_begin);
  }
  return true;
}

// 64x64 1024->1024 (16 MiB of input rows of 4 KiB, 4 MiB of weights in 8 channel
// tiles): every channel tile used to walk all 4096 pixels, reading each input row
// from L3 or memory 8 times. Pixel bands whose rows fill half of L2 are walked by every
// channel tile in turn instead; on two threads each thread keeps its own channel tiles.
TEST(Planner, WideInputsAreWalkedInPixelBands) {
  const cache_sizes caches = zen5_caches();
  const size_t pixels = 64 * 64, ci = 1024, co = 1024;
  const channel_plan channels = plan_channels(ci, co, 10, 32, caches);
  for (size_t threads : {1, 2}) {
    SCOPED_TRACE(testing::Message() << threads << " thread(s)");
    const run_plan plan = plan_run(pixels, 1, ci, co, channels, 10, 32, threads, caches);
    EXPECT_GT(plan.channel_tiles, 1u);
    EXPECT_LE(plan.pixel_tile * ci * sizeof(float), caches.l2.bytes / 2);
    std::vector<std::vector<task_tile>> per_thread;
    for (size_t thread = 0; thread < threads; ++thread)
      per_thread.push_back(tasks_of_thread(plan, thread, threads, pixels, co));
    for (const std::vector<task_tile>& tiles : per_thread) EXPECT_TRUE(pixel_tiles_in_unbroken_runs(tiles));
    if (threads == 2) {
      // Each thread streams only its own half of the weights.
      for (const task_tile& first : per_thread[0])
        for (const task_tile& second : per_thread[1]) ASSERT_NE(first.channel_begin, second.channel_begin);
    }
  }
  // Inputs that half of L2 holds are not cut into bands: 14x14 256->1024.
  const channel_plan small_input = plan_channels(256, 1024, 10, 32, caches);
  EXPECT_EQ(plan_run(196, 1, 256, 1024, small_input, 10, 32, 1, caches).pixel_tiles, 1u);
  // Nor are inputs whose weights L3 does not keep: every band would stream all of them
  // from memory again (7x7 4096->4096, 64 MiB of weights, 784 KiB of input).
  const channel_plan huge_weights = plan_channels(4096, 4096, 10, 32, caches);
  EXPECT_EQ(plan_run(49, 1, 4096, 4096, huge_weights, 10, 32, 1, caches).pixel_tiles, 1u);
}

// Weights whose size overflows size_t are not small (and planning them does not overflow).
TEST(Planner, HugeWeightsAreNotSmall) {
  const cache_sizes caches = zen5_caches();
  const size_t huge = SIZE_MAX / 8;
  const channel_plan channels = plan_channels(huge, 64, 10, 32, caches);
  EXPECT_FALSE(plan_tile_limits(huge, 64, channels, 10, 32, caches).small_weights);
}

TEST(Planner, MissingCachesFallBackToDefaults) {
  const cache_sizes filled = with_default_caches(cache_sizes{});
  EXPECT_GT(filled.l1d.bytes, 0u);
  EXPECT_GT(filled.l2.bytes, filled.l1d.bytes);
  EXPECT_GE(filled.l3.bytes, filled.l2.bytes);
  const cache_sizes& host = host_cache_sizes();
  EXPECT_GT(host.l1d.bytes, 0u);
  EXPECT_GT(host.l2.bytes, 0u);
  EXPECT_GT(host.l3.bytes, 0u);
  std::printf("[ caches ] L1d %zu KiB, L2 %zu KiB, L3 share %zu KiB (from %s)\n", host.l1d.bytes >> 10,
              host.l2.bytes >> 10, host.l3.bytes >> 10, host.source);
}

}  // namespace
}  // namespace pw
