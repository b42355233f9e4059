// swatnn/backend/cuda/device_math.cuh: overloads of the math functions the CUDA kernels use (float and double,
// IEEE-accurate: no fast-math intrinsics) and a warp-wide sum.
#pragma once

#include <cuda_runtime.h>

namespace swatnn::backend_cuda {

namespace device_math {
__device__ inline float sqrt_(float x) { return sqrtf(x); }
__device__ inline double sqrt_(double x) { return sqrt(x); }
__device__ inline float exp_(float x) { return expf(x); }
__device__ inline double exp_(double x) { return exp(x); }
__device__ inline float tanh_(float x) { return tanhf(x); }
__device__ inline double tanh_(double x) { return tanh(x); }
__device__ inline float max_(float a, float b) { return fmaxf(a, b); }
__device__ inline double max_(double a, double b) { return fmax(a, b); }

// Sum over the 32 lanes of a warp; every lane gets the same value (the butterfly adds the same pairs on both sides).
template <class T>
__device__ inline T warp_sum(T v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
}  // namespace device_math

}  // namespace swatnn::backend_cuda
