// pw_threadpool_create: a pool that cannot get its threads is NULL, in bounded
// time and without leaving a thread behind; a pool with more threads than CPUs
// does not make a run thousands of times slower than one thread.
#include <dirent.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "pointwise/pointwise.h"
#include "threadpool.h"

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kUnderSanitizer = true;
#else
constexpr bool kUnderSanitizer = false;
#endif

size_t threads_in_process() {
  size_t count = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir))
      if (entry->d_name[0] != '.') ++count;
    closedir(dir);
  }
  return count;
}

// Runs `body` in a child process that SIGALRM kills after `seconds`; returns
// the child's exit status, or 128 + the signal that ended it.
int in_child(const std::function<int()>& body, unsigned seconds) {
  std::fflush(nullptr);
  const pid_t child = fork();
  if (child == 0) {
    alarm(seconds);
    _exit(body());
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// 0: NULL, and the process has as many threads as before (one, or more under qemu,
// which has threads of its own); 1: a pool; 2: threads left behind.
int create_expecting_null(size_t threads) {
  const size_t threads_before = threads_in_process();
  pw_threadpool* pool = pw_threadpool_create(threads);
  if (pool != nullptr) {
    pw_threadpool_destroy(pool);
    return 1;
  }
  return threads_in_process() == threads_before ? 0 : 2;
}

TEST(ThreadpoolCreate, NullWhenNoThreadCanStart) {
  // Every thread stack (default attributes, as pthreadpool uses) larger than any
  // address space (2^62 bytes, also under qemu): the first pthread_create fails.
  const int status = in_child(
      [] {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, size_t{1} << 62);
        if (pthread_setattr_default_np(&attr) != 0) return 3;
        return create_expecting_null(4);
      },
      30);
  EXPECT_EQ(status, 0) << "0: NULL; 1: a pool; 2: threads left behind; 3: "
                          "setup failed; 142: hung (SIGALRM)";
}

TEST(ThreadpoolCreate, NullWhenOnlySomeThreadsCanStart) {
  // `ulimit -v` 300 MB above what the process maps: a few dozen 8 MiB stacks
  // fit, 499 do not. Sanitizers reserve terabytes of shadow memory up front.
  if (kUnderSanitizer) GTEST_SKIP() << "an address-space limit does not work under a sanitizer";
  // qemu-user keeps RLIMIT_AS for itself (it would break the emulator's own mappings).
  if (std::getenv("POINTWISE_TEST_EMULATED") != nullptr) GTEST_SKIP() << "qemu-user does not apply RLIMIT_AS";
  const int status = in_child(
      [] {
        long pages = 0;
        if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
          if (std::fscanf(statm, "%ld", &pages) != 1) pages = 0;
          std::fclose(statm);
        }
        if (pages <= 0) return 3;
        const rlim_t limit = static_cast<rlim_t>(pages) * sysconf(_SC_PAGESIZE) + (rlim_t{300} << 20);
        const rlimit address_space{limit, limit};
        if (setrlimit(RLIMIT_AS, &address_space) != 0) return 3;
        const int result = create_expecting_null(500);
        if (result != 0) return result;
        // What the failed attempt started is gone: a small pool still fits.
        pw_threadpool* pool = pw_threadpool_create(2);
        if (pool == nullptr) return 4;
        pw_threadpool_destroy(pool);
        return 0;
      },
      60);
  EXPECT_EQ(status, 0) << "0: NULL; 1: a pool; 2: threads left behind; 3: setup failed; 4: "
                          "resources leaked; 142: hung (SIGALRM)";
}

TEST(ThreadpoolCreate, ZeroMeansOnePerUsableCpu) {
  pw_threadpool* pool = pw_threadpool_create(0);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(pw_threadpool_threads(pool), pw::usable_cpu_count());
  pw_threadpool_destroy(pool);
}

TEST(ThreadpoolCreate, WorkersSleepAtOnceOnlyWhenThereAreMoreThreadsThanCpus) {
  const size_t cpus = pw::usable_cpu_count();
  pw_threadpool* fitting = pw_threadpool_create(cpus);
  pw_threadpool* oversubscribed = pw_threadpool_create(cpus + 1);
  ASSERT_NE(fitting, nullptr);
  ASSERT_NE(oversubscribed, nullptr);
  EXPECT_EQ(fitting->pthreadpool_flags, 0u) << "workers of a pool that fits the CPUs spin for the next call";
  EXPECT_NE(oversubscribed->pthreadpool_flags, 0u) << "spinning workers of an oversubscribed pool starve the others";
  pw_threadpool_destroy(fitting);
  pw_threadpool_destroy(oversubscribed);
}

// Median seconds per run of a 28x28 64->64 layer on `pool`.
double seconds_per_run(pw_threadpool* pool) {
  const size_t pixels = 28 * 28, channels = 64;
  std::vector<float> input(pixels * channels, 1.0f), output(pixels * channels), weights(channels * channels, 0.5f);
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, channels, channels);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, weights.data(), nullptr, &conv) != PW_OK) return -1;
  std::vector<double> times;
  for (int run = 0; run < 11; ++run) {
    const auto start = std::chrono::steady_clock::now();
    if (pw_conv_run(conv, 1, 28, 28, input.data(), 0, output.data(), 0, nullptr, 0, pool) != PW_OK) return -1;
    times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  pw_conv_destroy(conv);
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

TEST(ThreadpoolCreate, OversubscribedPoolIsNotThousandsOfTimesSlower) {
  // 64 spinning workers on 2 CPUs took 0.4 s a run against 0.03 ms on one
  // thread.
  const size_t threads = std::max<size_t>(64, 8 * pw::usable_cpu_count());
  pw_threadpool* pool = pw_threadpool_create(threads);
  ASSERT_NE(pool, nullptr);
  const double one_thread = seconds_per_run(nullptr);
  const double many_threads = seconds_per_run(pool);
  pw_threadpool_destroy(pool);
  ASSERT_GT(one_thread, 0.0);
  ASSERT_GT(many_threads, 0.0);
  EXPECT_LT(many_threads, 0.02 + 100 * one_thread)
      << threads << " threads: " << many_threads * 1e3 << " ms a run; one thread: " << one_thread * 1e3 << " ms";
}

}  // namespace
