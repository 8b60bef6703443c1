#include "machine_load.h"

#include <cstdio>
#include <cstring>

namespace pw_bench {

int other_runnable_threads() {
  std::FILE* stat = std::fopen("/proc/stat", "r");
  if (stat == nullptr) return -1;
  char line[256];
  int running = -1;
  while (std::fgets(line, sizeof line, stat) != nullptr) {
    if (std::strncmp(line, "procs_running ", 14) == 0) {
      if (std::sscanf(line + 14, "%d", &running) != 1) running = -1;
      break;
    }
  }
  std::fclose(stat);
  return running < 1 ? -1 : running - 1;
}

}  // namespace pw_bench
