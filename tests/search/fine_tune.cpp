// Tests for search/fine_tune.hpp: recovery of perturbed weights of a known sparse network (lower validation
// MSE), fixed structure and sparsity pattern, early stopping, determinism, callbacks, no allocation in the loop,
// and errors naming the problem.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>
#include <vector>

#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/optim/sgd.hpp>
#include <swatnn/search/fine_tune.hpp>

#include "support/alloc_counter.hpp"
#include "support/teacher_data.hpp"

using namespace swatnn;
using S = paper_spec;
using test_teacher::make_split;

namespace {
// The teacher: a depth-2 network with 3 + 2 active neurons of all activation kinds and a sparse pattern.
sparse_network<S, float> teacher() {
  auto net = sparse_network<S, float>::zeros(2);
  auto& l0 = net.layers[0];
  auto& l1 = net.layers[1];
  l0.active[0] = l0.active[2] = l0.active[5] = true;
  l0.activations[0] = activation::tanh;
  l0.activations[2] = activation::sigmoid;
  l0.activations[5] = activation::leaky_relu;
  l0.weights(0, 0) = 1.2f;
  l0.weights(1, 0) = -0.8f;
  l0.weights(0, 2) = 2.0f;
  l0.weights(1, 5) = 1.5f;
  l0.bias << 0.1f, 0, -0.3f, 0, 0, 0.2f, 0;
  l1.active[1] = l1.active[3] = true;
  l1.activations[1] = activation::tanh;
  l1.activations[3] = activation::sigmoid;
  l1.weights(0, 1) = 1.0f;
  l1.weights(2, 1) = -1.3f;
  l1.weights(5, 3) = 0.9f;
  l1.weights(0, 3) = 0.7f;
  l1.bias(1) = 0.05f;
  l1.bias(3) = -0.4f;
  net.output_weights(1, 0) = 1.1f;
  net.output_weights(3, 0) = -0.9f;
  net.output_bias(0) = 0.2f;
  return net;
}

// Multiplies every nonzero parameter by (1 + 0.3 N(0, 1)) and shifts the biases.
sparse_network<S, float> perturbed(sparse_network<S, float> net, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal;
  for (int l = 0; l < net.depth; ++l) {
    for (Eigen::Index i = 0; i < net.layers[l].weights.size(); ++i) {
      float& w = net.layers[l].weights.data()[i];
      if (w != 0.0f) w *= 1.0f + 0.3f * normal(rng);
    }
    for (int j = 0; j < 7; ++j)
      if (net.layers[l].active[j]) net.layers[l].bias(j) += 0.2f * normal(rng);
  }
  for (Eigen::Index i = 0; i < net.output_weights.size(); ++i) {
    float& w = net.output_weights.data()[i];
    if (w != 0.0f) w *= 1.0f + 0.3f * normal(rng);
  }
  net.output_bias(0) += 0.2f * normal(rng);
  return net;
}

void check_same_structure(const sparse_network<S, float>& a, const sparse_network<S, float>& b) {
  REQUIRE(a.depth == b.depth);
  for (int l = 0; l < a.depth; ++l) {
    CHECK(a.layers[l].active == b.layers[l].active);
    CHECK(a.layers[l].activations == b.layers[l].activations);
    CHECK(((a.layers[l].weights.array() == 0.0f) == (b.layers[l].weights.array() == 0.0f)).all());
  }
  CHECK(((a.output_weights.array() == 0.0f) == (b.output_weights.array() == 0.0f)).all());
}

bool same_parameters(const sparse_network<S, float>& a, const sparse_network<S, float>& b) {
  bool same = a.depth == b.depth && a.output_weights == b.output_weights && a.output_bias == b.output_bias;
  for (int l = 0; l < a.depth; ++l)
    same = same && a.layers[l].weights == b.layers[l].weights && a.layers[l].bias == b.layers[l].bias;
  return same;
}
}  // namespace

TEST_CASE("fine_tune recovers perturbed weights: lower validation MSE, same structure, zeros stay zero") {
  const auto t = teacher();
  const auto train = make_split(t, 256, 1);
  const auto validation = make_split(t, 128, 2);
  const auto start = perturbed(t, 3);
  const double before = test_teacher::mse(start, validation);
  REQUIRE(before > 1e-3);

  const auto r = fine_tune(start, train, validation, {.max_iterations = 1500});
  check_same_structure(start, r.net);
  CHECK(r.net.nonzero_parameters() == start.nonzero_parameters());
  CHECK(r.validation_curve.front() == doctest::Approx(before).epsilon(1e-5));
  CHECK(r.validation_mse < 0.05 * before);
  CHECK(r.validation_mse == doctest::Approx(test_teacher::mse(r.net, validation)).epsilon(1e-4));
  CHECK(r.train_mse == doctest::Approx(test_teacher::mse(r.net, train)).epsilon(1e-4));
  CHECK(r.train_mse < 0.05 * test_teacher::mse(start, train));
  CHECK(r.validation_curve.size() == static_cast<std::size_t>(r.iterations) + 1);
  CHECK(r.validation_curve[static_cast<std::size_t>(r.best_iteration)] == r.validation_mse);
  MESSAGE("validation MSE " << before << " -> " << r.validation_mse << " in " << r.iterations << " updates");

  // Mini-batches reach a lower validation MSE too.
  const auto rb = fine_tune(start, train, validation, {.max_iterations = 600, .batch = 32, .seed = 5});
  check_same_structure(start, rb.net);
  CHECK(rb.validation_mse < 0.2 * before);
}

TEST_CASE("fine_tune trains only surviving parameters: weights of inactive neurons and zeros are untouched") {
  auto start = perturbed(teacher(), 4);
  start.layers[0].bias(1) = 0.7f;           // bias of an inactive neuron
  start.layers[0].weights(0, 1) = 0.4f;     // weight into an inactive neuron
  REQUIRE(start.layers[1].weights(2, 3) == 0.0f);  // a zero between live units (both active)
  const auto train = make_split(teacher(), 64, 5);
  const auto validation = make_split(teacher(), 32, 6);
  const auto r = fine_tune(start, train, validation, {.max_iterations = 50});
  CHECK(r.net.layers[0].bias(1) == 0.7f);
  CHECK(r.net.layers[0].weights(0, 1) == 0.4f);
  CHECK(r.net.layers[1].weights(2, 3) == 0.0f);
  CHECK(r.net.layers[0].weights(0, 0) != start.layers[0].weights(0, 0));  // a surviving weight moved
  CHECK(r.net.output_bias(0) != start.output_bias(0));
}

TEST_CASE("fine_tune stops early after `patience` updates without improvement and keeps the best parameters") {
  const auto t = teacher();
  const auto train = make_split(t, 64, 7);
  const auto validation = make_split(t, 32, 8);
  const auto start = perturbed(t, 9);
  // No update can improve by more than min_delta = 1e9: the run stops after exactly `patience` updates.
  const auto r = fine_tune(start, train, validation, {.max_iterations = 1000, .patience = 7, .min_delta = 1e9});
  CHECK(r.stopped_by == fine_tune_stop::patience);
  CHECK(r.iterations == 7);
  CHECK(r.best_iteration == 0);
  CHECK(r.validation_curve.size() == 8);
  CHECK(same_parameters(r.net, start));

  // With a too-large learning rate Adam overshoots; patience ends the run and the best parameters are returned.
  const auto wild = fine_tune(start, train, validation,
                              {.optimizer = adam{.lr = 3.0}, .max_iterations = 5000, .patience = 20});
  CHECK(wild.iterations < 5000);
  CHECK(wild.stopped_by != fine_tune_stop::max_iterations);
  CHECK(wild.validation_mse <= wild.validation_curve.front());
  CHECK(wild.validation_mse == doctest::Approx(test_teacher::mse(wild.net, validation)).epsilon(1e-4));
  MESSAGE("lr 3: stopped after " << wild.iterations << " updates, best at " << wild.best_iteration);
  if (wild.stopped_by == fine_tune_stop::patience)
    CHECK(wild.iterations - wild.best_iteration == 20);

  // patience = 0 never stops early.
  const auto all = fine_tune(start, train, validation, {.max_iterations = 30, .patience = 0, .min_delta = 1e9});
  CHECK(all.iterations == 30);
  CHECK(all.stopped_by == fine_tune_stop::max_iterations);

  // max_iterations = 0 only evaluates.
  const auto none = fine_tune(start, train, validation, {.max_iterations = 0});
  CHECK(none.iterations == 0);
  CHECK(same_parameters(none.net, start));
  CHECK(none.validation_mse == doctest::Approx(test_teacher::mse(start, validation)).epsilon(1e-5));
}

TEST_CASE("fine_tune is deterministic for a seed") {
  const auto t = teacher();
  const auto train = make_split(t, 100, 10);
  const auto validation = make_split(t, 40, 11);
  const auto start = perturbed(t, 12);
  const fine_tune_options<> options{.max_iterations = 100, .batch = 16, .seed = 42};
  const auto a = fine_tune(start, train, validation, options);
  const auto b = fine_tune(start, train, validation, options);
  CHECK(a.validation_curve == b.validation_curve);
  CHECK(same_parameters(a.net, b.net));
  auto other = options;
  other.seed = 43;
  const auto c = fine_tune(start, train, validation, other);
  CHECK(a.validation_curve != c.validation_curve);
  const auto f1 = fine_tune(start, train, validation, {.max_iterations = 50});
  const auto f2 = fine_tune(start, train, validation, {.max_iterations = 50});
  CHECK(f1.validation_curve == f2.validation_curve);
}

namespace {
struct recorder {
  int begins = 0, ends = 0;
  std::vector<double> validations, losses;
  std::vector<std::size_t> allocations;
  std::size_t group_size = 0;
  void begin(const step_info<float>& info) {
    ++begins;
    group_size = info.groups[0].values.size();
  }
  bool step(const step_info<float>& info) {
    validations.push_back(*info.validation);
    losses.push_back(info.loss);
    allocations.push_back(test::allocation_count());
    return info.iteration == 11;  // stop before update 11
  }
  void end(const step_info<float>&) { ++ends; }
};
}  // namespace

TEST_CASE("fine_tune calls callbacks, stops when one asks, and allocates nothing per update after warm-up") {
  const auto t = teacher();
  const auto train = make_split(t, 80, 13);
  const auto validation = make_split(t, 30, 14);
  const auto start = perturbed(t, 15);
  recorder rec;
  rec.validations.reserve(200);  // the recorder itself must not allocate inside the loop
  rec.losses.reserve(200);
  rec.allocations.reserve(200);
  const auto r = fine_tune(start, train, validation, fine_tune_options<>{.max_iterations = 100, .batch = 20}, rec);
  CHECK(rec.begins == 1);
  CHECK(rec.ends == 1);
  CHECK(r.stopped_by == fine_tune_stop::callback);
  CHECK(r.iterations == 11);
  CHECK(rec.group_size == static_cast<std::size_t>(start.nonzero_parameters()));
  REQUIRE(rec.validations.size() == 12);
  for (std::size_t k = 0; k < 12; ++k) CHECK(rec.validations[k] == r.validation_curve[k]);
  if (test::allocation_counting_enabled) CHECK(rec.allocations.back() == rec.allocations[2]);
}

namespace {
// Sets a stop flag at one update (as the swatnn command's SIGINT handler sets its flag at any time).
struct raise_flag_at {
  std::atomic<bool>* flag;
  std::uint64_t at;
  bool step(const step_info<float>& info) {
    if (info.iteration == at) flag->store(true);
    return false;
  }
};
}  // namespace

TEST_CASE("fine_tune ends before its next update once options.stop is true, keeping the best parameters") {
  const auto t = teacher();
  const auto train = make_split(t, 80, 13);
  const auto validation = make_split(t, 30, 14);
  const auto start = perturbed(t, 15);
  std::atomic<bool> stop{false};
  fine_tune_options<> options{.max_iterations = 100, .patience = 0};
  options.stop = &stop;
  const auto r = fine_tune(start, train, validation, options, raise_flag_at{&stop, 5});
  CHECK(r.stopped_by == fine_tune_stop::requested);
  CHECK(r.iterations == 6);  // update 5 was under way when the flag rose
  REQUIRE(r.validation_curve.size() == 7);
  CHECK(r.validation_mse == doctest::Approx(*std::min_element(r.validation_curve.begin(), r.validation_curve.end())));
  // the same run without the flag goes on
  CHECK(fine_tune(start, train, validation, fine_tune_options<>{.max_iterations = 100, .patience = 0}).iterations == 100);
  // raised before the start: no update, the starting network
  const auto none = fine_tune(start, train, validation, options);
  CHECK(none.stopped_by == fine_tune_stop::requested);
  CHECK(none.iterations == 0);
  CHECK(none.validation_mse == r.validation_curve.front());
}

TEST_CASE("fine_tune rejects bad input with errors naming the problem") {
  const auto t = teacher();
  const auto train = make_split(t, 20, 16);
  const auto validation = make_split(t, 10, 17);

  data::split wide = train;
  wide.x.conservativeResize(Eigen::NoChange, 3);
  CHECK_THROWS_WITH_AS(fine_tune(t, wide, validation), doctest::Contains("train split: x has 3 columns"), shape_error);
  data::split two_outputs = validation;
  two_outputs.y.conservativeResize(Eigen::NoChange, 2);
  CHECK_THROWS_WITH_AS(fine_tune(t, train, two_outputs), doctest::Contains("validation split: y has 2 columns"),
                       shape_error);
  data::split short_y = train;
  short_y.y.conservativeResize(15, Eigen::NoChange);
  CHECK_THROWS_WITH_AS(fine_tune(t, short_y, validation), doctest::Contains("x has 20 rows but y has 15"), shape_error);
  data::split empty;
  empty.x.resize(0, 2);
  empty.y.resize(0, 1);
  CHECK_THROWS_WITH_AS(fine_tune(t, train, empty), doctest::Contains("validation split is empty"), data_error);
  data::split nan_x = train;
  nan_x.x(4, 1) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(fine_tune(t, nan_x, validation), doctest::Contains("x(4, 1) is not finite"), data_error);
  data::split inf_y = validation;
  inf_y.y(2, 0) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(fine_tune(t, train, inf_y), doctest::Contains("y(2, 0) is not finite"), data_error);

  CHECK_THROWS_WITH_AS(fine_tune(t, train, validation, {.batch = 21}), doctest::Contains("batch = 21"), value_error);
  CHECK_THROWS_WITH_AS(fine_tune(t, train, validation, {.patience = -1}), doctest::Contains("patience"), value_error);
  CHECK_THROWS_WITH_AS(fine_tune(t, train, validation, {.max_iterations = -2}), doctest::Contains("max_iterations"),
                       value_error);
  CHECK_THROWS_WITH_AS(fine_tune(t, train, validation, {.min_delta = -1.0}), doctest::Contains("min_delta"),
                       value_error);
  CHECK_THROWS_WITH_AS(fine_tune(t, train, validation, {.optimizer = adam{.lr = -1.0}}), doctest::Contains("lr"),
                       value_error);
  auto bad = t;
  bad.layers[1].bias(3) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(fine_tune(bad, train, validation), doctest::Contains("non-finite"), value_error);
}

TEST_CASE("fine_tune takes another optimizer and the library's callbacks") {
  const auto t = teacher();
  const auto train = make_split(t, 128, 18);
  const auto validation = make_split(t, 64, 19);
  const auto start = perturbed(t, 20);
  std::ostringstream sink;
  progress_bar bar({.mode = progress_mode::always, .stream = &sink});
  const auto r = fine_tune(start, train, validation,
                           fine_tune_options<sgd>{.optimizer = sgd{.lr = 0.05}, .max_iterations = 200}, bar);
  check_same_structure(start, r.net);
  CHECK(r.validation_mse < r.validation_curve.front());
  CHECK(!sink.str().empty());
}
