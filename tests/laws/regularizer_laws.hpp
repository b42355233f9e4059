// tests/laws/regularizer_laws.hpp: the conformance suite for the swatnn::regularizer concept. Any regularizer,
// ours or a user's, runs it in double precision for a network_spec:
//
//   swatnn::test::check_regularizer_laws<swatnn::paper_spec>(my_penalty{.weight = 0.1}, {.name = "my_penalty"});
//
// For every depth 1..MaxDepth it builds random decoded and gated token matrices WIDER than the real slots
// (width(MaxDepth) + extra columns, so the row stride is never width(depth)), with every padding cell set to a
// NaN sentinel, and a threshold t. Real values closer than `kink_margin` to 0 are resampled (|x| has a kink
// there, which finite differences cannot check). Laws: (1) the value is finite, also with all-zero real cells
// and t = 0 (and so is the gradient there); (2) apply() returns value(); (3) apply() ACCUMULATES: a second call
// doubles the gradient; (4) the gradient w.r.t. every real decoded cell, every real gated cell and t matches
// central finite differences of value(); (5) padding cells of the gradient matrices stay exactly 0 (and the
// NaN sentinel in the inputs' padding keeps the value finite only if padding is never read); (6) determinism:
// the same input gives bit-identical values and gradients.
#pragma once

#include "support/gradient_check.hpp"

#include <swatnn/backend/cpu.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/regularizers/regularizer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace swatnn::test {

struct regularizer_law_options {
  std::string name = "regularizer";  // used in messages
  std::uint64_t seed = 11;
  double threshold = 0.3;            // t of the random networks
  double value_scale = 1.0;          // real cells ~ U(-value_scale, value_scale) (mask logits: 3x that)
  double kink_margin = 1e-2;         // real values with |x| < kink_margin are resampled
  double eps = 1e-6;                 // finite-difference step
  double tolerance = 1e-6;           // max relative error (see gradient_check.hpp)
  int extra_columns = 3;             // padding columns beyond width(MaxDepth)
};

struct regularizer_law_depth_report {
  int depth = 0;
  bool finite = false;
  bool finite_at_zero = false;
  bool apply_matches_value = false;
  bool accumulates = false;
  bool padding_untouched = false;
  bool deterministic = false;
  gradient_check_result decoded_gradient;
  gradient_check_result gated_gradient;
  gradient_check_result threshold_gradient;

  bool passed(double tolerance) const {
    return finite && finite_at_zero && apply_matches_value && accumulates && padding_untouched && deterministic &&
           decoded_gradient.passed(tolerance) && gated_gradient.passed(tolerance) &&
           threshold_gradient.passed(tolerance);
  }
};

struct regularizer_law_report {
  std::vector<regularizer_law_depth_report> depths;
  std::string notes;

  bool passed(double tolerance) const {
    return !depths.empty() &&
           std::all_of(depths.begin(), depths.end(), [&](const auto& d) { return d.passed(tolerance); });
  }
};

namespace detail {

template <network_spec_type S>
struct regularizer_law_case {
  using layout = token_layout<S>;
  using matrix = cpu::row_matrix<double>;
  int depth;
  Eigen::Index cols;
  matrix decoded, gated;            // inputs (padding = NaN)
  std::vector<Eigen::Index> real;   // row-major linear indices of the real cells of a depth-`depth` network

  regularizer_law_case(int d, int extra) : depth(d), cols(layout::width(S::max_depth) + extra) {
    decoded = matrix::Constant(layout::tokens, cols, std::numeric_limits<double>::quiet_NaN());
    gated = decoded;
    for (int r = 0; r < layout::tokens; ++r)
      for (int c = 0; c < cols; ++c)
        if (layout::is_real(d, r, c)) real.push_back(static_cast<Eigen::Index>(r) * cols + c);
  }
  static bool is_mask_column(int d, Eigen::Index c) {
    return c >= layout::mask_column(d, 0) && c < layout::mask_column(d, 0) + d;
  }
  void fill(std::mt19937_64& rng, const regularizer_law_options& o) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    for (matrix* m : {&decoded, &gated}) {
      for (Eigen::Index i : real) {
        const double scale = o.value_scale * (is_mask_column(depth, i % cols) ? 3.0 : 1.0);
        double x = 0;
        do x = scale * u(rng); while (std::abs(x) < o.kink_margin);
        m->data()[i] = x;
      }
    }
  }
  void zero_real() {
    for (Eigen::Index i : real) decoded.data()[i] = gated.data()[i] = 0.0;
  }
  regularizer_input<S, double> input(double t) const {
    return {network_view<S, const double>(decoded.data(), depth, cols),
            network_view<S, const double>(gated.data(), depth, cols), t};
  }
  matrix zero_gradient() const { return matrix::Zero(layout::tokens, cols); }
  static regularizer_gradient<S, double> gradient(int depth, matrix& gd, matrix& gg, double& gt) {
    return {network_view<S, double>(gd.data(), depth, gd.cols()), network_view<S, double>(gg.data(), depth, gg.cols()),
            gt};
  }
  bool padding_zero(const matrix& g) const {
    std::vector<char> is_real(static_cast<std::size_t>(g.size()), 0);
    for (Eigen::Index i : real) is_real[static_cast<std::size_t>(i)] = 1;
    for (Eigen::Index i = 0; i < g.size(); ++i)
      if (!is_real[static_cast<std::size_t>(i)] && !(g.data()[i] == 0.0)) return false;
    return true;
  }
  bool real_finite(const matrix& g) const {
    return std::all_of(real.begin(), real.end(), [&](Eigen::Index i) { return std::isfinite(g.data()[i]); });
  }
  std::vector<double> gather(const matrix& g) const {
    std::vector<double> out;
    out.reserve(real.size());
    for (Eigen::Index i : real) out.push_back(g.data()[i]);
    return out;
  }
};

inline bool same_bits(const cpu::row_matrix<double>& a, const cpu::row_matrix<double>& b) {
  return a.size() == b.size() &&
         std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0;
}

}  // namespace detail

// Runs every law for every depth and reports; does not use doctest (so a broken regularizer can be shown to fail).
template <network_spec_type S, class R>
regularizer_law_report run_regularizer_laws(const R& reg, const regularizer_law_options& o) {
  static_assert(check_regularizer<R, S, double>());
  using kase = detail::regularizer_law_case<S>;
  using matrix = typename kase::matrix;
  regularizer_law_report rep;
  std::ostringstream notes;
  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + 3);

  for (int d = 1; d <= S::max_depth; ++d) {
    regularizer_law_depth_report dr;
    dr.depth = d;
    kase c(d, o.extra_columns);
    const auto tag = [&] { return o.name + " (depth " + std::to_string(d) + "): "; };

    // (1) finite at zero (real cells 0, t = 0)
    c.zero_real();
    {
      matrix gd = c.zero_gradient(), gg = c.zero_gradient();
      double gt = 0;
      const double v = reg.value(c.input(0.0));
      const double a = reg.apply(c.input(0.0), kase::gradient(d, gd, gg, gt));
      dr.finite_at_zero = std::isfinite(v) && std::isfinite(a) && std::isfinite(gt) && c.real_finite(gd) &&
                          c.real_finite(gg);
      if (!dr.finite_at_zero) notes << tag() << "value or gradient not finite at zero weights and t = 0; ";
    }

    c.fill(rng, o);
    const double t = o.threshold;
    const double v1 = reg.value(c.input(t));
    const double v2 = reg.value(c.input(t));
    dr.finite = std::isfinite(v1);
    if (!dr.finite) notes << tag() << "value " << v1 << " is not finite (is padding read?); ";

    // (2), (3), (5), (6)
    matrix gd1 = c.zero_gradient(), gg1 = c.zero_gradient(), gd2 = c.zero_gradient(), gg2 = c.zero_gradient();
    double gt1 = 0, gt2 = 0;
    const double a1 = reg.apply(c.input(t), kase::gradient(d, gd1, gg1, gt1));
    const double a2 = reg.apply(c.input(t), kase::gradient(d, gd2, gg2, gt2));
    dr.apply_matches_value = std::abs(a1 - v1) <= 1e-12 * std::max(1.0, std::abs(v1));
    if (!dr.apply_matches_value) notes << tag() << "apply() returned " << a1 << " but value() " << v1 << "; ";
    dr.padding_untouched = c.padding_zero(gd1) && c.padding_zero(gg1);
    if (!dr.padding_untouched) notes << tag() << "a padding cell of a gradient matrix was written; ";
    dr.deterministic = std::memcmp(&v1, &v2, sizeof v1) == 0 && std::memcmp(&a1, &a2, sizeof a1) == 0 &&
                       detail::same_bits(gd1, gd2) && detail::same_bits(gg1, gg2) &&
                       std::memcmp(&gt1, &gt2, sizeof gt1) == 0;
    if (!dr.deterministic) notes << tag() << "the same input gave different values or gradients; ";
    const matrix once_d = gd2, once_g = gg2;
    const double once_t = gt2;
    (void)reg.apply(c.input(t), kase::gradient(d, gd2, gg2, gt2));
    const auto doubled = [](double twice, double once) {
      return std::abs(twice - 2.0 * once) <= 1e-12 * std::max(1.0, std::abs(2.0 * once));
    };
    dr.accumulates = doubled(gt2, once_t);
    for (Eigen::Index i : c.real)
      dr.accumulates = dr.accumulates && doubled(gd2.data()[i], once_d.data()[i]) && doubled(gg2.data()[i], once_g.data()[i]);
    if (!dr.accumulates) notes << tag() << "a second apply() did not double the gradient (overwrites?); ";

    // (4) finite differences of value() w.r.t. real decoded cells, real gated cells and t
    std::vector<double> dec = c.gather(c.decoded), gat = c.gather(c.gated), tv{t};
    const auto loss = [&] {
      for (std::size_t i = 0; i < c.real.size(); ++i) {
        c.decoded.data()[c.real[i]] = dec[i];
        c.gated.data()[c.real[i]] = gat[i];
      }
      return reg.value(c.input(tv[0]));
    };
    const std::vector<double> an_d = c.gather(gd1), an_g = c.gather(gg1), an_t{gt1};
    dr.decoded_gradient = check_gradient(loss, std::span<double>(dec), std::span<const double>(an_d), o.eps);
    dr.gated_gradient = check_gradient(loss, std::span<double>(gat), std::span<const double>(an_g), o.eps);
    dr.threshold_gradient = check_gradient(loss, std::span<double>(tv), std::span<const double>(an_t), o.eps);
    if (!dr.decoded_gradient.passed(o.tolerance))
      notes << tag() << "decoded gradient: " << dr.decoded_gradient.describe() << "; ";
    if (!dr.gated_gradient.passed(o.tolerance))
      notes << tag() << "gated gradient: " << dr.gated_gradient.describe() << "; ";
    if (!dr.threshold_gradient.passed(o.tolerance))
      notes << tag() << "threshold gradient: " << dr.threshold_gradient.describe() << "; ";
    rep.depths.push_back(dr);
  }
  rep.notes = notes.str();
  return rep;
}

// Runs the laws and reports each with doctest CHECKs.
template <network_spec_type S, class R>
regularizer_law_report check_regularizer_laws(const R& reg, const regularizer_law_options& o) {
  const regularizer_law_report rep = run_regularizer_laws<S>(reg, o);
  INFO("regularizer laws for " << o.name << " (" << reg.describe() << "): " << rep.notes);
  CHECK(rep.depths.size() == static_cast<std::size_t>(S::max_depth));
  for (const auto& d : rep.depths) {
    CAPTURE(d.depth);
    CHECK(d.finite);
    CHECK(d.finite_at_zero);
    CHECK(d.apply_matches_value);
    CHECK(d.accumulates);
    CHECK(d.padding_untouched);
    CHECK(d.deterministic);
    CHECK(d.decoded_gradient.passed(o.tolerance));
    CHECK(d.gated_gradient.passed(o.tolerance));
    CHECK(d.threshold_gradient.passed(o.tolerance));
  }
  return rep;
}

}  // namespace swatnn::test
