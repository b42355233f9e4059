// Tests for network/soft_eval.hpp: agreement with the discrete network in the hard limit, finite-difference
// gradient checks in double for every token slot and the inputs at every depth, padding gradients, networks
// with a zero output gradient, zero heap allocations after warm-up, and errors.
#include <doctest/doctest.h>

#include <limits>
#include <random>
#include <span>

#include <swatnn/network/generator.hpp>
#include <swatnn/network/soft_eval.hpp>

#include "support/alloc_counter.hpp"
#include "support/gradient_check.hpp"

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

using namespace swatnn;
using layout = token_layout<paper_spec>;

namespace {
template <class T>
cpu::row_matrix<T> random_tokens(int networks, int depth, std::uint64_t seed, double scale = 1.0) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, scale);
  cpu::row_matrix<T> m(networks * layout::tokens, layout::width(depth) + 3);  // extra columns: a wider stride
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = T(normal(rng));
  return m;
}

// Evaluates the same tokens in float and double at `temperature` (forward, then backward from one random output
// gradient) and checks outputs, token gradients and input gradients agree to float precision. Returns the float
// token gradient (the 3 extra stride columns zeroed).
cpu::row_matrix<float> agrees_with_double(const cpu::row_matrix<float>& tokens_f, const cpu::row_matrix<double>& tokens_d,
                                          int d, const cpu::matrix<float>& x_f, float temperature) {
  const cpu::matrix<double> x_d = x_f.cast<double>();
  const auto networks = tokens_f.rows() / 7;
  soft_eval<paper_spec, float> eval_f;
  soft_eval<paper_spec, double> eval_d;
  const auto& y_f = eval_f.forward(tokens_f, d, x_f, temperature);
  const auto& y_d = eval_d.forward(tokens_d, d, x_d, static_cast<double>(temperature));
  CHECK((y_f.cast<double>() - y_d).cwiseAbs().maxCoeff() < 1e-4 * (1.0 + y_d.cwiseAbs().maxCoeff()));

  const cpu::matrix<float> up_f = cpu::matrix<float>::Random(x_f.rows(), networks);
  const cpu::matrix<double> up_d = up_f.cast<double>();
  cpu::row_matrix<float> g_f(tokens_f.rows(), tokens_f.cols());
  cpu::row_matrix<double> g_d(tokens_d.rows(), tokens_d.cols());
  cpu::matrix<float> gx_f;
  cpu::matrix<double> gx_d;
  eval_f.backward(up_f, g_f, &gx_f);
  eval_d.backward(up_d, g_d, &gx_d);
  g_f.rightCols(3).setZero();
  g_d.rightCols(3).setZero();
  CHECK((g_f.cast<double>() - g_d).cwiseAbs().maxCoeff() < 1e-3 * (1.0 + g_d.cwiseAbs().maxCoeff()));
  CHECK((gx_f.cast<double>() - gx_d).cwiseAbs().maxCoeff() < 1e-3 * (1.0 + gx_d.cwiseAbs().maxCoeff()));
  return g_f;
}
}  // namespace

TEST_CASE("soft eval equals the discrete network when activations and masks are saturated") {
  for (int d = 1; d <= 4; ++d) {
    network_generator<paper_spec, double> gen({.networks = 6, .points = 50, .depth = d}, 5 + d);
    const auto batch = gen.next();
    cpu::row_matrix<double> decoded(6 * 7, layout::width(d));
    for (int b = 0; b < 6; ++b) {
      decoded.middleRows(b * 7, 7) = batch.tokens.block(b * 7, 0, 7, layout::width(d));
      network_view<paper_spec, double> view(decoded.data() + b * 7 * decoded.cols(), d, decoded.cols());
      for (int l = 0; l < d; ++l) {
        view.activation_logits(l) *= 60.0;  // one-hot -> near-hard softmax
        for (int j = 0; j < 7; ++j) view.mask_logits(l)(j) = batch.networks[b].layers[l].active[j] ? 60.0 : -60.0;
      }
    }
    soft_eval<paper_spec, double> eval;
    const auto& y = eval.forward(decoded, d, batch.inputs);
    CHECK((y - batch.targets).cwiseAbs().maxCoeff() < 1e-9 * (1.0 + batch.targets.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("soft eval backward matches finite differences for every slot and the inputs, at every depth") {
  for (int d = 1; d <= 4; ++d) {
    CAPTURE(d);
    const int networks = 3;
    auto tokens = random_tokens<double>(networks, d, 11 * d);
    cpu::matrix<double> x = cpu::matrix<double>::Random(9, 2);
    std::mt19937_64 rng(d);
    std::normal_distribution<double> normal;
    cpu::matrix<double> upstream(9, networks);
    for (Eigen::Index i = 0; i < upstream.size(); ++i) upstream.data()[i] = normal(rng);
    const double temperature = 0.7;

    soft_eval<paper_spec, double> eval;
    auto loss = [&] { return (eval.forward(tokens, d, x, temperature).array() * upstream.array()).sum(); };
    loss();
    cpu::row_matrix<double> grad_tokens = cpu::row_matrix<double>::Constant(tokens.rows(), tokens.cols(), 99.0);
    cpu::matrix<double> grad_x;
    eval.backward(upstream, grad_tokens, &grad_x);
    // columns beyond width(d) (a wider row stride) are left untouched by backward; the loss ignores them too
    CHECK((grad_tokens.rightCols(3).array() == 99.0).all());
    grad_tokens.rightCols(3).setZero();

    std::span<double> params(tokens.data(), static_cast<std::size_t>(tokens.size()));
    const auto result = test::check_gradient(loss, params, std::span<const double>(grad_tokens.data(), tokens.size()), 1e-6);
    INFO(result.describe());
    CHECK(result.passed(1e-6));

    std::span<double> inputs(x.data(), static_cast<std::size_t>(x.size()));
    const auto rx = test::check_gradient(loss, inputs, std::span<const double>(grad_x.data(), grad_x.size()), 1e-6);
    INFO(rx.describe());
    CHECK(rx.passed(1e-6));

    // padding slots get exactly 0
    for (int b = 0; b < networks; ++b)
      for (int r = 0; r < 7; ++r)
        for (int c = 0; c < layout::width(d); ++c)
          if (!layout::is_real(d, r, c)) CHECK(grad_tokens(b * 7 + r, c) == 0.0);
  }
}

TEST_CASE("soft eval backward also holds with leaky_relu kinks avoided and large logits (annealed regime)") {
  auto tokens = random_tokens<double>(2, 2, 77, 3.0);
  cpu::matrix<double> x = cpu::matrix<double>::Random(6, 2);
  cpu::matrix<double> upstream = cpu::matrix<double>::Ones(6, 2);
  soft_eval<paper_spec, double> eval;
  auto loss = [&] { return (eval.forward(tokens, 2, x, 0.05).array() * upstream.array()).sum(); };
  loss();
  cpu::row_matrix<double> grad(tokens.rows(), tokens.cols());
  eval.backward(upstream, grad);
  grad.rightCols(3).setZero();  // beyond width(2): not written, not read
  std::span<double> params(tokens.data(), static_cast<std::size_t>(tokens.size()));
  const auto r = test::check_gradient(loss, params, std::span<const double>(grad.data(), grad.size()), 1e-7);
  INFO(r.describe());
  CHECK(r.passed(1e-5));
}

TEST_CASE("soft eval backward gives exact zeros to networks whose output gradient is 0 and leaves the rest unchanged") {
  // A hard minimum over scale levels sends no gradient to the levels that lost; backward skips those networks.
  for (int d : {1, 3}) {
    CAPTURE(d);
    const int networks = 4;
    const auto tokens = random_tokens<double>(networks, d, 40 + d);
    const cpu::matrix<double> x = cpu::matrix<double>::Random(50, 2);
    cpu::matrix<double> upstream = cpu::matrix<double>::Random(50, networks);
    soft_eval<paper_spec, double> eval;
    eval.forward(tokens, d, x);
    cpu::row_matrix<double> grad(tokens.rows(), tokens.cols());
    cpu::matrix<double> grad_x;
    eval.backward(upstream, grad, &grad_x);  // every network reached: the workspaces hold nonzero values
    upstream.col(1).setZero();
    upstream.col(3).setZero();
    grad.setConstant(99.0);
    eval.backward(upstream, grad, &grad_x);

    cpu::matrix<double> expected_x = cpu::matrix<double>::Zero(50, 2);
    for (int b = 0; b < networks; ++b) {
      CAPTURE(b);
      const auto slots = grad.middleRows(b * 7, 7).leftCols(layout::width(d));
      if (b % 2 == 1) {
        CHECK((slots.array() == 0.0).all());
        continue;
      }
      // the same network alone
      soft_eval<paper_spec, double> one;
      const cpu::row_matrix<double> own = tokens.middleRows(b * 7, 7);
      one.forward(own, d, x);
      cpu::row_matrix<double> own_grad(7, own.cols());
      cpu::matrix<double> own_x;
      one.backward(upstream.col(b), own_grad, &own_x);
      CHECK((slots - own_grad.leftCols(layout::width(d))).cwiseAbs().maxCoeff() == 0.0);
      expected_x += own_x;
    }
    CHECK((grad_x - expected_x).cwiseAbs().maxCoeff() < 1e-12 * (1.0 + expected_x.cwiseAbs().maxCoeff()));
  }
}

TEST_CASE("soft eval allocates nothing after warm-up") {
  if (!test::allocation_counting_enabled) return;  // AddressSanitizer owns malloc
  for (int d : {1, 4}) {
    auto tokens = random_tokens<float>(16, d, 3);
    cpu::matrix<float> x = cpu::matrix<float>::Random(200, 2);
    cpu::matrix<float> upstream = cpu::matrix<float>::Ones(200, 16);
    cpu::row_matrix<float> grad(tokens.rows(), tokens.cols());
    cpu::matrix<float> grad_x;
    soft_eval<paper_spec, float> eval;
    eval.forward(tokens, d, x, 0.5f);
    eval.backward(upstream, grad, &grad_x);
    const auto before = test::allocation_count();
    for (int i = 0; i < 3; ++i) {
      eval.forward(tokens, d, x, 0.5f);
      eval.backward(upstream, grad, &grad_x);
    }
    CHECK(test::allocation_count() - before == 0);
  }
}

TEST_CASE("soft eval rejects bad input with clear errors") {
  soft_eval<paper_spec, float> eval;
  auto tokens = random_tokens<float>(2, 2, 1);
  cpu::matrix<float> x3 = cpu::matrix<float>::Zero(4, 3);
  CHECK_THROWS_WITH_AS(eval.forward(tokens, 2, x3), doctest::Contains("expected N x 2"), shape_error);
  cpu::matrix<float> x = cpu::matrix<float>::Zero(4, 2);
  CHECK_THROWS_WITH_AS(eval.forward(tokens, 4, x), doctest::Contains("narrower"), shape_error);
  CHECK_THROWS_AS(eval.forward(tokens, 0, x), value_error);
  CHECK_THROWS_WITH_AS(eval.forward(tokens, 2, x, 0.0f), doctest::Contains("temperature"), value_error);
  cpu::row_matrix<float> grad(tokens.rows(), tokens.cols());
  CHECK_THROWS_WITH_AS(eval.backward(cpu::matrix<float>::Zero(4, 2), grad.data()), doctest::Contains("forward first"),
                       value_error);
  eval.forward(tokens, 2, x);
  CHECK_THROWS_AS(eval.backward(cpu::matrix<float>::Zero(5, 2), grad), shape_error);
  cpu::row_matrix<float> odd(13, 40);
  CHECK_THROWS_WITH_AS(eval.forward(odd, 2, x), doctest::Contains("multiple of the 7"), shape_error);
}

TEST_CASE("at low temperature soft eval skips activations whose softmax weight underflows, with the same results") {
  // At T = 0.01 most neurons' softmax puts an exact 0 (float underflow) on some activations, and the float
  // evaluation skips them; double underflows far later, so the double evaluation of the same tokens computes every
  // activation. Outputs and gradients must agree to float precision.
  const int d = 3, networks = 4;
  auto tokens_d = random_tokens<double>(networks, d, 123, 2.0);
  const cpu::row_matrix<float> tokens_f = tokens_d.cast<float>();
  tokens_d = tokens_f.cast<double>();  // the same values in both precisions
  cpu::matrix<float> x_f = cpu::matrix<float>::Random(300, 2);
  int skipped = 0;
  for (int b = 0; b < networks; ++b) {
    network_view<paper_spec, const float> v(tokens_f.data() + b * 7 * tokens_f.cols(), d, tokens_f.cols());
    for (int l = 0; l < d; ++l)
      for (int j = 0; j < 7; ++j) {
        const float top = v.activation_logits(l).row(j).maxCoeff();
        for (int k = 0; k < 3; ++k) skipped += std::exp((v.activation_logits(l)(j, k) - top) / 0.01f) == 0.0f;
      }
  }
  REQUIRE(skipped > 20);  // the test exercises the skip path

  agrees_with_double(tokens_f, tokens_d, d, x_f, 0.01f);
}

TEST_CASE("soft eval skips neurons whose mask gate underflows to 0, with the same results") {
  // Mask logits below about -88 give sigmoid = 0 exactly in float (the search's sharpened masks of switched-off
  // neurons), and the float evaluation skips those neurons; in double the gate is tiny but not 0, so the double
  // evaluation of the same tokens computes them. Outputs and gradients must agree to float precision.
  const int d = 3, networks = 4;
  auto tokens_d = random_tokens<double>(networks, d, 321);
  int skipped = 0;
  for (int b = 0; b < networks; ++b) {
    network_view<paper_spec, double> v(tokens_d.data() + b * 7 * tokens_d.cols(), d, tokens_d.cols());
    for (int l = 0; l < d; ++l)
      for (int j = (b + l) % 2; j < 7; j += 2) {  // about half of the neurons, differently per layer
        v.mask_logits(l)(j) = -90.0 - 10.0 * j;
        ++skipped;
      }
  }
  const cpu::row_matrix<float> tokens_f = tokens_d.cast<float>();
  tokens_d = tokens_f.cast<double>();
  REQUIRE(1.0f / (1.0f + std::exp(90.0f)) == 0.0f);  // the float gate is exactly 0: the skip path runs
  REQUIRE(skipped > 30);
  cpu::matrix<float> x_f = cpu::matrix<float>::Random(300, 2);

  for (const float temperature : {1.0f, 0.01f}) {
    CAPTURE(temperature);
    const auto g_f = agrees_with_double(tokens_f, tokens_d, d, x_f, temperature);
    // a skipped neuron's slots get exactly 0: its bias, activation logits, mask logit, incoming and outgoing weights
    network_view<paper_spec, const float> gv(g_f.data(), d, g_f.cols());
    for (int l = 0; l < d; ++l)
      for (int j = l % 2; j < 7; j += 2) {
        CHECK(gv.bias(l)(j) == 0.0f);
        CHECK(gv.mask_logits(l)(j) == 0.0f);
        CHECK(gv.activation_logits(l).row(j).cwiseAbs().maxCoeff() == 0.0f);
        CHECK(gv.weights(l).col(j).cwiseAbs().maxCoeff() == 0.0f);  // incoming
        CHECK((l + 1 < d ? gv.weights(l + 1).row(j).cwiseAbs().maxCoeff()
                         : gv.output_weights().row(j).cwiseAbs().maxCoeff()) == 0.0f);  // outgoing
      }
  }
}

TEST_CASE("soft eval with nearly-off neurons agrees with double and leaves the caller's float mode as it was") {
  // Mask logits of -60 to -85 give gates of 1e-26 to 1e-37: not 0, so those neurons are computed, and their
  // backward products fall below the smallest normal float. Soft eval flushes those to 0
  // (backend/cpu/flush_denormals.hpp) inside its own scope; the caller's thread keeps gradual underflow.
  const int d = 2, networks = 2;
  auto tokens_d = random_tokens<double>(networks, d, 77);
  for (int b = 0; b < networks; ++b) {
    network_view<paper_spec, double> v(tokens_d.data() + b * 7 * tokens_d.cols(), d, tokens_d.cols());
    for (int l = 0; l < d; ++l)
      for (int j = 0; j < 7; j += 2) v.mask_logits(l)(j) = -60.0 - 4.0 * j;
  }
  const cpu::row_matrix<float> tokens_f = tokens_d.cast<float>();
  tokens_d = tokens_f.cast<double>();
  const cpu::matrix<float> x_f = cpu::matrix<float>::Random(200, 2);
  const auto g_f = agrees_with_double(tokens_f, tokens_d, d, x_f, 1.0f);
  CHECK(g_f.allFinite());
  volatile float tiny = std::numeric_limits<float>::min(), quarter = 0.25f;
  CHECK(tiny * quarter > 0.0f);  // still a subnormal here: the mode was restored
}
