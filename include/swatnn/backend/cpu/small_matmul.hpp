// swatnn/backend/cpu/small_matmul.hpp: C (m x n) (+)= A (m x k) B (k x n) for m <= 8, the shape of a latent search's
// decoder (7 tokens per latent). A general GEMM packs both operands before it multiplies; with 7 rows the
// packing of the weight matrix costs as much as the product. This kernel reads the row-major operands in place,
// in register tiles of m x 16 outputs with one broadcast-FMA per row and k. (A kernel of the same kind for
// A B^T, the backward products, was slower than Eigen's packed product on most decoder shapes, so those stay
// with Eigen.) The summation order is fixed for a given shape, so results are deterministic.
#pragma once

#include <Eigen/Core>

#include <algorithm>

namespace swatnn::backend_cpu {

inline constexpr Eigen::Index small_matmul_max_rows = 8;

template <class T, int M>
void small_matmul_nn_rows(const T* a, Eigen::Index lda, const T* b, Eigen::Index ldb, T* c, Eigen::Index ldc,
                          Eigen::Index k, Eigen::Index n, bool accumulate) {
  constexpr int tile = 16;
  Eigen::Index j0 = 0;
  for (; j0 + tile <= n; j0 += tile) {
    T acc[M][tile];
    for (int r = 0; r < M; ++r)
      for (int v = 0; v < tile; ++v) acc[r][v] = accumulate ? c[r * ldc + j0 + v] : T(0);
    for (Eigen::Index p = 0; p < k; ++p) {
      const T* bp = b + p * ldb + j0;
      for (int r = 0; r < M; ++r) {
        const T ar = a[r * lda + p];
#pragma omp simd
        for (int v = 0; v < tile; ++v) acc[r][v] += ar * bp[v];
      }
    }
    for (int r = 0; r < M; ++r)
      for (int v = 0; v < tile; ++v) c[r * ldc + j0 + v] = acc[r][v];
  }
  for (; j0 < n; ++j0)  // the last columns, one at a time
    for (int r = 0; r < M; ++r) {
      T s = accumulate ? c[r * ldc + j0] : T(0);
      for (Eigen::Index p = 0; p < k; ++p) s += a[r * lda + p] * b[p * ldb + j0];
      c[r * ldc + j0] = s;
    }
}

// Calls f.template operator()<M>() with the row count m (1..8) as a compile-time constant.
template <class F>
void with_small_rows(Eigen::Index m, F&& f) {
  switch (m) {
    case 1: f.template operator()<1>(); return;
    case 2: f.template operator()<2>(); return;
    case 3: f.template operator()<3>(); return;
    case 4: f.template operator()<4>(); return;
    case 5: f.template operator()<5>(); return;
    case 6: f.template operator()<6>(); return;
    case 7: f.template operator()<7>(); return;
    default: f.template operator()<8>(); return;
  }
}

template <class T>
void small_matmul_nn(Eigen::Index m, const T* a, Eigen::Index lda, const T* b, Eigen::Index ldb, T* c,
                     Eigen::Index ldc, Eigen::Index k, Eigen::Index n, bool accumulate) {
  with_small_rows(m, [&]<int M>() { small_matmul_nn_rows<T, M>(a, lda, b, ldb, c, ldc, k, n, accumulate); });
}
}  // namespace swatnn::backend_cpu
