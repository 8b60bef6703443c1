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

namespace pw_bench {

const char* peak_kind_name(peak_kind kind);     // "sse", "avx2", "avx512", "neon", "portable"
bool peak_kind_runs_here(peak_kind kind);        // compiled in and the CPU (and OS) has it
std::vector<peak_kind> runnable_peak_kinds();    // best last
peak_kind peak_kind_for(pw_isa variant);         // the loop that bounds a variant (scalar: the baseline ISA)
peak_kind best_peak_kind();                      // what the peers (all AVX-512 / AVX2 code) are held to

// Runs the peak loop of `kind` on `threads` threads at once for about `seconds` and
// returns their summed rate in flop/s, each thread timed by its own CPU time (the
// ceiling of a core while it runs, whatever else the machine is doing).
double measure_peak(peak_kind kind, size_t threads, double seconds);

// The canary: the best of four 0.5 ms bursts, run before and after each measured batch.
double canary_peak(peak_kind kind, size_t threads);

// Reads `bytes_per_thread` bytes on each of `threads` threads `passes` times and
// returns bytes read per second (sum over threads).
double measure_read_bandwidth(size_t threads, size_t bytes_per_thread, int passes);

// The CPU time of the calling thread, in seconds.
double thread_cpu_seconds();

}  // namespace pw_bench
