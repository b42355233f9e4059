// swatnn/autoencoder/token_reconstruction.hpp: an auxiliary training term for the autoencoder (not in the paper;
// off by default): the decoder of a network's own depth should reproduce the network's cells. Squared error on
// the weights and biases that can affect the function (weights between live units, i.e. the network's inputs
// and active neurons, biases of active neurons, output layer), cross-entropy on the activation logits of active
// neurons and binary cross-entropy on every mask logit; averaged over those cells per network, then over the
// batch. It gives the decoders a direct signal early in training and is annealed away by the trainer, leaving
// the functional objective.
#pragma once

#include <algorithm>
#include <cmath>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

// Adds the term for the networks of true depth `depth` decoded at that level: returns its batch mean (sum over
// networks / networks) and writes weight * its gradient into `grad` (every cell of networks of this depth;
// other networks' cells are set to 0). `decoded` and `grad`: (networks * tokens) x width(depth) row-major;
// `tokens`: the encoded batch (values in the first columns).
template <network_spec_type S, class T>
T token_reconstruction(const cpu::row_matrix<T>& decoded, const cpu::row_matrix<T>& tokens,
                       const std::vector<sparse_network<S, T>>& networks, int depth, T weight, cpu::row_matrix<T>& grad) {
  using layout = token_layout<S>;
  const int n = static_cast<int>(networks.size());
  grad.setZero(decoded.rows(), decoded.cols());
  double total = 0;
  for (int b = 0; b < n; ++b) {
    const auto& net = networks[b];
    if (net.depth != depth) continue;
    const Eigen::Index row0 = static_cast<Eigen::Index>(b) * layout::tokens;
    network_view<S, const T> out(decoded.data() + row0 * decoded.cols(), depth, decoded.cols());
    network_view<S, T> g(grad.data() + row0 * grad.cols(), depth, grad.cols());
    network_view<S, const T> target(tokens.data() + row0 * tokens.cols(), depth, tokens.cols());
    double sum = 0;
    int cells = 0;
    // collect: value, gradient written below once the cell count (the mean's denominator) is known
    auto squared = [&](T o, T t) { sum += double(o - t) * double(o - t); ++cells; };
    for (int l = 0; l < depth; ++l) {
      const auto& layer = net.layers[l];
      for (int j = 0; j < S::max_width; ++j) {
        if (!layer.active[j]) continue;
        for (int i = 0; i < (l == 0 ? net.inputs : S::max_width); ++i)
          if (l == 0 || net.layers[l - 1].active[i]) squared(out.weights(l)(i, j), target.weights(l)(i, j));
        squared(out.bias(l)(j), target.bias(l)(j));
        ++cells;  // activation cross-entropy
      }
      cells += S::max_width;  // mask cross-entropy
    }
    for (int i = 0; i < S::max_width; ++i)
      if (net.layers[depth - 1].active[i])
        for (int o = 0; o < S::outputs; ++o) squared(out.output_weights()(i, o), target.output_weights()(i, o));
    for (int o = 0; o < S::outputs; ++o) squared(out.output_bias()(o), target.output_bias()(o));

    const T scale = weight / T(cells * n);
    for (int l = 0; l < depth; ++l) {
      const auto& layer = net.layers[l];
      for (int j = 0; j < S::max_width; ++j) {
        const T m_logit = out.mask_logits(l)(j);
        const T m = T(1) / (T(1) + std::exp(-m_logit));
        const T y = layer.active[j] ? T(1) : T(0);
        // binary cross-entropy in logit form: softplus(x) - y x, stable for large |x|
        sum += double(std::max(m_logit, T(0)) + std::log1p(std::exp(-std::abs(m_logit))) - y * m_logit);
        g.mask_logits(l)(j) = scale * (m - y);
        if (!layer.active[j]) continue;
        for (int i = 0; i < (l == 0 ? net.inputs : S::max_width); ++i)
          if (l == 0 || net.layers[l - 1].active[i])
            g.weights(l)(i, j) = scale * T(2) * (out.weights(l)(i, j) - target.weights(l)(i, j));
        g.bias(l)(j) = scale * T(2) * (out.bias(l)(j) - target.bias(l)(j));
        const auto logits = out.activation_logits(l).row(j);
        const T top = logits.maxCoeff();
        T z = 0;
        for (int k = 0; k < activation_count; ++k) z += std::exp(logits(k) - top);
        const int truth = static_cast<int>(layer.activations[j]);
        sum += double(std::log(z) + top - logits(truth));
        for (int k = 0; k < activation_count; ++k)
          g.activation_logits(l)(j, k) = scale * (std::exp(logits(k) - top) / z - (k == truth ? T(1) : T(0)));
      }
    }
    for (int i = 0; i < S::max_width; ++i)
      if (net.layers[depth - 1].active[i])
        for (int o = 0; o < S::outputs; ++o)
          g.output_weights()(i, o) = scale * T(2) * (out.output_weights()(i, o) - target.output_weights()(i, o));
    for (int o = 0; o < S::outputs; ++o) g.output_bias()(o) = scale * T(2) * (out.output_bias()(o) - target.output_bias()(o));
    total += sum / cells;
  }
  return static_cast<T>(total / n);
}

}  // namespace swatnn
