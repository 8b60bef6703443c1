// Whether two NHWC tensors share an element: see tensor_overlap.h.
#include "tensor_overlap.h"

#include <utility>

namespace pw {
namespace {

// The same tensor in bytes, relative to nothing: addresses as integers.
struct byte_layout {
  uintptr_t begin, end;  // from the first byte of pixel 0 to one past the last pixel's channels
  size_t pixels, stride, used;
  size_t element;  // bytes of one element
};

byte_layout in_bytes(const tensor_layout& t) {
  byte_layout b;
  b.begin = reinterpret_cast<uintptr_t>(t.base);
  b.pixels = t.pixels;
  b.element = t.element_bytes;
  b.stride = t.pixel_stride * t.element_bytes;
  b.used = t.channels * t.element_bytes;
  b.end = b.begin + (t.pixels - 1) * b.stride + b.used;
  return b;
}

// Whether bytes [x, x + width) of b's pixel `b_pixel` hit an element of `a`.
bool pixel_hits(const byte_layout& a, uintptr_t x, size_t width, size_t b_element, size_t b_pixel,
                shared_element* where) {
  if (x < a.begin) {
    if (x + width <= a.begin) return false;
    *where = {0, 0, b_pixel, (a.begin - x) / b_element};
    return true;
  }
  const size_t offset = x - a.begin;
  const size_t row = offset / a.stride, column = offset % a.stride;
  if (row < a.pixels && column < a.used) {
    *where = {row, column / a.element, b_pixel, 0};
    return true;
  }
  const size_t next_row = row + 1;
  if (next_row < a.pixels && next_row * a.stride < offset + width) {
    *where = {next_row, 0, b_pixel, (next_row * a.stride - offset) / b_element};
    return true;
  }
  return false;
}

// Equal strides, b starting at or after a: b's pixel p sits at the same column of
// a's row m + p, so pixel 0 decides for all.
bool same_stride_hits(const byte_layout& a, const byte_layout& b, shared_element* where) {
  const size_t offset = b.begin - a.begin;
  const size_t row = offset / a.stride, column = offset % a.stride;
  if (row < a.pixels && column < a.used) {
    *where = {row, column / a.element, 0, 0};
    return true;
  }
  // b's channels that run past the end of a's row land at the start of the next.
  if (column + b.used > a.stride && row + 1 < a.pixels) {
    *where = {row + 1, 0, 0, (a.stride - column) / b.element};
    return true;
  }
  return false;
}

bool shared_element_of(const byte_layout& a, const byte_layout& b, shared_element* where) {
  if (a.end <= b.begin || b.end <= a.begin) return false;
  if (a.stride == b.stride) {
    if (b.begin >= a.begin) return same_stride_hits(a, b, where);
    if (!same_stride_hits(b, a, where)) return false;
    std::swap(where->a_pixel, where->b_pixel);
    std::swap(where->a_channel, where->b_channel);
    return true;
  }
  // Walk b's pixels from the first that can reach a to the last that starts before a ends.
  size_t first = 0;
  if (b.begin + b.used <= a.begin) first = (a.begin - (b.begin + b.used)) / b.stride;
  for (size_t p = first; p < b.pixels; ++p) {
    const uintptr_t x = b.begin + p * b.stride;
    if (x >= a.end) break;
    if (pixel_hits(a, x, b.used, b.element, p, where)) return true;
  }
  return false;
}

}  // namespace

bool tensors_share_element(const tensor_layout& a, const tensor_layout& b, shared_element* where) {
  if (a.pixels == 0 || b.pixels == 0 || a.channels == 0 || b.channels == 0) return false;
  shared_element found{};
  if (!shared_element_of(in_bytes(a), in_bytes(b), &found)) return false;
  if (where != nullptr) *where = found;
  return true;
}

}  // namespace pw
