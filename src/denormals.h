// Flush-to-zero / denormals-are-zero for the current thread, restored on scope exit.
#pragma once

namespace pw {

class denormal_flush_scope {
 public:
  explicit denormal_flush_scope(bool enable);
  ~denormal_flush_scope();
  denormal_flush_scope(const denormal_flush_scope&) = delete;
  denormal_flush_scope& operator=(const denormal_flush_scope&) = delete;

 private:
  bool enabled_;
  unsigned long saved_mode_;
};

}  // namespace pw
