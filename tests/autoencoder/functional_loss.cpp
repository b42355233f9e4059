// Tests for autoencoder/functional_loss.hpp: values by hand, min vs soft-min, normalization, finite-difference
// gradients in double for every option combination, errors.
#include <doctest/doctest.h>

#include <array>
#include <random>
#include <span>

#include <swatnn/autoencoder/functional_loss.hpp>

#include "support/gradient_check.hpp"

using namespace swatnn;
using matrix = cpu::matrix<double>;

TEST_CASE("hard min over levels, by hand") {
  matrix targets(2, 2);
  targets << 1, 10, 3, 20;
  matrix a = targets, b = targets;
  a(0, 0) += 1.0;   // net 0 at level 0: mse 0.5
  b(1, 0) += 2.0;   // net 0 at level 1: mse 2
  a(0, 1) += 4.0;   // net 1 at level 0: mse 8
  b(0, 1) += 2.0;   // net 1 at level 1: mse 2
  const std::array<const matrix*, 2> levels{&a, &b};
  functional_loss<double> loss;
  CHECK(loss.forward(levels, targets, 1) == doctest::Approx((0.5 + 2.0) / 2));
  CHECK(loss.winner(0) == 0);
  CHECK(loss.winner(1) == 1);
  CHECK(loss.mse(1, 0) == doctest::Approx(8.0));

  functional_loss<double> normalized({.normalize = true, .epsilon = 1e-12});
  // net 0 mean squared target (1 + 9) / 2 = 5, net 1 (100 + 400) / 2 = 250
  CHECK(normalized.forward(levels, targets, 1) == doctest::Approx((0.5 / 5 + 2.0 / 250) / 2));
  CHECK(normalized.scaled_mse(1, 1) == doctest::Approx(2.0 / 250));
}

TEST_CASE("the own-depth term adds the true level's loss") {
  matrix targets(2, 1);
  targets << 1, 3;
  matrix a = targets, b = targets;
  a(0, 0) += 1.0;  // level 0: mse 0.5
  b(0, 0) += 2.0;  // level 1: mse 2
  const std::array<const matrix*, 2> levels{&a, &b};
  const std::array<int, 1> own{1};
  functional_loss<double> loss({.own_depth_weight = 0.5});
  CHECK(loss.forward(levels, targets, 1, own) == doctest::Approx(0.5 + 0.5 * 2.0));
  CHECK_THROWS_AS(loss.forward(levels, targets, 1), shape_error);
}

TEST_CASE("soft min lies below the hard min and approaches it as the temperature falls") {
  matrix targets = matrix::Random(5, 3);
  matrix a = targets + 0.1 * matrix::Random(5, 3), b = targets + 0.2 * matrix::Random(5, 3);
  const std::array<const matrix*, 2> levels{&a, &b};
  functional_loss<double> hard;
  const double h = hard.forward(levels, targets, 1);
  functional_loss<double> soft({.soft_min_temperature = 1e-2});
  functional_loss<double> colder({.soft_min_temperature = 1e-6});
  CHECK(soft.forward(levels, targets, 1) < h);
  CHECK(colder.forward(levels, targets, 1) == doctest::Approx(h).epsilon(1e-5));
}

TEST_CASE("functional loss gradients match finite differences for every option") {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  auto random = [&](int r, int c) {
    matrix m(r, c);
    for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = normal(rng);
    return m;
  };
  for (functional_loss_options options : {functional_loss_options{}, functional_loss_options{.normalize = true},
                                          functional_loss_options{.soft_min_temperature = 0.3},
                                          functional_loss_options{.normalize = true, .soft_min_temperature = 0.05},
                                          functional_loss_options{.normalize = true, .own_depth_weight = 0.7},
                                          functional_loss_options{.soft_min_temperature = 0.2, .own_depth_weight = 2}}) {
    CAPTURE(options.normalize);
    CAPTURE(options.soft_min_temperature);
    const matrix targets = random(6, 8);  // 4 networks x 2 outputs
    std::array<matrix, 3> preds{random(6, 8), random(6, 8), random(6, 8)};
    const std::array<const matrix*, 3> levels{&preds[0], &preds[1], &preds[2]};
    functional_loss<double> loss(options);
    const std::array<int, 4> own{2, -1, 0, 1};
    auto value = [&] { return static_cast<double>(loss.forward(levels, targets, 2, own)); };
    for (int level = 0; level < 3; ++level) {
      value();
      matrix grad;
      loss.backward(level, levels, targets, grad);
      auto r = test::check_gradient(value, std::span<double>(preds[level].data(), preds[level].size()),
                                    std::span<const double>(grad.data(), grad.size()), 1e-6);
      INFO(r.describe());
      CHECK(r.passed(1e-7));
    }
  }
}

TEST_CASE("functional loss rejects bad shapes and options") {
  matrix t = matrix::Zero(4, 2), p = matrix::Zero(3, 2);
  const std::array<const matrix*, 1> levels{&p};
  functional_loss<double> loss;
  CHECK_THROWS_WITH_AS(loss.forward(levels, t, 1), doctest::Contains("level 0 predictions are 3x2"), shape_error);
  CHECK_THROWS_AS(loss.forward(levels, t, 3), shape_error);
  CHECK_THROWS_AS(functional_loss<double>({.epsilon = 0}), value_error);
  CHECK_THROWS_AS(functional_loss<double>({.soft_min_temperature = -1}), value_error);
}
