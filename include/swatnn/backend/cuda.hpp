// swatnn/backend/cuda.hpp: the CUDA backend policy `swatnn::cuda` (backend/backend.hpp's contract on an NVIDIA
// GPU): device storage from a caching pool (backend/cuda/memory.cuh), products through cuBLAS in exact fp32 unless
// TF32 is asked for (cuda/blas.cuh), and our kernels for the element-wise, layer norm, GELU and attention
// operations (cuda/elementwise.cuh, cuda/transformer.cuh), the Adam update (cuda/adam.cuh) and the evaluators of
// decoded networks: soft_eval, soft_mse and search_gates (cuda/soft_eval.cuh, soft_mse.cuh, search_gates.cuh, with
// their shared device code in cuda/soft_eval_kernels.cuh), so the whole Backend contract holds:
// multiscale_autoencoder<..., cuda> runs a training step's forward and backward, and latent_search its iterations
// (loss_and_gradient) with it, their losses and regularizers on host copies. Only for translation
// units compiled by nvcc (.cu files linked to the CMake target swatnn::cuda); the umbrella header never includes
// it. Storage is not host-accessible: data() is a device pointer; cross with upload() / download().
#pragma once

#if !defined(__CUDACC__)
#error "swatnn/backend/cuda.hpp is CUDA code: compile this file with nvcc (a .cu source linked to swatnn::cuda)"
#endif

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <utility>

#include <swatnn/backend/cuda/adam.cuh>
#include <swatnn/backend/cuda/blas.cuh>
#include <swatnn/backend/cuda/elementwise.cuh>
#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/backend/cuda/search_gates.cuh>
#include <swatnn/backend/cuda/soft_eval.cuh>
#include <swatnn/backend/cuda/soft_mse.cuh>
#include <swatnn/backend/cuda/transformer.cuh>
#include <swatnn/network/spec.hpp>

namespace swatnn {

struct cuda {
  static constexpr const char* name = "cuda";
  static constexpr bool host_accessible = false;  // data() is device memory

  // ---- storage (device memory from the pool) ----------------------------------------------------------------------
  template <class T>
  using row_matrix = backend_cuda::row_matrix<T>;  // row-major: token matrices
  template <class T>
  using matrix = backend_cuda::col_matrix<T>;      // column-major: points x columns
  template <class T>
  using vector = backend_cuda::vector<T>;
  template <class T>
  using block = backend_cuda::block<T>;
  template <class T>
  using const_block = backend_cuda::const_block<T>;

  template <class T>
  static block<T> make_block(T* data, std::ptrdiff_t rows, std::ptrdiff_t cols) {
    return block<T>(data, rows, cols);
  }
  template <class T>
  static const_block<T> make_const_block(const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols) {
    return const_block<T>(data, rows, cols);
  }

  // ---- memory -------------------------------------------------------------------------------------------------------
  // Grows v to n elements, keeping the first ones; the new ones are 0.
  template <class T>
  static void grow(vector<T>& v, std::size_t n) {
    v.grow(static_cast<std::ptrdiff_t>(n));
  }
  // n elements from host memory to device memory (synchronous).
  template <class T>
  static void upload(const T* host, T* dst, std::size_t n) {
    backend_cuda::memcpy_checked(dst, host, n * sizeof(T), cudaMemcpyHostToDevice, "cudaMemcpy (upload)");
  }
  // n elements from device memory to host memory (synchronous: waits for the kernels before it).
  template <class T>
  static void download(const T* src, T* host, std::size_t n) {
    backend_cuda::memcpy_checked(host, src, n * sizeof(T), cudaMemcpyDeviceToHost, "cudaMemcpy (download)");
  }
  // Waits for every queued kernel; throws cuda_error for a fault in one of them.
  static void synchronize() { backend_cuda::check(cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

  // The pool: cudaMalloc calls so far (constant across steps after warm-up), bytes held, and a way to return
  // the cached blocks to the driver.
  static std::uint64_t allocation_count() noexcept { return backend_cuda::memory_pool::instance().allocation_count(); }
  static std::size_t reserved_bytes() { return backend_cuda::memory_pool::instance().reserved_bytes(); }
  static void release_cached_memory() { backend_cuda::memory_pool::instance().release_cached(); }

  // Process-wide options: `swatnn::cuda::options().allow_tf32 = true` runs fp32 products on TF32 tensor cores.
  static backend_cuda::cuda_options& options() { return backend_cuda::options(); }

  // ---- products -----------------------------------------------------------------------------------------------------
  // C (=|+=) op(A) op(B) (cuBLAS). C must not alias A or B.
  template <class C, class A, class B>
  static void gemm(C&& c, const A& a, bool transpose_a, const B& b, bool transpose_b, bool accumulate) {
    backend_cuda::gemm(c, a, transpose_a, b, transpose_b, accumulate);
  }
  // batch products C_i (=|+=) op(A_i) op(B_i) of row-major matrices at fixed strides (elements) from a, b, c;
  // lda / ldb / ldc are the stored row lengths. For the per-level decoders' batched products.
  template <class T>
  static void gemm_strided_batched(bool transpose_a, bool transpose_b, std::ptrdiff_t m, std::ptrdiff_t n,
                                   std::ptrdiff_t k, const T* a, std::ptrdiff_t lda, std::ptrdiff_t stride_a,
                                   const T* b, std::ptrdiff_t ldb, std::ptrdiff_t stride_b, T* c, std::ptrdiff_t ldc,
                                   std::ptrdiff_t stride_c, std::ptrdiff_t batch, bool accumulate) {
    backend_cuda::gemm_row_major(transpose_a, transpose_b, m, n, k, a, lda, stride_a, b, ldb, stride_b, c, ldc,
                                 stride_c, batch, accumulate);
  }

  // ---- element-wise (backend/cuda/elementwise.cuh) --------------------------------------------------------------------
  template <class M, class V>
  static void add_row_vector(M&& m, const V& v) {
    backend_cuda::add_row_vector(m, v);
  }
  template <class V, class M>
  static void accumulate_column_sums(V&& v, const M& m) {
    backend_cuda::accumulate_column_sums(v, m);
  }
  template <class Z, class X, class Y>
  static void add(Z&& z, const X& x, const Y& y) {
    backend_cuda::add(z, x, y);
  }
  template <class Z, class X, class P>
  static void add_periodic_rows(Z&& z, const X& x, const P& p) {
    backend_cuda::add_periodic_rows(z, x, p);
  }
  template <class P, class D>
  static void accumulate_periodic_rows(P&& p, const D& d) {
    backend_cuda::accumulate_periodic_rows(p, d);
  }
  template <class Y, class X>
  static void copy(Y&& y, const X& x) {
    backend_cuda::copy(y, x);
  }
  template <class Y, class X>
  static void transpose(Y&& y, const X& x) {
    backend_cuda::transpose(y, x);
  }
  template <class M>
  static void set_zero(M&& m) {
    backend_cuda::set_zero(m);
  }

  // ---- transformer (backend/cuda/transformer.cuh) ----------------------------------------------------------------------
  template <class... A>
  static void layer_norm_forward(A&&... a) {
    backend_cuda::layer_norm_forward(std::forward<A>(a)...);
  }
  template <class... A>
  static void layer_norm_backward(A&&... a) {
    backend_cuda::layer_norm_backward(std::forward<A>(a)...);
  }
  template <class... A>
  static void gelu_forward(A&&... a) {
    backend_cuda::gelu_forward(std::forward<A>(a)...);
  }
  template <class... A>
  static void gelu_backward(A&&... a) {
    backend_cuda::gelu_backward(std::forward<A>(a)...);
  }
  template <class Q, class P, class O>
  static void attention_forward(const Q& qkv, std::ptrdiff_t heads, std::ptrdiff_t tokens, P&& probs, O&& heads_out) {
    backend_cuda::attention_forward(qkv, heads, tokens, probs, heads_out);
  }
  template <class Q, class P, class DO, class DS, class DQ>
  static void attention_backward(const Q& qkv, const P& probs, const DO& d_heads, std::ptrdiff_t heads,
                                 std::ptrdiff_t tokens, DS&& dprobs, DQ&& dqkv) {
    backend_cuda::attention_backward(qkv, probs, d_heads, heads, tokens, dprobs, dqkv);
  }

  // ---- optimizer update on resident parameters (backend/cuda/adam.cuh) ------------------------------------------------
  template <class T>
  static void adam_update(T* values, const T* gradients, T* m, T* v, std::size_t n, T step_size, double beta1,
                          double beta2, T inv_sqrt_correction2, T eps, T decay, bool apply_decay = true) {
    backend_cuda::adam_update(values, gradients, m, v, n, step_size, beta1, beta2, inv_sqrt_correction2, eps, decay,
                              apply_decay);
  }

  // ---- scale levels ---------------------------------------------------------------------------------------------------
  // task(i) for every level, one after the other on the default stream (the kernels of consecutive levels still
  // queue back to back; flush_subnormals is accepted for the CPU backend's signature and has no effect here: the
  // kernels keep IEEE subnormals).
  template <int Levels, class Task>
  static void for_each_level(Task&& task, bool flush_subnormals = false) {
    (void)flush_subnormals;
    for (int i = 0; i < Levels; ++i) task(i);
  }

  // ---- evaluators of decoded networks (backend/cuda/soft_eval.cuh, soft_mse.cuh, search_gates.cuh) -----------------
  // The CPU ones' interfaces; tensors are device memory. soft_mse writes its MSEs, and search_gates reads its
  // thresholds and adds their gradients, in host memory (one value per network).
  template <network_spec_type S, class T>
  using soft_eval = cuda_soft_eval<S, T>;
  template <network_spec_type S, class T>
  using soft_mse = cuda_soft_mse<S, T>;
  template <network_spec_type S, class T>
  using search_gates = cuda_search_gates<S, T>;
};

}  // namespace swatnn
