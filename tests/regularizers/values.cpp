// tests/regularizers/values.cpp: each regularizer's value against its formula computed by hand, reading the
// token matrix through token_layout's column arithmetic (not through network_view), the paper's combination
// against the loss formula of method.md §5, the subgradient at 0, the std guard, depth coverage and float.
#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <vector>

#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/regularizers/sum.hpp>

namespace {

using S = swatnn::paper_spec;
using layout = swatnn::token_layout<S>;
using matrix = swatnn::cpu::row_matrix<double>;

double sig(double x) { return 1.0 / (1.0 + std::exp(-x)); }

matrix random_tokens(int depth, std::uint64_t seed, int extra = 2) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  matrix m(layout::tokens, layout::width(depth) + extra);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = u(rng);
  return m;
}

// Real weights of a depth-d network (hidden layers and output layer), read by column arithmetic.
std::vector<double> weights_by_hand(const matrix& m, int d) {
  std::vector<double> out;
  for (int r = 0; r < layout::tokens; ++r) {
    for (int l = 0; l < d; ++l)
      for (int j = 0; j < S::max_width; ++j)
        if (layout::is_real(d, r, layout::weight_column(l) + j)) out.push_back(m(r, layout::weight_column(l) + j));
    for (int o = 0; o < S::outputs; ++o) out.push_back(m(r, layout::output_weight_column(d) + o));
  }
  return out;
}
// Masks m = sigmoid(logit), [layer][neuron].
std::vector<std::vector<double>> masks_by_hand(const matrix& m, int d) {
  std::vector<std::vector<double>> out(static_cast<std::size_t>(d));
  for (int l = 0; l < d; ++l)
    for (int r = 0; r < layout::tokens; ++r) out[static_cast<std::size_t>(l)].push_back(sig(m(r, layout::mask_column(d, l))));
  return out;
}
double mean_of_means(const std::vector<std::vector<double>>& ms) {
  double s = 0;
  for (const auto& layer : ms) {
    double t = 0;
    for (double x : layer) t += x;
    s += t / static_cast<double>(layer.size());
  }
  return s / static_cast<double>(ms.size());
}
double mean_of_stds(const std::vector<std::vector<double>>& ms, bool sample = false) {
  double s = 0;
  for (const auto& layer : ms) {
    const double n = static_cast<double>(layer.size());
    double mean = 0;
    for (double x : layer) mean += x / n;
    double var = 0;
    for (double x : layer) var += (x - mean) * (x - mean);
    s += std::sqrt(var / (sample ? n - 1 : n));
  }
  return s / static_cast<double>(ms.size());
}

swatnn::regularizer_input<S, double> input(const matrix& dec, const matrix& gat, int d, double t) {
  return {{dec.data(), d, dec.cols()}, {gat.data(), d, gat.cols()}, t};
}

}  // namespace

TEST_CASE("each regularizer's value equals its formula, for every depth") {
  for (int d = 1; d <= S::max_depth; ++d) {
    CAPTURE(d);
    const matrix dec = random_tokens(d, 100 + static_cast<std::uint64_t>(d));
    const matrix gat = random_tokens(d, 200 + static_cast<std::uint64_t>(d));
    const double t = 0.4;
    const auto in = input(dec, gat, d, t);
    const auto wg = weights_by_hand(gat, d), wd = weights_by_hand(dec, d);
    CHECK(wg.size() == static_cast<std::size_t>(S::inputs * 7 + (d - 1) * 49 + 7));
    double sl0 = 0, l1 = 0, hc = 0;
    const double shift = -(2.0 / 3.0) * std::log(0.1 / 1.1);
    for (double x : wg) {
      sl0 += sig(20 * (std::abs(x) - t));
      l1 += std::abs(x);
    }
    for (double x : wd) hc += sig(10 * (std::abs(x) - t) + shift);
    const auto ms = masks_by_hand(dec, d);
    CHECK(swatnn::smooth_l0{.weight = 0.3}.value(in) == doctest::Approx(0.3 * sl0).epsilon(1e-13));
    CHECK(swatnn::smooth_l0{.weight = 1, .sharpness = 5}.value(in) != doctest::Approx(sl0));
    CHECK(swatnn::l1{.weight = 0.2}.value(in) == doctest::Approx(0.2 * l1).epsilon(1e-13));
    CHECK(swatnn::hard_concrete_l0{.weight = 0.7}.value(in) == doctest::Approx(0.7 * hc).epsilon(1e-13));
    CHECK(swatnn::neuron_count{.weight = 2}.value(in) == doctest::Approx(2 * mean_of_means(ms)).epsilon(1e-13));
    CHECK(swatnn::mask_separation{.weight = 0.5}.value(in) == doctest::Approx(-0.5 * mean_of_stds(ms)).epsilon(1e-10));
    CHECK(swatnn::mask_separation{.weight = 0.5, .sample = true}.value(in) ==
          doctest::Approx(-0.5 * mean_of_stds(ms, true)).epsilon(1e-10));
  }
}

TEST_CASE("paper_regularizers: value equals the penalty part of the paper's loss, computed by hand") {
  // loss = MSE - 0.4 S + 1e-4 sum(0.01 sigmoid(20 (|W~| - t)) + 0.1 |W~|) + 0.001 M
  for (int d = 1; d <= S::max_depth; ++d) {
    CAPTURE(d);
    const matrix dec = random_tokens(d, 300 + static_cast<std::uint64_t>(d));
    const matrix gat = random_tokens(d, 400 + static_cast<std::uint64_t>(d));
    const double t = 0.25;
    double weight_sum = 0;
    for (double x : weights_by_hand(gat, d)) weight_sum += 0.01 * sig(20 * (std::abs(x) - t)) + 0.1 * std::abs(x);
    const auto ms = masks_by_hand(dec, d);
    const double expected = -0.4 * mean_of_stds(ms) + 1e-4 * weight_sum + 0.001 * mean_of_means(ms);
    const auto p = swatnn::paper_regularizers();
    CHECK(p.value(input(dec, gat, d, t)) == doctest::Approx(expected).epsilon(1e-10));
    CHECK(p.get<0>().weight == 1e-6);
    CHECK(p.get<1>().weight == 1e-5);
    CHECK(p.get<2>().weight == 0.4);
    CHECK(p.get<3>().weight == 0.001);
  }
}

TEST_CASE("penalties cover only the view's depth: cells beyond width(depth) change nothing") {
  for (int d = 1; d < S::max_depth; ++d) {
    matrix dec = random_tokens(S::max_depth, 7), gat = random_tokens(S::max_depth, 8);
    const auto p = swatnn::regularizers{swatnn::paper_regularizers(), swatnn::hard_concrete_l0{}};
    const double before = p.value(input(dec, gat, d, 0.3));
    for (int r = 0; r < layout::tokens; ++r)
      for (Eigen::Index c = layout::width(d); c < dec.cols(); ++c) dec(r, c) = gat(r, c) = 1e6;
    CHECK(p.value(input(dec, gat, d, 0.3)) == before);
  }
  // neuron_count of a depth-1 network averages one layer only: all masks logit 0 -> M = 0.5 exactly.
  matrix zero = matrix::Zero(layout::tokens, layout::width(1));
  CHECK(swatnn::neuron_count{.weight = 1}.value(input(zero, zero, 1, 0.0)) == 0.5);
}

TEST_CASE("|x| at 0 has subgradient 0; the std guard keeps all-equal masks finite") {
  const int d = 2;
  const matrix zero = matrix::Zero(layout::tokens, layout::width(d));
  matrix gd = zero, gg = zero;
  double gt = 0;
  const swatnn::regularizer_gradient<S, double> g{{gd.data(), d, gd.cols()}, {gg.data(), d, gg.cols()}, gt};
  const auto in = input(zero, zero, d, 0.0);
  CHECK(swatnn::l1{}.apply(in, g) == 0.0);
  CHECK(gg.cwiseAbs().maxCoeff() == 0.0);
  CHECK(swatnn::smooth_l0{}.apply(in, g) == doctest::Approx(0.5 * static_cast<double>(weights_by_hand(zero, d).size())));
  CHECK(gg.cwiseAbs().maxCoeff() == 0.0);  // sign(0) = 0
  CHECK(gt < 0);                            // raising t lowers the count
  const double sep = swatnn::mask_separation{.weight = 1}.apply(in, g);
  CHECK(std::isfinite(sep));
  CHECK(sep == doctest::Approx(-1e-6).epsilon(1e-9));  // -sqrt(epsilon)
  CHECK(gd.allFinite());
  CHECK(gd.cwiseAbs().maxCoeff() == 0.0);  // every mask equals the mean
}

TEST_CASE("float instantiation agrees with double") {
  const int d = 3;
  const matrix dec = random_tokens(d, 11), gat = random_tokens(d, 12);
  const swatnn::cpu::row_matrix<float> decf = dec.cast<float>(), gatf = gat.cast<float>();
  const swatnn::regularizer_input<S, float> inf{{decf.data(), d, decf.cols()}, {gatf.data(), d, gatf.cols()}, 0.3f};
  const auto p = swatnn::regularizers{swatnn::paper_regularizers(), swatnn::hard_concrete_l0{.weight = 0.01}};
  const float vf = p.value(inf);
  CHECK(static_cast<double>(vf) == doctest::Approx(p.value(input(dec, gat, d, 0.3))).epsilon(1e-4));
}
