// swatnn/backend/cuda/soft_eval.cuh: the CUDA backend's soft_eval (network/soft_eval.hpp): the differentiable
// evaluation of a batch of decoded networks on a batch of points, with the interface and the math of the CPU one
// (backend/cpu/soft_eval.hpp; the device code is in cuda/soft_eval_kernels.cuh):
//     h_j = sigmoid(mask_logit_j) * sum_k softmax(activation_logits_j / T)_k * act_k(pre_j).
// Tokens, points, outputs and gradients are device memory (swatnn::cuda storage or device pointers). forward runs
// one thread block per (tile of 128 points, network), one point per thread, and keeps only the outputs; backward
// recomputes each point's forward values in the same kernel code, goes back through the network, adds the
// gradient contributions over each tile in a fixed order and then over the tiles in double (finish_gradients), so
// the tokens and points given to forward must stay alive and unchanged until backward, as on the CPU. A network
// whose output gradient is exactly 0 at every point gets exact zeros without the pass, as on the CPU. Workspaces
// come from the backend's pool and are kept, so calls after the first for a shape allocate nothing.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>

#include <swatnn/backend/cuda/elementwise.cuh>
#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/backend/cuda/soft_eval_kernels.cuh>
#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

namespace backend_cuda::soft::kernels {

// outputs (column-major N x networks*Outputs) of network blockIdx.y at the points of tile blockIdx.x.
template <class S, class T>
__global__ void __launch_bounds__(tile_threads) soft_eval_forward(const T* tokens, index stride, columns<S> c,
                                                                  int depth, T temperature, const T* x, index n,
                                                                  T* outputs) {
  using sh = shape<S>;
  __shared__ network_params<S, T> p;
  const index b = blockIdx.y;
  const index i = static_cast<index>(blockIdx.x) * tile_threads + threadIdx.x;
  load_network<S, T>(p, tokens + b * sh::W * stride, stride, c, depth, temperature, static_cast<int>(threadIdx.x),
                     static_cast<int>(blockDim.x));
  __syncthreads();
  if (i >= n) return;  // no block-wide step follows
  T xi[sh::I];
  for (int k = 0; k < sh::I; ++k) xi[k] = x[k * n + i];
  point_state<S, T> st;
  T y[sh::O];
  forward_point<S, T>(p, depth, xi, st, y);
  for (int o = 0; o < sh::O; ++o) outputs[(b * sh::O + o) * n + i] = y[o];
}

// The backward pass of network blockIdx.y at tile blockIdx.x: per-tile sums of every gradient contribution into
// partial[(b * tiles + tile) * targets + target]; with grad_x, the points' input gradients (column-major
// N x networks*Inputs). A network not reached (reached[b] == 0) only gets zero input gradients.
template <class S, class T>
__global__ void __launch_bounds__(tile_threads) soft_eval_backward(const T* tokens, index stride, columns<S> c,
                                                                   int depth, T temperature, const T* x, index n,
                                                                   const T* grad_out, const int* reached, T* partial,
                                                                   T* grad_x) {
  using sh = shape<S>;
  __shared__ network_params<S, T> p;
  __shared__ T sums[tile_warps][sh::targets];
  const index b = blockIdx.y, tile = blockIdx.x, tiles = gridDim.x;
  const index i = tile * tile_threads + threadIdx.x;
  const bool live = i < n;
  if (reached[b] == 0) {  // the whole block leaves together
    if (grad_x != nullptr && live)
      for (int k = 0; k < sh::I; ++k) grad_x[(b * sh::I + k) * n + i] = T(0);
    return;
  }
  load_network<S, T>(p, tokens + b * sh::W * stride, stride, c, depth, temperature, static_cast<int>(threadIdx.x),
                     static_cast<int>(blockDim.x));
  zero_tile_sums<T, sh::targets>(sums);
  __syncthreads();
  // points past the last one run with zero inputs and a zero output gradient: they add exact zeros
  T xi[sh::I];
  for (int k = 0; k < sh::I; ++k) xi[k] = live ? x[k * n + i] : T(0);
  point_state<S, T> st;
  T y[sh::O];
  forward_point<S, T>(p, depth, xi, st, y);
  T dy[sh::O];
  for (int o = 0; o < sh::O; ++o) dy[o] = live ? grad_out[(b * sh::O + o) * n + i] : T(0);
  T gx[sh::I];
  const bool want_inputs = grad_x != nullptr;
  backward_point<S, T>(p, depth, xi, st, dy, tile_sums<T, sh::targets>{sums}, want_inputs, gx);
  if (want_inputs && live)
    for (int k = 0; k < sh::I; ++k) grad_x[(b * sh::I + k) * n + i] = gx[k];
  __syncthreads();
  store_tile_sums<T, sh::targets>(sums, partial + (b * tiles + tile) * sh::targets);
}

// grad_inputs(i, k) = sum over b in order of grad_x(i, b * Inputs + k).
template <class T>
__global__ void sum_input_gradients(const T* grad_x, index n, int inputs, int networks, T* grad_inputs) {
  const index total = n * inputs;
  for (index e = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<index>(gridDim.x) * blockDim.x) {
    const index k = e / n, i = e % n;
    T s = 0;
    for (int b = 0; b < networks; ++b) s += grad_x[(static_cast<index>(b) * inputs + k) * n + i];
    grad_inputs[e] = s;
  }
}

}  // namespace backend_cuda::soft::kernels

template <network_spec_type S, class T>
class cuda_soft_eval {
 public:
  using layout = token_layout<S>;
  using matrix = backend_cuda::col_matrix<T>;
  using row_matrix = backend_cuda::row_matrix<T>;
  using index = backend_cuda::index;
  static constexpr int width = S::max_width;

  // Evaluates `networks` networks stored back to back from the device pointer `tokens` (row-major; network b
  // starts at row b * layout::tokens; rows are `row_stride` apart; the first width(depth) columns are read) on the
  // points `x` (N x Inputs) at activation temperature `temperature`. Returns N x (networks * Outputs); network b
  // owns columns [b * Outputs, (b + 1) * Outputs). `tokens` and `x` must stay alive and unchanged until backward.
  const matrix& forward(const T* tokens, int networks, int depth, index row_stride, const matrix& x,
                        T temperature = T(1)) {
    namespace soft = backend_cuda::soft;
    soft::check_points<S>("soft_eval::forward", networks, depth, row_stride, x.rows(), x.cols(), temperature);
    tokens_ = tokens;
    x_ = &x;
    networks_ = networks;
    depth_ = depth;
    stride_ = row_stride;
    temperature_ = temperature;
    const index n = x.rows();
    outputs_.resize(n, static_cast<index>(networks) * S::outputs);
    const dim3 grid(static_cast<unsigned>(soft::tiles_for(n)), static_cast<unsigned>(networks));
    soft::kernels::soft_eval_forward<S, T><<<grid, soft::tile_threads>>>(
        tokens, row_stride, soft::columns<S>::make(depth), depth, temperature, x.data(), n, outputs_.data());
    backend_cuda::check_launch("soft_eval forward kernel");
    return outputs_;
  }

  // Same, for a row-major token matrix of networks * tokens rows.
  const matrix& forward(const row_matrix& tokens, int depth, const matrix& x, T temperature = T(1)) {
    if (tokens.rows() % layout::tokens != 0)
      throw shape_error("soft_eval::forward: token matrix has " + std::to_string(tokens.rows()) +
                        " rows, not a multiple of the " + std::to_string(layout::tokens) + " tokens per network");
    return forward(tokens.data(), static_cast<int>(tokens.rows() / layout::tokens), depth, tokens.cols(), x,
                   temperature);
  }

  const matrix& outputs() const { return outputs_; }

  // Given dL/d outputs (N x networks*Outputs, device), writes dL/d tokens into the device pointer `grad_tokens`
  // (same layout and stride as the forward tokens; every slot of width(depth) is written) and, if `grad_inputs` is
  // given, dL/dx (N x Inputs, summed over the networks).
  void backward(const matrix& grad_outputs, T* grad_tokens, matrix* grad_inputs = nullptr) {
    namespace soft = backend_cuda::soft;
    if (tokens_ == nullptr) throw value_error("soft_eval::backward: call forward first");
    if (grad_outputs.rows() != outputs_.rows() || grad_outputs.cols() != outputs_.cols())
      throw shape_error("soft_eval::backward: grad_outputs is " + std::to_string(grad_outputs.rows()) + "x" +
                        std::to_string(grad_outputs.cols()) + ", expected " + std::to_string(outputs_.rows()) + "x" +
                        std::to_string(outputs_.cols()) + " like the forward outputs");
    const index n = x_->rows();
    const index tiles = soft::tiles_for(n);
    const auto cols = soft::columns<S>::make(depth_);
    const bool want_inputs = grad_inputs != nullptr;
    reached_.reserve_discard(static_cast<std::size_t>(networks_));
    partial_.reserve_discard(static_cast<std::size_t>(networks_) * static_cast<std::size_t>(tiles) *
                             soft::shape<S>::targets);
    if (want_inputs) grad_x_.resize(n, static_cast<index>(networks_) * S::inputs);

    soft::kernels::any_nonzero<T><<<static_cast<unsigned>(networks_), 256>>>(grad_outputs.data(), n, S::outputs,
                                                                             reached_.data());
    backend_cuda::check_launch("soft_eval backward (reached networks) kernel");
    const dim3 grid(static_cast<unsigned>(tiles), static_cast<unsigned>(networks_));
    soft::kernels::soft_eval_backward<S, T><<<grid, soft::tile_threads>>>(
        tokens_, stride_, cols, depth_, temperature_, x_->data(), n, grad_outputs.data(), reached_.data(),
        partial_.data(), want_inputs ? grad_x_.data() : nullptr);
    backend_cuda::check_launch("soft_eval backward kernel");
    soft::kernels::finish_gradients<S, T><<<static_cast<unsigned>(networks_), soft::finish_threads>>>(
        tokens_, stride_, cols, depth_, temperature_, partial_.data(), tiles, reached_.data(), grad_tokens, nullptr,
        nullptr, 1.0);
    backend_cuda::check_launch("soft_eval backward (gradient slots) kernel");
    if (want_inputs) {
      grad_inputs->resize(n, S::inputs);
      soft::kernels::sum_input_gradients<T><<<backend_cuda::grid_for(n * S::inputs), backend_cuda::elementwise_threads>>>(
          grad_x_.data(), n, S::inputs, networks_, grad_inputs->data());
      backend_cuda::check_launch("soft_eval backward (input gradients) kernel");
    }
  }

  void backward(const matrix& grad_outputs, row_matrix& grad_tokens, matrix* grad_inputs = nullptr) {
    if (tokens_ == nullptr) throw value_error("soft_eval::backward: call forward first");
    if (grad_tokens.rows() != static_cast<index>(networks_) * layout::tokens || grad_tokens.cols() != stride_)
      throw shape_error("soft_eval::backward: grad_tokens is " + std::to_string(grad_tokens.rows()) + "x" +
                        std::to_string(grad_tokens.cols()) + ", expected the forward token matrix's shape " +
                        std::to_string(networks_ * layout::tokens) + "x" + std::to_string(stride_));
    backward(grad_outputs, grad_tokens.data(), grad_inputs);
  }

  // Matmul floating-point operations of one forward pass (multiply-add = 2), for benchmarks (as the CPU one).
  static double forward_flops(int networks, int depth, index points) {
    double per_point = 2.0 * S::inputs * width + 2.0 * (depth - 1) * width * width + 2.0 * width * S::outputs;
    return per_point * static_cast<double>(points) * networks;
  }

 private:
  const T* tokens_ = nullptr;
  const matrix* x_ = nullptr;
  int networks_ = 0;
  int depth_ = 0;
  index stride_ = 0;
  T temperature_ = T(1);
  matrix outputs_;
  matrix grad_x_;
  backend_cuda::device_buffer<T> partial_;
  backend_cuda::device_buffer<int> reached_;
};

}  // namespace swatnn
