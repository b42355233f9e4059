// Tests for baselines/darts_supernet.hpp, baselines/admm_prune.hpp and baselines/darts_admm.hpp: finite-difference
// checks of the supernet's weight and architecture gradients, the softmax mixes, discretization by argmax, the
// top-k projection (exactly k entries, ties included), ADMM within the budget, recovery of a small teacher
// network, errors on bad budgets and options.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include <swatnn/baselines/admm_prune.hpp>
#include <swatnn/baselines/darts_admm.hpp>
#include <swatnn/baselines/darts_supernet.hpp>

#include "support/gradient_check.hpp"
#include "support/teacher_data.hpp"

using namespace swatnn;
using namespace swatnn::baselines;

namespace {
// A 2-3-1 tanh teacher, fully connected: 13 parameters.
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

darts_admm_options fast_options() {
  return {.darts = {.iterations = 300},
          .retrain = {.max_iterations = 400, .patience = 100},
          .admm = {.rounds = 10, .w_steps = 30},
          .tune = {.method = fine_tuner::adam_then_levenberg_marquardt,
                   .tune = {.max_iterations = 300, .patience = 60},
                   .lm = {.max_iterations = 80, .patience = 20}}};
}
}  // namespace

TEST_CASE("darts_supernet: the weight and architecture gradients match finite differences") {
  const auto split = test_teacher::make_split(test_teacher::random_network(2, 5), 24, 9);
  darts_supernet<paper_spec> net(3, 1.5);
  std::mt19937_64 rng(11);
  std::normal_distribution<double> n(0.0, 1.0);
  for (auto& a : net.architecture) a = n(rng);             // away from the uniform mix, so every term matters
  for (std::size_t i = 0; i < net.weights.size(); ++i)     // nonzero biases too
    if (net.weights[i] == 0.0) net.weights[i] = 0.3 * n(rng);
  std::vector<double> gw, ga;
  const double loss = net.loss(split.x, split.y, &gw, &ga);
  REQUIRE(std::isfinite(loss));
  REQUIRE(gw.size() == net.weights.size());
  REQUIRE(ga.size() == net.architecture.size());
  auto f = [&] { return net.loss(split.x, split.y); };
  const auto weights = test::check_gradient(f, std::span<double>(net.weights), gw, 1e-6);
  CHECK_MESSAGE(weights.passed(1e-6), weights.describe());
  CHECK(weights.checked == net.weights.size());
  const auto arch = test::check_gradient(f, std::span<double>(net.architecture), ga, 1e-6);
  CHECK_MESSAGE(arch.passed(1e-6), arch.describe());
  CHECK(arch.checked == net.architecture.size());
  // The gradients are not trivially zero: every depth logit and most activation logits move the loss.
  int nonzero = 0;
  for (double g : ga) nonzero += std::abs(g) > 1e-9 ? 1 : 0;
  CHECK(nonzero > static_cast<int>(ga.size()) / 2);
}

TEST_CASE("darts_supernet: the mixes are softmaxes and discretization takes the argmax") {
  darts_supernet<paper_spec> net(1);
  const auto q0 = net.depth_weights();
  for (double q : q0) CHECK(q == doctest::Approx(0.25));
  const std::size_t beta0 = net.architecture.size() - 4;
  net.architecture[beta0 + 2] = 1.0;  // depth 3
  const auto q = net.depth_weights();
  CHECK(q[2] > q[0]);
  CHECK(q[0] + q[1] + q[2] + q[3] == doctest::Approx(1.0));
  CHECK(net.chosen_depth() == 3);
  net.architecture[(1 * 7 + 4) * 3 + 2] = 2.0;  // layer 1, neuron 4: leaky_relu
  net.architecture[(0 * 7 + 0) * 3 + 1] = 0.5;  // layer 0, neuron 0: tanh
  const auto p = net.activation_weights(1, 4);
  CHECK(p[2] > p[0]);
  CHECK(p[0] + p[1] + p[2] == doctest::Approx(1.0));
  const auto d = net.discretize();
  CHECK(d.depth == 3);
  CHECK(d.active_neurons() == 21);
  CHECK(d.nonzero_parameters() == 3 * 7 + 2 * 8 * 7 + 8);
  CHECK(d.layers[1].activations[4] == activation::leaky_relu);
  CHECK(d.layers[0].activations[0] == activation::tanh);
  CHECK(d.layers[0].activations[1] == activation::sigmoid);  // ties: the first
  CHECK(d.layers[1].weights(2, 3) == static_cast<float>(net.layer_weights(1)(2, 3)));
  CHECK(d.output_weights(5, 0) == static_cast<float>(net.head_weights(2)(5, 0)));
}

TEST_CASE("darts_search lowers the supernet's validation MSE and gives a network of the family") {
  const auto t = teacher();
  const auto train = test_teacher::make_split(t, 200, 1), validation = test_teacher::make_split(t, 100, 2);
  darts_supernet<paper_spec> fresh(0);
  const double before = fresh.loss(validation.x, validation.y);
  const auto r = darts_search<paper_spec>(train, validation, {.iterations = 200});
  CHECK(r.validation_mse < 0.2 * before);
  CHECK(r.network.depth == r.supernet.chosen_depth());
  CHECK_THROWS_AS(darts_search<paper_spec>(train, validation, {.iterations = -1}), value_error);
}

TEST_CASE("project_top_k keeps exactly k entries, ties to the lower index") {
  const std::vector<double> v{3.0, -1.0, 2.0, -2.0, 2.0, 0.5};
  std::vector<double> out(v.size());
  project_top_k(v, 3, out);
  CHECK(out == std::vector<double>{3.0, 0.0, 2.0, -2.0, 0.0, 0.0});
  const std::vector<double> same(9, -0.7), zeros(5, 0.0);
  for (std::size_t k = 0; k <= same.size(); ++k) {
    const auto keep = top_k_mask(same, k);
    CHECK(static_cast<std::size_t>(std::count(keep.begin(), keep.end(), true)) == k);
    for (std::size_t i = 0; i < k; ++i) CHECK(keep[i]);
  }
  const auto keep_zeros = top_k_mask(zeros, 2);
  CHECK(std::count(keep_zeros.begin(), keep_zeros.end(), true) == 2);
  CHECK_THROWS_AS(top_k_mask(v, 7), value_error);
  CHECK_THROWS_AS(top_k_mask(std::vector<double>{1.0, std::nan("")}, 1), value_error);
  CHECK_THROWS_AS(project_top_k(v, 2, std::span<double>(out).first(3)), shape_error);
}

TEST_CASE("admm_prune: the result fits the budget and keeps the function close") {
  const auto t = teacher();
  const auto train = test_teacher::make_split(t, 200, 1), validation = test_teacher::make_split(t, 100, 2);
  // a dense 2-7-1 tanh network (29 parameters) trained on the teacher's data
  const auto dense = fine_tune(make_dense<paper_spec>(7, activation::tanh, 1), train, validation,
                               {.max_iterations = 600, .patience = 0}).net;
  REQUIRE(dense.nonzero_parameters() == 29);
  const double trained = test_teacher::mse(dense, validation);
  for (int budget : {20, 13, 9}) {
    CAPTURE(budget);
    const auto pruned = admm_prune(dense, train, budget, {.rounds = 10, .w_steps = 30});
    CHECK(pruned.nonzero_parameters() <= budget);
    CHECK(pruned.nonzero_parameters() >= budget - 4);  // the largest mask that fits, not an arbitrary small one
    MESSAGE("budget " << budget << ": " << pruned.nonzero_parameters() << " params, validation MSE "
                      << test_teacher::mse(pruned, validation) << " (dense " << trained << ", variance "
                      << variance(validation) << ")");
    CHECK(test_teacher::mse(pruned, validation) < 0.5 * variance(validation));
  }
  // already within the budget: returned unchanged
  const auto same = admm_prune(dense, train, 29);
  CHECK(same.output_weights == dense.output_weights);
  CHECK(same.layers[0].weights == dense.layers[0].weights);
}

TEST_CASE("run_darts_admm recovers a 13-parameter teacher within budget 20 and stays within budget 10") {
  const auto t = teacher();
  const auto train = test_teacher::make_split(t, 400, 1), validation = test_teacher::make_split(t, 200, 2),
             test = test_teacher::make_split(t, 200, 3);
  const auto r = run_darts_admm<paper_spec>(train, validation, test, {20, 10}, fast_options());
  REQUIRE(r.picks.size() == 2);
  MESSAGE("DARTS depth " << r.architecture.depth << "; budget 20: " << r.picks[0].tuned.net.nonzero_parameters()
                         << " params, test MSE " << r.picks[0].test_mse << "; budget 10: "
                         << r.picks[1].tuned.net.nonzero_parameters() << " params, test MSE " << r.picks[1].test_mse
                         << " (label variance " << variance(test) << ")");
  CHECK(r.picks[0].budget == 20);
  CHECK(r.picks[0].tuned.net.nonzero_parameters() <= 20);
  CHECK(r.picks[1].tuned.net.nonzero_parameters() <= 10);
  CHECK(r.picks[0].test_mse < 1e-3 * variance(test));
  CHECK(r.picks[0].test_mse == doctest::Approx(test_teacher::mse(r.picks[0].tuned.net, test)));
  CHECK(r.picks[1].test_mse < variance(test));  // below the teacher's size: better than a constant, no more
}

TEST_CASE("run_darts_admm and admm_prune reject bad budgets and options with a swatnn error") {
  const auto t = teacher();
  const auto s = test_teacher::make_split(t, 40, 1);
  auto o = fast_options();
  CHECK_THROWS_WITH_AS(run_darts_admm<paper_spec>(s, s, s, {0}, o), doctest::Contains("budget 0 is outside 2..197"),
                       value_error);
  CHECK_THROWS_WITH_AS(run_darts_admm<paper_spec>(s, s, s, {250}, o), doctest::Contains("budget 250 is outside"),
                       value_error);
  o.admm.rounds = 0;
  CHECK_THROWS_WITH_AS(run_darts_admm<paper_spec>(s, s, s, {10}, o), doctest::Contains("admm_options.rounds"), value_error);
  CHECK_THROWS_AS(admm_prune(t, s, 0), value_error);
  CHECK_THROWS_WITH_AS(admm_prune(t, s, 10, {.rho = -1}), doctest::Contains("admm_options.rho"), value_error);
}
