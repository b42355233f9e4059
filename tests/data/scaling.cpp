// Tests for swatnn/data/scaling.hpp: min-max to [-1, 1], fitted or from bounds, and its inverse.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include <swatnn/data/scaling.hpp>

using swatnn::data::minmax_scaler;

namespace {
swatnn::cpu::matrix<double> sample() {
  swatnn::cpu::matrix<double> m(5, 2);
  m << 1.0, -10.0,  //
      3.0, 0.5,     //
      2.0, 30.0,    //
      5.0, 7.25,    //
      4.5, 1e3;
  return m;
}
}  // namespace

TEST_CASE("scaling: fit maps each column's min to -1 and max to +1") {
  const auto raw = sample();
  const auto s = minmax_scaler::fit(raw);
  REQUIRE(s.columns() == 2);
  CHECK(s.lower(0) == 1.0);
  CHECK(s.upper(0) == 5.0);
  CHECK(s.lower(1) == -10.0);
  CHECK(s.upper(1) == 1e3);
  const auto scaled = s.transform<double>(raw);
  CHECK(scaled(0, 0) == -1.0);
  CHECK(scaled(3, 0) == 1.0);
  CHECK(scaled(1, 0) == 0.0);
  CHECK(scaled(0, 1) == -1.0);
  CHECK(scaled(4, 1) == 1.0);
  CHECK(scaled.minCoeff() == -1.0);
  CHECK(scaled.maxCoeff() == 1.0);
}

TEST_CASE("scaling: round trip") {
  const auto raw = sample();
  const auto s = minmax_scaler::fit(raw);
  const auto back = s.inverse(s.transform<double>(raw));
  CHECK((back - raw).cwiseAbs().maxCoeff() <= 1e-12 * 1e3);
  // float32 storage: error bounded by float precision relative to the column range
  const auto back_f = s.inverse(s.transform(raw));
  for (int c = 0; c < 2; ++c) {
    const double range = s.upper(c) - s.lower(c);
    CHECK((back_f.col(c) - raw.col(c)).cwiseAbs().maxCoeff() <= 1e-7 * range);
  }
  // scalar forms agree with the matrix forms
  CHECK(s.inverse(s.transform(2.0, 0), 0) == doctest::Approx(2.0).epsilon(1e-15));
}

TEST_CASE("scaling: values outside the fitted range are mapped, not clamped") {
  const auto s = minmax_scaler::from_bounds({0.0}, {10.0});
  swatnn::cpu::matrix<double> m(2, 1);
  m << -5.0, 20.0;
  const auto t = s.transform<double>(m);
  CHECK(t(0, 0) == -2.0);
  CHECK(t(1, 0) == 3.0);
}

TEST_CASE("scaling: bad input raises swatnn errors") {
  CHECK_THROWS_AS(minmax_scaler::from_bounds({0.0, 1.0}, {1.0}), swatnn::shape_error);
  CHECK_THROWS_AS(minmax_scaler::from_bounds({1.0}, {1.0}), swatnn::value_error);
  CHECK_THROWS_AS(minmax_scaler::from_bounds({2.0}, {1.0}), swatnn::value_error);
  CHECK_THROWS_AS(minmax_scaler::from_bounds({0.0}, {std::numeric_limits<double>::infinity()}), swatnn::value_error);

  swatnn::cpu::matrix<double> constant(4, 2);
  constant << 1, 3, 2, 3, 3, 3, 4, 3;
  try {
    (void)minmax_scaler::fit(constant, "train.csv", {"a", "b"});
    FAIL("no exception");
  } catch (const swatnn::data_error& e) {
    const std::string what = e.what();
    CHECK(what.find("train.csv") != std::string::npos);
    CHECK(what.find("column index 1 ('b')") != std::string::npos);
    CHECK(what.find("constant") != std::string::npos);
  }
  swatnn::cpu::matrix<double> empty(0, 2);
  CHECK_THROWS_AS(minmax_scaler::fit(empty), swatnn::data_error);
  swatnn::cpu::matrix<double> with_nan = sample();
  with_nan(2, 1) = std::nan("");
  CHECK_THROWS_AS(minmax_scaler::fit(with_nan), swatnn::data_error);

  const auto s = minmax_scaler::fit(sample());
  swatnn::cpu::matrix<double> three(1, 3);
  three << 1, 2, 3;
  CHECK_THROWS_AS(s.transform(three), swatnn::shape_error);
  CHECK_THROWS_AS(s.inverse(three), swatnn::shape_error);
  swatnn::cpu::matrix<double> inf(1, 2);
  inf << 1, std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(s.transform(inf), swatnn::value_error);
}
