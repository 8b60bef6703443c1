// pw_threadpool: pthreadpool, or a host's parallel-for, behind one call.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pointwise/pointwise.h"

struct pthreadpool;

struct pw_threadpool {
  pthreadpool* pool;                // nullptr for a custom pool
  pw_parallel_for_fn parallel_for;  // nullptr for a pthreadpool
  void* user_context;
  size_t threads;
  uint32_t pthreadpool_flags;  // passed to every pthreadpool call
};

namespace pw {

// pw_threadpool_threads without the call through the exported symbol.
inline size_t threads_of(const pw_threadpool* pool) { return pool == nullptr ? 1 : pool->threads; }

// Calls task(context, i) for every i < count on the pool's threads (run_on_pool).
void run_on_pool(pw_threadpool* pool, pw_task_fn task, void* context, size_t count);

// Calls task(context, i) for every i < count, on the pool's threads, or inline when
// pool is nullptr, single-threaded, or count is 1: then the pool is not touched.
inline void run_tasks(pw_threadpool* pool, pw_task_fn task, void* context, size_t count) {
  if (threads_of(pool) <= 1 || count <= 1) {
    for (size_t i = 0; i < count; ++i) task(context, i);
    return;
  }
  run_on_pool(pool, task, context, count);
}

// How many CPUs this process may run on (its affinity mask), at least 1.
size_t usable_cpu_count();

// Whether `threads` threads can exist at once besides the caller's: starts
// threads - 1 threads that wait until all are up, then lets them finish and joins
// them. pthreadpool_create ignores a failed pthread_create and then waits forever
// for the missing thread, so the pool is only created after this succeeds.
bool can_start_threads(size_t threads);

}  // namespace pw
