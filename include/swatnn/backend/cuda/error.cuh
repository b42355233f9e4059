// swatnn/backend/cuda/error.cuh: CUDA runtime and cuBLAS failures as swatnn::error subclasses. Every call into the
// CUDA runtime or cuBLAS goes through check() / check_cublas(), so a failure names the call, the error code, the
// runtime's own message and what to try next.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include <swatnn/error.hpp>

namespace swatnn {

// A CUDA runtime or cuBLAS call failed (no device, out of device memory, a kernel fault, a bad launch).
class cuda_error : public error {
 public:
  using error::error;
};

namespace backend_cuda {

inline const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "unknown cuBLAS status";
  }
}

inline std::string cuda_hint(cudaError_t e) {
  switch (e) {
    case cudaErrorNoDevice:
    case cudaErrorInsufficientDriver:
      return "check that an NVIDIA GPU and a driver for CUDA 13 are installed (nvidia-smi), or use swatnn::cpu";
    case cudaErrorMemoryAllocation:
      return "the device is out of memory: use a smaller batch, or free cached blocks with "
             "swatnn::cuda::release_cached_memory()";
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion:
      return "the binary was built for another GPU architecture: rebuild with -DCMAKE_CUDA_ARCHITECTURES=<your sm>";
    default:
      return "if it came from a kernel, rerun with CUDA_LAUNCH_BLOCKING=1 (or compute-sanitizer) to find the launch";
  }
}

// Throws cuda_error naming `call` when e is not cudaSuccess.
inline void check(cudaError_t e, const char* call) {
  if (e != cudaSuccess) {
    throw cuda_error(std::string("swatnn::cuda: ") + call + " failed: " + cudaGetErrorName(e) + " (" +
                     cudaGetErrorString(e) + "); " + cuda_hint(e));
  }
}

// Throws cuda_error naming `call` when s is not CUBLAS_STATUS_SUCCESS.
inline void check_cublas(cublasStatus_t s, const char* call) {
  if (s != CUBLAS_STATUS_SUCCESS) {
    throw cuda_error(std::string("swatnn::cuda: ") + call + " failed: " + cublas_status_name(s) + " (" +
                     cublasGetStatusString(s) +
                     "); check that a CUDA device is present and that the operands' shapes fit in 32-bit int");
  }
}

// After a kernel launch: a bad launch configuration is reported here, faults inside the kernel at the next
// synchronizing call (a download).
inline void check_launch(const char* kernel) { check(cudaGetLastError(), kernel); }

}  // namespace backend_cuda
}  // namespace swatnn
