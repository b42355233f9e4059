// tests/support/alloc_counter.hpp: counts heap allocations, to test that hot loops allocate nothing after
// warm-up. Eigen allocates with std::malloc and operator new ends in malloc, so the counter interposes the C
// allocation functions (glibc's __libc_* entry points do the work). Exactly one translation unit per test
// binary writes SWATNN_TEST_DEFINE_ALLOCATION_COUNTER at namespace scope. Under AddressSanitizer the counter
// is off (the sanitizer owns malloc) and allocation_counting_enabled() is false: tests then skip the check.
#pragma once

// AddressSanitizer: GCC defines __SANITIZE_ADDRESS__, clang answers __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define SWATNN_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SWATNN_TEST_ASAN 1
#endif
#endif

#include <atomic>
#include <cstddef>

namespace swatnn::test {
inline std::atomic<std::size_t>& allocation_counter() {
  static std::atomic<std::size_t> count{0};
  return count;
}
// Number of heap allocations (malloc, calloc, realloc, aligned variants, hence operator new) so far.
inline std::size_t allocation_count() { return allocation_counter().load(std::memory_order_relaxed); }

#if defined(SWATNN_TEST_ASAN)
inline constexpr bool allocation_counting_enabled = false;
#else
inline constexpr bool allocation_counting_enabled = true;
#endif
}  // namespace swatnn::test

#if defined(SWATNN_TEST_ASAN)
#define SWATNN_TEST_DEFINE_ALLOCATION_COUNTER
#else
#define SWATNN_TEST_DEFINE_ALLOCATION_COUNTER                                                          \
  extern "C" {                                                                                         \
  void* __libc_malloc(std::size_t);                                                                    \
  void* __libc_calloc(std::size_t, std::size_t);                                                       \
  void* __libc_realloc(void*, std::size_t);                                                            \
  void* __libc_memalign(std::size_t, std::size_t);                                                     \
  void __libc_free(void*);                                                                             \
  void* malloc(std::size_t n) {                                                                        \
    swatnn::test::allocation_counter().fetch_add(1, std::memory_order_relaxed);                        \
    return __libc_malloc(n);                                                                           \
  }                                                                                                    \
  void* calloc(std::size_t n, std::size_t s) {                                                         \
    swatnn::test::allocation_counter().fetch_add(1, std::memory_order_relaxed);                        \
    return __libc_calloc(n, s);                                                                        \
  }                                                                                                    \
  void* realloc(void* p, std::size_t n) {                                                              \
    swatnn::test::allocation_counter().fetch_add(1, std::memory_order_relaxed);                        \
    return __libc_realloc(p, n);                                                                       \
  }                                                                                                    \
  void* aligned_alloc(std::size_t a, std::size_t n) {                                                  \
    swatnn::test::allocation_counter().fetch_add(1, std::memory_order_relaxed);                        \
    return __libc_memalign(a, n);                                                                      \
  }                                                                                                    \
  int posix_memalign(void** out, std::size_t a, std::size_t n) {                                       \
    swatnn::test::allocation_counter().fetch_add(1, std::memory_order_relaxed);                        \
    *out = __libc_memalign(a, n);                                                                      \
    return *out ? 0 : 12;                                                                              \
  }                                                                                                    \
  void free(void* p) { __libc_free(p); }                                                               \
  }
#endif
