#!/usr/bin/env bash
# Uses pointwise the way another project would: installs it into a temporary prefix,
# moves the tree (relocatable), builds the C example against it through
# find_package and through pkg-config, checks the exports, does the same for a static
# build, then runs the Python binding's tests against the installed package, with
# PyTorch (python3-torch) for the tests that take torch tensors.
set -euo pipefail
source .ci/lib.sh
need_packages "${BASE_PACKAGES[@]}" python3 python3-numpy python3-pytest python3-torch binutils
PYTHON=/usr/bin/python3   # Debian's, with python3-numpy and python3-torch (not whatever python3 is first on PATH)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
checks=0
check() {  # check DESCRIPTION COMMAND...: runs the command, fails the stage if it fails
  local what=$1
  shift
  if ! "$@" >"$work/check.log" 2>&1; then
    echo "FAILED: $what"
    cat "$work/check.log"
    exit 1
  fi
  checks=$((checks + 1))
  echo "   ok: $what"
}
expected_output=$'5 11 17\n23 29 35\n41 47 53'
runs_worked_example() {  # runs_worked_example BINARY: the worked example's numbers, exit 0
  local output
  output=$("$1") || return 1
  [ "$(printf '%s\n' "$output" | head -3)" = "$expected_output" ] || { echo "$output"; return 1; }
  printf '%s\n' "$output" | tail -1
}
exports_only_pw() {  # every dynamic symbol the library defines starts with pw_
  local symbols
  symbols=$(nm -D --defined-only "$1" | awk '{print $NF}')
  [ -n "$symbols" ] || return 1
  ! printf '%s\n' "$symbols" | grep -v '^pw_'
}
soname_is() { readelf -d "$1" | grep -q "Library soname: \[$2\]"; }
links_no_shared_pointwise() { ! readelf -d "$1" | grep -q 'libpointwise'; }
version_compatible() {  # version_compatible CONFIGDIR WANTED EXPECTED(TRUE|FALSE)
  cat >"$work/version.cmake" <<CMAKE
set(PACKAGE_FIND_VERSION "$2")
string(REPLACE "." ";" parts "$2.0.0")
list(GET parts 0 PACKAGE_FIND_VERSION_MAJOR)
list(GET parts 1 PACKAGE_FIND_VERSION_MINOR)
list(GET parts 2 PACKAGE_FIND_VERSION_PATCH)
set(CMAKE_SIZEOF_VOID_P 8)
include("$1/pointwiseConfigVersion.cmake")
if(NOT "\${PACKAGE_VERSION_COMPATIBLE}" STREQUAL "$3")
  message(FATAL_ERROR "$2: compatible=\${PACKAGE_VERSION_COMPATIBLE}, want $3")
endif()
CMAKE
  cmake -P "$work/version.cmake"
}
build_cmake_example() {  # build_cmake_example PREFIX BUILDDIR
  cmake -S examples/cmake -B "$2" -DCMAKE_PREFIX_PATH="$1" -DCMAKE_C_FLAGS="-Werror -Wall -Wextra" &&
    cmake --build "$2"
}
build_pkg_config_example() {  # build_pkg_config_example PREFIX OUTPUT [--static]
  local pc="$1/lib/pkgconfig"
  # shellcheck disable=SC2046
  cc -std=c99 -pedantic -Wall -Wextra -Werror examples/c/worked_example.c -o "$2" \
    $(PKG_CONFIG_PATH="$pc" pkg-config ${3:-} --cflags --libs pointwise) \
    -Wl,-rpath,"$(PKG_CONFIG_PATH="$pc" pkg-config --variable=libdir pointwise)"
}

# -- shared library: reuse the native stage's build when there is one
if [ -f build/native/CMakeCache.txt ]; then
  build=build/native
else
  build=build/install-test
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-Werror" -DCMAKE_C_FLAGS="-Werror" \
    -DPOINTWISE_BUILD_TESTS=OFF -DPOINTWISE_BUILD_BENCHMARKS=OFF >/dev/null
fi
echo "-- shared library from $build"
cmake --build "$build" -j"$JOBS" >/dev/null
cmake --install "$build" --prefix "$work/staging" >/dev/null
mv "$work/staging" "$work/prefix"   # installed in one place, used from another
prefix="$work/prefix"
(cd "$prefix" && find . -type f -o -type l | sort | sed 's/^/     /')

# The version is the installed header's; the SONAME names the ABI, which before 1.0
# changes with the minor version (libpointwise.so.0.2), and from 1.0 on with the major.
header="$prefix/include/pointwise/pointwise.h"
version_part() { sed -n "s/^#define POINTWISE_VERSION_$1 \([0-9]*\)$/\1/p" "$header"; }
major=$(version_part MAJOR) minor=$(version_part MINOR) patch=$(version_part PATCH)
version="$major.$minor.$patch"
if [ "$major" -eq 0 ]; then abi="$major.$minor"; else abi="$major"; fi
library="libpointwise.so.$version"
soname="libpointwise.so.$abi"
check "libpointwise.so.$version (the header's version) is installed" test -f "$prefix/lib/$library"
check "$library has SONAME $soname" soname_is "$prefix/lib/$library" "$soname"
check "$soname -> $library" test "$(readlink "$prefix/lib/$soname")" = "$library"
check "libpointwise.so -> $soname" test "$(readlink "$prefix/lib/libpointwise.so")" = "$soname"
check "installed library exports only pw_*" exports_only_pw "$prefix/lib/$library"
check "header, CMake package and pkg-config file" test -f "$prefix/include/pointwise/pointwise.h" \
  -a -f "$prefix/lib/cmake/pointwise/pointwiseConfig.cmake" -a -f "$prefix/lib/pkgconfig/pointwise.pc"
check "package version $version satisfies $major.$minor" version_compatible "$prefix/lib/cmake/pointwise" "$major.$minor" TRUE
check "package version $version refuses $((major + 1)).0" version_compatible "$prefix/lib/cmake/pointwise" "$((major + 1)).0" FALSE
check "package version $version refuses $major.$((minor + 1))" \
  version_compatible "$prefix/lib/cmake/pointwise" "$major.$((minor + 1))" FALSE
if [ "$major" -eq 0 ] && [ "$minor" -gt 0 ]; then
  check "package version $version refuses 0.$((minor - 1)) (SameMinorVersion: each 0.x ABI is its own)" \
    version_compatible "$prefix/lib/cmake/pointwise" "0.$((minor - 1))" FALSE
fi
if [ -f src/tools/CMakeLists.txt ]; then
  check "installed pointwise-info runs from the moved prefix" \
    bash -c "'$prefix/bin/pointwise-info' --in 8 --out 4 --height 3 --width 3 | grep -q PW_ISA_AUTO"
fi
check "C example builds through find_package(pointwise CONFIG)" build_cmake_example "$prefix" "$work/example-cmake"
check "... and prints the worked example" runs_worked_example "$work/example-cmake/worked_example"
check "C example builds through pkg-config" build_pkg_config_example "$prefix" "$work/example-pc"
check "... and prints the worked example" runs_worked_example "$work/example-pc"

# -- static library: its own (library-only) build
static_build=build/install-static
echo "-- static library from $static_build"
cmake -S . -B "$static_build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_CXX_FLAGS="-Werror" -DCMAKE_C_FLAGS="-Werror" \
  -DPOINTWISE_BUILD_TESTS=OFF -DPOINTWISE_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$static_build" -j"$JOBS" >/dev/null
cmake --install "$static_build" --prefix "$work/static" >/dev/null
check "static install: libpointwise.a, no shared library" test -f "$work/static/lib/libpointwise.a" \
  -a ! -e "$work/static/lib/libpointwise.so"
check "static install: no Python package (ctypes needs the shared library)" \
  test ! -e "$work/static/lib/python3/dist-packages/pointwise"
check "static C example builds through find_package" build_cmake_example "$work/static" "$work/static-cmake"
check "... links libpointwise.a, runs the worked example" \
  bash -c "! readelf -d '$work/static-cmake/worked_example' | grep -q libpointwise && \
           [ \"\$('$work/static-cmake/worked_example' | head -3)\" = '$expected_output' ]"
check "static C example builds through pkg-config --static" build_pkg_config_example "$work/static" "$work/static-pc" --static
check "... links libpointwise.a statically" links_no_shared_pointwise "$work/static-pc"
check "... and prints the worked example" runs_worked_example "$work/static-pc"
echo "-- install checks: $checks passed"

# -- Python: the installed package, which must find the installed library by itself
echo "-- Python binding tests against $prefix"
pytest_log="$work/pytest.log"
set +e
env -u POINTWISE_LIBRARY PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$prefix/lib/python3/dist-packages" \
  POINTWISE_TEST_INSTALL_PREFIX="$prefix" \
  "$PYTHON" -m pytest bindings/python/tests -q -p no:cacheprovider -rs >"$pytest_log" 2>&1
status=$?
set -e
if [ $status -ne 0 ]; then
  cat "$pytest_log"
else
  # Which variants ran, and why the others were skipped (once per variant).
  grep -E "^SKIPPED" "$pytest_log" | sed -E 's/^SKIPPED \[([0-9]+)\] [^:]+:[0-9]+: /   \1 skipped: /' || true
fi
echo "-- Python tests: $(tail -1 "$pytest_log" | sed -E 's/^=+ //; s/ =+$//')"
summary=$(tail -1 "$pytest_log")
count_of() { echo "$summary" | grep -o -E "[0-9]+ $1" | grep -o -E "^[0-9]+" || echo 0; }
report_counts $(( checks + $(count_of passed) )) $(( $(count_of failed) + $(count_of error) )) $(count_of skipped)
exit $status
