// Flush-to-zero / denormals-are-zero for the current thread, restored on scope exit.
#pragma once

namespace pw {

class denormal_flush_scope {
 public:
  // Writing the mode register is slow (ldmxcsr serialises), so a scope whose thread
  // already flushes (a caller or a host pool that set FTZ and DAZ) writes nothing.
  explicit denormal_flush_scope(bool enable) : changed_(false), saved_mode_(0) {
    if (enable) enter();
  }
  ~denormal_flush_scope() {
    if (changed_) leave();
  }
  denormal_flush_scope(const denormal_flush_scope&) = delete;
  denormal_flush_scope& operator=(const denormal_flush_scope&) = delete;

 private:
  void enter();
  void leave();

  bool changed_;
  unsigned long saved_mode_;
};

}  // namespace pw
