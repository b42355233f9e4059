// Tests for network/token_layout.hpp: widths, exact cells of a hand-written network, validity channel,
// encode/decode round trips for every depth, parse views.
#include <doctest/doctest.h>

#include <swatnn/network/generator.hpp>
#include <swatnn/network/token_layout.hpp>

using namespace swatnn;
using layout = token_layout<paper_spec>;

TEST_CASE("token layout widths follow 12D + 8 and 112 features for the paper's family") {
  CHECK(layout::tokens == 7);
  CHECK(layout::width(1) == 20);
  CHECK(layout::width(2) == 32);
  CHECK(layout::width(3) == 44);
  CHECK(layout::width(4) == 56);
  CHECK(layout::max_columns == 56);
  CHECK(layout::features == 112);
  // Other specs derive their shapes: 3 inputs, 2 outputs, depth 2, width 5 -> hidden 9, output 6.
  using small = token_layout<network_spec<3, 2, 2, 5>>;
  CHECK(small::width(2) == 2 * 9 + 6 + 2);
  CHECK(small::features == 2 * small::width(2));
}

namespace {
// 2-3-1: hidden neurons 0..2 active with tanh, sigmoid, leaky_relu; everything else off.
sparse_network<paper_spec> hand_written() {
  auto net = sparse_network<paper_spec>::zeros(1);
  auto& h = net.layers[0];
  h.weights(0, 0) = 1.5f; h.weights(1, 0) = -2.0f;
  h.weights(0, 1) = 0.25f; h.weights(1, 1) = 3.0f;
  h.weights(0, 2) = -1.0f; h.weights(1, 2) = 0.5f;
  h.bias(0) = 0.1f; h.bias(1) = -0.2f; h.bias(2) = 0.3f;
  h.activations[0] = activation::tanh;
  h.activations[1] = activation::sigmoid;
  h.activations[2] = activation::leaky_relu;
  h.active[0] = h.active[1] = h.active[2] = true;
  net.output_weights(0, 0) = 2.0f; net.output_weights(1, 0) = -1.0f; net.output_weights(2, 0) = 0.75f;
  net.output_bias(0) = -0.5f;
  return net;
}
}  // namespace

TEST_CASE("a hand-written 2-3-1 network lands in the exact cells") {
  const auto tokens = layout::encode(hand_written());
  REQUIRE(tokens.rows() == 7);
  REQUIRE(tokens.cols() == 112);
  // hidden block 0: weight columns 0..6 (row = input), bias column 7, activation columns 8..10
  CHECK(tokens(0, 0) == 1.5f);
  CHECK(tokens(1, 0) == -2.0f);
  CHECK(tokens(0, 1) == 0.25f);
  CHECK(tokens(1, 1) == 3.0f);
  CHECK(tokens(0, 2) == -1.0f);
  CHECK(tokens(1, 2) == 0.5f);
  CHECK(tokens(0, 7) == 0.1f);
  CHECK(tokens(1, 7) == -0.2f);
  CHECK(tokens(2, 7) == 0.3f);
  CHECK(tokens(0, 8 + 1) == 1.0f);  // tanh is activation index 1
  CHECK(tokens(1, 8 + 0) == 1.0f);  // sigmoid
  CHECK(tokens(2, 8 + 2) == 1.0f);  // leaky_relu
  CHECK(tokens.block(0, 8, 3, 3).sum() == 3.0f);
  // output block: weight column 11 (row = hidden neuron), bias column 19 row 0
  CHECK(tokens(0, 11) == 2.0f);
  CHECK(tokens(1, 11) == -1.0f);
  CHECK(tokens(2, 11) == 0.75f);
  CHECK(tokens(0, 18) == -0.5f);
  // mask column 19
  CHECK(tokens(0, 19) == 1.0f);
  CHECK(tokens(1, 19) == 1.0f);
  CHECK(tokens(2, 19) == 1.0f);
  CHECK(tokens(3, 19) == 0.0f);
  // exactly these 20 nonzero values (6 weights, 3 biases, 3 one-hots, 3 output weights, 1 output bias, 3 masks;
  // plus sigmoid one-hots of the 4 inactive neurons)
  CHECK((tokens.leftCols(56).array() != 0.0f).count() == 6 + 3 + 7 + 3 + 1 + 3);
  CHECK(tokens.block(0, 20, 7, 36).isZero());  // padding beyond width(1)
  // validity: first-layer weights real on rows 0..1 only; output weights on column 11 only; bias row 0 only
  CHECK(tokens(1, 56 + 0) == 1.0f);
  CHECK(tokens(2, 56 + 0) == 0.0f);
  CHECK(tokens(6, 56 + 7) == 1.0f);
  CHECK(tokens(6, 56 + 11) == 1.0f);
  CHECK(tokens(0, 56 + 12) == 0.0f);
  CHECK(tokens(0, 56 + 18) == 1.0f);
  CHECK(tokens(1, 56 + 18) == 0.0f);
  CHECK(tokens(4, 56 + 19) == 1.0f);
  CHECK(tokens.block(0, 56 + 20, 7, 36).isZero());
  // real slots: 2*7 weights + 7 bias + 21 activation + 7 output weights + 1 output bias + 7 masks
  CHECK(tokens.rightCols(56).sum() == 14 + 7 + 21 + 7 + 1 + 7);
}

TEST_CASE("validity channel counts the real slots of every depth") {
  for (int d = 1; d <= 4; ++d) {
    int real = 0;
    for (int r = 0; r < 7; ++r)
      for (int c = 0; c < 56; ++c) real += layout::is_real(d, r, c) ? 1 : 0;
    // layer 0: 2x7 weights, others 7x7; 7 bias + 21 act per layer; output 7 weights + 1 bias; 7 masks per layer
    const int expected = 14 + (d - 1) * 49 + d * (7 + 21) + 7 + 1 + d * 7;
    CHECK(real == expected);
  }
}

TEST_CASE("encode then decode reproduces every generated network at every depth") {
  for (int d = 1; d <= 4; ++d) {
    network_generator<paper_spec> gen({.networks = 8, .points = 4, .depth = d}, 100 + d);
    const auto batch = gen.next();
    for (int b = 0; b < 8; ++b) {
      const auto tokens = batch.tokens.middleRows(b * 7, 7);
      CHECK(layout::encoded_depth(tokens) == d);
      const auto back = layout::decode(tokens);
      const auto& net = batch.networks[b];
      REQUIRE(back.depth == d);
      for (int l = 0; l < d; ++l) {
        CHECK(back.layers[l].weights == net.layers[l].weights);
        CHECK(back.layers[l].bias == net.layers[l].bias);
        CHECK(back.layers[l].activations == net.layers[l].activations);
        CHECK(back.layers[l].active == net.layers[l].active);
      }
      CHECK(back.output_weights == net.output_weights);
      CHECK(back.output_bias == net.output_bias);
    }
  }
}

TEST_CASE("parse<D> views the same cells the encoder wrote") {
  network_generator<paper_spec> gen({.networks = 1, .points = 4, .depth = 3}, 7);
  const auto batch = gen.next();
  const cpu::row_matrix<float> values = batch.tokens.leftCols(layout::width(3));  // a decoder-shaped output
  const auto view = parse<paper_spec, 3>(values);
  const auto& net = batch.networks[0];
  for (int l = 0; l < 3; ++l) {
    CHECK(view.weights(l) == net.layers[l].weights);
    CHECK(view.bias(l) == net.layers[l].bias);
    for (int j = 0; j < 7; ++j) {
      CHECK(view.activation_logits(l)(j, static_cast<int>(net.layers[l].activations[j])) == 1.0f);
      CHECK(view.mask_logits(l)(j) == (net.layers[l].active[j] ? 1.0f : 0.0f));
    }
  }
  CHECK(view.output_weights() == net.output_weights);
  CHECK(view.output_bias() == net.output_bias);

  // writes through a mutable view land in the matrix
  cpu::row_matrix<float> editable = values;
  auto mutable_view = parse<paper_spec, 3>(editable);
  mutable_view.bias(2)(4) = 42.0f;
  CHECK(editable(4, layout::bias_column(2)) == 42.0f);
}

TEST_CASE("harden takes argmax activations and mask logit signs") {
  cpu::row_matrix<float> decoded = cpu::row_matrix<float>::Zero(7, layout::width(2));
  auto view = parse<paper_spec, 2>(decoded);
  view.activation_logits(1)(3, 2) = 5.0f;   // leaky_relu
  view.mask_logits(1)(3) = 0.7f;            // on
  view.mask_logits(1)(4) = -0.7f;           // off
  view.weights(0)(1, 6) = -3.0f;
  const auto net = harden(view);
  CHECK(net.depth == 2);
  CHECK(net.layers[1].activations[3] == activation::leaky_relu);
  CHECK(net.layers[1].active[3]);
  CHECK_FALSE(net.layers[1].active[4]);
  CHECK(net.layers[0].weights(1, 6) == -3.0f);
}

TEST_CASE("token layout rejects bad shapes and depths with clear errors") {
  cpu::row_matrix<float> wrong(7, 100);
  CHECK_THROWS_AS(layout::encode(sparse_network<paper_spec>::zeros(1), wrong), shape_error);
  CHECK_THROWS_WITH_AS(sparse_network<paper_spec>::zeros(5), doctest::Contains("outside 1..4"), value_error);
  cpu::row_matrix<float> narrow(7, 20);
  CHECK_THROWS_WITH_AS((network_view<paper_spec, float>(narrow.data(), 2, narrow.cols())),
                       doctest::Contains("narrower than the 32 columns"), shape_error);
  cpu::row_matrix<float> zeros = cpu::row_matrix<float>::Zero(7, 112);
  CHECK_THROWS_AS(layout::encoded_depth(zeros), value_error);
}
