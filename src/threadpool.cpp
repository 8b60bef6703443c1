// pw_threadpool: pthreadpool or a host parallel-for behind run_tasks, and the C API that makes them.
#include "threadpool.h"

#include <pthread.h>
#include <pthreadpool.h>
#include <sched.h>
#include <unistd.h>

#include <new>
#include <vector>

namespace pw {

void run_on_pool(pw_threadpool* pool, pw_task_fn task, void* context, size_t count) {
  if (pool->parallel_for != nullptr) {
    pool->parallel_for(pool->user_context, task, context, count);
    return;
  }
  // pthreadpool's task type has the same shape as pw_task_fn.
  pthreadpool_parallelize_1d(pool->pool, reinterpret_cast<pthreadpool_task_1d_t>(task), context, count,
                             pool->pthreadpool_flags);
}

size_t usable_cpu_count() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    const int count = CPU_COUNT(&set);
    if (count > 0) return static_cast<size_t>(count);
  }
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  return online > 0 ? static_cast<size_t>(online) : 1;
}

namespace {

struct start_gate {
  pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t opened = PTHREAD_COND_INITIALIZER;
  bool open = false;
};

void* wait_at_gate(void* opaque) {
  start_gate& gate = *static_cast<start_gate*>(opaque);
  pthread_mutex_lock(&gate.mutex);
  while (!gate.open) pthread_cond_wait(&gate.opened, &gate.mutex);
  pthread_mutex_unlock(&gate.mutex);
  return nullptr;
}

}  // namespace

bool can_start_threads(size_t threads) {
  if (threads <= 1) return true;
  std::vector<pthread_t> started;
  try {
    started.reserve(threads - 1);
  } catch (...) {
    return false;
  }
  start_gate gate;
  bool all_started = true;
  // Default attributes, as pthreadpool uses: the same stack size, the same limits.
  for (size_t i = 1; i < threads && all_started; ++i) {
    pthread_t thread;
    if (pthread_create(&thread, nullptr, wait_at_gate, &gate) == 0)
      started.push_back(thread);
    else
      all_started = false;
  }
  pthread_mutex_lock(&gate.mutex);
  gate.open = true;
  pthread_cond_broadcast(&gate.opened);
  pthread_mutex_unlock(&gate.mutex);
  for (pthread_t thread : started) pthread_join(thread, nullptr);
  return all_started;
}

}  // namespace pw

extern "C" {

pw_threadpool* pw_threadpool_create(size_t threads) {
  const size_t wanted = threads == 0 ? pw::usable_cpu_count() : threads;
  if (!pw::can_start_threads(wanted)) return nullptr;
  pthreadpool_t pool = pthreadpool_create(wanted);
  if (pool == nullptr) return nullptr;
  const size_t created = pthreadpool_get_threads_count(pool);
  // More threads than CPUs: a worker that spins while waiting for the next call
  // keeps a CPU from the workers still computing this one, so workers sleep at once.
  const uint32_t flags = created > pw::usable_cpu_count() ? PTHREADPOOL_FLAG_YIELD_WORKERS : 0;
  pw_threadpool* wrapper = new (std::nothrow) pw_threadpool{pool, nullptr, nullptr, created, flags};
  if (wrapper == nullptr) pthreadpool_destroy(pool);
  return wrapper;
}

pw_threadpool* pw_threadpool_create_custom(pw_parallel_for_fn parallel_for, void* user_context, size_t threads) {
  if (parallel_for == nullptr) return nullptr;
  return new (std::nothrow) pw_threadpool{nullptr, parallel_for, user_context, threads == 0 ? 1 : threads, 0};
}

void pw_threadpool_destroy(pw_threadpool* pool) {
  if (pool == nullptr) return;
  if (pool->pool != nullptr) pthreadpool_destroy(pool->pool);
  delete pool;
}

size_t pw_threadpool_threads(const pw_threadpool* pool) { return pw::threads_of(pool); }

}  // extern "C"
