// swatnn/search/extract.hpp: the extraction step of SWAT-NN (method.md §5): a decoded (continuous) network
// becomes a discrete sparse_network. Rules:
//   - hidden and output weights with |w| < threshold are set to 0 (biases are never thresholded);
//   - a hidden neuron is active iff sigmoid(mask logit) >= 0.5 (mask logit >= 0);
//   - the incoming and outgoing weights of inactive neurons are set to 0;
//   - each neuron's activation is the argmax of its activation logits (ties: the first).
// Then, unless extract_options::prune_dead is false, prune_dead() switches off neurons that cannot affect the
// output. prune_dead never changes the function the network computes (see its comment).
#pragma once

#include <cmath>
#include <string>
#include <type_traits>

#include <swatnn/error.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

struct extract_options {
  bool prune_dead = true;  // run prune_dead() on the extracted network
};

namespace detail {
// Zeroes the incoming weights of neuron j of layer l and its outgoing weights (next layer or output layer).
template <network_spec_type S, class T>
void zero_neuron_weights(sparse_network<S, T>& net, int l, int j) {
  net.layers[l].weights.col(j).setZero();
  if (l + 1 < net.depth)
    net.layers[l + 1].weights.row(j).setZero();
  else
    net.output_weights.row(j).setZero();
}
}  // namespace detail

// Switches off every active hidden neuron that has no nonzero weight to a live unit of the next layer (an
// active neuron, or any output for the last hidden layer), layer by layer from the output backwards, so chains
// of such neurons go too. Every weight touching an inactive neuron is set to 0. A neuron without incoming
// weights is kept when it reaches the output: it contributes the constant act(bias).
// The function is unchanged: a switched-off neuron's output only ever met zero weights or inactive neurons
// (predict() gives the same values before and after). Returns the number of neurons switched off;
// nonzero_parameters() decreases or stays.
template <network_spec_type S, class T>
int prune_dead(sparse_network<S, T>& net) {
  net.validate();
  // Normalize: weights touching neurons that are already inactive carry nothing.
  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j)
      if (!net.layers[l].active[j]) detail::zero_neuron_weights(net, l, j);
  int removed = 0;
  for (int l = net.depth - 1; l >= 0; --l) {
    auto& layer = net.layers[l];
    for (int j = 0; j < S::max_width; ++j) {
      if (!layer.active[j]) continue;
      bool reaches = false;
      if (l + 1 == net.depth) {
        for (int o = 0; o < S::outputs && !reaches; ++o) reaches = net.output_weights(j, o) != T(0);
      } else {
        const auto& next = net.layers[l + 1];
        for (int k = 0; k < S::max_width && !reaches; ++k) reaches = next.active[k] && next.weights(j, k) != T(0);
      }
      if (!reaches) {
        layer.active[j] = false;
        detail::zero_neuron_weights(net, l, j);
        ++removed;
      }
    }
  }
  return removed;
}

// The discrete network of a decoded token matrix (see the rules at the top). `threshold` must be finite and
// >= 0 (0 keeps every weight). Throws value_error when a kept parameter is not finite.
template <network_spec_type S, class T>
sparse_network<S, std::remove_const_t<T>> extract(const network_view<S, T>& decoded, std::remove_const_t<T> threshold,
                                                  const extract_options& options = {}) {
  using U = std::remove_const_t<T>;
  if (!std::isfinite(static_cast<double>(threshold)) || threshold < U(0))
    throw value_error("extract: threshold = " + std::to_string(static_cast<double>(threshold)) +
                      "; expected a finite value >= 0");
  auto net = harden(decoded);  // activations = argmax, active = mask logit >= 0, parameters copied
  auto cut = [threshold](U w) { return std::abs(w) < threshold ? U(0) : w; };
  for (int l = 0; l < net.depth; ++l) net.layers[l].weights = net.layers[l].weights.unaryExpr(cut);
  net.output_weights = net.output_weights.unaryExpr(cut);
  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j)
      if (!net.layers[l].active[j]) detail::zero_neuron_weights(net, l, j);
  try {
    net.validate();
  } catch (const value_error& e) {
    throw value_error(std::string("extract: the decoded network is not finite (") + e.what() + ")");
  }
  if (options.prune_dead) prune_dead(net);
  return net;
}

}  // namespace swatnn
