// tests/network/export_cpp/networks.hpp: networks shared by the export tests (doctest suites and the
// generator of the compiled-header test): a fixed hand-written one and seeded random ones.
#pragma once

#include <cstdint>
#include <random>

#include <swatnn/network/sparse_network.hpp>

namespace swatnn::test_export {

// Depth 2 of paper_spec. Inactive neurons carry distinctive values (123.5, 77, 99, 55) that must not appear in
// the exported C++ header. consumer.cpp repeats this network as a hand-written formula.
inline sparse_network<paper_spec, float> fixed_network() {
  auto net = sparse_network<paper_spec, float>::zeros(2);
  auto& a = net.layers[0];
  a.active[0] = true; a.activations[0] = activation::tanh; a.weights(0, 0) = 1.5f; a.weights(1, 0) = -0.75f; a.bias(0) = 0.25f;
  a.active[1] = false; a.weights(0, 1) = 123.5f; a.weights(1, 1) = 123.5f; a.bias(1) = 123.5f;
  a.active[3] = true; a.activations[3] = activation::leaky_relu; a.weights(0, 3) = -2.0f; a.weights(1, 3) = 0.5f; a.bias(3) = -0.125f;
  a.active[5] = true; a.activations[5] = activation::sigmoid; a.weights(0, 5) = 0.5f; a.weights(1, 5) = 1.0f; a.bias(5) = 0.0f;
  auto& b = net.layers[1];
  b.active[2] = true; b.activations[2] = activation::sigmoid;
  b.weights(0, 2) = 1.0f; b.weights(3, 2) = -1.0f; b.weights(5, 2) = 0.5f; b.weights(1, 2) = 77.0f; b.bias(2) = 0.1f;
  b.active[6] = true; b.activations[6] = activation::tanh; b.weights(0, 6) = 0.25f; b.weights(5, 6) = 2.0f; b.bias(6) = -0.5f;
  b.active[4] = false; b.bias(4) = 55.0f; b.weights(0, 4) = 55.0f;
  net.output_weights(2, 0) = 2.0f; net.output_weights(6, 0) = -3.0f; net.output_weights(4, 0) = 99.0f;
  net.output_bias(0) = 0.5f;
  return net;
}

// Depth 3 of paper_spec whose middle layer has no active neuron: the output is a constant,
// 1.5 * tanh(0.3) - 2 * sigmoid(-0.2) + 0.75 (consumer.cpp checks it).
inline sparse_network<paper_spec, float> empty_layer_network() {
  auto net = sparse_network<paper_spec, float>::zeros(3);
  net.layers[0].active[1] = true; net.layers[0].weights(0, 1) = 2.0f; net.layers[0].bias(1) = 1.0f;
  net.layers[1].weights(1, 0) = 5.0f;  // into an inactive neuron
  auto& c = net.layers[2];
  c.active[0] = true; c.activations[0] = activation::tanh; c.bias(0) = 0.3f; c.weights(3, 0) = 9.0f;
  c.active[4] = true; c.activations[4] = activation::sigmoid; c.bias(4) = -0.2f;
  net.output_weights(0, 0) = 1.5f; net.output_weights(4, 0) = -2.0f; net.output_bias(0) = 0.75f;
  return net;
}

// Random active flags (about 60% on), activations, and weights (about 30% exactly zero) of random depth.
template <network_spec_type S, class T>
sparse_network<S, T> random_network(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  std::uniform_int_distribution<int> depth(1, S::max_depth), act(0, activation_count - 1);
  std::bernoulli_distribution on(0.6), zero(0.3);
  auto net = sparse_network<S, T>::zeros(depth(rng));
  for (int l = 0; l < net.depth; ++l) {
    auto& layer = net.layers[l];
    for (int j = 0; j < S::max_width; ++j) {
      layer.active[j] = on(rng);
      layer.activations[j] = static_cast<activation>(act(rng));
      layer.bias(j) = static_cast<T>(u(rng));
      for (int i = 0; i < S::layer_inputs(l); ++i) layer.weights(i, j) = zero(rng) ? T(0) : static_cast<T>(u(rng));
    }
  }
  for (int i = 0; i < S::max_width; ++i)
    for (int o = 0; o < S::outputs; ++o) net.output_weights(i, o) = zero(rng) ? T(0) : static_cast<T>(u(rng));
  for (int o = 0; o < S::outputs; ++o) net.output_bias(o) = static_cast<T>(u(rng));
  return net;
}

}  // namespace swatnn::test_export
