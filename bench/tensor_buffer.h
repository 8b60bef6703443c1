// The benchmark's tensors (inputs and outputs of every library's rows): one allocation
// policy for all, 64-byte aligned as frameworks allocate tensors. With the heap's
// 16-byte alignment, where a tensor landed depended on what ran before, and at an
// address 16 bytes past a cache line every vector store of every library split a line.
#pragma once

#include <cstddef>
#include <cstdlib>
#include <new>
#include <vector>

namespace pw_bench {

template <class T>
struct cache_line_allocator {
  using value_type = T;
  static constexpr size_t kAlignment = 64;

  cache_line_allocator() = default;
  template <class U>
  cache_line_allocator(const cache_line_allocator<U>&) {}

  T* allocate(size_t count) {
    if (count > (SIZE_MAX - kAlignment) / sizeof(T)) throw std::bad_alloc();
    const size_t bytes = (count * sizeof(T) + kAlignment - 1) / kAlignment * kAlignment;
    void* memory = std::aligned_alloc(kAlignment, bytes == 0 ? kAlignment : bytes);
    if (memory == nullptr) throw std::bad_alloc();
    return static_cast<T*>(memory);
  }
  void deallocate(T* pointer, size_t) { std::free(pointer); }

  template <class U>
  bool operator==(const cache_line_allocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const cache_line_allocator<U>&) const { return false; }
};

template <class T>
using tensor_buffer = std::vector<T, cache_line_allocator<T>>;

}  // namespace pw_bench
