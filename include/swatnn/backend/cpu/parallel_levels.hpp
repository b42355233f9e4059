// swatnn/backend/cpu/parallel_levels.hpp: runs one task per scale level, the levels in parallel across OpenMP
// threads (one level per thread at a time, last level first: in scales<1, 2, 3, 4> the most expensive), or in
// turn with one thread or inside another parallel region. Inside the region every product and evaluation of a
// level runs on that level's thread, as in a one-thread run, so results do not depend on the thread count. Used
// by the autoencoder's training pass and by the latent search; an exception from a level is rethrown after the
// region (the lowest level's first).
#pragma once

#include <array>
#include <exception>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace swatnn::detail {

// Calls task(i) for every level index i in [0, Levels).
template <int Levels, class Task>
void for_each_level_in_parallel(Task&& task) {
  std::array<std::exception_ptr, Levels> errors{};
#if defined(_OPENMP)
  const bool parallel = Levels > 1 && omp_get_max_threads() > 1 && !omp_in_parallel();
#pragma omp parallel for schedule(dynamic, 1) if (parallel)
#endif
  for (int i = Levels - 1; i >= 0; --i) {
    try {
      task(i);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace swatnn::detail
