// Tests for network/generator.hpp: determinism, the paper's distribution, resumable RNG state, option checks.
#include <doctest/doctest.h>

#include <array>
#include <cmath>

#include <swatnn/network/generator.hpp>

using namespace swatnn;

namespace {
bool identical(const generated_batch<paper_spec>& a, const generated_batch<paper_spec>& b) {
  return a.depth == b.depth && a.sparsity == b.sparsity && a.inputs == b.inputs && a.targets == b.targets &&
         a.tokens == b.tokens;
}
}  // namespace

TEST_CASE("the same seed gives bit-identical batches; another seed does not") {
  network_generator<paper_spec> a({}, 42), b({}, 42), c({}, 43);
  for (int i = 0; i < 3; ++i) {
    const auto x = a.next(), y = b.next(), z = c.next();
    CHECK(identical(x, y));
    CHECK_FALSE(identical(x, z));
  }
}

TEST_CASE("a batch has the documented shapes and targets equal the networks' outputs") {
  network_generator<paper_spec> gen({.networks = 5, .points = 33}, 1);
  const auto batch = gen.next();
  CHECK(batch.networks.size() == 5);
  CHECK(batch.inputs.rows() == 33);
  CHECK(batch.inputs.cols() == 2);
  CHECK(batch.targets.cols() == 5);
  CHECK(batch.tokens.rows() == 35);
  CHECK(batch.tokens.cols() == 112);
  CHECK(batch.inputs.minCoeff() >= -1.0f);
  CHECK(batch.inputs.maxCoeff() < 1.0f);
  for (int b = 0; b < 5; ++b) CHECK(batch.targets.col(b) == batch.networks[b].predict(batch.inputs));
}

TEST_CASE("the generator follows the paper's distribution") {
  network_generator<paper_spec> gen({.networks = 64, .points = 1}, 2026);
  std::array<int, 5> depths{};
  std::array<int, 3> activations{};
  int neurons = 0, active = 0;
  int weights_at_zero_sparsity = 0, zeros_at_zero_sparsity = 0, weights_at_04 = 0, zeros_at_04 = 0;
  double max_abs_weight = 0, max_abs_bias = 0;
  for (int i = 0; i < 200; ++i) {
    const auto batch = gen.next();
    ++depths[batch.depth];
    CHECK((batch.sparsity == 0.0 || batch.sparsity == 0.2 || batch.sparsity == 0.4));
    for (const auto& net : batch.networks) {
      CHECK(net.depth == batch.depth);
      for (int l = 0; l < net.depth; ++l) {
        const auto& layer = net.layers[l];
        for (int j = 0; j < 7; ++j) {
          ++neurons;
          active += layer.active[j] ? 1 : 0;
          ++activations[static_cast<int>(layer.activations[j])];
        }
        const int count = static_cast<int>(layer.weights.size());
        const int zeros = static_cast<int>((layer.weights.array() == 0.0f).count());
        if (batch.sparsity == 0.0) { weights_at_zero_sparsity += count; zeros_at_zero_sparsity += zeros; }
        if (batch.sparsity == 0.4) { weights_at_04 += count; zeros_at_04 += zeros; }
        max_abs_weight = std::max(max_abs_weight, static_cast<double>(layer.weights.cwiseAbs().maxCoeff()));
        max_abs_bias = std::max(max_abs_bias, static_cast<double>(layer.bias.cwiseAbs().maxCoeff()));
      }
    }
  }
  for (int d = 1; d <= 4; ++d) CHECK(depths[d] > 25);  // 200 draws over 4 depths: ~50 each
  CHECK(depths[0] == 0);
  CHECK(static_cast<double>(active) / neurons == doctest::Approx(0.5).epsilon(0.03));
  for (int k = 0; k < 3; ++k) CHECK(static_cast<double>(activations[k]) / neurons == doctest::Approx(1.0 / 3).epsilon(0.05));
  REQUIRE(weights_at_zero_sparsity > 0);  // batches without sparsity were drawn
  CHECK(zeros_at_zero_sparsity == 0);
  REQUIRE(weights_at_04 > 0);
  CHECK(static_cast<double>(zeros_at_04) / weights_at_04 == doctest::Approx(0.4).epsilon(0.05));
  CHECK(max_abs_weight <= 5.0);
  CHECK(max_abs_weight > 4.9);
  CHECK(max_abs_bias <= 1.0);
  CHECK(max_abs_bias > 0.99);
}

TEST_CASE("mixed depths draw a depth per network") {
  network_generator<paper_spec> gen({.networks = 64, .points = 3, .mixed_depths = true}, 5);
  const auto batch = gen.next();
  CHECK(batch.depth == 0);
  std::array<int, 5> seen{};
  for (const auto& net : batch.networks) ++seen[net.depth];
  for (int d = 1; d <= 4; ++d) CHECK(seen[d] > 5);
  for (int b = 0; b < 64; ++b)
    CHECK(token_layout<paper_spec>::encoded_depth(batch.tokens.middleRows(b * 7, 7)) == batch.networks[b].depth);
  CHECK_THROWS_WITH_AS(network_generator<paper_spec>({.depth = 2, .mixed_depths = true}, 1),
                       doctest::Contains("mixed_depths"), value_error);
}

TEST_CASE("the RNG state round-trips so a run can resume exactly") {
  network_generator<paper_spec> gen({.networks = 4, .points = 8}, 9);
  gen.next();
  const auto state = gen.rng_state();
  const auto expected = gen.next();
  network_generator<paper_spec> resumed({.networks = 4, .points = 8}, 12345);
  resumed.set_rng_state(state);
  CHECK(identical(resumed.next(), expected));
  CHECK_THROWS_AS(resumed.set_rng_state("not a state"), value_error);
}

TEST_CASE("bad generator options are rejected with the field named") {
  using gen = network_generator<paper_spec>;
  CHECK_THROWS_WITH_AS(gen({.networks = 0}, 1), doctest::Contains("networks must be >= 1"), value_error);
  CHECK_THROWS_WITH_AS(gen({.points = -3}, 1), doctest::Contains("points"), value_error);
  CHECK_THROWS_WITH_AS(gen({.sparsities = {}}, 1), doctest::Contains("sparsities"), value_error);
  CHECK_THROWS_WITH_AS(gen({.sparsities = {1.5}}, 1), doctest::Contains("sparsity"), value_error);
  CHECK_THROWS_WITH_AS(gen({.active_probability = -0.1}, 1), doctest::Contains("active_probability"), value_error);
  CHECK_THROWS_WITH_AS(gen({.depth = 5}, 1), doctest::Contains("depth"), value_error);
  CHECK_THROWS_AS(gen({.weight_range = std::nan("")}, 1), value_error);
}
