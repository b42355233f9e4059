// swatnn/baselines/darts_supernet.hpp: a DARTS supernet over the searched family (Liu, Simonyan, Yang, "DARTS:
// Differentiable Architecture Search", ICLR 2019), the architecture stage of the DARTS + ADMM baseline
// (baselines/darts_admm.hpp). Our own code, written from the paper's description:
//   - MaxDepth hidden layers of MaxWidth neurons, fully connected (weights W_l, biases b_l);
//   - every neuron's output is a softmax-weighted mix of the three activations (per-neuron logits alpha_{l,j});
//   - after every layer l a read-out head (V_l, c_l) gives y_l, and the output is the softmax(beta)-weighted mix
//     of the heads: the depth is a choice among 1..MaxDepth;
//   - first-order DARTS: alternating Adam steps, the weights on the training split's MSE, the architecture logits
//     (alpha, beta) on the validation split's MSE (the paper's first-order approximation, xi = 0);
//   - discretized by argmax: depth = argmax beta, each neuron's activation = argmax alpha; the result is a dense
//     sparse_network of that depth (all neurons active) with the supernet's weights and that depth's head.
// Forward and backward are in double; the gradients (weights and architecture logits) are checked against
// finite differences in tests/baselines/darts_admm.cpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn::baselines {

struct darts_options {
  int iterations = 1000;                        // alternating steps (one weight step + one architecture step each)
  adam weight_optimizer{.lr = 1e-2};            // on the training split's MSE
  adam architecture_optimizer{.lr = 1e-2};      // on the validation split's MSE
  std::uint64_t seed = 0;                       // initial weights (Xavier uniform); logits start at 0 (uniform mix)
  double init_gain = 1.0;                       // Xavier gain
};

template <network_spec_type S>
class darts_supernet {
 public:
  static constexpr int width = S::max_width, depths = S::max_depth, choices = activation_count;
  using matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using row_map = Eigen::Map<matrix>;
  using const_row_map = Eigen::Map<const matrix>;

  // Xavier-uniform weights (seeded, one stream per matrix), zero biases, zero architecture logits.
  explicit darts_supernet(std::uint64_t seed = 0, double gain = 1.0) {
    std::size_t offset = 0;
    for (int l = 0; l < depths; ++l) {
      weight_at_[l] = offset;
      offset += static_cast<std::size_t>(S::layer_inputs(l) * width);
      bias_at_[l] = offset;
      offset += width;
      head_at_[l] = offset;
      offset += static_cast<std::size_t>(width * S::outputs);
      head_bias_at_[l] = offset;
      offset += S::outputs;
    }
    weights.assign(offset, 0.0);
    architecture.assign(static_cast<std::size_t>(depths * width * choices + depths), 0.0);
    for (int l = 0; l < depths; ++l) {
      nn::xavier_uniform(std::span<double>(weights).subspan(weight_at_[l], static_cast<std::size_t>(S::layer_inputs(l) * width)),
                         static_cast<std::size_t>(S::layer_inputs(l)), width, nn::detail::mix_seed(seed, 2 * l), gain);
      nn::xavier_uniform(std::span<double>(weights).subspan(head_at_[l], static_cast<std::size_t>(width * S::outputs)),
                         width, S::outputs, nn::detail::mix_seed(seed, 2 * l + 1), gain);
    }
  }

  std::vector<double> weights;       // per layer l: W_l (fan-in x width, row-major), b_l, V_l (width x outputs), c_l
  std::vector<double> architecture;  // alpha (depth, neuron, activation), then beta (one logit per depth)

  // Views of the parameters.
  const_row_map layer_weights(int l) const { return {weights.data() + weight_at_[l], S::layer_inputs(l), width}; }
  const double* layer_bias(int l) const { return weights.data() + bias_at_[l]; }
  const_row_map head_weights(int l) const { return {weights.data() + head_at_[l], width, S::outputs}; }
  const double* head_bias(int l) const { return weights.data() + head_bias_at_[l]; }
  double alpha(int l, int j, int a) const { return architecture[alpha_index(l, j, a)]; }
  double beta(int l) const { return architecture[static_cast<std::size_t>(depths * width * choices + l)]; }

  // softmax(alpha_{l,j}) and softmax(beta).
  std::array<double, choices> activation_weights(int l, int j) const {
    std::array<double, choices> p{};
    double top = alpha(l, j, 0);
    for (int a = 1; a < choices; ++a) top = std::max(top, alpha(l, j, a));
    double sum = 0;
    for (int a = 0; a < choices; ++a) sum += p[static_cast<std::size_t>(a)] = std::exp(alpha(l, j, a) - top);
    for (auto& v : p) v /= sum;
    return p;
  }
  std::array<double, depths> depth_weights() const {
    std::array<double, depths> q{};
    double top = beta(0);
    for (int l = 1; l < depths; ++l) top = std::max(top, beta(l));
    double sum = 0;
    for (int l = 0; l < depths; ++l) sum += q[static_cast<std::size_t>(l)] = std::exp(beta(l) - top);
    for (auto& v : q) v /= sum;
    return q;
  }

  // Mean squared error of the supernet on (x, y) (N x inputs, N x outputs); when given, writes dMSE/dweights
  // into grad_weights and dMSE/darchitecture into grad_architecture (resized to the parameters' sizes).
  double loss(const cpu::matrix<float>& x, const cpu::matrix<float>& y, std::vector<double>* grad_weights = nullptr,
              std::vector<double>* grad_architecture = nullptr) {
    if (x.cols() != S::inputs || y.cols() != S::outputs || x.rows() != y.rows() || x.rows() < 1)
      throw shape_error("darts_supernet::loss: points are " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                        " and labels " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) + "; expected N x " +
                        std::to_string(S::inputs) + " and N x " + std::to_string(S::outputs) + " with N >= 1");
    const Eigen::Index n = x.rows();
    x_ = x.cast<double>();
    const auto q = depth_weights();
    out_.setZero(n, S::outputs);
    for (int l = 0; l < depths; ++l) {
      const matrix& in = l == 0 ? x_ : post_[l - 1];
      pre_[l].noalias() = in * layer_weights(l);
      pre_[l].rowwise() += Eigen::Map<const Eigen::RowVectorXd>(layer_bias(l), width);
      post_[l].setZero(n, width);
      for (int a = 0; a < choices; ++a) {
        acts_[l][a].resize(n, width);
        for (Eigen::Index k = 0; k < pre_[l].size(); ++k)
          acts_[l][a].data()[k] = apply_activation(all_activations[static_cast<std::size_t>(a)], pre_[l].data()[k]);
      }
      for (int j = 0; j < width; ++j) {
        const auto p = activation_weights(l, j);
        for (int a = 0; a < choices; ++a) post_[l].col(j) += p[static_cast<std::size_t>(a)] * acts_[l][a].col(j);
      }
      heads_[l].noalias() = post_[l] * head_weights(l);
      heads_[l].rowwise() += Eigen::Map<const Eigen::RowVectorXd>(head_bias(l), S::outputs);
      out_ += q[static_cast<std::size_t>(l)] * heads_[l];
    }
    const matrix diff = out_ - y.cast<double>();
    const double count = static_cast<double>(diff.size());
    const double mse = diff.squaredNorm() / count;
    if (grad_weights == nullptr && grad_architecture == nullptr) return mse;

    std::vector<double> gw_local, ga_local;
    std::vector<double>& gw = grad_weights != nullptr ? *grad_weights : gw_local;
    std::vector<double>& ga = grad_architecture != nullptr ? *grad_architecture : ga_local;
    gw.assign(weights.size(), 0.0);
    ga.assign(architecture.size(), 0.0);
    const matrix dout = (2.0 / count) * diff;
    // beta: dL/dq_l = <dout, y_l>; softmax backward.
    std::array<double, depths> dq{};
    double qdq = 0;
    for (int l = 0; l < depths; ++l) {
      dq[static_cast<std::size_t>(l)] = dout.cwiseProduct(heads_[l]).sum();
      qdq += q[static_cast<std::size_t>(l)] * dq[static_cast<std::size_t>(l)];
    }
    for (int l = 0; l < depths; ++l)
      ga[static_cast<std::size_t>(depths * width * choices + l)] = q[static_cast<std::size_t>(l)] * (dq[static_cast<std::size_t>(l)] - qdq);

    matrix dpost;  // dL/d post_[l], N x width
    for (int l = depths - 1; l >= 0; --l) {
      const matrix dhead = q[static_cast<std::size_t>(l)] * dout;
      row_map(gw.data() + head_at_[l], width, S::outputs).noalias() = post_[l].transpose() * dhead;
      for (int o = 0; o < S::outputs; ++o) gw[head_bias_at_[l] + static_cast<std::size_t>(o)] = dhead.col(o).sum();
      if (l == depths - 1)
        dpost.noalias() = dhead * head_weights(l).transpose();
      else
        dpost.noalias() += dhead * head_weights(l).transpose();
      // Through the activation mix: dL/dalpha and dL/dpre.
      matrix dpre(n, width);
      for (int j = 0; j < width; ++j) {
        const auto p = activation_weights(l, j);
        std::array<double, choices> dp{};
        double pdp = 0;
        for (int a = 0; a < choices; ++a) {
          dp[static_cast<std::size_t>(a)] = dpost.col(j).dot(acts_[l][a].col(j));
          pdp += p[static_cast<std::size_t>(a)] * dp[static_cast<std::size_t>(a)];
        }
        for (int a = 0; a < choices; ++a)
          ga[alpha_index(l, j, a)] = p[static_cast<std::size_t>(a)] * (dp[static_cast<std::size_t>(a)] - pdp);
        for (Eigen::Index k = 0; k < n; ++k) {
          const double z = pre_[l](k, j);
          const double s = acts_[l][0](k, j), t = acts_[l][1](k, j);
          const double slope = z > 0 ? 1.0 : leaky_relu_slope;
          dpre(k, j) = dpost(k, j) * (p[0] * s * (1 - s) + p[1] * (1 - t * t) + p[2] * slope);
        }
      }
      const matrix& in = l == 0 ? x_ : post_[l - 1];
      row_map(gw.data() + weight_at_[l], S::layer_inputs(l), width).noalias() = in.transpose() * dpre;
      for (int j = 0; j < width; ++j) gw[bias_at_[l] + static_cast<std::size_t>(j)] = dpre.col(j).sum();
      if (l > 0) dpost.noalias() = dpre * layer_weights(l).transpose();
    }
    return mse;
  }

  // The chosen depth (1-based: argmax beta, ties to the shallower) and a neuron's activation (argmax alpha, ties to
  // the first of sigmoid, tanh, leaky_relu).
  int chosen_depth() const {
    int best = 0;
    for (int l = 1; l < depths; ++l)
      if (beta(l) > beta(best)) best = l;
    return best + 1;
  }
  activation chosen_activation(int l, int j) const {
    int best = 0;
    for (int a = 1; a < choices; ++a)
      if (alpha(l, j, a) > alpha(l, j, best)) best = a;
    return all_activations[static_cast<std::size_t>(best)];
  }

  // The discrete network (see the top of this file). A weight that is exactly 0 in float becomes the smallest
  // normal float of its sign, so that every connection of the dense network is trained (fine_tune trains nonzero
  // weights only).
  sparse_network<S, float> discretize() const {
    const int depth = chosen_depth();
    auto net = sparse_network<S, float>::zeros(depth);
    auto nonzero = [](double v) {
      const float f = static_cast<float>(v);
      return f != 0.0f ? f : (v < 0 ? -std::numeric_limits<float>::min() : std::numeric_limits<float>::min());
    };
    for (int l = 0; l < depth; ++l) {
      auto& layer = net.layers[l];
      const auto w = layer_weights(l);
      for (int j = 0; j < width; ++j) {
        layer.active[j] = true;
        layer.activations[j] = chosen_activation(l, j);
        layer.bias(j) = static_cast<float>(layer_bias(l)[j]);
        for (int i = 0; i < S::layer_inputs(l); ++i) layer.weights(i, j) = nonzero(w(i, j));
      }
    }
    const auto v = head_weights(depth - 1);
    for (int j = 0; j < width; ++j)
      for (int o = 0; o < S::outputs; ++o) net.output_weights(j, o) = nonzero(v(j, o));
    for (int o = 0; o < S::outputs; ++o) net.output_bias(o) = static_cast<float>(head_bias(depth - 1)[o]);
    return net;
  }

 private:
  static std::size_t alpha_index(int l, int j, int a) { return static_cast<std::size_t>((l * width + j) * choices + a); }

  std::array<std::size_t, depths> weight_at_{}, bias_at_{}, head_at_{}, head_bias_at_{};
  matrix x_, out_;
  std::array<matrix, depths> pre_, post_, heads_;
  std::array<std::array<matrix, choices>, depths> acts_;
};

// The result of a DARTS architecture search.
template <network_spec_type S>
struct darts_search_result {
  darts_supernet<S> supernet;        // after the last step
  sparse_network<S, float> network;  // supernet.discretize()
  double train_mse = 0, validation_mse = 0;  // of the supernet (continuous) after the last step
};

// First-order DARTS on (train, validation): `options.iterations` times, one Adam step on the weights with the
// training MSE's gradient, then one Adam step on the architecture logits with the validation MSE's gradient.
// Throws value_error on bad options, shape_error on splits that do not match S.
template <network_spec_type S>
darts_search_result<S> darts_search(const data::split& train, const data::split& validation, const darts_options& options = {}) {
  if (options.iterations < 0)
    throw value_error("darts_options.iterations = " + std::to_string(options.iterations) + "; expected >= 0");
  if (!(options.init_gain > 0) || !std::isfinite(options.init_gain))
    throw value_error("darts_options.init_gain = " + std::to_string(options.init_gain) + "; expected a finite value > 0");
  options.weight_optimizer.validate("darts_options.weight_optimizer");
  options.architecture_optimizer.validate("darts_options.architecture_optimizer");
  if (train.empty() || validation.empty())
    throw data_error("darts_search: the training and validation splits must both hold points");
  darts_search_result<S> r{.supernet = darts_supernet<S>(options.seed, options.init_gain), .network = {}};
  auto& net = r.supernet;
  std::vector<double> gw(net.weights.size()), ga(net.architecture.size()), unused;
  const parameter_group<double> wg{.values = net.weights, .gradients = gw};
  const parameter_group<double> ag{.values = net.architecture, .gradients = ga};
  auto wstate = options.weight_optimizer.template make_state<double>(parameter_groups<double>(&wg, 1));
  auto astate = options.architecture_optimizer.template make_state<double>(parameter_groups<double>(&ag, 1));
  for (int k = 0; k < options.iterations; ++k) {
    const double l = net.loss(train.x, train.y, &gw, nullptr);
    if (!std::isfinite(l)) throw training_error("darts_search: the training MSE became non-finite at step " + std::to_string(k));
    options.weight_optimizer.step(wstate, parameter_groups<double>(&wg, 1), 1.0);
    net.loss(validation.x, validation.y, nullptr, &ga);
    options.architecture_optimizer.step(astate, parameter_groups<double>(&ag, 1), 1.0);
  }
  r.train_mse = net.loss(train.x, train.y);
  r.validation_mse = net.loss(validation.x, validation.y);
  r.network = net.discretize();
  return r;
}

}  // namespace swatnn::baselines
