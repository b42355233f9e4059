// swatnn/network/soft_eval.hpp: differentiable evaluation of a batch of decoded networks on a batch of points
// (SWAT-NN's functional loss, method.md §4): hidden output
//     h_j = sigmoid(mask_logit_j) * sum_k softmax(activation_logits_j / T)_k * act_k(pre_j),
// first layer reading the Inputs weight rows only. The networks are read in place from a token matrix (decoder
// output); backward writes the gradient with the same layout (every slot of width(D); padding slots get 0) and
// optionally the gradient with respect to the shared input points.
// Parallel across networks (OpenMP); workspaces are sized on the first call for a shape and reused, so calls
// after warm-up allocate nothing.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

template <network_spec_type S, class T = float, class Backend = cpu>
class soft_eval;

template <network_spec_type S, class T>
class soft_eval<S, T, cpu> {
 public:
  using layout = token_layout<S>;
  using matrix = cpu::matrix<T>;
  static constexpr int width = S::max_width;

  // Evaluates `networks` networks stored back to back from `tokens` (row-major; network b starts at row
  // b * layout::tokens; rows are `row_stride` apart; the first width(depth) columns are read) on the points `x`
  // (N x Inputs) with activation temperature `temperature`. Returns N x (networks * Outputs); network b owns
  // columns [b * Outputs, (b + 1) * Outputs). `tokens` and `x` must stay alive until backward.
  const matrix& forward(const T* tokens, int networks, int depth, Eigen::Index row_stride, const matrix& x,
                        T temperature = T(1)) {
    check_forward(networks, depth, row_stride, x, temperature);
    tokens_ = tokens;
    x_ = &x;
    networks_ = networks;
    depth_ = depth;
    stride_ = row_stride;
    temperature_ = temperature;
    reserve(x.rows());

#pragma omp parallel for schedule(static) if (networks_ > 1)
    for (int b = 0; b < networks; ++b) forward_one(b);
    return outputs_;
  }

  // Same, for a row-major token matrix of networks * tokens rows.
  const matrix& forward(const cpu::row_matrix<T>& tokens, int depth, const matrix& x, T temperature = T(1)) {
    if (tokens.rows() % layout::tokens != 0)
      throw shape_error("soft_eval::forward: token matrix has " + std::to_string(tokens.rows()) +
                        " rows, not a multiple of the " + std::to_string(layout::tokens) + " tokens per network");
    return forward(tokens.data(), static_cast<int>(tokens.rows() / layout::tokens), depth, tokens.cols(), x,
                   temperature);
  }

  const matrix& outputs() const { return outputs_; }

  // Given dL/d outputs (N x networks*Outputs), writes dL/d tokens into `grad_tokens` (same layout and stride as
  // the forward tokens; every slot of width(depth) is written) and, if `grad_inputs` is given, dL/dx (N x Inputs,
  // summed over the networks).
  void backward(const matrix& grad_outputs, T* grad_tokens, matrix* grad_inputs = nullptr) {
    if (tokens_ == nullptr) throw value_error("soft_eval::backward: call forward first");
    if (grad_outputs.rows() != outputs_.rows() || grad_outputs.cols() != outputs_.cols())
      throw shape_error("soft_eval::backward: grad_outputs is " + std::to_string(grad_outputs.rows()) + "x" +
                        std::to_string(grad_outputs.cols()) + ", expected " + std::to_string(outputs_.rows()) + "x" +
                        std::to_string(outputs_.cols()) + " like the forward outputs");
    const bool want_inputs = grad_inputs != nullptr;
#pragma omp parallel for schedule(static) if (networks_ > 1)
    for (int b = 0; b < networks_; ++b) backward_one(b, grad_outputs, grad_tokens, want_inputs);
    if (want_inputs) {
      grad_inputs->resize(x_->rows(), S::inputs);
      grad_inputs->setZero();
      for (int b = 0; b < networks_; ++b) *grad_inputs += grad_x_.middleCols(static_cast<Eigen::Index>(b) * S::inputs, S::inputs);
    }
  }

  void backward(const matrix& grad_outputs, cpu::row_matrix<T>& grad_tokens, matrix* grad_inputs = nullptr) {
    if (tokens_ == nullptr) throw value_error("soft_eval::backward: call forward first");
    if (grad_tokens.rows() != static_cast<Eigen::Index>(networks_) * layout::tokens || grad_tokens.cols() != stride_)
      throw shape_error("soft_eval::backward: grad_tokens is " + std::to_string(grad_tokens.rows()) + "x" +
                        std::to_string(grad_tokens.cols()) + ", expected the forward token matrix's shape " +
                        std::to_string(networks_ * layout::tokens) + "x" + std::to_string(stride_));
    backward(grad_outputs, grad_tokens.data(), grad_inputs);
  }

  // Matmul floating-point operations of one forward pass (multiply-add = 2), for benchmarks.
  static double forward_flops(int networks, int depth, Eigen::Index points) {
    double per_point = 2.0 * S::inputs * width + 2.0 * (depth - 1) * width * width + 2.0 * width * S::outputs;
    return per_point * static_cast<double>(points) * networks;
  }

 private:
  using network = network_view<S, const T>;
  using grad_network = network_view<S, T>;

  void check_forward(int networks, int depth, Eigen::Index row_stride, const matrix& x, T temperature) const {
    if (networks < 1) throw value_error("soft_eval::forward: networks must be >= 1, got " + std::to_string(networks));
    layout::check_depth(depth, "soft_eval::forward");
    if (row_stride < layout::width(depth))
      throw shape_error("soft_eval::forward: row stride " + std::to_string(row_stride) + " is narrower than the " +
                        std::to_string(layout::width(depth)) + " columns of a depth-" + std::to_string(depth) + " network");
    if (x.cols() != S::inputs || x.rows() < 1)
      throw shape_error("soft_eval::forward: points are " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                        ", expected N x " + std::to_string(S::inputs) + " with N >= 1");
    if (!(temperature > T(0)) || !std::isfinite(static_cast<double>(temperature)))
      throw value_error("soft_eval::forward: temperature must be finite and > 0");
  }

  void reserve(Eigen::Index points) {
    const Eigen::Index cols = static_cast<Eigen::Index>(networks_) * width;
    for (int l = 0; l < S::max_depth; ++l) {
      if (l < depth_) {
        pre_[l].resize(points, cols);
        post_[l].resize(points, cols);
        sigmoid_[l].resize(points, cols);
        tanh_[l].resize(points, cols);
      }
    }
    outputs_.resize(points, static_cast<Eigen::Index>(networks_) * S::outputs);
    grad_post_.resize(points, cols);
    grad_pre_.resize(points, cols);
    grad_x_.resize(points, static_cast<Eigen::Index>(networks_) * S::inputs);
    gates_.resize(static_cast<std::size_t>(networks_) * S::max_depth * width * (1 + activation_count));
  }

  network view(int b) const { return network(tokens_ + static_cast<Eigen::Index>(b) * layout::tokens * stride_, depth_, stride_); }

  // gate[0] = sigmoid(mask logit), gate[1..3] = softmax(activation logits / T) for neuron j of layer l.
  T* gate(int b, int l, int j) {
    return gates_.data() + ((static_cast<std::size_t>(b) * S::max_depth + l) * width + j) * (1 + activation_count);
  }

  template <class M>
  static auto block_of(M& m, int b, int cols) {
    return m.middleCols(static_cast<Eigen::Index>(b) * cols, cols);
  }

  void forward_one(int b) {
    const network net = view(b);
    for (int l = 0; l < depth_; ++l) {
      auto pre = block_of(pre_[l], b, width);
      if (l == 0)
        pre.noalias() = x_->lazyProduct(net.weights(0));
      else
        pre.noalias() = block_of(post_[l - 1], b, width).lazyProduct(net.weights(l));
      pre.rowwise() += net.bias(l).transpose();

      const auto logits = net.activation_logits(l);
      const auto masks = net.mask_logits(l);
      auto post = block_of(post_[l], b, width);
      for (int j = 0; j < width; ++j) {
        T* g = gate(b, l, j);
        g[0] = T(1) / (T(1) + std::exp(-masks(j)));
        const T top = logits.row(j).maxCoeff();
        T sum = 0;
        for (int k = 0; k < activation_count; ++k) sum += (g[1 + k] = std::exp((logits(j, k) - top) / temperature_));
        for (int k = 0; k < activation_count; ++k) g[1 + k] /= sum;
        const auto p = pre.col(j).array();
        auto sig = block_of(sigmoid_[l], b, width).col(j).array();
        auto th = block_of(tanh_[l], b, width).col(j).array();
        sig = p.logistic();
        th = p.tanh();
        post.col(j).array() = g[0] * (g[1] * sig + g[2] * th + g[3] * p.max(T(leaky_relu_slope) * p));
      }
    }
    auto y = block_of(outputs_, b, S::outputs);
    y.noalias() = block_of(post_[depth_ - 1], b, width).lazyProduct(net.output_weights());
    y.rowwise() += net.output_bias().transpose();
  }

  // One pass over a neuron's points: sums[k] = sum_n d_n act_k(p_n) and dp_n = d_n m sum_k s_k act_k'(p_n).
  // `omp simd` lets the compiler vectorize the three reductions (a fixed order for a given build).
  static void mix_backward(const T* p, const T* sig, const T* th, const T* d, T* dp, Eigen::Index n, const T* g,
                           T* sums) {
    const T m = g[0], s0 = g[1] * m, s1 = g[2] * m, s2 = g[3] * m;
    const T slope = T(leaky_relu_slope);
    T sum0 = 0, sum1 = 0, sum2 = 0;
#pragma omp simd reduction(+ : sum0, sum1, sum2)
    for (Eigen::Index i = 0; i < n; ++i) {
      const T x = p[i], a = sig[i], t = th[i], u = d[i];
      const T leaky_gradient = x > T(0) ? T(1) : slope;
      sum0 += u * a;
      sum1 += u * t;
      sum2 += u * x * leaky_gradient;
      dp[i] = u * (s0 * a * (T(1) - a) + s1 * (T(1) - t * t) + s2 * leaky_gradient);
    }
    sums[0] = sum0;
    sums[1] = sum1;
    sums[2] = sum2;
  }

  void backward_one(int b, const matrix& grad_outputs, T* grad_tokens, bool want_inputs) {
    const network net = view(b);
    T* grad_base = grad_tokens + static_cast<Eigen::Index>(b) * layout::tokens * stride_;
    for (int r = 0; r < layout::tokens; ++r) std::fill_n(grad_base + r * stride_, layout::width(depth_), T(0));
    grad_network grad(grad_base, depth_, stride_);

    const auto dy = block_of(grad_outputs, b, S::outputs);
    auto dh = block_of(grad_post_, b, width);
    auto dp = block_of(grad_pre_, b, width);
    grad.output_weights().noalias() = block_of(post_[depth_ - 1], b, width).transpose().lazyProduct(dy);
    grad.output_bias() = dy.colwise().sum().transpose();
    dh.noalias() = dy.lazyProduct(net.output_weights().transpose());

    for (int l = depth_ - 1; l >= 0; --l) {
      const auto pre = block_of(pre_[l], b, width);
      auto grad_logits = grad.activation_logits(l);
      auto grad_masks = grad.mask_logits(l);
      for (int j = 0; j < width; ++j) {
        const T* g = gate(b, l, j);
        T sums[activation_count];
        mix_backward(pre.col(j).data(), block_of(sigmoid_[l], b, width).col(j).data(),
                     block_of(tanh_[l], b, width).col(j).data(), dh.col(j).data(), dp.col(j).data(), pre.rows(), g,
                     sums);
        // With h = m * mix, mix = sum_k s_k act_k: dL/dm = sum_k s_k sum(d act_k), dL/ds_k = m sum(d act_k).
        const T dm = g[1] * sums[0] + g[2] * sums[1] + g[3] * sums[2];
        grad_masks(j) = dm * g[0] * (T(1) - g[0]);
        // softmax(logits / T) backward: dL/dlogit_k = s_k (dL/ds_k - sum_i s_i dL/ds_i) / T, dL/ds = m * sums.
        for (int k = 0; k < activation_count; ++k) grad_logits(j, k) = g[0] * g[1 + k] * (sums[k] - dm) / temperature_;
      }
      grad.bias(l) = dp.colwise().sum().transpose();
      if (l == 0) {
        grad.weights(0).noalias() = x_->transpose().lazyProduct(dp);
        if (want_inputs) block_of(grad_x_, b, S::inputs).noalias() = dp.lazyProduct(net.weights(0).transpose());
      } else {
        grad.weights(l).noalias() = block_of(post_[l - 1], b, width).transpose().lazyProduct(dp);
        dh.noalias() = dp.lazyProduct(net.weights(l).transpose());
      }
    }
  }

  const T* tokens_ = nullptr;
  const matrix* x_ = nullptr;
  int networks_ = 0;
  int depth_ = 0;
  Eigen::Index stride_ = 0;
  T temperature_ = T(1);
  matrix pre_[S::max_depth];
  matrix post_[S::max_depth];
  matrix sigmoid_[S::max_depth];  // sigmoid and tanh of the pre-activations, kept for backward
  matrix tanh_[S::max_depth];
  matrix outputs_;
  matrix grad_post_;
  matrix grad_pre_;
  matrix grad_x_;
  std::vector<T> gates_;
};

}  // namespace swatnn
