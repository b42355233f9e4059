// swatnn/backend/cpu/soft_eval.hpp: the CPU backend's soft_eval (network/soft_eval.hpp): differentiable evaluation
// of a batch of decoded networks on a batch of points
// (SWAT-NN's functional loss, method.md §4): hidden output
//     h_j = sigmoid(mask_logit_j) * sum_k softmax(activation_logits_j / T)_k * act_k(pre_j),
// first layer reading the Inputs weight rows only. The networks are read in place from a token matrix (decoder
// output); backward writes the gradient with the same layout (every slot of width(D); padding slots get 0) and
// optionally the gradient with respect to the shared input points.
// Parallel across networks (OpenMP); workspaces are sized on the first call for a shape and reused, so calls
// after warm-up allocate nothing. Each network is evaluated with subnormal floats flushed to zero
// (backend/cpu/flush_denormals.hpp: sharpened mask gates produce them, and they are slow on Intel cores).
// Backward skips a network whose output gradient is exactly 0 at every point (under the paper's hard minimum over
// scale levels, 3 of 4 levels' networks): its slots get exact zeros without the pass.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <utility>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cpu/flush_denormals.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/backend/cpu/soft_eval_kernels.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

template <network_spec_type S, class T>
class cpu_soft_eval {
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
    detail::soft::check_points<S>("soft_eval::forward", networks, depth, row_stride, x, temperature);
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
  const T* gate(int b, int l, int j) const { return const_cast<cpu_soft_eval*>(this)->gate(b, l, j); }

  // Column c of a column-major workspace.
  static const T* col(const matrix& m, Eigen::Index c) { return m.data() + c * m.rows(); }
  static T* col(matrix& m, Eigen::Index c) { return m.data() + c * m.rows(); }

  // The neurons of layer l (or every input for l < 0) that are not off: their indices, and their count.
  int active(int b, int l, int fan, int* index) const {
    int count = 0;
    for (int k = 0; k < fan; ++k)
      if (l < 0 || !detail::soft::off(gate(b, l, k))) index[count++] = k;
    return count;
  }

  // Hidden layer l of network b: pre-activations, the activations the neuron's softmax uses, and the mixed output.
  template <int FanIn>
  void hidden_forward(const network& net, int b, int l, const T* const* in) {
    const Eigen::Index n = x_->rows();
    const auto weights = net.weights(l);
    const auto bias = net.bias(l);
    const auto logits = net.activation_logits(l);
    const auto masks = net.mask_logits(l);
    int from[FanIn];  // the inputs that are not exactly 0 (switched-off neurons of the layer below are)
    const int count = active(b, l - 1, FanIn, from);
    const T* in_active[FanIn];
    for (int i = 0; i < count; ++i) in_active[i] = in[from[i]];
    for (int j = 0; j < width; ++j) {
      T* g = gate(b, l, j);
      detail::soft::neuron_gates(masks(j), logits.row(j), temperature_, g);

      if (detail::soft::off(g)) continue;  // its output is exactly 0: the layer above and the backward pass leave it out
      const Eigen::Index c = static_cast<Eigen::Index>(b) * width + j;
      T w[FanIn];
      for (int i = 0; i < count; ++i) w[i] = weights(from[i], j);
      T* pre = col(pre_[l], c);
      detail::soft::combine_n<FanIn>(count, in_active, w, bias(j), n, pre);

      detail::soft::activate(pre, col(sigmoid_[l], c), col(tanh_[l], c), col(post_[l], c), n, g);
    }
  }

  // Pointers to the width columns of network b in a points x (networks * width) workspace.
  template <class M>
  static auto columns_of(M& m, int b) {
    using pointer = decltype(col(m, 0));
    std::array<pointer, width> cols{};
    for (int j = 0; j < width; ++j) cols[j] = col(m, static_cast<Eigen::Index>(b) * width + j);
    return cols;
  }

  void forward_one(int b) {
    const flush_denormals flush;
    const network net = view(b);
    const Eigen::Index n = x_->rows();
    const T* inputs[S::inputs];
    for (int k = 0; k < S::inputs; ++k) inputs[k] = col(*x_, k);
    hidden_forward<S::inputs>(net, b, 0, inputs);
    for (int l = 1; l < depth_; ++l) hidden_forward<width>(net, b, l, columns_of(std::as_const(post_[l - 1]), b).data());
    const auto last = columns_of(std::as_const(post_[depth_ - 1]), b);
    int from[width] = {};
    const int count = active(b, depth_ - 1, width, from);
    const T* last_active[width] = {};
    for (int i = 0; i < count; ++i) last_active[i] = last[from[i]];
    const auto wo = net.output_weights();
    for (int o = 0; o < S::outputs; ++o) {
      T w[width];
      for (int i = 0; i < count; ++i) w[i] = wo(from[i], o);
      detail::soft::combine_n<width>(count, last_active, w, net.output_bias()(o), n,
                       col(outputs_, static_cast<Eigen::Index>(b) * S::outputs + o));
    }
  }

  // Whether the output gradient columns are exactly 0 at every point.
  static bool all_zero(const T* const (&dy)[S::outputs], Eigen::Index n) {
    for (const T* d : dy)
      if (!(Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>(d, n) == T(0)).all()) return false;
    return true;
  }

  // dL/dW (fan-in x width) and dL/dinputs of a layer from dp, given its inputs' columns.
  template <int FanIn>
  void layer_backward(const T* const* in, const T* const* dp, const network& net, grad_network& grad, int b, int l,
                      T* const* grad_in) const {
    const Eigen::Index n = x_->rows();
    // an input that is exactly 0 gets weight gradients of 0, and a neuron of this layer that is off has dp = 0
    int from[FanIn], to[width];
    const int inputs = active(b, l - 1, FanIn, from), neurons = active(b, l, width, to);
    const T* in_active[FanIn];
    const T* dp_active[width] = {};
    for (int i = 0; i < inputs; ++i) in_active[i] = in[from[i]];
    for (int i = 0; i < neurons; ++i) dp_active[i] = dp[to[i]];
    auto gw = grad.weights(l);  // zeroed by backward_one
    for (int i = 0; i < neurons; ++i) {
      T acc[FanIn] = {};
      detail::soft::dots_n<FanIn>(inputs, in_active, dp_active[i], n, acc);
      for (int k = 0; k < inputs; ++k) gw(from[k], to[i]) = acc[k];
    }
    if (grad_in == nullptr) return;
    const auto weights = net.weights(l);
    // dL/d input k; a switched-off neuron of the layer below never reads its own
    for (int k = 0; k < inputs; ++k) {
      T w[width];
      for (int i = 0; i < neurons; ++i) w[i] = weights(from[k], to[i]);
      detail::soft::combine_n<width>(neurons, dp_active, w, T(0), n, grad_in[from[k]]);
    }
  }

  void backward_one(int b, const matrix& grad_outputs, T* grad_tokens, bool want_inputs) {
    const flush_denormals flush;
    const network net = view(b);
    const Eigen::Index n = x_->rows();
    T* grad_base = grad_tokens + static_cast<Eigen::Index>(b) * layout::tokens * stride_;
    for (int r = 0; r < layout::tokens; ++r) std::fill_n(grad_base + r * stride_, layout::width(depth_), T(0));
    grad_network grad(grad_base, depth_, stride_);

    const T* dy[S::outputs];
    for (int o = 0; o < S::outputs; ++o) dy[o] = col(grad_outputs, static_cast<Eigen::Index>(b) * S::outputs + o);
    if (all_zero(dy, n)) {
      // a network the loss does not reach (a level that lost a hard minimum): every slot's gradient is exactly 0
      if (want_inputs)
        grad_x_.middleCols(static_cast<Eigen::Index>(b) * S::inputs, S::inputs).setZero();
      return;
    }
    const auto last = columns_of(std::as_const(post_[depth_ - 1]), b);
    const auto dh = columns_of(grad_post_, b);
    const auto dp = columns_of(grad_pre_, b);
    {
      auto gwo = grad.output_weights();
      const auto wo = net.output_weights();
      int from[width] = {};
      const int count = active(b, depth_ - 1, width, from);
      const T* last_active[width] = {};
      for (int i = 0; i < count; ++i) last_active[i] = last[from[i]];
      for (int o = 0; o < S::outputs; ++o) {
        T acc[width] = {};
        detail::soft::dots_n<width>(count, last_active, dy[o], n, acc);
        for (int i = 0; i < count; ++i) gwo(from[i], o) = acc[i];
        const T* d = dy[o];
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (Eigen::Index i = 0; i < n; ++i) s += d[i];
        grad.output_bias()(o) = s;
      }
      for (int i = 0; i < count; ++i) {  // a switched-off neuron never reads its dh
        T w[S::outputs];
        for (int o = 0; o < S::outputs; ++o) w[o] = wo(from[i], o);
        detail::soft::combine<S::outputs>(dy, w, T(0), n, dh[from[i]]);
      }
    }

    for (int l = depth_ - 1; l >= 0; --l) {
      auto grad_logits = grad.activation_logits(l);
      auto grad_masks = grad.mask_logits(l);
      auto grad_bias = grad.bias(l);
      for (int j = 0; j < width; ++j) {
        const T* g = gate(b, l, j);
        if (detail::soft::off(g)) continue;  // its slots stay 0, and its dh and dp are never read
        const Eigen::Index c = static_cast<Eigen::Index>(b) * width + j;
        const T *p = col(pre_[l], c), *sig = col(sigmoid_[l], c), *th = col(tanh_[l], c);
        T sums[4];
        detail::soft::mix_backward(p, sig, th, dh[j], dp[j], n, g, sums);
        detail::soft::gate_gradients(g, sums, temperature_, grad_masks(j), grad_logits.row(j));
        grad_bias(j) = sums[3];
      }
      if (l == 0) {
        const T* inputs[S::inputs];
        for (int k = 0; k < S::inputs; ++k) inputs[k] = col(*x_, k);
        T* gx[S::inputs];
        for (int k = 0; k < S::inputs; ++k) gx[k] = col(grad_x_, static_cast<Eigen::Index>(b) * S::inputs + k);
        layer_backward<S::inputs>(inputs, dp.data(), net, grad, b, 0, want_inputs ? gx : nullptr);
      } else {
        layer_backward<width>(columns_of(std::as_const(post_[l - 1]), b).data(), dp.data(), net, grad, b, l, dh.data());
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
