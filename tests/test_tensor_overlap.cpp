// tensors_share_element against a byte-by-byte brute force, and the cases that
// matter: channel slices of one buffer (DenseNet) are disjoint, real overlaps
// are not.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "tensor_overlap.h"

namespace {

using pw::shared_element;
using pw::tensor_layout;

alignas(64) unsigned char arena[4096];

tensor_layout at(size_t byte_offset, size_t pixels, size_t stride, size_t channels) {
  return {arena + byte_offset, pixels, stride, channels};
}

// Every byte of every element.
std::vector<bool> bytes_of(const tensor_layout& t) {
  std::vector<bool> used(sizeof arena, false);
  const size_t begin = static_cast<const unsigned char*>(t.base) - arena;
  for (size_t p = 0; p < t.pixels; ++p)
    for (size_t byte = 0; byte < t.channels * sizeof(float); ++byte) used[begin + p * t.pixel_stride * 4 + byte] = true;
  return used;
}

bool element_bytes_meet(const tensor_layout& a, size_t a_pixel, size_t a_channel, const tensor_layout& b,
                        size_t b_pixel, size_t b_channel) {
  const auto start = [](const tensor_layout& t, size_t pixel, size_t channel) {
    return reinterpret_cast<uintptr_t>(t.base) + (pixel * t.pixel_stride + channel) * sizeof(float);
  };
  const uintptr_t x = start(a, a_pixel, a_channel), y = start(b, b_pixel, b_channel);
  return x < y + sizeof(float) && y < x + sizeof(float);
}

TEST(TensorOverlap, AgreesWithBruteForceOnRandomLayouts) {
  std::mt19937 random(13);
  auto pick = [&](size_t lo, size_t hi) { return std::uniform_int_distribution<size_t>(lo, hi)(random); };
  size_t overlaps = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    tensor_layout t[2];
    for (tensor_layout& layout : t) {
      const size_t stride = pick(1, 9), channels = pick(1, stride), pixels = pick(1, 7);
      // Mostly float-aligned offsets, sometimes not: floats that straddle count
      // too.
      const size_t offset = pick(0, 60) * 4 + (pick(0, 4) == 0 ? pick(1, 3) : 0);
      layout = at(offset, pixels, stride, channels);
    }
    const std::vector<bool> a = bytes_of(t[0]), b = bytes_of(t[1]);
    bool expected = false;
    for (size_t i = 0; i < sizeof arena && !expected; ++i) expected = a[i] && b[i];
    shared_element where{};
    const bool found = pw::tensors_share_element(t[0], t[1], &where);
    ASSERT_EQ(found, expected) << "trial " << trial;
    if (!found) continue;
    ++overlaps;
    ASSERT_LT(where.a_pixel, t[0].pixels);
    ASSERT_LT(where.a_channel, t[0].channels);
    ASSERT_LT(where.b_pixel, t[1].pixels);
    ASSERT_LT(where.b_channel, t[1].channels);
    ASSERT_TRUE(element_bytes_meet(t[0], where.a_pixel, where.a_channel, t[1], where.b_pixel, where.b_channel))
        << "trial " << trial << ": the named elements do not meet";
  }
  EXPECT_GT(overlaps, 2000u);  // both answers well represented
}

TEST(TensorOverlap, ChannelSlicesOfOneBufferAreDisjoint) {
  // DenseNet: 16 floats a pixel, the input in channels 0-7, the output in 8-15.
  EXPECT_FALSE(pw::tensors_share_element(at(32, 50, 16, 8), at(0, 50, 16, 8), nullptr));
  // Three slices: input 0-3, residual 4-9, output 10-15.
  EXPECT_FALSE(pw::tensors_share_element(at(40, 50, 16, 6), at(16, 50, 16, 6), nullptr));
  EXPECT_FALSE(pw::tensors_share_element(at(40, 50, 16, 6), at(0, 50, 16, 4), nullptr));
}

TEST(TensorOverlap, SlicesOneChannelTooWideCollideAndSayWhere) {
  // The output starts at channel 7, the input's last: pixel 0 channel 0 is
  // input pixel 0 channel 7.
  shared_element where{};
  ASSERT_TRUE(pw::tensors_share_element(at(28, 50, 16, 8), at(0, 50, 16, 8), &where));
  EXPECT_EQ(where.a_pixel, 0u);
  EXPECT_EQ(where.a_channel, 0u);
  EXPECT_EQ(where.b_pixel, 0u);
  EXPECT_EQ(where.b_channel, 7u);
  // Channels that run past the pixel stride reach the next pixel's first
  // channels.
  ASSERT_TRUE(pw::tensors_share_element(at(0, 50, 16, 4), at(56, 50, 16, 3), &where));
  EXPECT_EQ(where.a_pixel, 1u);
  EXPECT_EQ(where.a_channel, 0u);
  EXPECT_EQ(where.b_pixel, 0u);
  EXPECT_EQ(where.b_channel, 2u);
}

TEST(TensorOverlap, DifferentStridesAreDecidedExactly) {
  // Pixels 8 floats apart using 2, against pixels 6 floats apart using 2 from
  // float 4: the second's pixels 0 and 1 fall in the first's free floats (4-5,
  // 10-11), its pixel 2 (floats 16-17) on the first's pixel 2.
  shared_element where{};
  ASSERT_TRUE(pw::tensors_share_element(at(0, 10, 8, 2), at(16, 10, 6, 2), &where));
  EXPECT_EQ(where.a_pixel, 2u);
  EXPECT_EQ(where.a_channel, 0u);
  EXPECT_EQ(where.b_pixel, 2u);
  EXPECT_EQ(where.b_channel, 0u);
  // The second 2 floats in, its pixels 8 floats apart too: always in the free
  // floats.
  EXPECT_FALSE(pw::tensors_share_element(at(0, 10, 8, 2), at(8, 10, 8, 2), nullptr));
  // Interleaved: strides 6 and 3, channels 0-1 of every sixth float against
  // float 2 of every third: disjoint.
  EXPECT_FALSE(pw::tensors_share_element(at(0, 10, 6, 2), at(8, 20, 3, 1), nullptr));
}

TEST(TensorOverlap, EmptyTensorsShareNothing) {
  EXPECT_FALSE(pw::tensors_share_element(at(0, 0, 4, 4), at(0, 5, 4, 4), nullptr));
  EXPECT_FALSE(pw::tensors_share_element(at(0, 5, 4, 4), at(0, 0, 4, 4), nullptr));
}

}  // namespace
