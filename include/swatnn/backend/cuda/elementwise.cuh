// swatnn/backend/cuda/elementwise.cuh: the CUDA backend's element-wise and reduction kernels on row-major device
// storage: add_row_vector, accumulate_column_sums, add, add_periodic_rows, accumulate_periodic_rows, copy,
// transpose, set_zero (semantics in backend/backend.hpp). Every reduction has a fixed order for a given shape (no
// atomics), so results are deterministic run to run.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <string>

#include <swatnn/backend/cuda/blas.cuh>
#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/error.hpp>

namespace swatnn::backend_cuda {

inline constexpr int elementwise_threads = 256;

inline unsigned grid_for(index n, int threads = elementwise_threads) {
  const index blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::clamp<index>(blocks, 1, index{1} << 20));  // grid-stride loops cover the rest
}

template <class X, class Y>
void require_same_shape(const X& x, const Y& y, const char* who, const char* xname, const char* yname) {
  if (x.rows() != y.rows() || x.cols() != y.cols()) {
    throw shape_error(std::string("swatnn::cuda::") + who + ": " + xname + " is " + shape_text(x.rows(), x.cols()) +
                      " but " + yname + " is " + shape_text(y.rows(), y.cols()) + "; they must have the same shape");
  }
}

namespace kernels {

template <class T>
__global__ void add_row_vector(T* m, const T* v, index rows, index cols) {
  const index n = rows * cols;
  for (index i = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index>(gridDim.x) * blockDim.x)
    m[i] += v[i % cols];
}

// v[c] += sum_r m[r][c]: blockDim (32, 32); threadIdx.x picks the column of a 32-wide tile, threadIdx.y strides over
// the rows; the 32 partial sums of a column are added in a fixed tree order.
template <class T>
__global__ void accumulate_column_sums(T* v, const T* m, index rows, index cols) {
  __shared__ T partial[32][33];
  const index c = blockIdx.x * 32 + threadIdx.x;
  T s = 0;
  if (c < cols)
    for (index r = threadIdx.y; r < rows; r += 32) s += m[r * cols + c];
  partial[threadIdx.y][threadIdx.x] = s;
  __syncthreads();
  for (int stride = 16; stride > 0; stride >>= 1) {
    if (static_cast<int>(threadIdx.y) < stride) partial[threadIdx.y][threadIdx.x] += partial[threadIdx.y + stride][threadIdx.x];
    __syncthreads();
  }
  if (threadIdx.y == 0 && c < cols) v[c] += partial[0][threadIdx.x];
}

template <class T>
__global__ void add(T* z, const T* x, const T* y, index n) {
  for (index i = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index>(gridDim.x) * blockDim.x)
    z[i] = x[i] + y[i];
}

// z[r][c] = x[r][c] + p[r % period][c]
template <class T>
__global__ void add_periodic_rows(T* z, const T* x, const T* p, index n, index cols, index period) {
  const index pn = period * cols;
  for (index i = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index>(gridDim.x) * blockDim.x)
    z[i] = x[i] + p[i % pn];
}

// p[i][c] += sum_b d[b * period + i][c], one thread per element of p, b in increasing order.
template <class T>
__global__ void accumulate_periodic_rows(T* p, const T* d, index pn, index repeats) {
  for (index i = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; i < pn;
       i += static_cast<index>(gridDim.x) * blockDim.x) {
    T s = 0;
    for (index b = 0; b < repeats; ++b) s += d[b * pn + i];
    p[i] += s;
  }
}

// y (cols x rows) = x^T (x rows x cols), through a 32 x 33 shared tile; blockDim (32, 8); blockIdx.x picks the
// 32-row tile (rows may be many), blockIdx.y the 32-column tile.
template <class T>
__global__ void transpose(T* y, const T* x, index rows, index cols) {
  __shared__ T tile[32][33];
  const index r0 = blockIdx.x * static_cast<index>(32), c0 = blockIdx.y * static_cast<index>(32);
  for (int k = threadIdx.y; k < 32; k += 8) {
    const index r = r0 + k, c = c0 + threadIdx.x;
    if (r < rows && c < cols) tile[k][threadIdx.x] = x[r * cols + c];
  }
  __syncthreads();
  for (int k = threadIdx.y; k < 32; k += 8) {
    const index c = c0 + k, r = r0 + threadIdx.x;  // y[c][r] = x[r][c]
    if (r < rows && c < cols) y[c * rows + r] = tile[threadIdx.x][k];
  }
}

}  // namespace kernels

template <class M, class V>
void add_row_vector(M&& m, const V& v) {
  if (v.rows() != 1 || v.cols() != m.cols()) {
    throw shape_error("swatnn::cuda::add_row_vector: the vector is " + shape_text(v.rows(), v.cols()) +
                      ", expected 1x" + std::to_string(m.cols()));
  }
  if (m.rows() * m.cols() == 0) return;
  kernels::add_row_vector<<<grid_for(m.rows() * m.cols()), elementwise_threads>>>(m.data(), v.data(), m.rows(),
                                                                                  m.cols());
  check_launch("add_row_vector kernel");
}

template <class V, class M>
void accumulate_column_sums(V&& v, const M& m) {
  if (v.rows() != 1 || v.cols() != m.cols()) {
    throw shape_error("swatnn::cuda::accumulate_column_sums: the vector is " + shape_text(v.rows(), v.cols()) +
                      ", expected 1x" + std::to_string(m.cols()));
  }
  if (m.rows() == 0 || m.cols() == 0) return;
  const unsigned blocks = static_cast<unsigned>((m.cols() + 31) / 32);
  kernels::accumulate_column_sums<<<blocks, dim3(32, 32)>>>(v.data(), m.data(), m.rows(), m.cols());
  check_launch("accumulate_column_sums kernel");
}

template <class Z, class X, class Y>
void add(Z&& z, const X& x, const Y& y) {
  require_same_shape(z, x, "add", "Z", "X");
  require_same_shape(z, y, "add", "Z", "Y");
  const index n = z.rows() * z.cols();
  if (n == 0) return;
  kernels::add<<<grid_for(n), elementwise_threads>>>(z.data(), x.data(), y.data(), n);
  check_launch("add kernel");
}

template <class Z, class X, class P>
void add_periodic_rows(Z&& z, const X& x, const P& p) {
  require_same_shape(z, x, "add_periodic_rows", "Z", "X");
  if (p.cols() != x.cols() || p.rows() == 0 || x.rows() % p.rows() != 0) {
    throw shape_error("swatnn::cuda::add_periodic_rows: P is " + shape_text(p.rows(), p.cols()) + " and X is " +
                      shape_text(x.rows(), x.cols()) + "; P needs X's columns and a row count dividing X's rows");
  }
  const index n = x.rows() * x.cols();
  if (n == 0) return;
  kernels::add_periodic_rows<<<grid_for(n), elementwise_threads>>>(z.data(), x.data(), p.data(), n, x.cols(),
                                                                   p.rows());
  check_launch("add_periodic_rows kernel");
}

template <class P, class D>
void accumulate_periodic_rows(P&& p, const D& d) {
  if (d.cols() != p.cols() || p.rows() == 0 || d.rows() % p.rows() != 0) {
    throw shape_error("swatnn::cuda::accumulate_periodic_rows: P is " + shape_text(p.rows(), p.cols()) +
                      " and D is " + shape_text(d.rows(), d.cols()) +
                      "; P needs D's columns and a row count dividing D's rows");
  }
  const index pn = p.rows() * p.cols();
  if (pn == 0) return;
  kernels::accumulate_periodic_rows<<<grid_for(pn), elementwise_threads>>>(p.data(), d.data(), pn,
                                                                           d.rows() / p.rows());
  check_launch("accumulate_periodic_rows kernel");
}

template <class Y, class X>
void copy(Y&& y, const X& x) {
  require_same_shape(y, x, "copy", "Y", "X");
  if (static_cast<const void*>(y.data()) == static_cast<const void*>(x.data())) return;
  const std::size_t bytes = sizeof(typename std::remove_cvref_t<X>::Scalar) * static_cast<std::size_t>(x.rows() * x.cols());
  if (bytes > 0) check(cudaMemcpyAsync(y.data(), x.data(), bytes, cudaMemcpyDeviceToDevice, 0), "cudaMemcpyAsync (copy)");
}

template <class Y, class X>
void transpose(Y&& y, const X& x) {
  if (y.rows() != x.cols() || y.cols() != x.rows()) {
    throw shape_error("swatnn::cuda::transpose: Y is " + shape_text(y.rows(), y.cols()) + " and X is " +
                      shape_text(x.rows(), x.cols()) + "; Y must be X's columns x X's rows");
  }
  if (x.rows() == 0 || x.cols() == 0) return;
  if ((x.cols() + 31) / 32 > 65535) {
    throw shape_error("swatnn::cuda::transpose: X has " + std::to_string(x.cols()) +
                      " columns, more than the kernel's 65535 x 32; transpose it in column blocks");
  }
  const dim3 grid(static_cast<unsigned>((x.rows() + 31) / 32), static_cast<unsigned>((x.cols() + 31) / 32));
  kernels::transpose<<<grid, dim3(32, 8)>>>(y.data(), x.data(), x.rows(), x.cols());
  check_launch("transpose kernel");
}

template <class M>
void set_zero(M&& m) {
  const std::size_t bytes = sizeof(typename std::remove_cvref_t<M>::Scalar) * static_cast<std::size_t>(m.rows() * m.cols());
  memset_zero(m.data(), bytes, "cudaMemsetAsync (set_zero)");
}

}  // namespace swatnn::backend_cuda
