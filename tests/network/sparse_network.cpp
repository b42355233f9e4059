// Tests for network/sparse_network.hpp: evaluation against hand computation, counts, validation.
#include <doctest/doctest.h>

#include <cmath>

#include <swatnn/network/sparse_network.hpp>

using namespace swatnn;

TEST_CASE("sparse_network predicts what a hand computation gives") {
  auto net = sparse_network<paper_spec, double>::zeros(2);
  auto& a = net.layers[0];
  a.weights(0, 0) = 1.0; a.weights(1, 0) = 2.0; a.bias(0) = 0.5; a.activations[0] = activation::tanh; a.active[0] = true;
  a.weights(0, 1) = -1.0; a.bias(1) = 0.0; a.activations[1] = activation::leaky_relu; a.active[1] = true;
  a.weights(0, 2) = 9.0; a.active[2] = false;  // off: contributes nothing
  auto& b = net.layers[1];
  b.weights(0, 0) = 1.0; b.weights(1, 0) = 1.0; b.weights(2, 0) = 100.0; b.bias(0) = -0.25;
  b.activations[0] = activation::sigmoid; b.active[0] = true;
  net.output_weights(0, 0) = 3.0; net.output_bias(0) = 1.0;

  cpu::matrix<double> x(2, 2);
  x << 0.3, -0.4, -0.7, 0.2;
  const auto y = net.predict(x);
  for (int n = 0; n < 2; ++n) {
    const double h0 = std::tanh(x(n, 0) + 2.0 * x(n, 1) + 0.5);
    const double p1 = -x(n, 0);
    const double h1 = p1 > 0 ? p1 : 0.01 * p1;
    const double g = 1.0 / (1.0 + std::exp(-(h0 + h1 - 0.25)));
    CHECK(y(n, 0) == doctest::Approx(3.0 * g + 1.0).epsilon(1e-14));
  }
  // counts: active neurons 2 + 1; nonzero weights between live units: a(0,0),(1,0),(0,1) + b(0,0),(1,0) + out(0,0)
  // (b(2,0) comes from an inactive neuron), biases of 3 active neurons, 1 output bias.
  CHECK(net.active_neurons() == 3);
  CHECK(net.active_neurons(0) == 2);
  CHECK(net.nonzero_parameters() == 3 + 2 + 1 + 3 + 1);
}

TEST_CASE("sparse_network validation names the problem") {
  auto net = sparse_network<paper_spec>::zeros(1);
  net.layers[0].bias(2) = std::nanf("");
  CHECK_THROWS_WITH_AS(net.validate(), doctest::Contains("layer 0 has a non-finite"), value_error);
  net = sparse_network<paper_spec>::zeros(1);
  net.output_weights.resize(3, 1);
  CHECK_THROWS_AS(net.validate(), shape_error);
  cpu::matrix<float> x(4, 3);
  CHECK_THROWS_WITH_AS(sparse_network<paper_spec>::zeros(1).predict(x), doctest::Contains("3 columns"), shape_error);
}
