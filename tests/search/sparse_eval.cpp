// Tests for network/sparse_eval.hpp (the differentiable evaluation fine_tune uses): forward equals predict(),
// finite-difference gradient checks in double for every weight, bias and input at every depth, zero heap
// allocations after warm-up, errors.
#include <doctest/doctest.h>

#include <random>
#include <vector>

#include <swatnn/network/generator.hpp>
#include <swatnn/network/sparse_eval.hpp>

#include "support/alloc_counter.hpp"
#include "support/gradient_check.hpp"

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

using namespace swatnn;
using S = paper_spec;

namespace {
// Every weight and bias slot of a network (used layers), in a fixed order.
template <class T>
std::vector<T*> all_slots(sparse_network<S, T>& net) {
  std::vector<T*> out;
  for (int l = 0; l < net.depth; ++l) {
    for (Eigen::Index i = 0; i < net.layers[l].weights.size(); ++i) out.push_back(net.layers[l].weights.data() + i);
    for (Eigen::Index i = 0; i < net.layers[l].bias.size(); ++i) out.push_back(net.layers[l].bias.data() + i);
  }
  for (Eigen::Index i = 0; i < net.output_weights.size(); ++i) out.push_back(net.output_weights.data() + i);
  for (Eigen::Index i = 0; i < net.output_bias.size(); ++i) out.push_back(net.output_bias.data() + i);
  return out;
}

// A network with every activation kind, some inactive neurons, weights ~ N(0, 1).
sparse_network<S, double> random_network(int depth, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  auto net = sparse_network<S, double>::zeros(depth);
  for (int l = 0; l < depth; ++l) {
    auto& layer = net.layers[l];
    for (Eigen::Index i = 0; i < layer.weights.size(); ++i) layer.weights.data()[i] = normal(rng);
    for (int j = 0; j < 7; ++j) {
      layer.bias(j) = normal(rng);
      layer.activations[j] = static_cast<activation>((j + l) % 3);
      layer.active[j] = (j + l) % 4 != 3;
    }
  }
  for (Eigen::Index i = 0; i < net.output_weights.size(); ++i) net.output_weights.data()[i] = normal(rng);
  net.output_bias(0) = normal(rng);
  return net;
}
}  // namespace

TEST_CASE("sparse_eval forward equals sparse_network::predict") {
  for (int d = 1; d <= 4; ++d) {
    network_generator<S, float> gen({.networks = 8, .points = 64, .depth = d}, 20 + d);
    const auto batch = gen.next();
    sparse_eval<S, float> eval;
    for (int b = 0; b < 8; ++b) {
      const auto& net = batch.networks[b];
      const auto expected = net.predict(batch.inputs);
      const auto& y = eval.forward(net, batch.inputs);
      CHECK((y - expected).cwiseAbs().maxCoeff() <= 1e-4f * (1.0f + expected.cwiseAbs().maxCoeff()));
    }
    const auto dnet = random_network(d, d);
    cpu::matrix<double> x = cpu::matrix<double>::Random(30, 2);
    sparse_eval<S, double> deval;
    CHECK((deval.forward(dnet, x) - dnet.predict(x)).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("sparse_eval backward matches finite differences for every parameter and input, at every depth") {
  for (int d = 1; d <= 4; ++d) {
    CAPTURE(d);
    auto net = random_network(d, 7 * d);
    cpu::matrix<double> x = cpu::matrix<double>::Random(11, 2);
    std::mt19937_64 rng(d);
    std::normal_distribution<double> normal;
    cpu::matrix<double> upstream(11, 1);
    for (Eigen::Index i = 0; i < upstream.size(); ++i) upstream(i) = normal(rng);

    sparse_eval<S, double> eval;
    eval.forward(net, x);
    sparse_network<S, double> grad;
    cpu::matrix<double> grad_x;
    eval.backward(upstream, grad, &grad_x);

    auto slots = all_slots(net);
    auto grad_slots = all_slots(grad);
    REQUIRE(slots.size() == grad_slots.size());
    std::vector<double> params(slots.size()), analytic(slots.size());
    for (std::size_t i = 0; i < slots.size(); ++i) {
      params[i] = *slots[i];
      analytic[i] = *grad_slots[i];
    }
    sparse_eval<S, double> probe;
    auto loss = [&] {
      for (std::size_t i = 0; i < slots.size(); ++i) *slots[i] = params[i];
      return (probe.forward(net, x).array() * upstream.array()).sum();
    };
    const auto r = test::check_gradient(loss, params, analytic);
    CHECK_MESSAGE(r.passed(1e-6), r.describe());
    // Slots of inactive neurons get exactly zero.
    for (int l = 0; l < d; ++l)
      for (int j = 0; j < 7; ++j)
        if (!net.layers[l].active[j]) {
          CHECK(grad.layers[l].bias(j) == 0.0);
          CHECK(grad.layers[l].weights.col(j).isZero(0));
        }

    std::vector<double> xs(x.data(), x.data() + x.size());
    std::vector<double> gx(grad_x.data(), grad_x.data() + grad_x.size());
    auto loss_x = [&] {
      cpu::matrix<double> xp = Eigen::Map<const cpu::matrix<double>>(xs.data(), x.rows(), x.cols());
      return (probe.forward(net, xp).array() * upstream.array()).sum();
    };
    const auto rx = test::check_gradient(loss_x, xs, gx);
    CHECK_MESSAGE(rx.passed(1e-6), rx.describe());
  }
}

TEST_CASE("sparse_eval allocates nothing after warm-up") {
  if (!test::allocation_counting_enabled) return;
  network_generator<S, float> gen({.networks = 1, .points = 300, .depth = 4}, 3);
  const auto batch = gen.next();
  const auto& net = batch.networks[0];
  sparse_eval<S, float> eval;
  sparse_network<S, float> grad;
  cpu::matrix<float> upstream = cpu::matrix<float>::Ones(300, 1);
  cpu::matrix<float> gx;
  eval.forward(net, batch.inputs);
  eval.backward(upstream, grad, &gx);
  const auto before = test::allocation_count();
  for (int i = 0; i < 5; ++i) {
    eval.forward(net, batch.inputs);
    eval.backward(upstream, grad, &gx);
  }
  CHECK(test::allocation_count() == before);
}

TEST_CASE("sparse_eval rejects bad shapes and backward before forward") {
  sparse_eval<S, float> eval;
  auto net = sparse_network<S, float>::zeros(2);
  sparse_network<S, float> grad;
  cpu::matrix<float> g(3, 1);
  CHECK_THROWS_WITH_AS(eval.backward(g, grad), doctest::Contains("call forward first"), value_error);
  cpu::matrix<float> x3(3, 3);
  CHECK_THROWS_WITH_AS(eval.forward(net, x3), doctest::Contains("expected N x 2"), shape_error);
  cpu::matrix<float> x(3, 2);
  x.setZero();
  eval.forward(net, x);
  cpu::matrix<float> g4(4, 1);
  CHECK_THROWS_AS(eval.backward(g4, grad), shape_error);
}
