// Tests for search/extract.hpp: the extraction rules on a hand-written decoded matrix and on random ones,
// prune_dead on hand-written and random networks (the function is unchanged, parameters never increase), errors.
#include <doctest/doctest.h>

#include <random>

#include <swatnn/network/generator.hpp>
#include <swatnn/search/extract.hpp>

using namespace swatnn;
using S = paper_spec;
using layout = token_layout<S>;

namespace {
// A depth-2 decoded matrix written by hand (threshold 0.1 in the tests below).
cpu::row_matrix<float> hand_written() {
  cpu::row_matrix<float> m = cpu::row_matrix<float>::Zero(layout::tokens, layout::width(2) + 2);
  network_view<S, float> v(m.data(), 2, m.cols());
  auto w0 = v.weights(0);
  w0(0, 0) = 0.5f;
  w0(1, 0) = -0.05f;  // below the threshold
  w0(0, 1) = -0.1f;   // exactly at the threshold: kept
  w0(1, 1) = 0.09f;   // below
  w0(0, 2) = 2.0f;    // into an inactive neuron
  w0(1, 3) = 0.3f;
  v.bias(0)(0) = 0.01f;  // biases are never thresholded
  v.bias(0)(1) = -0.02f;
  v.bias(0)(2) = 0.7f;
  v.mask_logits(0).setConstant(-5.0f);
  v.mask_logits(0)(0) = 0.0f;  // sigmoid(0) = 0.5: active
  v.mask_logits(0)(1) = 1.0f;
  v.mask_logits(0)(2) = -0.01f;  // inactive
  v.mask_logits(0)(3) = 3.0f;
  auto a0 = v.activation_logits(0);
  a0.row(0) << 0.1f, 0.9f, 0.2f;  // tanh
  a0.row(1) << 1.0f, 1.0f, 0.0f;  // tie: the first (sigmoid)
  a0.row(3) << 0.0f, 0.0f, 2.0f;  // leaky_relu
  auto w1 = v.weights(1);
  w1(0, 0) = 1.0f;
  w1(2, 0) = 4.0f;   // from an inactive neuron
  w1(1, 1) = 0.05f;  // below
  w1(3, 1) = -0.7f;
  w1(0, 4) = 0.2f;  // into an inactive neuron
  v.mask_logits(1).setConstant(-3.0f);
  v.mask_logits(1)(0) = 2.0f;
  v.mask_logits(1)(1) = 2.0f;
  v.mask_logits(1)(4) = -1.0f;
  v.activation_logits(1).row(0) << 0.0f, 3.0f, 0.0f;  // tanh
  v.activation_logits(1).row(1) << 5.0f, 0.0f, 0.0f;  // sigmoid
  v.output_weights()(0, 0) = 0.8f;
  v.output_weights()(1, 0) = 0.02f;  // below
  v.output_weights()(4, 0) = 1.0f;   // from an inactive neuron
  v.output_bias()(0) = -0.03f;
  return m;
}

cpu::matrix<float> random_points(int n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  cpu::matrix<float> x(n, S::inputs);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = u(rng);
  return x;
}

bool same_values(const cpu::matrix<float>& a, const cpu::matrix<float>& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() && (a.array() == b.array()).all();
}
}  // namespace

TEST_CASE("extract applies the hard thresholds of method.md section 5 (hand-written case)") {
  const auto m = hand_written();
  const network_view<S, const float> view(m.data(), 2, m.cols());
  const auto net = extract(view, 0.1f, {.prune_dead = false});
  REQUIRE(net.depth == 2);
  const auto& l0 = net.layers[0];
  const auto& l1 = net.layers[1];
  CHECK(l0.active == std::array<bool, 7>{true, true, false, true, false, false, false});
  CHECK(l1.active == std::array<bool, 7>{true, true, false, false, false, false, false});
  CHECK(l0.activations[0] == activation::tanh);
  CHECK(l0.activations[1] == activation::sigmoid);
  CHECK(l0.activations[3] == activation::leaky_relu);
  CHECK(l1.activations[0] == activation::tanh);
  CHECK(l1.activations[1] == activation::sigmoid);

  cpu::row_matrix<float> e0 = cpu::row_matrix<float>::Zero(2, 7);
  e0(0, 0) = 0.5f;
  e0(0, 1) = -0.1f;
  e0(1, 3) = 0.3f;
  CHECK(l0.weights == e0);
  cpu::row_matrix<float> e1 = cpu::row_matrix<float>::Zero(7, 7);
  e1(0, 0) = 1.0f;
  e1(3, 1) = -0.7f;
  CHECK(l1.weights == e1);
  CHECK(l0.bias(0) == 0.01f);
  CHECK(l0.bias(1) == -0.02f);
  cpu::row_matrix<float> eo = cpu::row_matrix<float>::Zero(7, 1);
  eo(0, 0) = 0.8f;
  CHECK(net.output_weights == eo);
  CHECK(net.output_bias(0) == -0.03f);
  CHECK(net.active_neurons() == 5);
  CHECK(net.nonzero_parameters() == 12);  // 3 + 2 biases, 3 + 2 + 1 weights, 1 output bias
}

TEST_CASE("prune_dead removes chains of neurons without a path to the output (hand-written case)") {
  const auto m = hand_written();
  const network_view<S, const float> view(m.data(), 2, m.cols());
  auto unpruned = extract(view, 0.1f, {.prune_dead = false});
  const auto pruned = extract(view, 0.1f);  // default: prune_dead on
  // Layer-1 neuron 1 lost its only output weight (0.02 < 0.1); then layer-0 neurons 1 and 3 feed nothing live.
  CHECK(pruned.layers[1].active == std::array<bool, 7>{true, false, false, false, false, false, false});
  CHECK(pruned.layers[0].active == std::array<bool, 7>{true, false, false, false, false, false, false});
  CHECK(pruned.layers[1].weights(3, 1) == 0.0f);
  CHECK(pruned.layers[0].weights(1, 3) == 0.0f);
  CHECK(pruned.nonzero_parameters() == 6);
  const auto x = random_points(64, 1);
  CHECK(same_values(unpruned.predict(x), pruned.predict(x)));
  CHECK(prune_dead(unpruned) == 3);
  CHECK(same_values(unpruned.predict(x), pruned.predict(x)));
  CHECK(prune_dead(unpruned) == 0);  // idempotent
}

TEST_CASE("prune_dead keeps a neuron without incoming weights: it feeds the constant act(bias)") {
  auto net = sparse_network<S, float>::zeros(2);
  net.layers[0].active[0] = true;  // no incoming weights at all
  net.layers[0].bias(0) = 0.3f;
  net.layers[0].activations[0] = activation::tanh;
  net.layers[1].active[2] = true;
  net.layers[1].weights(0, 2) = 1.5f;
  net.layers[1].activations[2] = activation::sigmoid;
  net.output_weights(2, 0) = 2.0f;
  const auto x = random_points(8, 2);
  const auto before = net.predict(x);
  CHECK(prune_dead(net) == 0);
  CHECK(net.layers[0].active[0]);
  CHECK(net.layers[1].active[2]);
  CHECK(same_values(before, net.predict(x)));
  CHECK(before(0, 0) == doctest::Approx(2.0 / (1.0 + std::exp(-1.5 * std::tanh(0.3)))));
}

TEST_CASE("extract follows the rules on random decoded matrices") {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int d = 1; d <= 4; ++d) {
    for (int trial = 0; trial < 20; ++trial) {
      CAPTURE(d);
      CAPTURE(trial);
      cpu::row_matrix<float> m(layout::tokens, layout::width(d));
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
      const network_view<S, const float> v(m.data(), d, m.cols());
      const float t = 0.6f;
      const auto net = extract(v, t, {.prune_dead = false});
      REQUIRE(net.depth == d);
      for (int l = 0; l < d; ++l) {
        for (int j = 0; j < 7; ++j) {
          const bool on = 1.0 / (1.0 + std::exp(-double(v.mask_logits(l)(j)))) >= 0.5;
          CHECK(net.layers[l].active[j] == on);
          Eigen::Index best = 0;
          v.activation_logits(l).row(j).maxCoeff(&best);
          CHECK(static_cast<int>(net.layers[l].activations[j]) == best);
          CHECK(net.layers[l].bias(j) == v.bias(l)(j));
          for (int i = 0; i < S::layer_inputs(l); ++i) {
            const bool source_on = l == 0 || v.mask_logits(l - 1)(i) >= 0.0f;
            const float w = v.weights(l)(i, j);
            const float expected = (on && source_on && std::abs(w) >= t) ? w : 0.0f;
            CHECK(net.layers[l].weights(i, j) == expected);
          }
        }
      }
      for (int i = 0; i < 7; ++i) {
        const float w = v.output_weights()(i, 0);
        const bool on = v.mask_logits(d - 1)(i) >= 0.0f;
        CHECK(net.output_weights(i, 0) == ((on && std::abs(w) >= t) ? w : 0.0f));
      }
      CHECK(net.output_bias(0) == v.output_bias()(0));
    }
  }
}

TEST_CASE("prune_dead never changes predict() and never adds parameters (random networks)") {
  int removed_total = 0;
  const auto x = random_points(200, 4);
  for (int d = 1; d <= 4; ++d) {
    network_generator<S, float> gen({.networks = 40, .points = 4, .depth = d}, 100 + d);
    const auto batch = gen.next();
    std::mt19937_64 rng(d);
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    for (auto net : batch.networks) {
      // Extra random zeros so that dead neurons and chains appear.
      for (int l = 0; l < d; ++l)
        for (Eigen::Index i = 0; i < net.layers[l].weights.size(); ++i)
          if (u(rng) < 0.5f) net.layers[l].weights.data()[i] = 0.0f;
      for (Eigen::Index i = 0; i < net.output_weights.size(); ++i)
        if (u(rng) < 0.4f) net.output_weights.data()[i] = 0.0f;
      const auto before = net.predict(x);
      const int params = net.nonzero_parameters();
      const int neurons = net.active_neurons();
      const int removed = prune_dead(net);
      removed_total += removed;
      CHECK(same_values(before, net.predict(x)));
      CHECK(net.nonzero_parameters() <= params);
      CHECK(net.active_neurons() == neurons - removed);
      // Every remaining active neuron has a nonzero weight to a live unit.
      for (int l = 0; l < d; ++l)
        for (int j = 0; j < 7; ++j) {
          if (!net.layers[l].active[j]) {
            CHECK(net.layers[l].weights.col(j).isZero(0));
            continue;
          }
          bool reaches = false;
          if (l + 1 == d)
            reaches = net.output_weights(j, 0) != 0.0f;
          else
            for (int k = 0; k < 7; ++k) reaches = reaches || (net.layers[l + 1].active[k] && net.layers[l + 1].weights(j, k) != 0.0f);
          CHECK(reaches);
        }
    }
  }
  CHECK(removed_total > 20);  // the random cases do exercise pruning
}

TEST_CASE("extract with and without prune_dead computes the same function on random decoded matrices") {
  std::mt19937_64 rng(9);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const auto x = random_points(100, 5);
  for (int d = 1; d <= 4; ++d)
    for (int trial = 0; trial < 25; ++trial) {
      cpu::row_matrix<float> m(layout::tokens, layout::width(d));
      for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
      const network_view<S, const float> v(m.data(), d, m.cols());
      const auto plain = extract(v, 1.0f, {.prune_dead = false});
      const auto pruned = extract(v, 1.0f);
      CHECK(same_values(plain.predict(x), pruned.predict(x)));
      CHECK(pruned.nonzero_parameters() <= plain.nonzero_parameters());
    }
}

TEST_CASE("extract rejects a bad threshold and a non-finite decoded network") {
  auto m = hand_written();
  const network_view<S, const float> view(m.data(), 2, m.cols());
  CHECK_THROWS_WITH_AS(extract(view, -0.1f), doctest::Contains("threshold"), value_error);
  CHECK_THROWS_AS(extract(view, std::numeric_limits<float>::quiet_NaN()), value_error);
  network_view<S, float>(m.data(), 2, m.cols()).weights(0)(0, 0) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(extract(view, 0.1f), doctest::Contains("not finite"), value_error);
}
