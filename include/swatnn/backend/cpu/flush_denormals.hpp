// swatnn/backend/cpu/flush_denormals.hpp: a scope in which this thread's float arithmetic flushes subnormal results
// and operands to zero (x86: MXCSR FTZ + DAZ; AArch64: FPCR.FZ), restored when the scope ends.
// Why: the search's sharpened gates (sigmoid(200 (m - 0.5)) of a switched-off neuron is about 1e-30) make the
// soft evaluation's backward pass produce subnormal floats, and Intel cores take a microcode assist of about a
// hundred cycles for each such operation; there it made a search step 2 to 4 times slower. A subnormal float is
// below 1.2e-38, so flushing it changes no loss or gradient that matters. The mode is per thread: each OpenMP
// worker opens its own scope. Elsewhere (no such control) the scope does nothing and `supported` is false.
#pragma once

#include <cstdint>

#if defined(__SSE__) || defined(_M_X64)
#include <xmmintrin.h>
#endif

namespace swatnn {

class flush_denormals {
 public:
#if defined(__SSE__) || defined(_M_X64)
  static constexpr bool supported = true;
  flush_denormals() noexcept : saved_(_mm_getcsr()) { _mm_setcsr(saved_ | flush_to_zero | denormals_are_zero); }
  ~flush_denormals() { _mm_setcsr(saved_); }

 private:
  static constexpr unsigned flush_to_zero = 0x8000, denormals_are_zero = 0x0040;
  unsigned saved_;
#elif defined(__aarch64__)
  static constexpr bool supported = true;
  flush_denormals() noexcept {
    __asm__ __volatile__("mrs %0, fpcr" : "=r"(saved_));
    const std::uint64_t flushed = saved_ | (std::uint64_t{1} << 24);
    __asm__ __volatile__("msr fpcr, %0" : : "r"(flushed));
  }
  ~flush_denormals() { __asm__ __volatile__("msr fpcr, %0" : : "r"(saved_)); }

 private:
  std::uint64_t saved_;
#else
  static constexpr bool supported = false;
#endif

 public:
  flush_denormals(const flush_denormals&) = delete;
  flush_denormals& operator=(const flush_denormals&) = delete;
};

}  // namespace swatnn
