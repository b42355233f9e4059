// Tests for search/prune.hpp: folding constant neurons keeps the function, the weakest weight (|w| x the RMS of
// its source) goes first, prune_to_budget reaches the budget with structure that only shrinks and a tune step
// per round, determinism, errors; and prune_and_tune / fine_tune_candidates with a budget (tuned_selection.hpp).
#include <doctest/doctest.h>

#include <vector>

#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/prune.hpp>
#include <swatnn/search/tuned_selection.hpp>

#include "support/teacher_data.hpp"

using namespace swatnn;
using S = paper_spec;
using test_teacher::make_split;
using test_teacher::random_network;

namespace {
// Every zero of `before` is still a zero of `after`, and no neuron switched on (structure only shrinks).
void check_shrunk(const sparse_network<S, float>& before, const sparse_network<S, float>& after) {
  REQUIRE(after.depth == before.depth);
  for (int l = 0; l < before.depth; ++l) {
    CHECK(after.layers[l].activations == before.layers[l].activations);
    for (int j = 0; j < S::max_width; ++j) {
      if (!before.layers[l].active[j]) CHECK_FALSE(after.layers[l].active[j]);
      for (int i = 0; i < S::layer_inputs(l); ++i)
        if (before.layers[l].weights(i, j) == 0.0f) CHECK(after.layers[l].weights(i, j) == 0.0f);
    }
  }
  for (int j = 0; j < S::max_width; ++j)
    if (before.output_weights(j, 0) == 0.0f) CHECK(after.output_weights(j, 0) == 0.0f);
}

cpu::matrix<float> points(int rows, std::uint64_t seed) { return make_split(random_network(1, 0), rows, seed).x; }
}  // namespace

TEST_CASE("predict's visitor sees every hidden layer's outputs") {
  const auto net = random_network(3, 5);
  const auto x = points(20, 1);
  std::vector<int> seen;
  cpu::matrix<float> last;
  const auto y = net.predict(x, [&](int l, const cpu::matrix<float>& h) {
    seen.push_back(l);
    CHECK(h.rows() == 20);
    CHECK(h.cols() == S::max_width);
    last = h;
  });
  CHECK(seen == std::vector<int>{0, 1, 2});
  const cpu::matrix<float> expected = (last * net.output_weights).rowwise() + net.output_bias.transpose();
  CHECK((y - expected).cwiseAbs().maxCoeff() == 0.0f);
  CHECK((y - net.predict(x)).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("fold_constant_neurons folds a neuron without inputs into the biases it feeds") {
  for (int depth = 1; depth <= S::max_depth; ++depth) {
    CAPTURE(depth);
    auto net = random_network(depth, 20 + depth);
    for (int l = 0; l < depth; ++l) {  // cut every input of the first active neuron of each layer
      int j = 0;
      while (!net.layers[l].active[j]) ++j;
      net.layers[l].weights.col(j).setZero();
    }
    const auto x = points(64, 2);
    const cpu::matrix<float> before = net.predict(x);
    const int parameters = net.nonzero_parameters(), neurons = net.active_neurons();
    CHECK(fold_constant_neurons(net) >= depth);
    CHECK(net.active_neurons() <= neurons - depth);
    CHECK(net.nonzero_parameters() < parameters);
    CHECK((net.predict(x) - before).cwiseAbs().maxCoeff() <= 1e-5f);
    CHECK(fold_constant_neurons(net) == 0);  // nothing left to fold
  }
}

TEST_CASE("remove_weakest_weights removes the weight with the least |w| x RMS of its source first") {
  auto net = sparse_network<S, float>::zeros(1);
  auto& l0 = net.layers[0];
  l0.active[0] = l0.active[1] = true;
  l0.activations[0] = l0.activations[1] = activation::tanh;
  l0.bias(0) = 0.4f;
  l0.weights(0, 0) = 0.1f;  // reads x0, whose RMS is 10x x1's: strength 0.1 x 10 = 1
  l0.weights(1, 0) = 0.5f;  // strength 0.5 x 1 = 0.5: the weakest
  l0.weights(0, 1) = 1.0f;  // strength 10
  net.output_weights(0, 0) = 2.0f;
  net.output_weights(1, 0) = 3.0f;
  cpu::matrix<float> x = points(200, 3);
  x.col(0) *= 10.0f;
  const int parameters = net.nonzero_parameters();
  CHECK(remove_weakest_weights(net, x, 1) == 1);
  CHECK(net.layers[0].weights(1, 0) == 0.0f);
  CHECK(net.layers[0].weights(0, 0) == 0.1f);
  CHECK(net.nonzero_parameters() == parameters - 1);
  // the next weakest is w(0, 0): neuron 0 loses its last input and is folded into the output bias
  const cpu::matrix<float> before = net.predict(x);
  const float constant_contribution = 2.0f * std::tanh(l0.bias(0));
  l0.weights(0, 0) = 0.0f;
  const cpu::matrix<float> expected = net.predict(x);
  l0.weights(0, 0) = 0.1f;
  CHECK(remove_weakest_weights(net, x, 1) == 1);
  CHECK_FALSE(net.layers[0].active[0]);
  CHECK(net.output_bias(0) == doctest::Approx(constant_contribution));
  CHECK((net.predict(x) - expected).cwiseAbs().maxCoeff() <= 1e-6f);
  CHECK((net.predict(x) - before).cwiseAbs().maxCoeff() > 0.0f);
  CHECK(net.nonzero_parameters() == 1 + 1 + 1 + 1);  // neuron 1: bias + input weight, its output weight, output bias
  CHECK(remove_weakest_weights(net, x, 100) == 2);   // only two weights are left
  CHECK(net.active_neurons() == 0);
  CHECK(net.nonzero_parameters() == S::outputs);
}

TEST_CASE("prune_to_budget reaches the budget, only shrinks the structure and tunes after every round") {
  for (int depth = 1; depth <= S::max_depth; ++depth) {
    CAPTURE(depth);
    const auto net = random_network(depth, 60 + depth);
    const auto x = points(128, 4);
    const int budget = std::max(S::outputs, net.nonzero_parameters() / 3);
    int rounds = 0;
    std::vector<int> sizes;
    auto tune = [&](const sparse_network<S, float>& n) {
      ++rounds;
      sizes.push_back(n.nonzero_parameters());
      return n;
    };
    const auto pruned = prune_to_budget(net, x, {.max_parameters = budget, .fraction = 0.25}, tune);
    CHECK(pruned.nonzero_parameters() <= budget);
    CHECK(rounds >= 2);  // 25 % of the excess per round cannot get there at once
    for (std::size_t k = 1; k < sizes.size(); ++k) CHECK(sizes[k] < sizes[k - 1]);
    CHECK(sizes.back() == pruned.nonzero_parameters());
    check_shrunk(net, pruned);
    // deterministic, and one shot (fraction 1) prunes in one round
    CHECK(prune_to_budget(net, x, {.max_parameters = budget, .fraction = 0.25}, tune).predict(x) == pruned.predict(x));
    rounds = 0;
    CHECK(prune_to_budget(net, x, {.max_parameters = budget, .fraction = 1.0}, tune).nonzero_parameters() <= budget);
    CHECK(rounds == 1);
  }
}

TEST_CASE("prune_to_budget leaves a network within the budget alone and rejects bad options") {
  const auto net = random_network(2, 7);
  const auto x = points(32, 5);
  int calls = 0;
  auto tune = [&](const sparse_network<S, float>& n) {
    ++calls;
    return n;
  };
  const auto same = prune_to_budget(net, x, {.max_parameters = net.nonzero_parameters()}, tune);
  CHECK(calls == 0);
  CHECK(same.predict(x) == net.predict(x));
  CHECK_THROWS_AS(prune_to_budget(net, x, {.max_parameters = 0}, tune), value_error);
  CHECK_THROWS_AS(prune_to_budget(net, x, {.max_parameters = 5, .fraction = 0.0}, tune), value_error);
  CHECK_THROWS_AS(prune_to_budget(net, x, {.max_parameters = 5, .fraction = 1.5}, tune), value_error);
  // a tune step that adds parameters breaks the contract
  auto grows = [&](const sparse_network<S, float>&) { return net; };
  CHECK_THROWS_AS(prune_to_budget(net, x, {.max_parameters = 5}, grows), value_error);
  CHECK_THROWS_AS(remove_weakest_weights(const_cast<sparse_network<S, float>&>(same), cpu::matrix<float>(0, 2), 1),
                  data_error);
}

TEST_CASE("prune_and_tune fine-tunes after pruning to the budget and recovers most of the fit") {
  const auto teacher = random_network(2, 9);
  const auto train = make_split(teacher, 300, 6), validation = make_split(teacher, 100, 7);
  const int budget = teacher.nonzero_parameters() - 6;
  REQUIRE(budget > 0);
  tuned_selection_options options{.method = fine_tuner::levenberg_marquardt, .max_parameters = budget};
  const auto tuned = prune_and_tune(teacher, train, validation, options);
  CHECK(tuned.net.nonzero_parameters() <= budget);
  check_shrunk(teacher, tuned.net);
  CHECK(tuned.validation_mse == doctest::Approx(test_teacher::mse(tuned.net, validation)).epsilon(1e-4));
  // better than pruning in one shot without any fine-tuning
  auto one_shot = teacher;
  while (one_shot.nonzero_parameters() > budget) remove_weakest_weights(one_shot, train.x, 1);
  CHECK(tuned.validation_mse < test_teacher::mse(one_shot, validation));
  // no budget: plain fine-tuning, the structure kept
  options.max_parameters = 0;
  CHECK(prune_and_tune(teacher, train, validation, options).net.nonzero_parameters() == teacher.nonzero_parameters());
  options.max_parameters = -1;
  search_result<S, float> result;
  result.candidates.push_back({.depth = 2, .network = teacher, .validation_mse = 0.0});
  CHECK_THROWS_AS(fine_tune_candidates(result, train, validation, options), value_error);
  options.max_parameters = budget;
  options.prune_round_iterations = 0;
  CHECK_THROWS_AS(fine_tune_candidates(result, train, validation, options), value_error);
  options.prune_round_iterations = 20;
  const auto selection = fine_tune_candidates(result, train, validation, options);
  CHECK(selection.best().tuned.net.nonzero_parameters() <= budget);
}
