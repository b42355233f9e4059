// Tests for networks of k < S::inputs inputs (the universal family, universal_spec: 1 to 7 inputs): the network's
// contract (validate, predict on k or S::inputs columns), the token layout's validity channel and round trips for
// every depth and k, the generator's input counts, and the exports (JSON round trip, C++ header, DOT).
#include <doctest/doctest.h>

#include <string>

#include <swatnn/network/export_cpp.hpp>
#include <swatnn/network/export_dot.hpp>
#include <swatnn/network/export_json.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/network/token_layout.hpp>

using namespace swatnn;
using S = universal_spec;
using layout = token_layout<S>;

namespace {
generated_batch<S> batch_of(int depth, int inputs, std::uint64_t seed, int networks = 4) {
  network_generator<S> gen({.networks = networks, .points = 50, .depth = depth, .input_counts = {inputs}}, seed);
  return gen.next();
}
}  // namespace

TEST_CASE("the universal family has the paper family's token shape") {
  CHECK(S::inputs == 7);
  CHECK(layout::tokens == token_layout<paper_spec>::tokens);
  CHECK(layout::features == token_layout<paper_spec>::features);
  for (int d = 1; d <= S::max_depth; ++d) CHECK(layout::width(d) == token_layout<paper_spec>::width(d));
}

TEST_CASE("a network of k inputs keeps the first layer's other rows at zero, and validate says so") {
  auto net = sparse_network<S>::zeros(2, 3);
  CHECK(net.inputs == 3);
  CHECK(net.layers[0].weights.rows() == 7);
  net.validate();
  net.layers[0].weights(3, 0) = 1.0f;  // a weight leaving input 4 of a 3-input network
  CHECK_THROWS_WITH_AS(net.validate(), doctest::Contains("leaves input 4 or later, but the network has 3 inputs"),
                       value_error);
  CHECK_THROWS_WITH_AS(sparse_network<S>::zeros(1, 0), doctest::Contains("0 inputs is outside 1..7"), value_error);
  CHECK_THROWS_WITH_AS(sparse_network<S>::zeros(1, 8), doctest::Contains("8 inputs is outside 1..7"), value_error);
}

TEST_CASE("a k-input network predicts the same on N x k points and on N x 7 points padded with anything") {
  for (int k = 1; k <= S::inputs; ++k) {
    const auto batch = batch_of(3, k, 100 + k);
    const auto& net = batch.networks[0];
    CHECK(net.inputs == k);
    const cpu::matrix<float> x = batch.inputs.leftCols(k);
    cpu::matrix<float> padded = cpu::matrix<float>::Random(x.rows(), S::inputs);  // columns k.. meet zero weights
    padded.leftCols(k) = x;
    CHECK((net.predict(x) - net.predict(padded)).cwiseAbs().maxCoeff() == 0.0f);
    CHECK((net.predict(x) - batch.targets.leftCols(1)).cwiseAbs().maxCoeff() == 0.0f);
    if (k + 1 < S::inputs)
      CHECK_THROWS_WITH_AS(net.predict(cpu::matrix<float>::Zero(4, k + 1)),
                           doctest::Contains(("the network has " + std::to_string(k) + " inputs").c_str()),
                           shape_error);
  }
}

TEST_CASE("the validity channel marks the k real input rows; encode / decode round-trips every depth and k") {
  for (int d = 1; d <= S::max_depth; ++d)
    for (int k = 1; k <= S::inputs; ++k) {
      const auto batch = batch_of(d, k, 1000 * d + k);
      for (int b = 0; b < 4; ++b) {
        const auto& net = batch.networks[b];
        const auto tokens = batch.tokens.middleRows(b * layout::tokens, layout::tokens);
        for (int r = 0; r < layout::tokens; ++r) {
          CHECK(tokens(r, layout::max_columns + layout::weight_column(0)) == (r < k ? 1.0f : 0.0f));
          if (d > 1) CHECK(tokens(r, layout::max_columns + layout::weight_column(1)) == 1.0f);  // hidden rows all real
        }
        CHECK(layout::encoded_inputs(tokens) == k);
        const auto back = layout::decode(tokens);
        CHECK(back.depth == d);
        CHECK(back.inputs == k);
        CHECK(back.layers[0].weights == net.layers[0].weights);
        CHECK((back.predict(batch.inputs) - net.predict(batch.inputs)).cwiseAbs().maxCoeff() == 0.0f);
      }
    }
}

TEST_CASE("a view of a k-input network shows k first-layer rows; harden keeps its input count") {
  const auto batch = batch_of(2, 4, 7, 1);
  cpu::row_matrix<float> tokens = batch.tokens;
  network_view<S, const float> view(tokens.data(), 2, tokens.cols(), 4);
  CHECK(view.inputs() == 4);
  CHECK(view.weights(0).rows() == 4);
  CHECK(view.weights(1).rows() == 7);
  const auto net = harden(view);
  CHECK(net.inputs == 4);
  net.validate();
  CHECK_THROWS_WITH_AS((network_view<S, const float>(tokens.data(), 2, tokens.cols(), 9)),
                       doctest::Contains("9 inputs is outside 1..7"), value_error);
}

TEST_CASE("the generator draws one input count per batch from input_counts; points beyond it are 0") {
  network_generator<S> gen({.networks = 3, .points = 20, .input_counts = {2, 5}}, 42);
  bool seen[8] = {};
  for (int i = 0; i < 40; ++i) {
    const auto batch = gen.next();
    const int k = batch.input_count;
    REQUIRE((k == 2 || k == 5));
    seen[k] = true;
    CHECK(batch.inputs.cols() == S::inputs);
    CHECK(batch.inputs.rightCols(S::inputs - k).isZero(0));
    CHECK(batch.inputs.leftCols(k).cwiseAbs().maxCoeff() <= 1.0f);
    for (const auto& net : batch.networks) {
      CHECK(net.inputs == k);
      net.validate();
    }
  }
  CHECK(seen[2]);
  CHECK(seen[5]);
  CHECK_THROWS_WITH_AS((network_generator<S>({.input_counts = {0}}, 1)),
                       doctest::Contains("every input count must be within 1..7"), value_error);
  // Without input_counts the stream is the one it always was: a paper-family batch is unchanged (bit for bit).
  network_generator<paper_spec> a({.networks = 2, .points = 10}, 9);
  network_generator<paper_spec> b({.networks = 2, .points = 10, .input_counts = {}}, 9);
  CHECK(a.next().tokens == b.next().tokens);
}

TEST_CASE("exports of a k-input network: JSON round trip, a C++ header and a DOT graph with k inputs") {
  const auto batch = batch_of(2, 3, 77, 1);
  const auto& net = batch.networks[0];
  network_metadata md;
  md.input_names = {"a", "b", "c"};
  const std::string text = to_json(net, md);
  CHECK(text.find("\"depth\": 2,\n  \"inputs\": 3,") != std::string::npos);  // next to the spec's "inputs": 7
  const auto back = from_json<S>(text);
  CHECK(back.network.inputs == 3);
  CHECK(back.network.layers[0].weights == net.layers[0].weights);
  CHECK(back.metadata.input_names == md.input_names);
  // 2-input paper networks do not write "inputs" (files of the former writer stay byte for byte)
  const auto paper = network_generator<paper_spec>({.networks = 1, .points = 5}, 3).next().networks[0];
  const std::string paper_text = to_json(paper);
  CHECK(paper_text.find("\"inputs\"") == paper_text.rfind("\"inputs\""));  // the spec's only
  CHECK_THROWS_WITH_AS(from_json<S>(text.substr(0, text.find("\"inputs\": 3")) + "\"inputs\": 8" +
                                    text.substr(text.find("\"inputs\": 3") + 11)),
                       doctest::Contains("/inputs"), data_error);

  const std::string header = to_cpp_header(net);
  CHECK(header.find("inline constexpr int inputs = 3;") != std::string::npos);
  const std::string dot = to_dot(net, {.input_names = {"a", "b", "c"}});
  CHECK(dot.find("x2") != std::string::npos);
  CHECK(dot.find("x3") == std::string::npos);
  CHECK_THROWS_AS(to_dot(net, {.input_names = {"a", "b"}}), shape_error);
}
