// swatnn/backend/cuda/search_gates.cuh: the CUDA backend's search_gates (search/search_gates.hpp): the latent search's
// gates on a level's decoded networks, forward and backward, with the interface and the math of the CPU one
// (backend/cpu/search_gates.hpp), one thread block per latent, one thread per slot:
//   forward:  W~ = W sigmoid(k (|W| - t)) on every weight and output weight, masks m~ = k_n (sigmoid(m) - 0.5);
//             biases and activation logits pass through (gated is a copy of decoded first).
//   backward: dW += dW~ (s + W s (1 - s) k sign(W)), dt -= sum dW~ W s (1 - s) k, dm += dm~ k_n sigma(m)(1 - sigma(m)),
//             d bias += d bias~, d logits += d logits~ (s = sigmoid(k (|W| - t))).
// The decoded, gated and gradient matrices are device memory; the thresholds and their gradients are host memory
// (one value per latent, where the search and its optimizer keep them): forward and backward upload the thresholds,
// and backward adds each latent's threshold gradient, summed on the device in a fixed tree order, to the host value
// (a synchronizing copy of `latents` values).
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <vector>

#include <swatnn/backend/cuda/elementwise.cuh>
#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/backend/cuda/soft_eval_kernels.cuh>
#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

namespace backend_cuda::gates {

inline constexpr int threads = 128;  // a power of two (the threshold gradient's tree)

// The weight slots of a network (hidden layers' fan-in x width, then the output weights width x outputs) as one
// range: item e -> its offset from the network's row 0, column 0.
template <class S>
struct weight_items {
  static constexpr int W = S::max_width, I = S::inputs, O = S::outputs;
  SWATNN_HOST_DEVICE static int count(int depth) { return I * W + (depth - 1) * W * W + W * O; }
  SWATNN_HOST_DEVICE static index offset(int e, int depth, index stride, const soft::columns<S>& c) {
    if (e < I * W) return (e / W) * stride + c.weight[0] + e % W;
    e -= I * W;
    if (e < (depth - 1) * W * W) {
      const int l = 1 + e / (W * W), r = e % (W * W);
      return (r / W) * stride + c.weight[l] + r % W;
    }
    e -= (depth - 1) * W * W;
    return (e / O) * stride + c.output_weight + e % O;
  }
};

// One network's gates (its row 0 at decoded / gated), thread `tid` of `threads`: host and device code.
template <class S, class T>
SWATNN_HOST_DEVICE void network_forward(const T* decoded, T* gated, index stride, const soft::columns<S>& c, int depth,
                                        T t, T k, T kn, int tid, int threads) {
  using items = weight_items<S>;
  const int count = items::count(depth);
  for (int e = tid; e < count; e += threads) {
    const index at = items::offset(e, depth, stride, c);
    const T w = decoded[at];
    gated[at] = w * soft::logistic(k * (soft::abs_(w) - t));
  }
  for (int e = tid; e < depth * S::max_width; e += threads) {
    const int l = e / S::max_width, j = e % S::max_width;
    const index at = j * stride + c.mask[l];
    gated[at] = kn * (soft::logistic(decoded[at]) - T(0.5));
  }
}

// One network's backward through the gates (adds into grad_decoded); returns this thread's part of
// sum dW~ W s (1 - s) k over the weight slots (the threshold's gradient is minus the total).
template <class S, class T>
SWATNN_HOST_DEVICE T network_backward(const T* decoded, const T* grad_gated, T* grad_decoded, index stride,
                                      const soft::columns<S>& c, int depth, T t, T k, T kn, int tid, int threads) {
  using items = weight_items<S>;
  constexpr int W = S::max_width;
  T sum = 0;
  const int count = items::count(depth);
  for (int e = tid; e < count; e += threads) {
    const index at = items::offset(e, depth, stride, c);
    const T x = decoded[at], s = T(1) / (T(1) + soft::exp_(-k * (soft::abs_(x) - t)));
    const T ds = s * (T(1) - s) * k;
    const T up = grad_gated[at];
    grad_decoded[at] += up * (s + x * ds * (x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0))));
    sum += up * x * ds;
  }
  for (int e = tid; e < depth * W; e += threads) {  // biases and masks
    const int l = e / W, j = e % W;
    const index row = j * stride;
    grad_decoded[row + c.bias[l]] += grad_gated[row + c.bias[l]];
    const T m = T(1) / (T(1) + soft::exp_(-decoded[row + c.mask[l]]));
    grad_decoded[row + c.mask[l]] += grad_gated[row + c.mask[l]] * kn * m * (T(1) - m);
  }
  for (int e = tid; e < depth * W * activation_count; e += threads) {  // activation logits
    const int l = e / (W * activation_count), r = e % (W * activation_count);
    const index at = (r / activation_count) * stride + c.activation[l] + r % activation_count;
    grad_decoded[at] += grad_gated[at];
  }
  for (int o = tid; o < S::outputs; o += threads) {
    const index at = o * stride + c.output_bias;
    grad_decoded[at] += grad_gated[at];
  }
  return sum;
}

namespace kernels {

template <class S, class T>
__global__ void __launch_bounds__(threads) forward(const T* decoded, T* gated, index stride, soft::columns<S> c,
                                                   int depth, const T* thresholds, T k, T kn) {
  const index base = static_cast<index>(blockIdx.x) * S::max_width * stride;
  network_forward<S, T>(decoded + base, gated + base, stride, c, depth, thresholds[blockIdx.x], k, kn,
                        static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x));
}

// threshold_sums[b] = sum over latent b's weight slots of dW~ W s (1 - s) k (the caller subtracts it), added in a
// fixed tree order.
template <class S, class T>
__global__ void __launch_bounds__(threads) backward(const T* decoded, const T* grad_gated, T* grad_decoded,
                                                    index stride, soft::columns<S> c, int depth, const T* thresholds,
                                                    T* threshold_sums, T k, T kn) {
  __shared__ T part[threads];
  const index base = static_cast<index>(blockIdx.x) * S::max_width * stride;
  part[threadIdx.x] = network_backward<S, T>(decoded + base, grad_gated + base, grad_decoded + base, stride, c, depth,
                                             thresholds[blockIdx.x], k, kn, static_cast<int>(threadIdx.x),
                                             static_cast<int>(blockDim.x));
  __syncthreads();
  for (int half = threads / 2; half > 0; half >>= 1) {
    if (static_cast<int>(threadIdx.x) < half) part[threadIdx.x] += part[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) threshold_sums[blockIdx.x] = part[0];
}

}  // namespace kernels
}  // namespace backend_cuda::gates

template <network_spec_type S, class T>
class cuda_search_gates {
 public:
  using row_matrix = backend_cuda::row_matrix<T>;
  using layout = token_layout<S>;
  using index = backend_cuda::index;

  // gated (resized like decoded) = the gates of `latents` networks of depth `depth`, latent b with threshold
  // thresholds[b] (host memory).
  void forward(const row_matrix& decoded, row_matrix& gated, const T* thresholds, int latents, int depth, T k, T kn) {
    check("search_gates::forward", decoded, latents, depth);
    gated.resize(decoded.rows(), decoded.cols());
    backend_cuda::copy(gated, decoded);
    upload_thresholds(thresholds, latents);
    namespace g = backend_cuda::gates;
    g::kernels::forward<S, T><<<static_cast<unsigned>(latents), g::threads>>>(
        decoded.data(), gated.data(), decoded.cols(), backend_cuda::soft::columns<S>::make(depth), depth,
        thresholds_.data(), k, kn);
    backend_cuda::check_launch("search_gates forward kernel");
  }

  // Adds the gradient through the gates: grad_gated -> grad_decoded (every gated slot, device memory) and
  // grad_thresholds[b] (host memory).
  void backward(const row_matrix& decoded, const row_matrix& grad_gated, row_matrix& grad_decoded, const T* thresholds,
                T* grad_thresholds, int latents, int depth, T k, T kn) {
    check("search_gates::backward", decoded, latents, depth);
    auto same = [&](const row_matrix& m, const char* name) {
      if (m.rows() != decoded.rows() || m.cols() != decoded.cols())
        throw shape_error(std::string("search_gates::backward: ") + name + " is " + std::to_string(m.rows()) + "x" +
                          std::to_string(m.cols()) + ", expected the decoded matrix's " +
                          std::to_string(decoded.rows()) + "x" + std::to_string(decoded.cols()));
    };
    same(grad_gated, "grad_gated");
    same(grad_decoded, "grad_decoded");
    upload_thresholds(thresholds, latents);
    sums_.reserve_discard(static_cast<std::size_t>(latents));
    namespace g = backend_cuda::gates;
    g::kernels::backward<S, T><<<static_cast<unsigned>(latents), g::threads>>>(
        decoded.data(), grad_gated.data(), grad_decoded.data(), decoded.cols(),
        backend_cuda::soft::columns<S>::make(depth), depth, thresholds_.data(), sums_.data(), k, kn);
    backend_cuda::check_launch("search_gates backward kernel");
    if (host_sums_.size() < static_cast<std::size_t>(latents)) host_sums_.resize(static_cast<std::size_t>(latents));
    backend_cuda::memcpy_checked(host_sums_.data(), sums_.data(), static_cast<std::size_t>(latents) * sizeof(T),
                                 cudaMemcpyDeviceToHost, "cudaMemcpy (search_gates: threshold gradients to the host)");
    for (int b = 0; b < latents; ++b) grad_thresholds[b] -= host_sums_[static_cast<std::size_t>(b)];
  }

 private:
  static void check(const char* where, const row_matrix& decoded, int latents, int depth) {
    layout::check_depth(depth, where);
    if (latents < 1) throw value_error(std::string(where) + ": latents must be >= 1, got " + std::to_string(latents));
    if (decoded.rows() < static_cast<index>(latents) * layout::tokens || decoded.cols() < layout::width(depth))
      throw shape_error(std::string(where) + ": the decoded matrix is " + std::to_string(decoded.rows()) + "x" +
                        std::to_string(decoded.cols()) + ", too small for " + std::to_string(latents) +
                        " networks of " + std::to_string(layout::tokens) + " tokens x " +
                        std::to_string(layout::width(depth)) + " columns (depth " + std::to_string(depth) + ")");
  }
  void upload_thresholds(const T* thresholds, int latents) {
    thresholds_.reserve_discard(static_cast<std::size_t>(latents));
    backend_cuda::memcpy_checked(thresholds_.data(), thresholds, static_cast<std::size_t>(latents) * sizeof(T),
                                 cudaMemcpyHostToDevice, "cudaMemcpy (search_gates: thresholds to the device)");
  }

  backend_cuda::device_buffer<T> thresholds_;
  backend_cuda::device_buffer<T> sums_;
  std::vector<T> host_sums_;
};

}  // namespace swatnn
