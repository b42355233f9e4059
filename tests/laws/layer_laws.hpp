// tests/laws/layer_laws.hpp: the conformance suite for the nn::layer concept. Any layer, ours or a user's,
// runs it by giving a factory that builds the layer in double precision on a parameter buffer:
//
//   swatnn::test::check_layer_laws([](swatnn::nn::parameter_buffer<double>& p) { return my_layer<double>(p, {...}); },
//                                  {.rows = 6, .input_columns = 8, .output_columns = 8, .name = "my_layer"});
//
// Laws: (1) shapes: forward keeps the row count and gives output_columns columns, backward returns a gradient
// shaped like the input, a wrongly shaped upstream gradient throws swatnn::shape_error (and so does a wrongly
// shaped input, unless the layer accepts any width); (2) determinism: the same input twice gives bit-identical
// outputs and input gradients; (3) accumulation: forward never touches gradients, a second backward adds the
// same parameter gradient again; (4) gradients: with loss = sum(forward(x) * R) for a fixed random R, the
// input gradient and the gradient of EVERY parameter in the buffer match central finite differences.
#pragma once

#include "support/gradient_check.hpp"

#include <swatnn/error.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace swatnn::test {

struct layer_law_options {
  std::size_t rows = 6;              // rows of the test input (networks x tokens)
  std::size_t input_columns = 4;
  std::size_t output_columns = 4;
  std::string name = "layer";        // used in messages
  std::uint64_t seed = 7;            // input, R and parameter seed
  double input_scale = 1.0;          // inputs ~ U(-input_scale, input_scale)
  double eps = 1e-6;                 // finite-difference step
  double tolerance = 1e-6;           // max relative error (see gradient_check.hpp)
  bool checks_input_width = true;    // false for layers that accept any number of columns (e.g. gelu)
};

struct layer_law_report {
  bool shapes = false;
  bool wrong_gradient_shape_throws = false;
  bool wrong_input_shape_throws = false;   // true when not checked
  bool deterministic = false;
  bool forward_leaves_gradients = false;
  bool backward_accumulates = false;
  gradient_check_result input_gradient;
  gradient_check_result parameter_gradient;  // checked == 0 when the layer has no parameters
  std::size_t parameters = 0;
  std::string notes;

  bool passed(double tolerance) const {
    return shapes && wrong_gradient_shape_throws && wrong_input_shape_throws && deterministic &&
           forward_leaves_gradients && backward_accumulates && input_gradient.passed(tolerance) &&
           (parameters == 0 || parameter_gradient.passed(tolerance));
  }
};

namespace detail {
template <class M>
bool bit_identical(const M& a, const M& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), sizeof(typename M::Scalar) * static_cast<std::size_t>(a.size())) == 0;
}
inline bool same_within(std::span<const double> a, std::span<const double> b, double rel) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::abs(a[i] - b[i]) > rel * std::max(1.0, std::abs(b[i]))) return false;
  }
  return true;
}
}  // namespace detail

// Runs every law and reports; does not use doctest (so a deliberately broken layer can be shown to fail).
template <class Factory>
layer_law_report run_layer_laws(Factory&& make, const layer_law_options& o) {
  nn::parameter_buffer<double> params({.seed = o.seed});
  auto layer = make(params);
  using layer_type = decltype(layer);
  static_assert(nn::check_layer<layer_type>());
  static_assert(std::is_same_v<typename layer_type::scalar_type, double>,
                "swatnn: run the layer laws on the double instantiation of the layer");
  using matrix = typename layer_type::matrix_type;
  const auto rows = static_cast<Eigen::Index>(o.rows);
  const auto in_cols = static_cast<Eigen::Index>(o.input_columns);
  const auto out_cols = static_cast<Eigen::Index>(o.output_columns);

  std::mt19937_64 rng(o.seed * 0x9E3779B97F4A7C15ull + 1);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  matrix x(rows, in_cols), r(rows, out_cols);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = o.input_scale * u(rng);
  for (Eigen::Index i = 0; i < r.size(); ++i) r.data()[i] = u(rng);

  layer_law_report rep;
  rep.parameters = params.size();
  std::ostringstream notes;

  // (1) shapes
  params.zero_gradients();
  const matrix y1 = layer.forward(x);
  const matrix dx1 = layer.backward(r);
  rep.shapes = y1.rows() == rows && y1.cols() == out_cols && dx1.rows() == rows && dx1.cols() == in_cols;
  if (!rep.shapes) {
    notes << o.name << ": forward gave " << y1.rows() << "x" << y1.cols() << " (expected " << rows << "x" << out_cols
          << "), backward gave " << dx1.rows() << "x" << dx1.cols() << " (expected " << rows << "x" << in_cols << "); ";
  }
  const std::vector<double> grads1(params.gradients().begin(), params.gradients().end());
  try {
    matrix bad(rows, out_cols + 1);
    bad.setZero();
    (void)layer.backward(bad);
  } catch (const shape_error&) {
    rep.wrong_gradient_shape_throws = true;
  }
  if (!rep.wrong_gradient_shape_throws) notes << o.name << ": backward accepted a wrongly shaped gradient; ";
  rep.wrong_input_shape_throws = true;
  if (o.checks_input_width) {
    rep.wrong_input_shape_throws = false;
    try {
      matrix bad(rows, in_cols + 1);
      bad.setZero();
      (void)layer.forward(bad);
    } catch (const shape_error&) {
      rep.wrong_input_shape_throws = true;
    }
    if (!rep.wrong_input_shape_throws) notes << o.name << ": forward accepted an input with one column too many; ";
  }

  // (2) determinism and (3) accumulation
  params.zero_gradients();
  const matrix y2 = layer.forward(x);
  rep.forward_leaves_gradients = true;
  for (double g : params.gradients()) rep.forward_leaves_gradients = rep.forward_leaves_gradients && g == 0.0;
  const matrix dx2 = layer.backward(r);
  const matrix y3 = layer.forward(x);
  const matrix dx3 = layer.backward(r);
  rep.deterministic = detail::bit_identical(y1, y2) && detail::bit_identical(y2, y3) &&
                      detail::bit_identical(dx1, dx2) && detail::bit_identical(dx2, dx3);
  if (!rep.deterministic) notes << o.name << ": the same input gave different outputs or gradients; ";
  std::vector<double> twice(grads1.size());
  for (std::size_t i = 0; i < twice.size(); ++i) twice[i] = 2.0 * grads1[i];
  rep.backward_accumulates = detail::same_within(params.gradients(), twice, 1e-12);
  if (!rep.backward_accumulates) notes << o.name << ": two backward passes did not add up their parameter gradients; ";

  // (4) finite differences of loss = sum(forward(x) * R)
  auto loss = [&] { return layer.forward(x).cwiseProduct(r).sum(); };
  params.zero_gradients();
  (void)layer.forward(x);
  const matrix analytic_dx = layer.backward(r);
  const std::vector<double> analytic_dp(params.gradients().begin(), params.gradients().end());
  rep.input_gradient = check_gradient(loss, std::span<double>(x.data(), static_cast<std::size_t>(x.size())),
                                      std::span<const double>(analytic_dx.data(),
                                                              static_cast<std::size_t>(analytic_dx.size())),
                                      o.eps);
  if (params.size() > 0) {
    rep.parameter_gradient = check_gradient(loss, params.values(), analytic_dp, o.eps);
    // name the block of the worst parameter
    for (const auto& b : params.blocks()) {
      if (rep.parameter_gradient.worst_index >= b.offset && rep.parameter_gradient.worst_index < b.offset + b.size()) {
        notes << o.name << ": worst parameter entry is in block '" << b.name << "'; ";
      }
    }
  }
  rep.notes = notes.str();
  return rep;
}

// Runs the laws and reports each with doctest CHECKs.
template <class Factory>
layer_law_report check_layer_laws(Factory&& make, const layer_law_options& o) {
  const layer_law_report rep = run_layer_laws(std::forward<Factory>(make), o);
  INFO("layer laws for " << o.name << ": " << rep.notes);
  CHECK(rep.shapes);
  CHECK(rep.wrong_gradient_shape_throws);
  CHECK(rep.wrong_input_shape_throws);
  CHECK(rep.deterministic);
  CHECK(rep.forward_leaves_gradients);
  CHECK(rep.backward_accumulates);
  INFO("input gradient: " << rep.input_gradient.describe());
  CHECK(rep.input_gradient.passed(o.tolerance));
  if (rep.parameters > 0) {
    INFO("parameter gradient: " << rep.parameter_gradient.describe());
    CHECK(rep.parameter_gradient.checked == rep.parameters);
    CHECK(rep.parameter_gradient.passed(o.tolerance));
  }
  return rep;
}

}  // namespace swatnn::test
