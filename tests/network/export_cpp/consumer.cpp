// tests/network/export_cpp/consumer.cpp: compiled as C++17 with -Wall -Wextra -Werror (and more) against only
// the generated headers (no swatnn, no Eigen on the include path), then run: self tests pass, predictions match
// a hand-written formula of the fixed network (networks.hpp), also through embedded scalers (data units), and
// self_test really compares.
#include <array>
#include <cmath>
#include <cstdio>

#include "exported_double.hpp"
#include "exported_empty_layer.hpp"
#include "exported_model.hpp"
#include "exported_scaled.hpp"

namespace {

int failures = 0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

double sigmoid(double v) { return 1.0 / (1.0 + std::exp(-v)); }

// The fixed network of networks.hpp, by hand, in double.
double fixed_formula(double x0, double x1) {
  const double h0 = std::tanh(1.5 * x0 - 0.75 * x1 + 0.25);
  const double p = -2.0 * x0 + 0.5 * x1 - 0.125;
  const double h3 = p > 0 ? p : 0.01 * p;
  const double h5 = sigmoid(0.5 * x0 + x1);
  const double g2 = sigmoid(h0 - h3 + 0.5 * h5 + 0.1);
  const double g6 = std::tanh(0.25 * h0 + 2.0 * h5 - 0.5);
  return 2.0 * g2 - 3.0 * g6 + 0.5;
}

bool close(double a, double b, double tolerance) { return std::fabs(a - b) <= tolerance * (1.0 + std::fabs(b)); }

}  // namespace

int main() {
  static_assert(exported::inputs == 2 && exported::outputs == 1 && exported::hidden_layers == 2, "shape");
  check(exported::self_test(1e-5f), "exported::self_test(1e-5)");
  check(exported::self_test(), "exported::self_test() with the default tolerance");
  check(!exported::self_test(-1.0f), "exported::self_test must fail with a negative tolerance");
  check(empty_layer::self_test(), "empty_layer::self_test()");
  check(nets::wide::self_test(), "nets::wide::self_test()");
  check(!nets::wide::self_test(-1.0), "nets::wide::self_test must fail with a negative tolerance");

  for (int n = 0; n < 50; ++n) {
    const float x0 = -2.0f + 0.08f * static_cast<float>(n);
    const float x1 = 1.5f - 0.05f * static_cast<float>(n);
    const float x[2] = {x0, x1};
    float y[1] = {0.0f};
    exported::evaluate(x, y);
    check(close(static_cast<double>(y[0]), fixed_formula(static_cast<double>(x0), static_cast<double>(x1)), 1e-5),
          "exported::evaluate(x, y) vs the formula");
    const std::array<float, 1> z = exported::evaluate(std::array<float, 2>{x0, x1});
    check(z[0] == y[0], "both evaluate overloads agree");
    const std::array<float, 1> c = empty_layer::predict({x0, x1});
    const double constant = 1.5 * std::tanh(0.3) - 2.0 * sigmoid(-0.2) + 0.75;
    check(close(static_cast<double>(c[0]), constant, 1e-6), "empty_layer::predict is the constant");
  }
  // With the scalers: predict takes and returns data units, predict_scaled is the network itself.
  check(scaled::self_test(), "scaled::self_test() (its points are in data units)");
  check(!scaled::self_test(-1.0f), "scaled::self_test must fail with a negative tolerance");
  for (int n = 0; n < 50; ++n) {
    const double x0 = -3.0 + 0.16 * n, x1 = 10.0 + 0.2 * n;  // data units: x0 in [-3, 5], x1 in [10, 20]
    const double s0 = 2.0 * (x0 + 3.0) / 8.0 - 1.0, s1 = 2.0 * (x1 - 10.0) / 10.0 - 1.0;
    const double expected = -50.0 + (fixed_formula(s0, s1) + 1.0) * 80.0 / 2.0;
    const std::array<float, 1> y = scaled::predict({static_cast<float>(x0), static_cast<float>(x1)});
    check(close(static_cast<double>(y[0]), expected, 1e-5), "scaled::predict in data units vs the formula");
    const std::array<float, 1> z = scaled::predict_scaled({static_cast<float>(s0), static_cast<float>(s1)});
    check(close(static_cast<double>(z[0]), fixed_formula(s0, s1), 1e-5), "scaled::predict_scaled vs the formula");
  }
  check(scaled::scaling::input_lower[1] == 10.0 && scaled::scaling::output_upper[0] == 30.0, "the scalers' bounds");
  for (int n = 0; n < exported::self_test_data::points; ++n) {
    const auto& x = exported::self_test_data::test_inputs[n];
    check(close(static_cast<double>(exported::self_test_data::expected_outputs[n][0]),
                fixed_formula(static_cast<double>(x[0]), static_cast<double>(x[1])), 1e-5),
          "stored expected outputs vs the formula");
  }
  if (failures == 0) std::printf("export_cpp consumer: all checks passed\n");
  return failures == 0 ? 0 : 1;
}
