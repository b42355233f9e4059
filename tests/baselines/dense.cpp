// Tests for baselines/dense.hpp: the dense one-hidden-layer reference network (shape and parameter count,
// Xavier initialization, determinism for a seed, training on CORNN Sphere far below the constant predictor,
// early stopping keeps the best validation iterate, Levenberg-Marquardt training, runtime width inside a wider
// spec, errors on bad input).
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>

#include <swatnn/baselines/dense.hpp>
#include <swatnn/data/cornn.hpp>

using namespace swatnn;
using namespace swatnn::baselines;

namespace {
const data::dataset& sphere() {
  static const data::dataset d = cornn::load("Sphere");
  return d;
}

// MSE of the best constant predictor fitted on the training labels (their mean).
double constant_mse(const data::split& train, const data::split& s) {
  const double mean = train.y.cast<double>().mean();
  return (s.y.cast<double>().array() - mean).square().mean();
}

template <class S>
bool same_parameters(const sparse_network<S, float>& a, const sparse_network<S, float>& b) {
  return a.depth == b.depth && a.layers[0].weights == b.layers[0].weights && a.layers[0].bias == b.layers[0].bias &&
         a.output_weights == b.output_weights && a.output_bias == b.output_bias;
}
}  // namespace

TEST_CASE("make_dense: one hidden layer, all neurons active with one activation, 41 parameters for 2-10-1") {
  static_assert(dense_parameter_count(2, 10, 1) == 41);
  using S = dense_spec<10>;
  const auto net = make_dense<S>(10, activation::tanh, 7);
  CHECK(net.depth == 1);
  CHECK(net.active_neurons() == 10);
  CHECK(net.nonzero_parameters() == 41);
  const double hidden_bound = std::sqrt(6.0 / (2 + 10));
  const double output_bound = std::sqrt(6.0 / (10 + 1));
  for (int j = 0; j < 10; ++j) {
    CHECK(net.layers[0].activations[j] == activation::tanh);
    CHECK(net.layers[0].bias(j) == 0.0f);
    CHECK(net.output_weights(j, 0) != 0.0f);
    CHECK(std::abs(net.output_weights(j, 0)) <= output_bound);
    for (int i = 0; i < 2; ++i) {
      CHECK(net.layers[0].weights(i, j) != 0.0f);
      CHECK(std::abs(net.layers[0].weights(i, j)) <= hidden_bound);
    }
  }
  CHECK(net.output_bias(0) == 0.0f);
  // Not degenerate: the ten hidden neurons get different incoming weights.
  CHECK(net.layers[0].weights(0, 0) != net.layers[0].weights(0, 1));

  // A narrower runtime width inside the same spec: the extra neurons stay off.
  const auto narrow = make_dense<S>(4, activation::sigmoid, 7);
  CHECK(narrow.active_neurons() == 4);
  CHECK(narrow.nonzero_parameters() == dense_parameter_count(2, 4, 1));
  CHECK(narrow.layers[0].activations[3] == activation::sigmoid);
  CHECK_FALSE(narrow.layers[0].active[4]);
  CHECK(narrow.layers[0].weights.col(5).isZero());
}

TEST_CASE("make_dense and train_dense are deterministic for a seed, and the seed matters") {
  using S = dense_spec<10>;
  CHECK(same_parameters(make_dense<S>(10, activation::tanh, 3), make_dense<S>(10, activation::tanh, 3)));
  CHECK_FALSE(same_parameters(make_dense<S>(10, activation::tanh, 3), make_dense<S>(10, activation::tanh, 4)));

  const auto& d = sphere();
  const dense_options o{.max_iterations = 40, .seed = 11};
  const auto a = train_dense<S>(d, o);
  const auto b = train_dense<S>(d, o);
  CHECK(same_parameters(a.net, b.net));
  CHECK(a.validation_mse == b.validation_mse);
  CHECK(a.test_mse == b.test_mse);
  const auto c = train_dense<S>(d, {.max_iterations = 40, .seed = 12});
  CHECK_FALSE(same_parameters(a.net, c.net));

  // Mini-batches are seeded too.
  const dense_options mb{.max_iterations = 30, .batch = 256, .seed = 5};
  CHECK(same_parameters(train_dense<S>(d, mb).net, train_dense<S>(d, mb).net));
}

TEST_CASE("train_dense on CORNN Sphere goes far below the constant predictor and keeps the best iterate") {
  using S = dense_spec<10>;
  const auto& d = sphere();
  const double constant_validation = constant_mse(d.train, d.validation);
  const double constant_test = constant_mse(d.train, d.test);
  REQUIRE(constant_test == doctest::Approx(0.1821).epsilon(0.01));  // cornn.md's calibration table

  const auto start = make_dense<S>(10, activation::tanh, 0);
  const double start_validation = dense_mse(start, d.validation);
  const auto r = train_dense<S>(d, {.max_iterations = 400, .patience = 100, .seed = 0});
  MESSAGE("Sphere 2-10-1: validation " << start_validation << " -> " << r.validation_mse << ", test " << r.test_mse
                                       << " (constant " << constant_test << ") in " << r.iterations << " updates, "
                                       << r.seconds << " s");
  CHECK(r.width == 10);
  CHECK(r.parameters == 41);
  CHECK(r.net.nonzero_parameters() == 41);
  CHECK(r.iterations > 0);
  CHECK(r.iterations <= 400);
  CHECK(r.best_iteration <= r.iterations);
  CHECK(r.validation_mse < start_validation);
  CHECK(r.validation_mse < 0.05 * constant_validation);
  CHECK(std::isfinite(r.test_mse));
  CHECK(r.test_mse < 0.05 * constant_test);
  CHECK(r.train_mse < 0.05 * constant_mse(d.train, d.train));
  // The result holds the best-validation parameters, and the reported MSEs are those of r.net.
  CHECK(r.validation_mse == doctest::Approx(dense_mse(r.net, d.validation)).epsilon(1e-4));
  CHECK(r.test_mse == doctest::Approx(dense_mse(r.net, d.test)).epsilon(1e-9));
  CHECK(r.train_mse == doctest::Approx(dense_mse(r.net, d.train)).epsilon(1e-4));
  CHECK(r.seconds > 0.0);

  // The split overload trains the same network and leaves test_mse NaN.
  const auto s = train_dense<S>(d.train, d.validation, {.max_iterations = 400, .patience = 100, .seed = 0});
  CHECK(same_parameters(s.net, r.net));
  CHECK(std::isnan(s.test_mse));

  // 0 iterations only evaluates the initialization.
  const auto z = train_dense<S>(d, {.max_iterations = 0});
  CHECK(z.iterations == 0);
  CHECK(same_parameters(z.net, start));
  CHECK(z.validation_mse == doctest::Approx(start_validation).epsilon(1e-4));
}

TEST_CASE("train_dense with Levenberg-Marquardt fits CORNN Sphere closer than Adam in far fewer steps") {
  using S = dense_spec<10>;
  const auto& d = sphere();
  const auto adam_run = train_dense<S>(d, {.max_iterations = 400, .patience = 100, .seed = 0});
  const auto lm = train_dense<S>(d, {.seed = 0, .method = fine_tuner::levenberg_marquardt,
                                     .lm = {.max_iterations = 40, .patience = 10}});
  MESSAGE("Sphere 2-10-1: Adam (400 updates) validation " << adam_run.validation_mse << ", LM (" << lm.iterations
                                                         << " steps) " << lm.validation_mse);
  CHECK(lm.parameters == 41);
  CHECK(lm.iterations <= 40);
  CHECK(lm.validation_mse < 0.1 * adam_run.validation_mse);
  CHECK(lm.validation_mse == doctest::Approx(dense_mse(lm.net, d.validation)).epsilon(1e-4));
  CHECK(lm.test_mse == doctest::Approx(dense_mse(lm.net, d.test)).epsilon(1e-9));
  // callbacks are Adam's only
  struct never_stop {
    bool step(const step_info<float>&) { return false; }
  } cb;
  CHECK_THROWS_WITH_AS(train_dense<S>(d.train, d.validation, {.method = fine_tuner::levenberg_marquardt}, cb),
                       doctest::Contains("callbacks"), value_error);
}

TEST_CASE("a width-10 network in a wider spec trains like the exact spec") {
  const auto& d = sphere();
  const dense_options o{.max_iterations = 50, .seed = 2};
  const auto exact = train_dense<dense_spec<10>>(d, o);
  const auto wide = train_dense<dense_spec<16>>(d, o);
  CHECK(wide.parameters == 41);
  CHECK(wide.net.active_neurons() == 10);
  CHECK(wide.validation_mse == doctest::Approx(exact.validation_mse).epsilon(1e-4));
  CHECK(wide.test_mse == doctest::Approx(exact.test_mse).epsilon(1e-4));
}

TEST_CASE("train_dense rejects bad options and data with errors naming the field") {
  using S = dense_spec<10>;
  const auto& d = sphere();
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.width = 0}), doctest::Contains("dense_options.width = 0"), value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.width = 11}), doctest::Contains("expected 1..10"), value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.max_iterations = -1}), doctest::Contains("dense_options.max_iterations"),
                       value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.patience = -5}), doctest::Contains("dense_options.patience"), value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.min_delta = -1.0}), doctest::Contains("dense_options.min_delta"),
                       value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.batch = 100000}), doctest::Contains("dense_options.batch = 100000"),
                       value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.init_gain = 0.0}), doctest::Contains("dense_options.init_gain"),
                       value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.optimizer = adam{.lr = -1.0}}), doctest::Contains("lr"), value_error);
  CHECK_THROWS_WITH_AS(train_dense<S>(d, {.hidden_activation = static_cast<activation>(9)}),
                       doctest::Contains("hidden_activation"), value_error);
  CHECK_THROWS_AS(make_dense<S>(12), value_error);

  // A dataset with more inputs than the spec (fewer are a network of fewer inputs), an empty validation split.
  using one_input = dense_spec<10, 1>;
  CHECK_THROWS_AS(train_dense<one_input>(d), shape_error);
  using three_inputs = dense_spec<10, 3>;
  CHECK(train_dense<three_inputs>(d, {.max_iterations = 5}).net.inputs == 2);
  data::split empty;
  empty.x.resize(0, 2);
  empty.y.resize(0, 1);
  CHECK_THROWS_WITH_AS(train_dense<S>(d.train, empty), doctest::Contains("validation split is empty"), data_error);
}
