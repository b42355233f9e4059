// Tests for baselines/staged.hpp and baselines/budget.hpp: the grid, the initial dense networks, recovery of a
// small teacher network within its budget, nested budgets, the validation-only pick, errors on bad budgets and
// options.
#include <doctest/doctest.h>

#include <vector>

#include <swatnn/baselines/budget.hpp>
#include <swatnn/baselines/staged.hpp>

#include "support/teacher_data.hpp"

using namespace swatnn;
using namespace swatnn::baselines;

namespace {
// A 2-3-1 tanh teacher, fully connected: 3 x 3 + 3 + 1 = 13 parameters.
sparse_network<paper_spec, float> teacher() {
  auto net = sparse_network<paper_spec, float>::zeros(1);
  const float w[2][3] = {{1.2f, -0.8f, 0.5f}, {0.4f, 1.1f, -1.3f}};
  const float b[3] = {0.1f, -0.3f, 0.2f}, v[3] = {0.9f, -1.1f, 0.7f};
  for (int j = 0; j < 3; ++j) {
    net.layers[0].active[j] = true;
    net.layers[0].activations[j] = activation::tanh;
    net.layers[0].bias(j) = b[j];
    for (int i = 0; i < 2; ++i) net.layers[0].weights(i, j) = w[i][j];
    net.output_weights(j, 0) = v[j];
  }
  net.output_bias(0) = 0.05f;
  return net;
}

double variance(const data::split& s) {
  const double mean = s.y.cast<double>().mean();
  return (s.y.cast<double>().array() - mean).square().mean();
}

staged_options small_grid() {
  return {.depths = {1, 2},
          .widths = {3, 5},
          .activations = {activation::sigmoid, activation::tanh},
          .train = {.max_iterations = 600, .patience = 100},
          .polish_best = 2,
          .tune = {.method = fine_tuner::adam_then_levenberg_marquardt,
                   .tune = {.max_iterations = 200, .patience = 50},
                   .lm = {.max_iterations = 60, .patience = 20}}};
}
}  // namespace

TEST_CASE("family_parameter_limit: every neuron of the family active and fully connected") {
  static_assert(family_parameter_limit<paper_spec>() == 3 * 7 + 3 * 8 * 7 + 8);
  CHECK(family_parameter_limit<paper_spec>() == 197);
  CHECK(family_parameter_limit<network_spec<2, 1, 1, 10>>() == 41);  // the dense 2-10-1 reference
}

TEST_CASE("staged_grid: depth x width x activation, or every per-layer mix") {
  const auto grid = staged_grid({.depths = {1, 3}, .widths = {2, 7}, .activations = {activation::tanh, activation::sigmoid}});
  REQUIRE(grid.size() == 8);
  CHECK(grid[0].depth == 1);
  CHECK(grid[0].width == 2);
  CHECK(grid[0].activations == std::vector<activation>{activation::tanh});
  CHECK(grid[7].depth == 3);
  CHECK(grid[7].width == 7);
  CHECK(grid[7].activations == std::vector<activation>(3, activation::sigmoid));
  const auto mixed = staged_grid({.depths = {2}, .widths = {4}, .activations = {activation::tanh, activation::leaky_relu},
                                  .mix_activations = true});
  REQUIRE(mixed.size() == 4);
  CHECK(mixed[1].activations == std::vector<activation>{activation::leaky_relu, activation::tanh});
  CHECK(mixed[3].activations == std::vector<activation>{activation::leaky_relu, activation::leaky_relu});
}

TEST_CASE("make_staged_network: all neurons active, fully connected, the layer's activation") {
  const staged_architecture a{.depth = 2, .width = 5, .activations = {activation::tanh, activation::leaky_relu}};
  const auto net = make_staged_network<paper_spec>(a, 3);
  CHECK(net.depth == 2);
  CHECK(net.active_neurons() == 10);
  CHECK(net.nonzero_parameters() == (2 + 1) * 5 + (5 + 1) * 5 + 5 + 1);
  CHECK(net.layers[1].activations[4] == activation::leaky_relu);
  CHECK(net.layers[0].activations[0] == activation::tanh);
  const auto other = make_staged_network<paper_spec>(a, 4);
  CHECK(other.layers[0].weights(0, 0) != net.layers[0].weights(0, 0));
  CHECK_THROWS_AS(make_staged_network<paper_spec>({.depth = 2, .width = 8, .activations = {activation::tanh, activation::tanh}}, 0),
                  value_error);
}

TEST_CASE("run_staged recovers a 13-parameter teacher within budgets 13 and 20, picked on validation") {
  const auto t = teacher();
  REQUIRE(t.nonzero_parameters() == 13);
  const auto train = test_teacher::make_split(t, 400, 1), validation = test_teacher::make_split(t, 200, 2),
             test = test_teacher::make_split(t, 200, 3);
  const auto r = run_staged<paper_spec>(train, validation, test, {20, 13}, small_grid());
  REQUIRE(r.picks.size() == 2);
  CHECK(r.picks[0].budget == 20);
  CHECK(r.picks[1].budget == 13);
  for (const auto& p : r.picks) {
    CAPTURE(p.budget);
    CHECK(p.tuned.net.nonzero_parameters() <= p.budget);
    CHECK(p.candidates == 8);
    // far below the labels' variance: the teacher's function is recovered (a constant scores 1 on this ratio)
    CHECK(p.tuned.validation_mse < 1e-3 * variance(validation));
    CHECK(p.test_mse < 1e-3 * variance(test));
    CHECK(p.test_mse == doctest::Approx(test_teacher::mse(p.tuned.net, test)));
    CHECK(p.seconds > 0);
  }
  // A budget far below the teacher still gives a network within it, and a worse fit.
  const auto tight = run_staged<paper_spec>(train, validation, test, {5}, small_grid());
  CHECK(tight.picks[0].tuned.net.nonzero_parameters() <= 5);
  CHECK(tight.picks[0].tuned.validation_mse > r.picks[1].tuned.validation_mse);
}

TEST_CASE("run_staged and check_budgets reject bad budgets and options with a swatnn error") {
  const auto t = teacher();
  const auto s = test_teacher::make_split(t, 50, 1);
  CHECK_THROWS_WITH_AS(run_staged<paper_spec>(s, s, s, {0}, small_grid()), doctest::Contains("budget 0 is outside 2..197"),
                       value_error);
  CHECK_THROWS_WITH_AS(run_staged<paper_spec>(s, s, s, {30, 198}, small_grid()),
                       doctest::Contains("budget 198 is outside 2..197"), value_error);
  CHECK_THROWS_AS(run_staged<paper_spec>(s, s, s, {}, small_grid()), value_error);
  auto bad = small_grid();
  bad.depths = {5};
  CHECK_THROWS_WITH_AS(run_staged<paper_spec>(s, s, s, {10}, bad), doctest::Contains("staged_options.depths"), value_error);
  bad = small_grid();
  bad.widths = {};
  CHECK_THROWS_AS(run_staged<paper_spec>(s, s, s, {10}, bad), value_error);
  bad = small_grid();
  bad.prune_round_iterations = 0;
  CHECK_THROWS_WITH_AS(run_staged<paper_spec>(s, s, s, {10}, bad), doctest::Contains("prune_round_iterations"), value_error);
}
