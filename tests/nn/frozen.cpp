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

TEST_CASE("frozen_scope disables gradients and freezes values, nests, and restores the previous state") {
  nn::parameter_buffer<float> params;
  CHECK(params.gradients_enabled());
  CHECK_FALSE(params.values_frozen());
  const auto before = params.freeze_generation();
  {
    const nn::frozen_scope outer(params);
    CHECK_FALSE(params.gradients_enabled());
    CHECK(params.values_frozen());
    const auto generation = params.freeze_generation();
    CHECK(generation == before + 1);
    {
      const nn::frozen_scope inner(params);  // already frozen: the same generation
      CHECK(params.freeze_generation() == generation);
    }
    CHECK(params.values_frozen());  // the inner scope leaves the outer one's state
    CHECK_FALSE(params.gradients_enabled());
  }
  CHECK(params.gradients_enabled());
  CHECK_FALSE(params.values_frozen());
  {
    const nn::frozen_scope again(params);
    CHECK(params.freeze_generation() == before + 2);
  }
}

TEST_CASE("with frozen values, linear's small backward products use a kept W^T that follows each freeze") {
  nn::parameter_buffer<float> params;
  nn::linear<float> layer(params, {.in_features = 37, .out_features = 70, .name = "l"});
  for (const int rows : {1, 7, 8, 9, 20}) {  // above 8 rows the usual product runs
    CAPTURE(rows);
    const cpu::row_matrix<float> x = cpu::row_matrix<float>::Random(rows, 37);
    const cpu::row_matrix<float> dy = cpu::row_matrix<float>::Random(rows, 70);
    layer.forward(x);
    const cpu::row_matrix<float> expected = dy * layer.weight().transpose();
    for (int round = 0; round < 2; ++round) {
      const nn::frozen_scope frozen(params);
      layer.forward(x);
      const cpu::row_matrix<float> got = layer.backward(dy);
      CHECK((got - expected).cwiseAbs().maxCoeff() < 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()));
    }
  }
  // the values change between two freezes: the next freeze sees the new weights, not the kept copy
  const cpu::row_matrix<float> x = cpu::row_matrix<float>::Random(7, 37);
  const cpu::row_matrix<float> dy = cpu::row_matrix<float>::Random(7, 70);
  {
    const nn::frozen_scope frozen(params);
    layer.forward(x);
    layer.backward(dy);
  }
  for (float& v : params.values()) v *= -2.0f;
  const cpu::row_matrix<float> expected = dy * layer.weight().transpose();
  const nn::frozen_scope frozen(params);
  layer.forward(x);
  const cpu::row_matrix<float> got = layer.backward(dy);
  CHECK((got - expected).cwiseAbs().maxCoeff() < 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()));
}
