// The ceilings every row is divided by, measured while the benchmark runs: a short
// burst of a peak loop (the "canary") on as many threads as the row uses, and the
// memory read bandwidth. The host of this machine halves a core's AVX-512
// throughput for seconds at a time and its clock drifts, so a peak measured once at
// start-up would not describe the moment a kernel ran.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "peak.h"
#include "pointwise/pointwise.h"
#include "precision.h"

namespace pw_bench {

// The peak loops of the built variants this CPU runs, best last (the portable loop
// only where no SIMD loop runs).
std::vector<const peak_loop*> runnable_peak_loops();
// The loop that bounds a variant: its row's; for the portable (scalar) variant, which
// the compiler vectorises for the baseline ISA, the least of the runnable loops.
const peak_loop* peak_loop_for(pw_isa variant);
// What a peer at precision `p` is held to: for fp32 math the loop of the best variant
// doing fp32 math (AVX-512 / AVX2 FMA), for bf16 math the loop of the best variant of
// all (the bf16 dot-product engine where there is one).
const peak_loop* peer_peak_loop(precision p);

// Runs the peak loop of `kind` on `threads` threads at once for about `seconds` and
// returns their summed rate in flop/s, each thread timed by its own CPU time (the
// ceiling of a core while it runs, whatever else the machine is doing).
double measure_peak(const peak_loop* loop, size_t threads, double seconds);

// The canary: the best of four 0.5 ms bursts, run before and after each measured batch.
double canary_peak(const peak_loop* loop, size_t threads);

// Reads `bytes_per_thread` bytes on each of `threads` threads `passes` times, with the
// widest loads of the best peak loop this CPU runs (bench/read_bandwidth.h), and
// returns bytes read per second (sum over threads).
double measure_read_bandwidth(size_t threads, size_t bytes_per_thread, int passes);

// The CPU time of the calling thread, in seconds.
double thread_cpu_seconds();

}  // namespace pw_bench
