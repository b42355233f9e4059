// Tests for search/fine_tune_lm.hpp: the Jacobian against central finite differences in double for random sparse
// networks of every depth and activation kind, recovery of a teacher's weights from a perturbed start (the
// fine_tune contract: fixed structure, zeros stay zero, best-validation parameters), convergence, polish_lm after
// fine_tune, determinism, and errors.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <random>
#include <span>
#include <vector>

#include <swatnn/search/fine_tune_lm.hpp>

#include "support/gradient_check.hpp"
#include "support/teacher_data.hpp"

using namespace swatnn;
using S = paper_spec;
using test_teacher::make_split;
using test_teacher::mse;
using test_teacher::random_network;

namespace {
// The teacher with every surviving parameter moved by up to +-30 % (same structure and zeros).
sparse_network<S, float> perturbed(sparse_network<S, float> net, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> f(0.7f, 1.3f);
  detail::for_each_surviving_slot(net, [&](const detail::parameter_slot& s) { detail::slot_ref(net, s) *= f(rng); });
  return net;
}
}  // namespace

TEST_CASE("the Levenberg-Marquardt Jacobian matches finite differences at every depth") {
  for (int depth = 1; depth <= S::max_depth; ++depth) {
    CAPTURE(depth);
    const auto net = random_network(depth, 40 + depth);
    detail::network_jacobian<S> model(net);
    REQUIRE(model.parameters() == static_cast<std::size_t>(net.nonzero_parameters()));
    Eigen::MatrixXd x = Eigen::MatrixXd::Random(40, 2);
    Eigen::MatrixXd jacobian;
    std::vector<double> values = model.values();
    model.evaluate(x, &jacobian);
    REQUIRE(jacobian.rows() == 40);
    REQUIRE(jacobian.cols() == static_cast<Eigen::Index>(values.size()));
    // outputs agree with the float network
    const cpu::matrix<float> expected = net.predict(x.cast<float>());
    CHECK((model.evaluate(x).cast<float>() - expected).cwiseAbs().maxCoeff() < 1e-4f);
    // the gradient of c . outputs is J^T c, for a few random weightings c
    for (int trial = 0; trial < 3; ++trial) {
      const Eigen::VectorXd c = Eigen::VectorXd::Random(40);
      const Eigen::VectorXd analytic = jacobian.transpose() * c;
      auto loss = [&] {
        model.set_values(values);
        return model.evaluate(x).col(0).dot(c);
      };
      const auto r = test::check_gradient(loss, std::span<double>(values), std::span<const double>(analytic.data(), analytic.size()), 1e-6);
      INFO(r.describe());
      CHECK(r.passed(1e-6));
    }
  }
}

TEST_CASE("fine_tune_lm recovers a teacher from a perturbed start, keeping structure and zeros") {
  const auto teacher = random_network(2, 7);
  const auto train = make_split(teacher, 400, 1), validation = make_split(teacher, 200, 2);
  const auto start = perturbed(teacher, 3);
  const double start_validation = mse(start, validation);
  REQUIRE(start_validation > 1e-4);
  const auto r = fine_tune_lm(start, train, validation);
  CHECK(r.validation_mse < 1e-3 * start_validation);
  CHECK(r.validation_mse == doctest::Approx(mse(r.net, validation)).epsilon(1e-5));
  CHECK(r.train_mse == doctest::Approx(mse(r.net, train)).epsilon(1e-5));
  REQUIRE(r.validation_curve.size() == static_cast<std::size_t>(r.iterations) + 1);
  CHECK(r.validation_curve.front() == doctest::Approx(start_validation).epsilon(1e-5));
  CHECK(r.best_iteration <= r.iterations);
  CHECK(r.validation_mse == doctest::Approx(r.validation_curve[static_cast<std::size_t>(r.best_iteration)]));
  // same structure: depth, active set, activations, and exactly the same zeros
  CHECK(r.net.depth == start.depth);
  CHECK(r.net.nonzero_parameters() == start.nonzero_parameters());
  for (int l = 0; l < start.depth; ++l) {
    CHECK(r.net.layers[l].active == start.layers[l].active);
    CHECK(r.net.layers[l].activations == start.layers[l].activations);
    for (Eigen::Index k = 0; k < start.layers[l].weights.size(); ++k)
      if (start.layers[l].weights.data()[k] == 0.0f) CHECK(r.net.layers[l].weights.data()[k] == 0.0f);
    for (int j = 0; j < S::max_width; ++j)
      if (!start.layers[l].active[j]) CHECK(r.net.layers[l].bias(j) == start.layers[l].bias(j));
  }

  // deterministic
  const auto again = fine_tune_lm(start, train, validation);
  CHECK(again.validation_mse == r.validation_mse);
  CHECK(again.validation_curve == r.validation_curve);

  // max_iterations = 0 only evaluates; a short run stops by max_iterations
  const auto none = fine_tune_lm(start, train, validation, {.max_iterations = 0});
  CHECK(none.iterations == 0);
  CHECK(none.validation_mse == doctest::Approx(start_validation).epsilon(1e-5));
  const auto two = fine_tune_lm(start, train, validation, {.max_iterations = 2, .patience = 0});
  CHECK(two.iterations == 2);
  CHECK(two.stopped_by == fine_tune_stop::max_iterations);
}

TEST_CASE("fine_tune_lm ends before its next iteration once options.stop is true") {
  const auto teacher = random_network(2, 7);
  const auto train = make_split(teacher, 200, 1), validation = make_split(teacher, 100, 2);
  const auto start = perturbed(teacher, 3);
  std::atomic<bool> stop{true};
  levenberg_marquardt_options options;
  options.stop = &stop;
  const auto none = fine_tune_lm(start, train, validation, options);
  CHECK(none.stopped_by == fine_tune_stop::requested);
  CHECK(none.iterations == 0);
  CHECK(none.validation_mse == doctest::Approx(mse(start, validation)).epsilon(1e-5));
  stop.store(false);
  const auto runs = fine_tune_lm(start, train, validation, options);
  CHECK(runs.stopped_by != fine_tune_stop::requested);
  CHECK(runs.iterations > 0);
}

TEST_CASE("fine_tune_lm's callbacks see every step's training and validation MSE and may stop it") {
  const auto teacher = random_network(2, 7);
  const auto train = make_split(teacher, 200, 1), validation = make_split(teacher, 100, 2);
  const auto start = perturbed(teacher, 3);
  struct recorder {
    int begins = 0, ends = 0, stop_after = 0;
    std::vector<double> train, validation;
    void begin(const step_info<float>&) { ++begins; }
    bool step(const step_info<float>& info) {
      train.push_back(info.loss);
      validation.push_back(info.validation.value_or(-1));
      return stop_after > 0 && static_cast<int>(train.size()) >= stop_after;
    }
    void end(const step_info<float>&) { ++ends; }
  } all, three;
  three.stop_after = 3;
  const auto result = fine_tune_lm(start, train, validation, {.max_iterations = 20, .patience = 0}, all);
  CHECK(all.begins == 1);
  CHECK(all.ends == 1);
  REQUIRE(static_cast<int>(all.train.size()) == result.iterations);
  for (std::size_t k = 0; k < all.train.size(); ++k) {
    CHECK(all.validation[k] == doctest::Approx(result.validation_curve[k + 1]));
    if (k > 0) CHECK(all.train[k] < all.train[k - 1]);  // a step is taken only when it lowers the training MSE
  }
  const auto stopped = fine_tune_lm(start, train, validation, {.max_iterations = 20, .patience = 0}, three);
  CHECK(stopped.stopped_by == fine_tune_stop::callback);
  CHECK(stopped.iterations == 3);
}

TEST_CASE("fine_tune_lm stops as converged when no damping lowers the training MSE") {
  const auto teacher = random_network(1, 11);
  const auto train = make_split(teacher, 300, 1), validation = make_split(teacher, 100, 2);
  const auto r = fine_tune_lm(teacher, train, validation, {.max_iterations = 1000, .patience = 0});
  CHECK(r.stopped_by == fine_tune_stop::converged);
  CHECK(r.iterations < 1000);
  CHECK(r.validation_mse <= r.validation_curve.front());  // never worse than the start
  CHECK(r.validation_mse < 1e-12);                         // the teacher itself: only rounding is left
}

TEST_CASE("fine_tune_lm rejects bad options, splits and networks with errors naming the problem") {
  const auto net = random_network(2, 5);
  const auto train = make_split(net, 50, 1), validation = make_split(net, 20, 2);
  CHECK_THROWS_WITH_AS(fine_tune_lm(net, train, validation, {.max_iterations = -1}),
                       doctest::Contains("max_iterations"), value_error);
  CHECK_THROWS_WITH_AS(fine_tune_lm(net, train, validation, {.patience = -2}), doctest::Contains("patience"), value_error);
  CHECK_THROWS_WITH_AS(fine_tune_lm(net, train, validation, {.initial_damping = 0}),
                       doctest::Contains("initial_damping"), value_error);
  CHECK_THROWS_WITH_AS(fine_tune_lm(net, train, validation, {.initial_damping = 1, .max_damping = 1}),
                       doctest::Contains("max_damping"), value_error);
  data::split bad = train;
  bad.x.resize(50, 3);
  bad.x.setZero();
  CHECK_THROWS_AS(fine_tune_lm(net, bad, validation), shape_error);
  data::split nan = validation;
  nan.y(3, 0) = std::nanf("");
  CHECK_THROWS_AS(fine_tune_lm(net, train, nan), data_error);
  auto broken = net;
  broken.layers[0].bias(0) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(fine_tune_lm(broken, train, validation), doctest::Contains("fine_tune_lm"), value_error);
}

TEST_CASE("polish_lm continues a fine_tune result: joined curve, summed iterations, never worse") {
  const auto teacher = random_network(2, 7);
  const auto train = make_split(teacher, 400, 1), validation = make_split(teacher, 200, 2);
  const auto start = perturbed(teacher, 3);
  const auto first = fine_tune(start, train, validation, {.max_iterations = 100, .patience = 0});
  const auto both = polish_lm(first, train, validation, {.max_iterations = 20, .patience = 0});
  CHECK(both.validation_mse <= first.validation_mse);
  CHECK(both.validation_mse < 0.1 * first.validation_mse);
  CHECK(both.iterations > first.iterations);
  REQUIRE(both.validation_curve.size() == static_cast<std::size_t>(both.iterations) + 1);
  for (std::size_t k = 0; k < first.validation_curve.size(); ++k) CHECK(both.validation_curve[k] == first.validation_curve[k]);
  CHECK(both.best_iteration > first.iterations);
  CHECK(both.validation_curve[static_cast<std::size_t>(both.best_iteration)] == doctest::Approx(both.validation_mse));
  CHECK(both.net.nonzero_parameters() == start.nonzero_parameters());
}
