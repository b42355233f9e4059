// Tests for network/soft_mse.hpp: the fused MSE and gradient equal soft_eval's forward + backward with
// dL/dy = 2 (y - target) / (N Outputs) (double and float, several tiles with a partial last one, skipped neurons,
// both temperature regimes), finite-difference gradient checks for every slot at every depth, the same results
// on 1 and 2 threads, zero heap allocations after warm-up, and errors.
#include <doctest/doctest.h>

#include <random>
#include <span>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/network/soft_eval.hpp>
#include <swatnn/network/soft_mse.hpp>

#include "support/alloc_counter.hpp"
#include "support/gradient_check.hpp"


using namespace swatnn;
using layout = token_layout<paper_spec>;

namespace {
constexpr int extra = 3;  // token matrices are wider than width(d): a row stride beyond the network's columns

template <class T>
cpu::row_matrix<T> random_tokens(int networks, int depth, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  cpu::row_matrix<T> m(networks * layout::tokens, layout::width(depth) + extra);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = T(normal(rng));
  return m;
}

// Switches some neurons off exactly (float mask gate 0) so the skip path runs.
template <class T>
void switch_off_some(cpu::row_matrix<T>& tokens, int networks, int depth) {
  for (int b = 0; b < networks; ++b) {
    network_view<paper_spec, T> v(tokens.data() + b * 7 * tokens.cols(), depth, tokens.cols());
    for (int l = 0; l < depth; ++l)
      for (int j = (b + l) % 3; j < 7; j += 3) v.mask_logits(l)(j) = T(-95);
  }
}

template <class T>
struct reference {
  std::vector<double> mse;
  cpu::row_matrix<T> grad;
};

// soft_eval forward, per-network MSE, and backward from the MSE's output gradient.
template <class T>
reference<T> soft_eval_reference(const cpu::row_matrix<T>& tokens, int depth, const cpu::matrix<T>& x,
                                 const cpu::matrix<T>& y, T temperature) {
  const int networks = static_cast<int>(tokens.rows() / 7);
  soft_eval<paper_spec, T> eval;
  const auto& out = eval.forward(tokens, depth, x, temperature);
  reference<T> r;
  cpu::matrix<T> up(out.rows(), out.cols());
  for (int b = 0; b < networks; ++b) {
    const cpu::matrix<T> diff = out.col(b) - y.col(0);
    r.mse.push_back(static_cast<double>(diff.squaredNorm()) / static_cast<double>(y.size()));
    up.col(b) = (T(2) / T(y.size())) * diff;
  }
  r.grad = cpu::row_matrix<T>::Zero(tokens.rows(), tokens.cols());
  eval.backward(up, r.grad);
  return r;
}

template <class T>
std::vector<double> fused(soft_mse<paper_spec, T>& eval, const cpu::row_matrix<T>& tokens, int depth,
                          const cpu::matrix<T>& x, const cpu::matrix<T>& y, T temperature, cpu::row_matrix<T>& grad) {
  const int networks = static_cast<int>(tokens.rows() / 7);
  std::vector<double> mse(static_cast<std::size_t>(networks));
  eval.evaluate(tokens.data(), networks, depth, tokens.cols(), x, y, temperature, grad.data(), mse.data());
  return mse;
}

template <class T>
cpu::matrix<T> targets(const cpu::matrix<T>& x) {
  return (x.col(0).array() * x.col(1).array() + T(0.3) * x.col(0).array().square()).matrix();
}
}  // namespace

TEST_CASE("soft_mse equals soft_eval forward + backward of the MSE, at every depth and both temperature regimes") {
  for (int d = 1; d <= 4; ++d)
    for (const int points : {1, 128, 300, 1000})  // one point; one full tile; partial last tiles
      for (const double temperature : {1.0, 0.01}) {
        CAPTURE(d);
        CAPTURE(points);
        CAPTURE(temperature);
        const int networks = 3;
        auto tokens_d = random_tokens<double>(networks, d, 100 + d);
        switch_off_some(tokens_d, networks, d);
        const cpu::row_matrix<float> tokens_f = tokens_d.cast<float>();
        tokens_d = tokens_f.cast<double>();
        const cpu::matrix<float> x_f = cpu::matrix<float>::Random(points, 2);
        const cpu::matrix<double> x_d = x_f.cast<double>();
        const cpu::matrix<float> y_f = targets(x_f);
        const cpu::matrix<double> y_d = y_f.cast<double>();

        // double: the same sums in another order, so agreement to rounding
        soft_mse<paper_spec, double> eval_d;
        cpu::row_matrix<double> grad_d = cpu::row_matrix<double>::Constant(tokens_d.rows(), tokens_d.cols(), 7.0);
        const auto mse_d = fused(eval_d, tokens_d, d, x_d, y_d, temperature, grad_d);
        CHECK((grad_d.rightCols(extra).array() == 7.0).all());  // beyond width(d): untouched
        grad_d.rightCols(extra).setZero();
        const auto ref_d = soft_eval_reference(tokens_d, d, x_d, y_d, temperature);
        for (int b = 0; b < networks; ++b) CHECK(mse_d[b] == doctest::Approx(ref_d.mse[b]).epsilon(1e-12));
        CHECK((grad_d - ref_d.grad).cwiseAbs().maxCoeff() <= 1e-12 * (1.0 + ref_d.grad.cwiseAbs().maxCoeff()));

        // float against the double result: float precision
        soft_mse<paper_spec, float> eval_f;
        cpu::row_matrix<float> grad_f(tokens_f.rows(), tokens_f.cols());
        const auto mse_f = fused(eval_f, tokens_f, d, x_f, y_f, float(temperature), grad_f);
        grad_f.rightCols(extra).setZero();
        for (int b = 0; b < networks; ++b) CHECK(mse_f[b] == doctest::Approx(mse_d[b]).epsilon(1e-4));
        CHECK((grad_f.cast<double>() - grad_d).cwiseAbs().maxCoeff() <= 1e-3 * (1.0 + grad_d.cwiseAbs().maxCoeff()));
      }
}

TEST_CASE("soft_mse's gradient matches finite differences for every slot, at every depth") {
  for (int d = 1; d <= 4; ++d) {
    CAPTURE(d);
    const int networks = 2;
    auto tokens = random_tokens<double>(networks, d, 7 * d);
    const cpu::matrix<double> x = cpu::matrix<double>::Random(150, 2);  // two tiles, the second partial
    const cpu::matrix<double> y = targets(x);
    soft_mse<paper_spec, double> eval;
    cpu::row_matrix<double> grad(tokens.rows(), tokens.cols());
    std::vector<double> mse(networks);
    auto loss = [&] {
      eval.evaluate(tokens.data(), networks, d, tokens.cols(), x, y, 0.6, grad.data(), mse.data());
      return mse[0] + mse[1];
    };
    loss();
    cpu::row_matrix<double> analytic = grad;
    analytic.rightCols(extra).setZero();  // not written, not read
    std::span<double> params(tokens.data(), static_cast<std::size_t>(tokens.size()));
    const auto r = test::check_gradient(loss, params, std::span<const double>(analytic.data(), analytic.size()), 1e-6);
    INFO(r.describe());
    CHECK(r.passed(1e-6));
    for (int b = 0; b < networks; ++b)  // padding slots get exactly 0
      for (int row = 0; row < 7; ++row)
        for (int c = 0; c < layout::width(d); ++c)
          if (!layout::is_real(d, row, c)) CHECK(analytic(b * 7 + row, c) == 0.0);
  }
}

TEST_CASE("soft_mse gives the same results on 1 and 2 threads and allocates nothing after warm-up") {
  const int networks = 5, d = 3;
  const auto tokens = random_tokens<float>(networks, d, 5);
  const cpu::matrix<float> x = cpu::matrix<float>::Random(700, 2);
  const cpu::matrix<float> y = targets(x);
  soft_mse<paper_spec, float> eval;
  cpu::row_matrix<float> grad1(tokens.rows(), tokens.cols()), grad2(tokens.rows(), tokens.cols());
  grad1.setZero();
  grad2.setZero();
#if defined(_OPENMP)
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
#endif
  const auto mse1 = fused(eval, tokens, d, x, y, 0.5f, grad1);
#if defined(_OPENMP)
  omp_set_num_threads(2);
#endif
  const auto mse2 = fused(eval, tokens, d, x, y, 0.5f, grad2);
#if defined(_OPENMP)
  omp_set_num_threads(threads);
#endif
  CHECK(mse1 == mse2);
  CHECK(grad1 == grad2);

  if (!test::allocation_counting_enabled) return;  // AddressSanitizer owns malloc
  std::vector<double> mse(networks);
  const auto before = test::allocation_count();
  for (int i = 0; i < 3; ++i)
    eval.evaluate(tokens.data(), networks, d, tokens.cols(), x, y, 0.5f, grad1.data(), mse.data());
  CHECK(test::allocation_count() - before == 0);
}

TEST_CASE("soft_mse rejects bad input with clear errors") {
  soft_mse<paper_spec, float> eval;
  const auto tokens = random_tokens<float>(1, 2, 1);
  cpu::row_matrix<float> grad(tokens.rows(), tokens.cols());
  double mse = 0;
  const cpu::matrix<float> x = cpu::matrix<float>::Zero(4, 2), y = cpu::matrix<float>::Zero(4, 1);
  const cpu::matrix<float> x3 = cpu::matrix<float>::Zero(4, 3), y5 = cpu::matrix<float>::Zero(5, 1);
  auto run = [&](const cpu::matrix<float>& xs, const cpu::matrix<float>& ys, int depth, Eigen::Index stride,
                 float temperature, int networks = 1) {
    eval.evaluate(tokens.data(), networks, depth, stride, xs, ys, temperature, grad.data(), &mse);
  };
  CHECK_THROWS_WITH_AS(run(x3, y, 2, tokens.cols(), 1.0f), doctest::Contains("expected N x 2"), shape_error);
  CHECK_THROWS_WITH_AS(run(x, y5, 2, tokens.cols(), 1.0f), doctest::Contains("targets are 5x1"), shape_error);
  CHECK_THROWS_WITH_AS(run(x, y, 2, 10, 1.0f), doctest::Contains("narrower than"), shape_error);
  CHECK_THROWS_WITH_AS(run(x, y, 2, tokens.cols(), 0.0f), doctest::Contains("temperature"), value_error);
  CHECK_THROWS_WITH_AS(run(x, y, 2, tokens.cols(), 1.0f, 0), doctest::Contains("networks must be >= 1"), value_error);
  CHECK_THROWS_AS(run(x, y, 5, tokens.cols(), 1.0f), value_error);
}
