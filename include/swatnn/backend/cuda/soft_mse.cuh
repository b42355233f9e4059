// swatnn/backend/cuda/soft_mse.cuh: the CUDA backend's soft_mse (network/soft_mse.hpp), the latent search's data term
// in one fused pass, with the interface and the math of the CPU one (backend/cpu/soft_mse.hpp): the soft evaluation
// of a batch of decoded networks, each network's MSE against the targets, and d MSE / d tokens, i.e. soft_eval's
// forward and then its backward from dL/dy = 2 (y - target) / (N Outputs). One thread block per (tile of 128 points,
// network), one point per thread: the block runs its points forward and back in registers (no points x neurons
// workspace), adds the tile's gradient contributions in a fixed order and its squared errors in double; then
// finish_gradients (one block per network) adds the tiles in order in double, as the CPU adds its tiles, and writes
// every gradient slot and the MSE. Device code: backend/cuda/soft_eval_kernels.cuh. Tokens, points, targets and the
// gradient are device memory; the MSEs are written to host memory (a synchronizing copy of `networks` doubles), as
// the search reads them on the host. Workspaces come from the pool and are kept (no allocation after the first call
// for a shape).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/backend/cuda/soft_eval_kernels.cuh>
#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

namespace backend_cuda::soft::kernels {

// Network blockIdx.y at tile blockIdx.x: forward, squared errors against y (column-major N x Outputs), backward from
// dL/dy = scale (y - target); per-tile sums into partial[(b * tiles + tile) * targets + target] and
// sse_partial[b * tiles + tile].
template <class S, class T>
__global__ void __launch_bounds__(tile_threads) soft_mse_tiles(const T* tokens, index stride, columns<S> c, int depth,
                                                               T temperature, const T* x, const T* y, index n,
                                                               T scale, T* partial, double* sse_partial) {
  using sh = shape<S>;
  __shared__ network_params<S, T> p;
  __shared__ T sums[tile_warps][sh::targets];
  __shared__ double sse_warps[tile_warps];
  const index b = blockIdx.y, tile = blockIdx.x, tiles = gridDim.x;
  const index i = tile * tile_threads + threadIdx.x;
  const bool live = i < n;
  load_network<S, T>(p, tokens + b * sh::W * stride, stride, c, depth, temperature, static_cast<int>(threadIdx.x),
                     static_cast<int>(blockDim.x));
  zero_tile_sums<T, sh::targets>(sums);
  __syncthreads();
  // points past the last one run with zero inputs and get dL/dy = 0, so they add nothing
  T xi[sh::I];
  for (int k = 0; k < sh::I; ++k) xi[k] = live ? x[k * n + i] : T(0);
  point_state<S, T> st;
  T out[sh::O];
  forward_point<S, T>(p, depth, xi, st, out);
  T dy[sh::O];
  double sse = 0;
  for (int o = 0; o < sh::O; ++o) {
    dy[o] = T(0);
    if (!live) continue;
    const T e = out[o] - y[o * n + i];
    sse += static_cast<double>(e) * e;
    dy[o] = scale * e;
  }
  T gx[sh::I];
  backward_point<S, T>(p, depth, xi, st, dy, tile_sums<T, sh::targets>{sums}, false, gx);
  sse = device_math::warp_sum(sse);
  if (threadIdx.x % 32 == 0) sse_warps[threadIdx.x / 32] = sse;
  __syncthreads();
  store_tile_sums<T, sh::targets>(sums, partial + (b * tiles + tile) * sh::targets);
  if (threadIdx.x == 0) {
    double s = sse_warps[0];
    for (int w = 1; w < tile_warps; ++w) s += sse_warps[w];
    sse_partial[b * tiles + tile] = s;
  }
}

}  // namespace backend_cuda::soft::kernels

template <network_spec_type S, class T>
class cuda_soft_mse {
 public:
  using layout = token_layout<S>;
  using matrix = backend_cuda::col_matrix<T>;
  using index = backend_cuda::index;
  static constexpr int width = S::max_width;
  static constexpr int tile = backend_cuda::soft::tile_threads;  // points per tile

  // Evaluates `networks` networks stored back to back from the device pointer `tokens` (as soft_eval::forward:
  // row-major, network b from row b * layout::tokens, rows `row_stride` apart) on the points x (N x Inputs) at
  // `temperature`; writes network b's MSE against y (N x Outputs) into mse[b] (host memory) and its gradient into
  // the device pointer grad_tokens (same layout and stride; every slot of width(depth) is written, with 0 for
  // padding and for skipped neurons).
  void evaluate(const T* tokens, int networks, int depth, index row_stride, const matrix& x, const matrix& y,
                T temperature, T* grad_tokens, double* mse) {
    namespace soft = backend_cuda::soft;
    soft::check_points<S>("soft_mse::evaluate", networks, depth, row_stride, x.rows(), x.cols(), temperature);
    if (y.rows() != x.rows() || y.cols() != S::outputs)
      throw shape_error("soft_mse::evaluate: targets are " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) +
                        ", expected " + std::to_string(x.rows()) + " x " + std::to_string(S::outputs) + " like the points");
    const index n = x.rows();
    const index tiles = soft::tiles_for(n);
    const auto cols = soft::columns<S>::make(depth);
    const std::size_t blocks = static_cast<std::size_t>(networks) * static_cast<std::size_t>(tiles);
    partial_.reserve_discard(blocks * soft::shape<S>::targets);
    sse_partial_.reserve_discard(blocks);
    mse_.reserve_discard(static_cast<std::size_t>(networks));
    const T scale = T(2) / T(static_cast<double>(n) * S::outputs);

    const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(networks));
    soft::kernels::soft_mse_tiles<S, T><<<grid, soft::tile_threads>>>(tokens, row_stride, cols, depth, temperature,
                                                                      x.data(), y.data(), n, scale, partial_.data(),
                                                                      sse_partial_.data());
    backend_cuda::check_launch("soft_mse kernel");
    soft::kernels::finish_gradients<S, T><<<static_cast<unsigned>(networks), soft::finish_threads>>>(
        tokens, row_stride, cols, depth, temperature, partial_.data(), tiles, nullptr, grad_tokens,
        sse_partial_.data(), mse_.data(), static_cast<double>(n) * S::outputs);
    backend_cuda::check_launch("soft_mse (gradient slots) kernel");
    backend_cuda::memcpy_checked(mse, mse_.data(), static_cast<std::size_t>(networks) * sizeof(double),
                                 cudaMemcpyDeviceToHost, "cudaMemcpy (soft_mse: the MSEs to the host)");
  }

 private:
  backend_cuda::device_buffer<T> partial_;
  backend_cuda::device_buffer<double> sse_partial_;
  backend_cuda::device_buffer<double> mse_;
};

}  // namespace swatnn
