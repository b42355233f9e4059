// swatnn/network/sparse_eval.hpp: differentiable evaluation of one discrete sparse_network on a batch of points
// (hard activations, inactive neurons output 0), with a hand-written backward pass with respect to every weight
// and bias (and optionally the inputs). Used by fine_tune (search/fine_tune.hpp) to train the surviving weights
// of an extracted network. Forward equals sparse_network::predict up to float rounding (the same sums: predict uses
// Eigen's blocked product and std::exp / std::tanh, this one lazy products, so that it allocates nothing, and
// Eigen's vectorized logistic / tanh).
// Workspaces are sized on the first call for a number of points and reused: calls after warm-up allocate nothing.
#pragma once

#include <string>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S, class T = float>
class sparse_eval {
 public:
  using network = sparse_network<S, T>;
  using matrix = cpu::matrix<T>;
  static constexpr int width = S::max_width;

  // Outputs of `net` on the points `x` (N x Inputs, N >= 1): N x Outputs. `net` and `x` must stay alive and
  // unchanged until backward. The network is not validated here (callers validate once per run).
  const matrix& forward(const network& net, const matrix& x) {
    if (x.cols() != S::inputs || x.rows() < 1)
      throw shape_error("sparse_eval::forward: points are " + std::to_string(x.rows()) + "x" +
                        std::to_string(x.cols()) + ", expected N x " + std::to_string(S::inputs) + " with N >= 1");
    network::check_depth(net.depth, "sparse_eval::forward");
    net_ = &net;
    x_ = &x;
    reserve(x.rows(), net.depth);
    for (int l = 0; l < net.depth; ++l) {
      const auto& layer = net.layers[l];
      auto& pre = pre_[l];
      if (l == 0)
        pre.noalias() = x.lazyProduct(layer.weights);
      else
        pre.noalias() = post_[l - 1].lazyProduct(layer.weights);
      pre.rowwise() += layer.bias.transpose();
      auto& post = post_[l];
      for (int j = 0; j < width; ++j) {
        auto out = post.col(j);
        if (!layer.active[j]) {
          out.setZero();
          continue;
        }
        const auto p = pre.col(j).array();
        switch (layer.activations[j]) {  // Eigen's vectorized functions (within float rounding of std::exp / tanh)
          case activation::sigmoid: out.array() = p.logistic(); break;
          case activation::tanh: out.array() = p.tanh(); break;
          case activation::leaky_relu: out.array() = p.max(T(leaky_relu_slope) * p); break;
        }
      }
    }
    outputs_.noalias() = post_[net.depth - 1].lazyProduct(net.output_weights);
    outputs_.rowwise() += net.output_bias.transpose();
    return outputs_;
  }

  const matrix& outputs() const { return outputs_; }

  // Given dL/d outputs (N x Outputs), writes dL/d every weight and bias of the forward network into `grad`
  // (resized to the network's shapes on first use, then reused; slots of inactive neurons get 0) and, when
  // `grad_inputs` is given, dL/dx (N x Inputs).
  void backward(const matrix& grad_outputs, network& grad, matrix* grad_inputs = nullptr) {
    if (net_ == nullptr) throw value_error("sparse_eval::backward: call forward first");
    if (grad_outputs.rows() != outputs_.rows() || grad_outputs.cols() != S::outputs)
      throw shape_error("sparse_eval::backward: grad_outputs is " + std::to_string(grad_outputs.rows()) + "x" +
                        std::to_string(grad_outputs.cols()) + ", expected " + std::to_string(outputs_.rows()) + "x" +
                        std::to_string(S::outputs) + " like the forward outputs");
    const network& net = *net_;
    const int depth = net.depth;
    grad.depth = depth;
    for (int l = 0; l < S::max_depth; ++l) {
      auto& g = grad.layers[l];
      if (g.weights.rows() != S::layer_inputs(l) || g.weights.cols() != width) g.weights.resize(S::layer_inputs(l), width);
      if (g.bias.size() != width) g.bias.resize(width);
      g.activations = net.layers[l].activations;
      g.active = net.layers[l].active;
    }
    if (grad.output_weights.rows() != width || grad.output_weights.cols() != S::outputs)
      grad.output_weights.resize(width, S::outputs);
    if (grad.output_bias.size() != S::outputs) grad.output_bias.resize(S::outputs);

    grad.output_weights.noalias() = post_[depth - 1].transpose().lazyProduct(grad_outputs);
    grad.output_bias = grad_outputs.colwise().sum().transpose();
    grad_post_.noalias() = grad_outputs.lazyProduct(net.output_weights.transpose());
    for (int l = depth - 1; l >= 0; --l) {
      const auto& layer = net.layers[l];
      for (int j = 0; j < width; ++j) {
        auto dp = grad_pre_.col(j);
        if (!layer.active[j]) {
          dp.setZero();
          continue;
        }
        const auto dh = grad_post_.col(j);
        const auto p = pre_[l].col(j);
        const auto h = post_[l].col(j);
        switch (layer.activations[j]) {
          case activation::sigmoid: dp.array() = dh.array() * h.array() * (T(1) - h.array()); break;
          case activation::tanh: dp.array() = dh.array() * (T(1) - h.array().square()); break;
          case activation::leaky_relu:
            for (Eigen::Index n = 0; n < p.size(); ++n) dp(n) = dh(n) * leaky_relu_gradient(p(n));
            break;
        }
      }
      auto& g = grad.layers[l];
      g.bias = grad_pre_.colwise().sum().transpose();
      if (l == 0) {
        g.weights.noalias() = x_->transpose().lazyProduct(grad_pre_);
        if (grad_inputs != nullptr) {
          if (grad_inputs->rows() != x_->rows() || grad_inputs->cols() != S::inputs)
            grad_inputs->resize(x_->rows(), S::inputs);
          grad_inputs->noalias() = grad_pre_.lazyProduct(layer.weights.transpose());
        }
      } else {
        g.weights.noalias() = post_[l - 1].transpose().lazyProduct(grad_pre_);
        grad_post_.noalias() = grad_pre_.lazyProduct(layer.weights.transpose());
      }
    }
    for (int l = depth; l < S::max_depth; ++l) {
      grad.layers[l].weights.setZero();
      grad.layers[l].bias.setZero();
    }
  }

 private:
  void reserve(Eigen::Index points, int depth) {
    for (int l = 0; l < depth; ++l) {
      if (pre_[l].rows() != points) pre_[l].resize(points, width);
      if (post_[l].rows() != points) post_[l].resize(points, width);
    }
    if (outputs_.rows() != points) outputs_.resize(points, S::outputs);
    if (grad_post_.rows() != points) grad_post_.resize(points, width);
    if (grad_pre_.rows() != points) grad_pre_.resize(points, width);
  }

  const network* net_ = nullptr;
  const matrix* x_ = nullptr;
  matrix pre_[S::max_depth];
  matrix post_[S::max_depth];
  matrix outputs_;
  matrix grad_post_;
  matrix grad_pre_;
};

}  // namespace swatnn
