# Cross build for AArch64 Linux with Debian's g++-aarch64-linux-gnu, the arm64
# multiarch -dev packages (/usr/lib/aarch64-linux-gnu) and qemu-user to run the tests:
#   cmake -S . -B build/aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# .ci/test.d/40-aarch64.sh does this end to end (packages included).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# /usr/aarch64-linux-gnu holds the cross glibc and libstdc++; "/" reaches the multiarch
# packages (/usr/lib/aarch64-linux-gnu/cmake/..., /usr/include) and any prefix under
# the build tree named in CMAKE_PREFIX_PATH.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
# Programs (cmake, ninja, ...) are the host's; everything linked is the target's.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests (and gtest_discover_tests) run through qemu. -E LD_LIBRARY_PATH makes the
# emulated loader take the cross glibc for every library: without it the host's
# libraries mix in and the first pthread_create hangs forever.
set(CMAKE_CROSSCOMPILING_EMULATOR
    qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)
