#!/usr/bin/env bash
# Builds and runs every test of pointwise: the README's test command, and what CI runs.
# Each stage in .ci/test.d installs the Debian packages it needs, then runs; the
# script stops at the first stage that fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
need_packages "${BASE_PACKAGES[@]}"

start=$(date +%s)
export PW_TEST_COUNTS
PW_TEST_COUNTS=$(mktemp)
trap 'rm -f "$PW_TEST_COUNTS"' EXIT
for stage in .ci/test.d/*.sh; do
  echo
  echo "==== $(basename "$stage" .sh) ($(( $(date +%s) - start )) s so far)"
  bash "$stage"
done
echo
echo "==== all test stages passed in $(( $(date +%s) - start )) s"
# The closing line: every test each stage counted (ctest runs, pytest, install checks).
awk '{ p += $1; f += $2; s += $3 } END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$PW_TEST_COUNTS"
