// Tests for swatnn/data/cornn_functions.hpp and swatnn/data/cornn.hpp: names, lookup, regeneration
// (fingerprints and calibration from shared/spec/cornn.md), scaling and the validation carve.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <string>

#include <Eigen/Dense>

#include <swatnn/data/cornn.hpp>

namespace cornn = swatnn::cornn;

namespace {
std::string six_digits(double v) {  // numpy's default repr of the spec tables ("%g")
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}
std::string four_decimals(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.4f", v);
  return buffer;
}
}  // namespace

TEST_CASE("cornn: 54 names in canonical order, exact keys") {
  const auto names = cornn::names();
  REQUIRE(names.size() == 54);
  CHECK(names.front() == "Ackley");
  CHECK(names[1] == "Ackley N.2");
  CHECK(names[16] == "Cross-In-Tray");
  CHECK(names[35] == "Rastrigin");
  CHECK(names[50] == "Xin-She Yang N.2");
  CHECK(names.back() == "Zakharov");
  CHECK(std::set<std::string>(names.begin(), names.end()).size() == 54);
  // Canonical order: alphabetical by the original definition names, which (case-insensitively) is the
  // order of the keys too.
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  for (std::size_t i = 1; i < names.size(); ++i) CHECK(lower(names[i - 1]) < lower(names[i]));
}

TEST_CASE("cornn: lookup is exact and a wrong name lists the valid ones") {
  CHECK(cornn::function("Rastrigin").name == "Rastrigin");
  CHECK(cornn::function("Schwefel 2.22").bounds.x_lo == -100.0);
  CHECK_THROWS_AS(cornn::function("rastrigin"), swatnn::value_error);
  CHECK_THROWS_AS(cornn::function("Rastrigin "), swatnn::value_error);
  CHECK_THROWS_AS(cornn::load("Ackley N2"), swatnn::value_error);
  try {
    cornn::function("Rastrigen");
    FAIL("no exception");
  } catch (const swatnn::value_error& e) {
    const std::string what = e.what();
    CHECK(what.find("'Rastrigen'") != std::string::npos);
    for (const auto& n : cornn::names()) CHECK(what.find("'" + n + "'") != std::string::npos);
  }
}

TEST_CASE("cornn: formulas at known points") {
  auto f = [](const char* name, double x, double y) { return cornn::function(name)(x, y); };
  CHECK(f("Ackley", 0, 0) == doctest::Approx(0.0).epsilon(1e-12));
  CHECK(f("Rastrigin", 0, 0) == 0.0);
  CHECK(f("Rosenbrock", 1, 1) == 0.0);
  CHECK(f("Himmelblau", 3, 2) == 0.0);
  CHECK(f("Booth", 1, 3) == 0.0);
  CHECK(f("Beale", 3, 0.5) == 0.0);
  CHECK(f("Qing", 1, 2) == 0.0);                                      // this suite's Qing
  // This suite's Goldstein-Price has +4y (not the textbook +48y), so (0, -1) is not its minimum 3.
  CHECK(f("Goldstein-Price", 0, -1) == 30 + 9 * (18 - 4 + 27));
  CHECK(f("Goldstein-Price", 1, 1) == (1 + 9 * (19 - 14 + 3 - 14 + 6 + 3)) * (30 + 1 * (18 - 32 + 12 + 4 - 36 + 27)));
  CHECK(f("Styblinski-Tang", 1, 2) == doctest::Approx(0.5 * ((1 - 16 + 5) + (16 - 64 + 25))));  // 5^x form
  CHECK(f("Deckkers-Aarts", 1, 0) == doctest::Approx(1e5 - 1 + 1e-5));
  CHECK(f("Easom", 3.141592653589793, 3.141592653589793) == doctest::Approx(-1.0));
  CHECK(f("Ridge", -2, -3) == 1.0);
  CHECK(f("Schwefel 2.22", -2, 3) == 11.0);
  CHECK(f("Sum Squares", 1, 2) == 9.0);
  CHECK(f("Zakharov", 2, 0) == 4.0 + 1.0 + 1.0);
  CHECK(f("Brown", 0, 0) == 0.0);
  CHECK(f("Exponential", 0, 0) == -1.0);
  CHECK(f("Matyas", 0, 0) == 0.0);
  CHECK(f("Three-Hump Camel", 0, 0) == 0.0);
  CHECK(f("Egg Holder", 512, 404.2319) == doctest::Approx(-959.6407).epsilon(1e-6));
  CHECK(f("Holder-Table", 8.05502, 9.66459) == doctest::Approx(-19.2085).epsilon(1e-5));
  CHECK(f("Cross-In-Tray", 1.349406685353340, 1.349406608602084) == doctest::Approx(-2.06261218).epsilon(1e-6));
  CHECK(std::abs(f("Bukin N.6", -10, 1)) < 1e-6);  // 0.01 * 100 rounds just above 1
  CHECK(f("Levi N.13", 1, 1) == doctest::Approx(0.0).epsilon(1e-12));
}

TEST_CASE("cornn: generation follows the sampler (domain, order, train/test rows)") {
  const auto& f = cornn::function("McCormick");  // x and y domains differ
  const auto s = cornn::generate(f);
  REQUIRE(s.x.rows() == 5000);
  swatnn::data::numpy_random rng(0);
  for (int i = 0; i < 5000; ++i) REQUIRE(s.x(i, 0) == -1.5 + 5.5 * rng.random_sample());
  for (int i = 0; i < 5000; ++i) REQUIRE(s.x(i, 1) == -3.0 + 6.0 * rng.random_sample());
  for (int i = 0; i < 5000; ++i) REQUIRE(s.y(i) == f(s.x(i, 0), s.x(i, 1)));
  CHECK(s.x.col(0).minCoeff() >= -1.5);
  CHECK(s.x.col(0).maxCoeff() < 4.0);

  const auto d = cornn::load("McCormick", {.validation_fraction = 0.0});
  REQUIRE(d.train.size() == 3750);
  REQUIRE(d.test.size() == 1250);
  CHECK(d.validation.empty());
  CHECK(d.train.rows.front() == 0);
  CHECK(d.train.rows.back() == 3749);
  CHECK(d.test.rows.front() == 3750);
  CHECK(d.test.rows.back() == 4999);
  // Stored values are the double computation cast to float32.
  for (int i = 0; i < 1250; ++i) {
    const double raw = s.x(3750 + i, 1);
    REQUIRE(d.test.x(i, 1) == static_cast<float>(2.0 * (raw - -3.0) / (3.0 - -3.0) - 1.0));
  }
}

TEST_CASE("cornn: the six fingerprints (raw training-label min and max)") {
  struct fingerprint {
    const char* name;
    const char* m;
    const char* M;
  };
  const fingerprint table[] = {{"Ackley", "2.93116", "22.2788"},      {"Beale", "0.0165942", "160771"},
                               {"Himmelblau", "0.118184", "1865.92"}, {"Rastrigin", "1.00376", "79.8588"},
                               {"Rosenbrock", "0.0951015", "1.0902e+06"}, {"Styblinski-Tang", "-63.7722", "2632.41"}};
  for (const auto& fp : table) {
    CAPTURE(fp.name);
    const auto s = cornn::generate(cornn::function(fp.name));
    const auto train_labels = s.y.head(3750);
    CHECK(six_digits(train_labels.minCoeff()) == fp.m);
    CHECK(six_digits(train_labels.maxCoeff()) == fp.M);
    // and the dataset's label scaler holds exactly these training extremes
    const auto d = cornn::load(fp.name);
    CHECK(d.label_scaler.lower(0) == train_labels.minCoeff());
    CHECK(d.label_scaler.upper(0) == train_labels.maxCoeff());
  }
}

TEST_CASE("cornn: scaled training labels span exactly [-1, 1] for every function") {
  for (const auto& name : cornn::names()) {
    CAPTURE(name);
    const auto d = cornn::load(name, {.validation_fraction = 0.0});
    CHECK(d.train.y.minCoeff() == -1.0f);
    CHECK(d.train.y.maxCoeff() == 1.0f);
    CHECK(d.train.x.minCoeff() >= -1.0f);
    CHECK(d.train.x.maxCoeff() <= 1.0f);
    CHECK(d.test.y.allFinite());
  }
}

TEST_CASE("cornn: the label scaler never sees the test rows") {
  // For some functions the test rows reach beyond the training range: their scaled labels leave [-1, 1].
  int outside = 0;
  for (const auto& name : cornn::names()) {
    const auto s = cornn::generate(cornn::function(name));
    const auto d = cornn::load(name);
    REQUIRE(d.label_scaler.lower(0) == s.y.head(3750).minCoeff());
    REQUIRE(d.label_scaler.upper(0) == s.y.head(3750).maxCoeff());
    if (d.test.y.minCoeff() < -1.0f || d.test.y.maxCoeff() > 1.0f) ++outside;
  }
  CHECK(outside > 0);
}

TEST_CASE("cornn: scaled inputs are identical across functions with the same domain") {
  const auto a = cornn::load("Rastrigin");
  const auto b = cornn::load("Sphere");  // same domain [-5.12, 5.12]^2
  CHECK(a.train.x == b.train.x);
  CHECK(a.validation.x == b.validation.x);
  CHECK(a.test.x == b.test.x);
  const auto c = cornn::load("Ackley N.2");
  const auto e = cornn::load("Ackley N.3");  // [-32, 32]^2
  CHECK(c.test.x == e.test.x);
  // Other domains: the same uniform draws, so equal up to float rounding.
  const auto g = cornn::load("Adjiman");
  CHECK((a.train.x - g.train.x).cwiseAbs().maxCoeff() <= 1e-6f);
}

TEST_CASE("cornn: calibration table (test MSE of trivial predictors, scaled units)") {
  struct row {
    const char* name;
    const char* constant;
    const char* affine;
  };
  const row table[] = {{"Ackley", "0.0637", "0.0638"},     {"Adjiman", "0.2629", "0.0280"},
                       {"Himmelblau", "0.0835", "0.0824"}, {"Rastrigin", "0.1355", "0.1358"},
                       {"Rosenbrock", "0.1390", "0.0686"}, {"Sphere", "0.1821", "0.1832"}};
  for (const auto& r : table) {
    CAPTURE(r.name);
    const auto d = cornn::load(r.name, {.validation_fraction = 0.0});  // all 3750 training rows
    const Eigen::MatrixXd x_train = d.train.x.cast<double>(), x_test = d.test.x.cast<double>();
    const Eigen::VectorXd y_train = d.train.y.col(0).cast<double>(), y_test = d.test.y.col(0).cast<double>();

    const double mean = y_train.mean();
    CHECK(four_decimals((y_test.array() - mean).square().mean()) == r.constant);

    Eigen::MatrixXd a(x_train.rows(), 3), b(x_test.rows(), 3);
    a << Eigen::VectorXd::Ones(x_train.rows()), x_train;
    b << Eigen::VectorXd::Ones(x_test.rows()), x_test;
    const Eigen::VectorXd w = a.colPivHouseholderQr().solve(y_train);
    CHECK(four_decimals((b * w - y_test).array().square().mean()) == r.affine);
  }
}

TEST_CASE("cornn: validation is carved from the training rows, seeded and deterministic") {
  const auto d = cornn::load("Rastrigin");  // default 20 %
  CHECK(d.train.size() == 3000);
  CHECK(d.validation.size() == 750);
  CHECK(d.test.size() == 1250);
  std::set<std::size_t> rows(d.train.rows.begin(), d.train.rows.end());
  rows.insert(d.validation.rows.begin(), d.validation.rows.end());
  CHECK(rows.size() == 3750);
  CHECK(*rows.rbegin() == 3749);
  CHECK(std::is_sorted(d.validation.rows.begin(), d.validation.rows.end()));
  // Not simply the last rows: the carve is a shuffle.
  CHECK(d.validation.rows.front() < 3000);

  const auto all = cornn::load("Rastrigin", {.validation_fraction = 0.0});
  for (std::size_t i = 0; i < d.validation.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(d.validation.rows[i]);
    REQUIRE(d.validation.x.row(static_cast<Eigen::Index>(i)) == all.train.x.row(r));
    REQUIRE(d.validation.y(static_cast<Eigen::Index>(i), 0) == all.train.y(r, 0));
  }

  const auto again = cornn::load("Rastrigin");
  CHECK(again.validation.rows == d.validation.rows);
  CHECK(again.train.x == d.train.x);
  const auto other_seed = cornn::load("Rastrigin", {.validation_seed = 1});
  CHECK(other_seed.validation.rows != d.validation.rows);
  // Neither the seed nor the fraction touches the test rows or the scaling.
  CHECK(other_seed.test.x == d.test.x);
  CHECK(other_seed.test.y == d.test.y);
  CHECK(other_seed.label_scaler == d.label_scaler);
  CHECK(all.test.y == d.test.y);
  CHECK(cornn::load("Rastrigin", {.validation_fraction = 0.1}).validation.size() == 375);
}

TEST_CASE("cornn: bad options are rejected, not clamped") {
  CHECK_THROWS_AS(cornn::load("Sphere", {.validation_fraction = 1.0}), swatnn::value_error);
  CHECK_THROWS_AS(cornn::load("Sphere", {.validation_fraction = -0.1}), swatnn::value_error);
  CHECK_THROWS_AS(cornn::load("Sphere", {.validation_fraction = std::nan("")}), swatnn::value_error);
}

TEST_CASE("cornn: predictions map back to original units") {
  const auto s = cornn::generate(cornn::function("Himmelblau"));
  const auto d = cornn::load("Himmelblau", {.validation_fraction = 0.0});
  const Eigen::MatrixXd labels = d.labels_to_original(d.test.y);
  const Eigen::MatrixXd inputs = d.inputs_to_original(d.test.x);
  const double range = d.label_scaler.upper(0) - d.label_scaler.lower(0);
  for (int i = 0; i < 1250; ++i) {
    REQUIRE(std::abs(labels(i, 0) - s.y(3750 + i)) <= 1e-7 * range);  // float32 storage error only
    REQUIRE(std::abs(inputs(i, 0) - s.x(3750 + i, 0)) <= 1e-6 * 12.0);
  }
}
