// The int stored in a C enum field. A C caller may store any int in a pw_isa or a
// pw_weight_layout; in C++ reading such a value as the enum type is undefined (and
// UBSan's -fsanitize=enum reports it), so validation reads the bytes as an int.
#pragma once

#include <cstring>

namespace pw {

template <typename Enum>
int enum_value(const Enum& field) {
  static_assert(sizeof(Enum) == sizeof(int), "the C API's enums are int-sized");
  int value;
  std::memcpy(&value, &field, sizeof value);
  return value;
}

}  // namespace pw
