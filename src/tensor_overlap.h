// Whether two NHWC tensors share a memory element, decided element by element:
// two channel ranges of the same pixels in one buffer (DenseNet writes a
// layer's output into the channels after its input) do not overlap, however
// close their addresses.
#pragma once

#include <cstddef>
#include <cstdint>

namespace pw {

// `pixels` pixels `pixel_stride` elements apart, each using its first `channels`
// elements of `element_bytes` bytes. The caller has checked that the span from
// `base` to the end of the last pixel's channels fits in the address space, and
// that channels <= pixel_stride.
struct tensor_layout {
  const void* base;
  size_t pixels;
  size_t pixel_stride;
  size_t channels;
  size_t element_bytes = sizeof(float);
};

// One element that two tensors share: a's pixel and channel, and b's.
struct shared_element {
  size_t a_pixel, a_channel;
  size_t b_pixel, b_channel;
};

// True when some byte belongs to an element of `a` and to an element of `b`;
// then *where, unless nullptr, names one such pair (elements that straddle each other
// count too).
// Exact: equal pixel strides take constant time, different ones a walk over the
// pixels of `b` inside the address range of `a`.
bool tensors_share_element(const tensor_layout& a, const tensor_layout& b, shared_element* where);

}  // namespace pw
