// pw_threadpool: pthreadpool, or a host's parallel-for, behind one call.
#pragma once

#include <cstddef>

#include "pointwise/pointwise.h"

struct pthreadpool;

struct pw_threadpool {
  pthreadpool* pool;                  // nullptr for a custom pool
  pw_parallel_for_fn parallel_for;    // nullptr for a pthreadpool
  void* user_context;
  size_t threads;
};

namespace pw {

// Calls task(context, i) for every i < count, on the pool's threads (or inline when
// pool is nullptr, single-threaded, or count is 1).
void run_tasks(pw_threadpool* pool, pw_task_fn task, void* context, size_t count);

}  // namespace pw
