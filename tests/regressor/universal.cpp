// Tests for swatnn::universal_regressor (regressor.hpp on the universal model, models/swat_small_universal.swt):
// fit and predict on data of 3 inputs in data units, save / load keeps the input count, and the input counts
// each regressor takes.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

#include <swatnn/regressor.hpp>

namespace {
// y = x0 - 2 sin(x1) x2 on [-1, 2] x [-2, 2] x [0, 1], seeded.
void make_sample(int rows, std::uint64_t seed, Eigen::MatrixXd& x, Eigen::VectorXd& y) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u0(-1.0, 2.0), u1(-2.0, 2.0), u2(0.0, 1.0);
  x.resize(rows, 3);
  y.resize(rows);
  for (int r = 0; r < rows; ++r) {
    x(r, 0) = u0(rng);
    x(r, 1) = u1(rng);
    x(r, 2) = u2(rng);
    y(r) = x(r, 0) - 2.0 * std::sin(x(r, 1)) * x(r, 2);
  }
}
}  // namespace

TEST_CASE("universal_regressor fits 3-input data, predicts in data units and saves / loads its 3 inputs") {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
  make_sample(600, 11, x, y);
  swatnn::regressor_options o;
  o.search.restarts = 1;
  o.search.iterations = 60;
  o.tuning.tune.max_iterations = 300;
  o.tuning.tune.patience = 100;
  swatnn::universal_regressor model(o);
  model.fit(x, y);
  CHECK(model.network().inputs == 3);
  CHECK(model.input_names().size() == 3);
  const Eigen::VectorXd predicted = model.predict(x);
  const double mse = (predicted - y).squaredNorm() / static_cast<double>(y.size());
  const double variance = (y.array() - y.mean()).square().mean();
  CHECK(mse < 0.5 * variance);  // it learned something from the inputs, in data units
  CHECK_THROWS_WITH_AS(model.predict(Eigen::MatrixXd::Zero(4, 2)), doctest::Contains("fitted on 3 inputs"),
                       swatnn::shape_error);

  static std::atomic<int> counter{0};
  const auto path = std::filesystem::temp_directory_path() /
                    ("swatnn_universal_regressor_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) +
                     ".json");
  model.save(path);
  swatnn::universal_regressor loaded;
  loaded.load(path);
  std::filesystem::remove(path);
  CHECK(loaded.network().inputs == 3);
  CHECK((loaded.predict(x) - predicted).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("the regressors' input counts: 1..7 for universal_regressor, with clear errors beyond") {
  Eigen::MatrixXd x = Eigen::MatrixXd::Random(50, 8);
  Eigen::VectorXd y = Eigen::VectorXd::Random(50);
  swatnn::universal_regressor model;
  CHECK_THROWS_WITH_AS(model.fit(x, y), doctest::Contains("X has 8 columns; the model's networks take 1..7 inputs"),
                       swatnn::shape_error);
  CHECK(swatnn::shipped_model_path<swatnn::universal_regressor::autoencoder_type>().filename() ==
        "swat_small_universal.swt");
  CHECK(swatnn::shipped_model_path<swatnn::regressor::autoencoder_type>().filename() == "swat_small.swt");
}
