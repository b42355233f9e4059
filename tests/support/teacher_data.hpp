// tests/support/teacher_data.hpp: random sparse networks of the paper's family and data splits labelled by a
// teacher network, shared by the fine-tuning and pruning tests (tests/search).
#pragma once

#include <cstdint>
#include <random>

#include <swatnn/data/dataset.hpp>
#include <swatnn/network/sparse_network.hpp>

namespace swatnn::test_teacher {

// A random network of paper_spec: each neuron on with probability 0.7 (at least one per layer), activations in
// turn, weights U(-1.5, 1.5) between live units with 30 % exact zeros (0 elsewhere), biases U(-0.5, 0.5).
inline sparse_network<paper_spec, float> random_network(int depth, std::uint64_t seed) {
  using S = paper_spec;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> w(-1.5f, 1.5f), b(-0.5f, 0.5f), u(0.0f, 1.0f);
  auto net = sparse_network<S, float>::zeros(depth);
  for (int l = 0; l < depth; ++l) {
    auto& layer = net.layers[l];
    for (int j = 0; j < S::max_width; ++j) {
      layer.active[j] = u(rng) < 0.7f || j == 0;
      layer.activations[j] = static_cast<activation>((j + l) % 3);
      layer.bias(j) = layer.active[j] ? b(rng) : 0.0f;
      for (int i = 0; i < S::layer_inputs(l); ++i) {
        const bool live = layer.active[j] && (l == 0 || net.layers[l - 1].active[i]);
        layer.weights(i, j) = live && u(rng) > 0.3f ? w(rng) : 0.0f;
      }
    }
  }
  for (int j = 0; j < S::max_width; ++j) net.output_weights(j, 0) = net.layers[depth - 1].active[j] ? w(rng) : 0.0f;
  net.output_bias(0) = b(rng);
  return net;
}

// `rows` points x ~ U(-1, 1)^2 labelled by `net`.
inline data::split make_split(const sparse_network<paper_spec, float>& net, int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  data::split s;
  s.x.resize(rows, 2);
  for (Eigen::Index i = 0; i < s.x.size(); ++i) s.x.data()[i] = u(rng);
  s.y = net.predict(s.x);
  return s;
}

// Mean squared error of `net` on `s`, in double.
inline double mse(const sparse_network<paper_spec, float>& net, const data::split& s) {
  return (net.predict(s.x) - s.y).cast<double>().array().square().mean();
}

}  // namespace swatnn::test_teacher
