// How busy the rest of the machine is: the benchmark shares its cores with whatever
// else runs, and a row on several threads waits for every one of them.
#pragma once

namespace pw_bench {

// Runnable threads on the machine besides the caller (Linux: procs_running in
// /proc/stat, minus one); -1 where that is not known.
int other_runnable_threads();

}  // namespace pw_bench
