// Tests for parameter_buffer::set_gradients_enabled: a frozen model's layers give the same input gradient and
// leave the parameter gradients untouched.
#include <doctest/doctest.h>

#include <algorithm>

#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>

using namespace swatnn;

TEST_CASE("with gradients disabled, backward gives the same input gradient and accumulates nothing") {
  nn::parameter_buffer<double> params;
  nn::linear<double> in(params, {.in_features = 5, .out_features = 8, .name = "in"});
  nn::positional_embedding<double> pos(params, {.tokens = 3, .d_model = 8, .name = "pos"});
  nn::transformer_block<double> block(params, {.d_model = 8, .heads = 2, .tokens = 3, .name = "block"});
  cpu::row_matrix<double> x = cpu::row_matrix<double>::Random(6, 5);
  cpu::row_matrix<double> dy = cpu::row_matrix<double>::Random(6, 8);
  auto input_gradient = [&] {
    block.forward(pos.forward(in.forward(x)));
    return cpu::row_matrix<double>(in.backward(pos.backward(block.backward(dy))));
  };
  params.zero_gradients();
  const auto enabled = input_gradient();
  CHECK(std::any_of(params.gradients().begin(), params.gradients().end(), [](double g) { return g != 0.0; }));
  params.zero_gradients();
  params.set_gradients_enabled(false);
  const auto disabled = input_gradient();
  CHECK(disabled == enabled);
  CHECK(std::all_of(params.gradients().begin(), params.gradients().end(), [](double g) { return g == 0.0; }));
}
