// tests/laws/layers.cpp: every swatnn::nn layer passes the layer laws (shapes, determinism, accumulation,
// finite-difference gradients for the input and every parameter, in double); a deliberately wrong backward
// fails them, so the laws can fail.
#include "laws/layer_laws.hpp"

#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>

#include <doctest/doctest.h>

namespace nn = swatnn::nn;
using swatnn::test::check_layer_laws;
using buffer = nn::parameter_buffer<double>;

TEST_CASE("layer laws: linear") {
  check_layer_laws([](buffer& p) { return nn::linear<double>(p, {.in_features = 5, .out_features = 3}); },
                   {.rows = 6, .input_columns = 5, .output_columns = 3, .name = "linear"});
  check_layer_laws(
      [](buffer& p) { return nn::linear<double>(p, {.in_features = 4, .out_features = 7, .bias = false}); },
      {.rows = 9, .input_columns = 4, .output_columns = 7, .name = "linear without bias"});
}

TEST_CASE("layer laws: layer_norm") {
  // gamma and beta start at 1 and 0; move them so their gradients are exercised away from the identity.
  check_layer_laws(
      [](buffer& p) {
        nn::layer_norm<double> ln(p, {.features = 6});
        for (std::size_t i = 0; i < p.size(); ++i) p.values()[i] += 0.1 * static_cast<double>(i % 5) - 0.2;
        return ln;
      },
      {.rows = 5, .input_columns = 6, .output_columns = 6, .name = "layer_norm", .input_scale = 2.0});
}

TEST_CASE("layer laws: gelu") {
  check_layer_laws([](buffer&) { return nn::gelu<double>(); },
                   {.rows = 7, .input_columns = 5, .output_columns = 5, .name = "gelu", .input_scale = 3.0,
                    .checks_input_width = false});
}

TEST_CASE("layer laws: positional_embedding") {
  check_layer_laws(
      [](buffer& p) { return nn::positional_embedding<double>(p, {.tokens = 3, .d_model = 4}); },
      {.rows = 9, .input_columns = 4, .output_columns = 4, .name = "positional_embedding"});
}

TEST_CASE("layer laws: attention with 1, 2, 3 and 6 heads") {
  for (std::size_t heads : {1u, 2u, 3u, 6u}) {
    CAPTURE(heads);
    check_layer_laws(
        [heads](buffer& p) { return nn::attention<double>(p, {.d_model = 6, .heads = heads, .tokens = 4}); },
        {.rows = 12, .input_columns = 6, .output_columns = 6, .name = "attention", .input_scale = 1.5});
  }
  // one token per network: attention is the identity mixing, still differentiable
  check_layer_laws([](buffer& p) { return nn::attention<double>(p, {.d_model = 4, .heads = 2, .tokens = 1}); },
                   {.rows = 3, .input_columns = 4, .output_columns = 4, .name = "attention, one token"});
}

TEST_CASE("layer laws: pre-LN transformer block") {
  check_layer_laws(
      [](buffer& p) {
        nn::transformer_block<double> b(p, {.d_model = 8, .heads = 2, .tokens = 3});
        // perturb LayerNorm gammas/betas and biases (initialized to constants) so every path is non-trivial
        for (std::size_t i = 0; i < p.size(); ++i) p.values()[i] += 0.05 * std::sin(static_cast<double>(i));
        return b;
      },
      {.rows = 6, .input_columns = 8, .output_columns = 8, .name = "transformer_block"});
  check_layer_laws(
      [](buffer& p) {
        return nn::transformer_block<double>(p, {.d_model = 6, .heads = 3, .tokens = 7, .ffn_features = 10});
      },
      {.rows = 14, .input_columns = 6, .output_columns = 6, .name = "transformer_block, 3 heads, 7 tokens"});
}

namespace {
// A linear layer whose backward forgets the bias gradient and scales dx wrongly: the laws must catch it.
template <class T>
class broken_linear {
 public:
  using scalar_type = T;
  using matrix_type = swatnn::cpu::row_matrix<T>;
  broken_linear(nn::parameter_buffer<T>& p, nn::linear_options o) : inner_(p, std::move(o)) {}
  const matrix_type& forward(const matrix_type& x) { return inner_.forward(x); }
  const matrix_type& backward(const matrix_type& dy) {
    scaled_ = 1.01 * inner_.backward(dy);
    return scaled_;
  }

 private:
  nn::linear<T> inner_;
  matrix_type scaled_;
};
}  // namespace

TEST_CASE("layer laws fail for a wrong backward") {
  const auto rep = swatnn::test::run_layer_laws(
      [](buffer& p) { return broken_linear<double>(p, {.in_features = 3, .out_features = 2}); },
      {.rows = 4, .input_columns = 3, .output_columns = 2, .name = "broken"});
  CHECK(rep.shapes);
  CHECK(rep.deterministic);
  CHECK(rep.parameter_gradient.passed(1e-6));   // parameters are still right
  CHECK_FALSE(rep.input_gradient.passed(1e-6));  // the input gradient is 1% off
  CHECK(rep.input_gradient.max_error > 1e-3);
  CHECK_FALSE(rep.passed(1e-6));
}
