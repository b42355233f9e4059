// tests/cuda/evaluators.cu: the CUDA backend's evaluators of decoded networks against swatnn::cpu on random inputs
// (<= 1e-5 relative in fp32): soft_eval forward and backward (token and input gradients; every depth, several tiles
// with a partial last one, switched-off neurons, both temperature regimes, a network the loss does not reach),
// soft_mse (MSEs and gradients), search_gates forward and backward (accumulating into the gradients and the
// thresholds' gradients); a finite-difference check in double of the CUDA soft_eval backward on small shapes; the
// contract (check_backend<cuda>) and the argument errors.
#include <doctest/doctest.h>

#include "support.cuh"

#include <cmath>
#include <random>
#include <vector>

#include <swatnn/backend/backend.hpp>
#include <swatnn/network/soft_eval.hpp>
#include <swatnn/network/soft_mse.hpp>
#include <swatnn/search/search_gates.hpp>

using swatnn::cpu;
using swatnn::cuda;
using swatnn::paper_spec;
using namespace swatnn::cuda_test;
using layout = swatnn::token_layout<paper_spec>;

static_assert(swatnn::check_backend<cuda, float>());
static_assert(swatnn::backend_policy<cuda, double>);

namespace {

constexpr int extra = 3;  // token matrices wider than width(depth): a row stride beyond the network's columns

template <class T>
cpu::row_matrix<T> random_tokens(int networks, int depth, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  cpu::row_matrix<T> m(networks * layout::tokens, layout::width(depth) + extra);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = T(normal(rng));
  return m;
}

// Switches some neurons off exactly (mask gate 0 in T: -95 underflows in float, -800 in double too).
template <class T>
void switch_off_some(cpu::row_matrix<T>& tokens, int networks, int depth, T logit) {
  for (int b = 0; b < networks; ++b) {
    swatnn::network_view<paper_spec, T> v(tokens.data() + b * layout::tokens * tokens.cols(), depth, tokens.cols());
    for (int l = 0; l < depth; ++l)
      for (int j = (b + l) % 3; j < 7; j += 3) v.mask_logits(l)(j) = logit;
  }
}

template <class T>
cpu::matrix<T> random_points(Eigen::Index rows, Eigen::Index cols, unsigned seed, double scale = 1.5) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-scale, scale);
  cpu::matrix<T> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = T(dist(gen));
  return m;
}

template <class T>
cuda::matrix<T> to_device_cols(const cpu::matrix<T>& h) {
  cuda::matrix<T> d(h.rows(), h.cols());
  cuda::upload(h.data(), d.data(), static_cast<std::size_t>(h.size()));
  return d;
}

template <class T>
cpu::matrix<T> to_host_cols(const cuda::matrix<T>& d) {
  cpu::matrix<T> h(d.rows(), d.cols());
  cuda::download(d.data(), h.data(), static_cast<std::size_t>(h.size()));
  return h;
}

template <class T>
cuda::row_matrix<T> device_rows(const cpu::row_matrix<T>& h) {
  cuda::row_matrix<T> d(h.rows(), h.cols());
  cuda::upload(h.data(), d.data(), static_cast<std::size_t>(h.size()));
  return d;
}

template <class T>
cpu::row_matrix<T> host_rows_of(const cuda::row_matrix<T>& d) {
  cpu::row_matrix<T> h(d.rows(), d.cols());
  cuda::download(d.data(), h.data(), static_cast<std::size_t>(h.size()));
  return h;
}

}  // namespace

TEST_CASE("cuda soft_eval: forward and backward agree with cpu at every depth, over several tiles") {
  const int networks = 5;
  for (const Eigen::Index points : {Eigen::Index{300}, Eigen::Index{1}, Eigen::Index{128}}) {
    for (int depth = 1; depth <= paper_spec::max_depth; ++depth) {
      for (const float temperature : {1.0f, 0.01f}) {  // 0.01: most softmax weights underflow to exactly 0
        CAPTURE(points);
        CAPTURE(depth);
        CAPTURE(temperature);
        auto tokens = random_tokens<float>(networks, depth, 100 + depth);
        switch_off_some(tokens, networks, depth, -95.0f);
        const cpu::matrix<float> x = random_points<float>(points, paper_spec::inputs, 7 + depth);
        cpu::matrix<float> up = random_points<float>(points, networks * paper_spec::outputs, 11 + depth, 1.0);
        up.col(3).setZero();  // network 3 is not reached by the loss: exact zeros without the pass

        swatnn::soft_eval<paper_spec, float, cpu> ce;
        const cpu::matrix<float> y_cpu = ce.forward(tokens, depth, x, temperature);
        cpu::row_matrix<float> g_cpu = cpu::row_matrix<float>::Zero(tokens.rows(), tokens.cols());
        cpu::matrix<float> gx_cpu;
        ce.backward(up, g_cpu, &gx_cpu);

        swatnn::soft_eval<paper_spec, float, cuda> ge;
        const cuda::row_matrix<float> tokens_d = device_rows(tokens);
        const cuda::matrix<float> x_d = to_device_cols(x), up_d = to_device_cols(up);
        const cpu::matrix<float> y_gpu = to_host_cols(ge.forward(tokens_d, depth, x_d, temperature));
        CHECK(relative_error(y_gpu, y_cpu) <= fp32_parity);
        cpu::row_matrix<float> sentinel = cpu::row_matrix<float>::Constant(tokens.rows(), tokens.cols(), 5.0f);
        cuda::row_matrix<float> g_d = device_rows(sentinel);
        cuda::matrix<float> gx_d;
        ge.backward(up_d, g_d, &gx_d);
        cpu::row_matrix<float> g_gpu = host_rows_of(g_d);
        // the columns past width(depth) are not written
        CHECK((g_gpu.rightCols(extra).array() == 5.0f).all());
        g_gpu.rightCols(extra).setZero();
        CHECK(relative_error(g_gpu, g_cpu) <= fp32_parity);
        CHECK((g_gpu.middleRows(3 * layout::tokens, layout::tokens).array() == 0.0f).all());
        CHECK(relative_error(to_host_cols(gx_d), gx_cpu) <= fp32_parity);
        // backward without the input gradient writes the same token gradient
        cuda::row_matrix<float> g2_d = device_rows(sentinel);
        ge.backward(up_d, g2_d);
        cpu::row_matrix<float> g2 = host_rows_of(g2_d);
        g2.rightCols(extra).setZero();
        CHECK(g2 == g_gpu);
      }
    }
  }
}

TEST_CASE("cuda soft_eval: the same results in double (1e-12)") {
  const int networks = 3, depth = 3;
  const Eigen::Index points = 200;
  auto tokens = random_tokens<double>(networks, depth, 5);
  switch_off_some(tokens, networks, depth, -800.0);
  const cpu::matrix<double> x = random_points<double>(points, paper_spec::inputs, 6);
  const cpu::matrix<double> up = random_points<double>(points, networks, 8, 1.0);
  swatnn::soft_eval<paper_spec, double, cpu> ce;
  const cpu::matrix<double> y_cpu = ce.forward(tokens, depth, x, 0.5);
  cpu::row_matrix<double> g_cpu = cpu::row_matrix<double>::Zero(tokens.rows(), tokens.cols());
  cpu::matrix<double> gx_cpu;
  ce.backward(up, g_cpu, &gx_cpu);
  swatnn::soft_eval<paper_spec, double, cuda> ge;
  const cuda::row_matrix<double> tokens_d = device_rows(tokens);
  const cuda::matrix<double> x_d = to_device_cols(x), up_d = to_device_cols(up);
  CHECK(relative_error(to_host_cols(ge.forward(tokens_d, depth, x_d, 0.5)), y_cpu) <= 1e-12);
  cuda::row_matrix<double> g_d(tokens.rows(), tokens.cols());
  cuda::set_zero(g_d);
  cuda::matrix<double> gx_d;
  ge.backward(up_d, g_d, &gx_d);
  CHECK(relative_error(host_rows_of(g_d), g_cpu) <= 1e-12);
  CHECK(relative_error(to_host_cols(gx_d), gx_cpu) <= 1e-12);
}

TEST_CASE("cuda soft_eval backward: finite differences in double on small shapes") {
  // L = sum over points and networks of up * outputs; dL/d slot and dL/dx by central differences, h = 1e-6
  const int networks = 2;
  const Eigen::Index points = 130;  // two tiles, the second of 2 points
  const double temperature = 0.7, h = 1e-6;
  for (int depth = 1; depth <= paper_spec::max_depth; ++depth) {
    CAPTURE(depth);
    auto tokens = random_tokens<double>(networks, depth, 40 + depth);
    switch_off_some(tokens, networks, depth, -800.0);  // exactly off in double: zero gradients, zero differences
    const cpu::matrix<double> x = random_points<double>(points, paper_spec::inputs, 50 + depth);
    const cpu::matrix<double> up = random_points<double>(points, networks, 60 + depth, 1.0);
    swatnn::soft_eval<paper_spec, double, cuda> ge;
    const cuda::matrix<double> up_d = to_device_cols(up);
    auto loss = [&](const cpu::row_matrix<double>& t, const cpu::matrix<double>& pts) {
      swatnn::soft_eval<paper_spec, double, cuda> e;
      const cuda::row_matrix<double> t_d = device_rows(t);
      const cuda::matrix<double> p_d = to_device_cols(pts);
      const cpu::matrix<double> y = to_host_cols(e.forward(t_d, depth, p_d, temperature));
      return (y.array() * up.array()).sum();
    };
    const cuda::row_matrix<double> tokens_d = device_rows(tokens);
    const cuda::matrix<double> x_d = to_device_cols(x);
    ge.forward(tokens_d, depth, x_d, temperature);
    cuda::row_matrix<double> g_d(tokens.rows(), tokens.cols());
    cuda::set_zero(g_d);
    cuda::matrix<double> gx_d;
    ge.backward(up_d, g_d, &gx_d);
    const cpu::row_matrix<double> analytic = host_rows_of(g_d);
    cpu::row_matrix<double> numeric = cpu::row_matrix<double>::Zero(tokens.rows(), tokens.cols());
    for (Eigen::Index r = 0; r < tokens.rows(); ++r)
      for (int c = 0; c < layout::width(depth); ++c) {
        cpu::row_matrix<double> plus = tokens, minus = tokens;
        plus(r, c) += h;
        minus(r, c) -= h;
        numeric(r, c) = (loss(plus, x) - loss(minus, x)) / (2 * h);
      }
    CHECK(relative_error(analytic, numeric) <= 1e-6);
    const cpu::matrix<double> analytic_x = to_host_cols(gx_d);
    cpu::matrix<double> numeric_x(points, paper_spec::inputs);
    for (Eigen::Index i = 0; i < points; ++i)
      for (int k = 0; k < paper_spec::inputs; ++k) {
        cpu::matrix<double> plus = x, minus = x;
        plus(i, k) += h;
        minus(i, k) -= h;
        numeric_x(i, k) = (loss(tokens, plus) - loss(tokens, minus)) / (2 * h);
      }
    CHECK(relative_error(analytic_x, numeric_x) <= 1e-6);
  }
}

TEST_CASE("cuda soft_mse: MSEs and gradients agree with cpu") {
  const int networks = 6;
  for (const Eigen::Index points : {Eigen::Index{1000}, Eigen::Index{77}}) {
    for (int depth = 1; depth <= paper_spec::max_depth; ++depth) {
      for (const float temperature : {1.0f, 0.01f}) {
        CAPTURE(points);
        CAPTURE(depth);
        CAPTURE(temperature);
        auto tokens = random_tokens<float>(networks, depth, 300 + depth);
        switch_off_some(tokens, networks, depth, -95.0f);
        const cpu::matrix<float> x = random_points<float>(points, paper_spec::inputs, 17 + depth);
        const cpu::matrix<float> y = random_points<float>(points, paper_spec::outputs, 19 + depth, 1.0);

        swatnn::soft_mse<paper_spec, float, cpu> cm;
        cpu::row_matrix<float> g_cpu = cpu::row_matrix<float>::Zero(tokens.rows(), tokens.cols());
        std::vector<double> mse_cpu(networks);
        cm.evaluate(tokens.data(), networks, depth, tokens.cols(), x, y, temperature, g_cpu.data(), mse_cpu.data());

        swatnn::soft_mse<paper_spec, float, cuda> gm;
        const cuda::row_matrix<float> tokens_d = device_rows(tokens);
        const cuda::matrix<float> x_d = to_device_cols(x), y_d = to_device_cols(y);
        cuda::row_matrix<float> g_d(tokens.rows(), tokens.cols());
        cuda::set_zero(g_d);
        std::vector<double> mse_gpu(networks, -1.0);
        for (int round = 0; round < 2; ++round)  // the second call reuses the workspaces and overwrites everything
          gm.evaluate(tokens_d.data(), networks, depth, tokens_d.cols(), x_d, y_d, temperature, g_d.data(),
                      mse_gpu.data());
        for (int b = 0; b < networks; ++b) {
          CAPTURE(b);
          CHECK(std::abs(mse_gpu[b] - mse_cpu[b]) <= fp32_parity * std::abs(mse_cpu[b]));
        }
        CHECK(relative_error(host_rows_of(g_d), g_cpu) <= fp32_parity);
      }
    }
  }
}

TEST_CASE("cuda search_gates: forward and backward agree with cpu, accumulating") {
  const int latents = 4;
  for (int depth = 1; depth <= paper_spec::max_depth; ++depth) {
    CAPTURE(depth);
    const float k = 10.0f, kn = 50.0f;
    const auto decoded = random_tokens<float>(latents + 1, depth, 500 + depth);  // one more network: left as it is
    const auto grad_gated = random_tokens<float>(latents + 1, depth, 600 + depth);
    const auto grad_start = random_tokens<float>(latents + 1, depth, 700 + depth);
    std::vector<float> thresholds = {0.0f, 0.2f, 0.5f, 1.1f};
    const std::vector<float> grad_t_start = {0.25f, -0.5f, 1.0f, 0.0f};

    swatnn::search_gates<paper_spec, float, cpu> cg;
    cpu::row_matrix<float> gated_cpu;
    cg.forward(decoded, gated_cpu, thresholds.data(), latents, depth, k, kn);
    cpu::row_matrix<float> gd_cpu = grad_start;
    std::vector<float> gt_cpu = grad_t_start;
    cg.backward(decoded, grad_gated, gd_cpu, thresholds.data(), gt_cpu.data(), latents, depth, k, kn);

    swatnn::search_gates<paper_spec, float, cuda> gg;
    const cuda::row_matrix<float> decoded_d = device_rows(decoded), grad_gated_d = device_rows(grad_gated);
    cuda::row_matrix<float> gated_d;
    gg.forward(decoded_d, gated_d, thresholds.data(), latents, depth, k, kn);
    CHECK(relative_error(host_rows_of(gated_d), gated_cpu) <= fp32_parity);
    cuda::row_matrix<float> gd_d = device_rows(grad_start);
    std::vector<float> gt_gpu = grad_t_start;
    gg.backward(decoded_d, grad_gated_d, gd_d, thresholds.data(), gt_gpu.data(), latents, depth, k, kn);
    CHECK(relative_error(host_rows_of(gd_d), gd_cpu) <= fp32_parity);
    for (int b = 0; b < latents; ++b) {
      CAPTURE(b);
      CHECK(std::abs(gt_gpu[b] - gt_cpu[b]) <= fp32_parity * std::max(1.0f, std::abs(gt_cpu[b])));
    }
    CHECK(gt_cpu != grad_t_start);  // the comparison covered a gradient that moved
  }
}

TEST_CASE("cuda evaluators: argument errors in our words, before any launch") {
  swatnn::soft_eval<paper_spec, float, cuda> e;
  const cuda::row_matrix<float> tokens(14, layout::width(2));
  const cuda::matrix<float> wrong(10, 3);
  CHECK_THROWS_AS(e.forward(tokens, 2, wrong), swatnn::shape_error);
  CHECK_THROWS_AS(e.forward(tokens, 5, cuda::matrix<float>(10, 2)), swatnn::value_error);
  cuda::matrix<float> up(10, 2);
  CHECK_THROWS_AS(e.backward(up, nullptr), swatnn::value_error);
  swatnn::soft_mse<paper_spec, float, cuda> m;
  cuda::matrix<float> x(10, 2), y(9, 1);
  double mse[2];
  CHECK_THROWS_AS(m.evaluate(tokens.data(), 2, 2, tokens.cols(), x, y, 1.0f, nullptr, mse), swatnn::shape_error);
  swatnn::search_gates<paper_spec, float, cuda> g;
  cuda::row_matrix<float> gated;
  const float t[3] = {0, 0, 0};
  CHECK_THROWS_AS(g.forward(tokens, gated, t, 3, 2, 1.0f, 1.0f), swatnn::shape_error);
}
