// The code of docs/network.md, compiled and run here: the page shows the `// example: NAME` regions below, line for
// line (tests/docs/pages.cpp checks it), and each is followed by checks of what its comments say.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <type_traits>
#include <vector>

// example: network-spec
#include <swatnn/swatnn.hpp>
using spec = swatnn::network_spec<2, 1, 4, 7>;   // Inputs, Outputs, MaxDepth, MaxWidth (= swatnn::paper_spec)
// end example: network-spec

static_assert(std::is_same_v<spec, swatnn::paper_spec>);

namespace {
swatnn::cpu::matrix<float> points(int n) {
  std::srand(11);
  return swatnn::cpu::matrix<float>::Random(n, spec::inputs);
}
}  // namespace

TEST_CASE("docs/network.md: a sparse network, its tokens and the generator") {
  const swatnn::cpu::matrix<float> x = points(50);
  // example: network-sparse
  auto net = swatnn::sparse_network<spec>::zeros(2);     // depth 2, all neurons off, all weights 0
  net.layers[0].weights(0, 3) = 1.5f;                    // input 0 -> neuron 3 of layer 0
  net.layers[0].active[3] = true;
  net.layers[0].activations[3] = swatnn::activation::tanh;
  swatnn::cpu::matrix<float> y = net.predict(x);         // x: N x Inputs -> N x Outputs
  net.active_neurons();                                   // active hidden neurons
  net.nonzero_parameters();                               // SWAT-NN's parameter count (below)
  // end example: network-sparse
  CHECK(y.rows() == 50);
  CHECK(y.cols() == 1);
  CHECK(net.active_neurons() == 1);
  CHECK(y.isZero());  // the neuron reaches no output: every output weight is 0

  // example: network-tokens
  using layout = swatnn::token_layout<spec>;
  swatnn::cpu::row_matrix<float> tokens = layout::encode(net);   // 7 x 112
  auto back = layout::decode(tokens);                            // the same network
  // end example: network-tokens
  CHECK(tokens.rows() == 7);
  CHECK(tokens.cols() == 112);
  CHECK(back.depth == net.depth);
  CHECK(back.layers[0].weights(0, 3) == 1.5f);
  CHECK(back.nonzero_parameters() == net.nonzero_parameters());
  CHECK(layout::encode(back) == tokens);

  // example: network-generator
  swatnn::network_generator<spec> gen({.networks = 64, .points = 1000}, /*seed=*/42);
  auto batch = gen.next();   // batch.tokens (64*7 x 112), batch.inputs (1000 x 2), batch.targets (1000 x 64)
  // end example: network-generator
  CHECK(batch.tokens.rows() == 64 * 7);
  CHECK(batch.tokens.cols() == 112);
  CHECK(batch.inputs.rows() == 1000);
  CHECK(batch.inputs.cols() == 2);
  CHECK(batch.targets.rows() == 1000);
  CHECK(batch.targets.cols() == 64);
}

TEST_CASE("docs/network.md: networks of fewer inputs than the family's (the universal family)") {
  // example: network-input-counts
  using universal = swatnn::universal_spec;                   // 1 to 7 inputs, 1 output, depth 1..4, width 7
  auto net = swatnn::sparse_network<universal>::zeros(2, 3);  // depth 2, 3 inputs: layer 0's rows 3..6 stay 0
  net.layers[0].weights(2, 0) = 0.5f;                         // input 2 -> neuron 0 of layer 0
  swatnn::network_generator<universal> mixed({.networks = 64, .points = 1000, .input_counts = {1, 2, 3, 4, 5, 6, 7}},
                                             /*seed=*/42);
  auto batch = mixed.next();  // batch.input_count = k for the whole batch; batch.inputs' columns k.. are 0
  // end example: network-input-counts
  CHECK(net.inputs == 3);
  net.validate();
  CHECK(batch.input_count >= 1);
  CHECK(batch.input_count <= 7);
  CHECK(batch.inputs.rightCols(7 - batch.input_count).isZero(0));
  for (const auto& n : batch.networks) CHECK(n.inputs == batch.input_count);
}

TEST_CASE("docs/network.md: soft evaluation and the search's data term agree") {
  const int networks = 3, depth = 2;
  const float temperature = 0.5f;
  std::srand(5);
  const swatnn::cpu::row_matrix<float> decoded =
      swatnn::cpu::row_matrix<float>::Random(networks * 7, swatnn::token_layout<spec>::width(depth));
  const swatnn::cpu::matrix<float> x = points(40);
  const swatnn::cpu::matrix<float> dloss_dy = swatnn::cpu::matrix<float>::Ones(40, networks);
  swatnn::cpu::row_matrix<float> grad_decoded(decoded.rows(), decoded.cols());
  swatnn::cpu::matrix<float> grad_x(40, spec::inputs);
  std::vector<double> soft_mse_of(networks);
  {
    // example: network-soft-eval
    swatnn::soft_eval<spec, float> eval;                    // Backend defaults to swatnn::cpu
    const auto& y = eval.forward(decoded, depth, x, temperature);   // N x networks*Outputs
    eval.backward(dloss_dy, grad_decoded, &grad_x);          // gradient in the decoded layout (+ inputs)
    // end example: network-soft-eval
    REQUIRE(y.rows() == 40);
    REQUIRE(y.cols() == networks);
    CHECK(grad_decoded.allFinite());
    CHECK(grad_decoded.norm() > 0.0f);
    CHECK(grad_x.norm() > 0.0f);
    for (int b = 0; b < networks; ++b) soft_mse_of[b] = (y.col(b).cast<double>() - x.col(0).cast<double>()).squaredNorm() / 40;
  }
  const swatnn::cpu::row_matrix<float>& tokens = decoded;
  const swatnn::cpu::matrix<float> y = x.col(0);  // the target: the first input
  swatnn::cpu::row_matrix<float> grad(decoded.rows(), decoded.cols());
  // example: network-soft-mse
  swatnn::soft_mse<spec, float> mse_eval;
  std::vector<double> mse(networks);
  mse_eval.evaluate(tokens.data(), networks, depth, tokens.cols(), x, y, temperature, grad.data(), mse.data());
  // end example: network-soft-mse
  for (int b = 0; b < networks; ++b) {
    CAPTURE(b);
    CHECK(mse[b] == doctest::Approx(soft_mse_of[b]).epsilon(1e-4));
  }
  CHECK(grad.allFinite());
}
