#include "threadpool.h"

#include <pthreadpool.h>

#include <new>

namespace pw {

void run_tasks(pw_threadpool* pool, pw_task_fn task, void* context, size_t count) {
  if (pool == nullptr || pool->threads <= 1 || count <= 1) {
    for (size_t i = 0; i < count; ++i) task(context, i);
    return;
  }
  if (pool->parallel_for != nullptr) {
    pool->parallel_for(pool->user_context, task, context, count);
    return;
  }
  // pthreadpool's task type has the same shape as pw_task_fn.
  pthreadpool_parallelize_1d(pool->pool, reinterpret_cast<pthreadpool_task_1d_t>(task), context, count, 0);
}

}  // namespace pw

extern "C" {

pw_threadpool* pw_threadpool_create(size_t threads) {
  pthreadpool_t pool = pthreadpool_create(threads);
  if (pool == nullptr) return nullptr;
  pw_threadpool* wrapper = new (std::nothrow) pw_threadpool{pool, nullptr, nullptr, pthreadpool_get_threads_count(pool)};
  if (wrapper == nullptr) pthreadpool_destroy(pool);
  return wrapper;
}

pw_threadpool* pw_threadpool_create_custom(pw_parallel_for_fn parallel_for, void* user_context, size_t threads) {
  if (parallel_for == nullptr) return nullptr;
  return new (std::nothrow) pw_threadpool{nullptr, parallel_for, user_context, threads == 0 ? 1 : threads};
}

void pw_threadpool_destroy(pw_threadpool* pool) {
  if (pool == nullptr) return;
  if (pool->pool != nullptr) pthreadpool_destroy(pool->pool);
  delete pool;
}

size_t pw_threadpool_threads(const pw_threadpool* pool) { return pool == nullptr ? 1 : pool->threads; }

}  // extern "C"
