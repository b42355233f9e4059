// swatnn/backend/cpu/matmul.hpp: the matrix product used by every layer: C = A B or C += A B with no heap allocation.
// Eigen's GEMM mallocs its packing buffers when they exceed EIGEN_STACK_ALLOCATION_LIMIT and always mallocs
// one when it runs multi-threaded. matmul cuts the product into tiles whose packing buffers fit on the stack
// and splits the larger output dimension across OpenMP threads itself (Eigen does not nest inside a parallel
// region), so a forward+backward pass allocates nothing after its workspaces exist. Row-major products with at
// most 8 rows on the left go to small_matmul.hpp instead (no packing).
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <swatnn/backend/cpu/small_matmul.hpp>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace swatnn::backend_cpu {

// Work (rows * cols * depth) under which a product stays on one thread (Eigen uses 50000 per thread).
inline constexpr double matmul_min_work_per_thread = 50000.0;

// A row-major expression whose rows are contiguous: small_matmul reads it in place.
template <class X>
inline constexpr bool row_major_direct = (std::decay_t<X>::Flags & Eigen::DirectAccessBit) != 0 &&
                                         std::decay_t<X>::IsRowMajor && std::decay_t<X>::InnerStrideAtCompileTime == 1;

// Threads worth using for `work` multiply-adds, bounded by Eigen::nbThreads().
inline int matmul_threads(double work) {
  const int max_threads = Eigen::nbThreads();
  const int by_work = static_cast<int>(work / matmul_min_work_per_thread);
  return std::max(1, std::min(max_threads, by_work));
}

// dst (=|+=) lhs * rhs for dense Eigen expressions that support .block() (matrices, maps, blocks, transposes).
// `dst` must not alias `lhs` or `rhs`.
template <class Dst, class Lhs, class Rhs>
void matmul(Dst&& dst, const Lhs& lhs, const Rhs& rhs, bool accumulate) {
  using scalar = typename std::decay_t<Dst>::Scalar;
  const Eigen::Index m = dst.rows(), n = dst.cols(), k = lhs.cols();
  eigen_assert(lhs.rows() == m && rhs.rows() == k && rhs.cols() == n);
  if (m == 0 || n == 0) return;
  if (k == 0) {
    if (!accumulate) dst.setZero();
    return;
  }
  if constexpr (row_major_direct<Dst> && row_major_direct<Lhs> && row_major_direct<Rhs>) {
    if (m <= small_matmul_max_rows) {
      small_matmul_nn(m, lhs.data(), lhs.outerStride(), rhs.data(), rhs.outerStride(), dst.data(), dst.outerStride(),
                      k, n, accumulate);
      return;
    }
  }
  // Packing buffers are at most depth_tile x max(output tile dims) scalars; keep them under the stack limit.
  constexpr Eigen::Index limit = static_cast<Eigen::Index>(EIGEN_STACK_ALLOCATION_LIMIT / sizeof(scalar));
  constexpr Eigen::Index max_tile = std::max<Eigen::Index>(8, limit / 32);

  const int threads = matmul_threads(static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k));
  const bool split_rows = m >= n;
  const Eigen::Index along = split_rows ? m : n;
  const Eigen::Index across = split_rows ? n : m;

  auto run = [&](Eigen::Index lo, Eigen::Index hi) {
    for (Eigen::Index i0 = lo; i0 < hi; i0 += max_tile) {
      const Eigen::Index ni = std::min(max_tile, hi - i0);
      for (Eigen::Index j0 = 0; j0 < across; j0 += max_tile) {
        const Eigen::Index nj = std::min(max_tile, across - j0);
        const Eigen::Index r0 = split_rows ? i0 : j0, rn = split_rows ? ni : nj;
        const Eigen::Index c0 = split_rows ? j0 : i0, cn = split_rows ? nj : ni;
        const Eigen::Index depth_tile = std::max<Eigen::Index>(8, (limit / std::max(rn, cn)) / 8 * 8);
        for (Eigen::Index p0 = 0; p0 < k; p0 += depth_tile) {
          const Eigen::Index kp = std::min(depth_tile, k - p0);
          auto out = dst.block(r0, c0, rn, cn);
          if (!accumulate && p0 == 0) {
            out.noalias() = lhs.block(r0, p0, rn, kp) * rhs.block(p0, c0, kp, cn);
          } else {
            out.noalias() += lhs.block(r0, p0, rn, kp) * rhs.block(p0, c0, kp, cn);
          }
        }
      }
    }
  };

#if defined(_OPENMP)
  if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel num_threads(threads)
    {
      const Eigen::Index nt = omp_get_num_threads(), t = omp_get_thread_num();
      Eigen::Index chunk = (along + nt - 1) / nt;
      chunk = (chunk + 7) / 8 * 8;  // keep tiles aligned to register blocks
      const Eigen::Index lo = std::min(along, t * chunk), hi = std::min(along, lo + chunk);
      if (lo < hi) run(lo, hi);
    }
    return;
  }
#endif
  run(0, along);
}

}  // namespace swatnn::backend_cpu
