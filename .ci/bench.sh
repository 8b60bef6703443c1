#!/usr/bin/env bash
# The main job: builds pointwise (Release) with its benchmark and the peers it is
# compared with, runs every variant this CPU supports at each precision (fp32, bf16
# math on fp32 tensors, bf16 tensors) over the default suites on one thread and on all
# cores, with each variant's kernel alone on every layer's shapes on one thread, and
# reports.
#   out/bench.json   Google Benchmark's JSON (every repetition, with the context)
#   out/bench.txt    the tables printed below (fp32; then fp32 vs bf16; then kernel alone vs layer)
#   out/bench.png    the chart: GFLOP/s per layer, a bar per variant, precision and peer, the peak
# Environment: BENCH_FILTER (a --benchmark_filter regex, default: everything),
# BENCH_PRECISIONS (default fp32,bf16math,bf16), BENCH_MIN_TIME (seconds per batch,
# default 0.03: every precision's rows at 0.05 took the whole 10 minutes), BENCH_REPETITIONS (default 3), POINTWISE_ISA (what the "auto" rows
# run), BENCH_BUILD_DIR (default build/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
source .ci/lib.sh
# libdnnl-dev only recommends ocl-icd-opencl-dev, but its CMake package needs OpenCL.
need_packages "${BASE_PACKAGES[@]}" libdnnl-dev ocl-icd-opencl-dev libxnnpack-dev libopenblas-dev python3-matplotlib

start=$(date +%s)
build=${BENCH_BUILD_DIR:-build/bench}
echo "== building (Release) in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DPOINTWISE_BUILD_TESTS=OFF -DPOINTWISE_BUILD_BENCHMARKS=ON \
  | grep -E "variants|peers" || true
cmake --build "$build" -j"$JOBS" --target pointwise_bench pointwise-info >/dev/null
echo "== built in $(( $(date +%s) - start )) s"
"$build/src/tools/pointwise-info" | sed -n '1,/PW_ISA_AUTO/p'

# OpenBLAS 0.3.21 does not know this CPU model and would fall back to its SSE3
# (Prescott) kernels: name the core that matches the CPU, for the benchmark only.
if grep -q -w avx512f /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=SkylakeX
elif grep -q -w avx2 /proc/cpuinfo; then
  export OPENBLAS_CORETYPE=Haswell
fi

mkdir -p out
precisions=${BENCH_PRECISIONS:-fp32,bf16math,bf16}
echo "== running the benchmark (precisions $precisions, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, POINTWISE_ISA=${POINTWISE_ISA:-unset})"
"$build/bench/pointwise_bench" \
  --precisions="$precisions" \
  --benchmark_filter="${BENCH_FILTER:-.}" \
  --benchmark_min_time="${BENCH_MIN_TIME:-0.03}" \
  --benchmark_repetitions="${BENCH_REPETITIONS:-3}" \
  --benchmark_out=out/bench.json --benchmark_out_format=json \
  >out/bench.console.txt 2>&1 || { tail -20 out/bench.console.txt; exit 1; }
if grep -q "Failed to match any benchmarks" out/bench.console.txt; then
  echo "BENCH_FILTER='${BENCH_FILTER:-}' matches no row; rows are [kernel_alone/]<suite>/<layer>/<variant>[:<precision>]/threads:<T>," \
    "suites: $("$build/bench/pointwise_bench" --benchmark_list_tests | sed 's#^kernel_alone/##' | cut -d/ -f1 | sort -u | tr '\n' ' ')"
  exit 1
fi
grep -E "^(peer|pointwise) " out/bench.console.txt || true
# What oneDNN picked (out/bench.console.txt has it per layer and precision): how many
# layers ran each implementation at each precision.
grep -E "^onednn " out/bench.console.txt | sed -E 's#^onednn [^/]+/[^/]+/(onednn[^ ]*): (.*)$#\1 ran \2#' \
  | sort | uniq -c | sed 's/^ */oneDNN layers: /' || true
echo "== benchmark ran in $(( $(date +%s) - start )) s so far"
/usr/bin/python3 bench/report.py out/bench.json --png out/bench.png | tee out/bench.txt
echo "== main job done in $(( $(date +%s) - start )) s: out/bench.json, out/bench.txt, out/bench.png"
