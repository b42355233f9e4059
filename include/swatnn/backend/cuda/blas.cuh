// swatnn/backend/cuda/blas.cuh: the CUDA backend's products through cuBLAS, on row-major operands. A row-major
// r x c matrix is the column-major c x r matrix of its transpose, so C = op(A) op(B) is computed as
// C^T = op(B)^T op(A)^T with the operands swapped and no copy. Exact fp32 by default (CUBLAS_COMPUTE_32F);
// TF32 tensor cores only when options().allow_tf32 is set (CUBLAS_COMPUTE_32F_FAST_TF32). One cuBLAS handle per
// host thread, created on first use, on the default stream.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <climits>
#include <cstddef>
#include <string>
#include <type_traits>

#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/error.hpp>

namespace swatnn::backend_cuda {

// Process-wide settings of the CUDA backend.
struct cuda_options {
  bool allow_tf32 = false;  // fp32 products on TF32 tensor cores (10-bit mantissa inputs): faster, not exact fp32
};

inline cuda_options& options() {
  static cuda_options o;
  return o;
}

class cublas_handle {
 public:
  static cublasHandle_t get() {
    thread_local cublas_handle h;
    if (h.handle_ == nullptr) {
      check_cublas(cublasCreate(&h.handle_), "cublasCreate");
      // the default mode: no TF32 unless a call asks for it through its compute type
      check_cublas(cublasSetMathMode(h.handle_, CUBLAS_DEFAULT_MATH), "cublasSetMathMode");
    }
    return h.handle_;
  }
  ~cublas_handle() {
    if (handle_ != nullptr) (void)cublasDestroy(handle_);  // at thread exit; the runtime may be unloading
  }

 private:
  cublas_handle() = default;
  cublasHandle_t handle_ = nullptr;
};

template <class T>
struct blas_types;
template <>
struct blas_types<float> {
  static constexpr cudaDataType_t data = CUDA_R_32F;
  static cublasComputeType_t compute() {
    return options().allow_tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  }
};
template <>
struct blas_types<double> {
  static constexpr cudaDataType_t data = CUDA_R_64F;
  static cublasComputeType_t compute() { return CUBLAS_COMPUTE_64F; }
};

inline int as_blas_int(index v, const char* who) {
  if (v < 0 || v > INT_MAX) {
    throw shape_error(std::string("swatnn::cuda::") + who + ": dimension " + std::to_string(v) +
                      " does not fit cuBLAS's 32-bit int; split the batch");
  }
  return static_cast<int>(v);
}

inline std::string shape_text(index r, index c) { return std::to_string(r) + "x" + std::to_string(c); }

// Row-major C (m x n) (=|+=) op(A) op(B), op(A) m x k, op(B) k x n; lda / ldb / ldc are the row lengths (elements
// between consecutive rows) of the stored A, B and C. batch >= 1 products at strides stride_a / _b / _c.
template <class T>
void gemm_row_major(bool ta, bool tb, index m, index n, index k, const T* a, index lda, index stride_a, const T* b,
                    index ldb, index stride_b, T* c, index ldc, index stride_c, index batch, bool accumulate) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "swatnn::cuda::gemm: the scalar type must be float or double");
  if (m == 0 || n == 0 || batch == 0) return;
  if (k == 0) {
    if (!accumulate) {
      if (ldc != n) {
        throw shape_error("swatnn::cuda::gemm: an empty inner dimension with a strided C is not supported");
      }
      for (index i = 0; i < batch; ++i) memset_zero(c + i * stride_c, sizeof(T) * m * n, "cudaMemsetAsync (gemm)");
    }
    return;
  }
  const char* who = "gemm";
  const int M = as_blas_int(m, who), N = as_blas_int(n, who), K = as_blas_int(k, who);
  const int LDA = as_blas_int(lda, who), LDB = as_blas_int(ldb, who), LDC = as_blas_int(ldc, who);
  // column-major view: C^T (n x m) = op(B)^T (n x k) op(A)^T (k x m)
  const cublasOperation_t op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  using scale_type = std::conditional_t<std::is_same_v<T, double>, double, float>;
  const scale_type alpha = 1, beta = accumulate ? 1 : 0;
  cublasHandle_t h = cublas_handle::get();
  if (batch == 1) {
    check_cublas(cublasGemmEx(h, op_b, op_a, N, M, K, &alpha, b, blas_types<T>::data, LDB, a, blas_types<T>::data, LDA,
                              &beta, c, blas_types<T>::data, LDC, blas_types<T>::compute(), CUBLAS_GEMM_DEFAULT),
                 "cublasGemmEx");
  } else {
    const int B = as_blas_int(batch, who);
    check_cublas(cublasGemmStridedBatchedEx(h, op_b, op_a, N, M, K, &alpha, b, blas_types<T>::data, LDB, stride_b, a,
                                            blas_types<T>::data, LDA, stride_a, &beta, c, blas_types<T>::data, LDC,
                                            stride_c, B, blas_types<T>::compute(), CUBLAS_GEMM_DEFAULT),
                 "cublasGemmStridedBatchedEx");
  }
}

// C (=|+=) op(A) op(B) on row-major device storage, shapes checked.
template <class C, class A, class B>
void gemm(C&& c, const A& a, bool ta, const B& b, bool tb, bool accumulate) {
  const index m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols();
  const index kb = tb ? b.cols() : b.rows(), n = tb ? b.rows() : b.cols();
  if (k != kb || c.rows() != m || c.cols() != n) {
    throw shape_error("swatnn::cuda::gemm: C is " + shape_text(c.rows(), c.cols()) + ", op(A) is " +
                      shape_text(m, k) + " and op(B) is " + shape_text(kb, n) + "; need C = m x n, op(A) = m x k, "
                      "op(B) = k x n (size C before the call)");
  }
  gemm_row_major(ta, tb, m, n, k, a.data(), a.cols(), 0, b.data(), b.cols(), 0, c.data(), c.cols(), 0, 1, accumulate);
}

}  // namespace swatnn::backend_cuda
