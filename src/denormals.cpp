// The FTZ/DAZ scope of a run: the x86 MXCSR or the AArch64 FPCR bits, saved and restored.
#include "denormals.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>  // SSE is baseline on x86-64: no ISA flag needed
#endif

namespace pw {
namespace {

#if defined(__x86_64__) || defined(__i386__)
constexpr unsigned kFlushToZero = 1u << 15;      // MXCSR.FZ
constexpr unsigned kDenormalsAreZero = 1u << 6;  // MXCSR.DAZ
unsigned long read_mode() { return _mm_getcsr(); }
void write_mode(unsigned long mode) { _mm_setcsr(static_cast<unsigned>(mode)); }
unsigned long flushing(unsigned long mode) { return mode | kFlushToZero | kDenormalsAreZero; }
#elif defined(__aarch64__)
constexpr unsigned long kFlushToZero = 1ul << 24;  // FPCR.FZ (inputs and outputs)
unsigned long read_mode() {
  unsigned long fpcr;
  __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
  return fpcr;
}
void write_mode(unsigned long mode) { __asm__ volatile("msr fpcr, %0" : : "r"(mode)); }
unsigned long flushing(unsigned long mode) { return mode | kFlushToZero; }
#else
// No portable control of denormal handling: flush_denormals has no effect here.
unsigned long read_mode() { return 0; }
void write_mode(unsigned long) {}
unsigned long flushing(unsigned long mode) { return mode; }
#endif

}  // namespace

void denormal_flush_scope::enter() {
  saved_mode_ = read_mode();
  const unsigned long mode = flushing(saved_mode_);
  if (mode == saved_mode_) return;
  write_mode(mode);
  changed_ = true;
}

void denormal_flush_scope::leave() { write_mode(saved_mode_); }

}  // namespace pw
