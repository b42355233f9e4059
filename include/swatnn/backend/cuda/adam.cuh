// swatnn/backend/cuda/adam.cuh: the Adam / AdamW update on parameters resident in device memory, one thread per
// parameter. The arithmetic is the loop of optim/adam.hpp, term for term:
//   m = b1 m + (1 - b1) g,  v = b2 v + (1 - b2) g^2,  p = p decay - step_size m / (sqrt(v) inv_sqrt_correction2 + eps)
// with step_size = lr / (1 - b1^t), inv_sqrt_correction2 = 1 / sqrt(1 - b2^t), decay = 1 - lr wd (1 without decay:
// multiplying by 1 is exact), all computed on the host in double and rounded to T as adam.hpp does.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>

#include <swatnn/backend/cuda/device_math.cuh>
#include <swatnn/backend/cuda/elementwise.cuh>
#include <swatnn/backend/cuda/error.cuh>

namespace swatnn::backend_cuda {

namespace kernels {

template <class T>
__global__ void adam_update(T* p, const T* g, T* m, T* v, index n, T step_size, T b1, T one_minus_b1, T b2,
                            T one_minus_b2, T inv_sqrt_correction2, T eps, T decay, bool apply_decay) {
  for (index j = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; j < n;
       j += static_cast<index>(gridDim.x) * blockDim.x) {
    const T gj = g[j];
    const T mj = b1 * m[j] + one_minus_b1 * gj;
    const T vj = b2 * v[j] + one_minus_b2 * gj * gj;
    m[j] = mj;
    v[j] = vj;
    T value = p[j];
    if (apply_decay) value *= decay;
    p[j] = value - step_size * mj / (device_math::sqrt_(vj) * inv_sqrt_correction2 + eps);
  }
}

}  // namespace kernels

// One Adam step on n device-resident parameters: values, gradients and both moments are device pointers.
// beta1 / beta2 are the hyperparameters in double (1 - beta is formed in double, as adam.hpp does);
// decay = 1 - lr * weight_decay, applied when apply_decay (weight_decay != 0).
template <class T>
void adam_update(T* values, const T* gradients, T* m, T* v, std::size_t n, T step_size, double beta1, double beta2,
                 T inv_sqrt_correction2, T eps, T decay, bool apply_decay = true) {
  if (n == 0) return;
  const index count = static_cast<index>(n);
  kernels::adam_update<T><<<grid_for(count), elementwise_threads>>>(
      values, gradients, m, v, count, step_size, static_cast<T>(beta1), static_cast<T>(1.0 - beta1),
      static_cast<T>(beta2), static_cast<T>(1.0 - beta2), inv_sqrt_correction2, eps, decay, apply_decay);
  check_launch("adam_update kernel");
}

}  // namespace swatnn::backend_cuda
