# Helpers shared by the README's two commands and their stages.

# need_packages PKG...: installs the Debian packages that are missing (as root).
need_packages() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "== installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
}

# The packages every build of the library, its tests and benchmarks needs.
BASE_PACKAGES=(build-essential cmake pkg-config libxsimd-dev libcpu-features-dev libpthreadpool-dev
               libgtest-dev libbenchmark-dev)

JOBS=$(nproc 2>/dev/null || echo 2)

# report_counts PASSED FAILED SKIPPED: a stage's test counts, summed by .ci/test.sh
# into the closing line.
report_counts() {
  echo "-- stage counts: $1 passed, $2 failed, $3 skipped"
  [ -n "${PW_TEST_COUNTS:-}" ] && echo "$1 $2 $3" >>"$PW_TEST_COUNTS"
  return 0
}

# ctest_counts LOG: "passed failed skipped" from a ctest log with its progress lines.
ctest_counts() {
  local passed failed skipped
  passed=$(grep -c -E "Test +#[0-9]+: .* Passed" "$1" || true)
  failed=$(grep -c -E "Test +#[0-9]+: .*\*\*\*(Failed|Timeout|Exception)|Test +#[0-9]+: .*(SEGFAULT|Subprocess aborted|Not Run)" "$1" || true)
  skipped=$(grep -c -E "Test +#[0-9]+: .*\*\*\*Skipped" "$1" || true)
  echo "$passed $failed $skipped"
}
