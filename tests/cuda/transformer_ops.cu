// tests/cuda/transformer_ops.cu: parity of the CUDA backend's layer norm, GELU and attention (forward and backward)
// with swatnn::cpu on random inputs, at swat-small's shapes (7 tokens, 16-wide heads) and at paper scale (d = 768,
// 12 heads), <= 1e-5 relative in fp32; and finite-difference gradient checks in double of the CUDA layer-norm and
// attention backward passes on small shapes.
#include <doctest/doctest.h>

#include "support.cuh"

#include <vector>

using swatnn::cpu;
using swatnn::cuda;
using namespace swatnn::cuda_test;

namespace {

template <class T>
using host_vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// sum of a .* w in double
template <class T>
double weighted_sum(const host_rows<T>& a, const host_rows<T>& w) {
  return (a.template cast<double>().array() * w.template cast<double>().array()).sum();
}

}  // namespace

TEST_CASE("cuda layer_norm forward and backward: parity with cpu") {
  struct shape {
    Eigen::Index rows, d;
  };
  for (const shape s : {shape{448, 64}, shape{70, 768}, shape{9, 5}}) {
    CAPTURE(s.rows);
    CAPTURE(s.d);
    const host_rows<float> x = random_rows(s.rows, s.d, 41, -2.0f, 3.0f);
    const host_rows<float> gamma = random_rows(1, s.d, 42, 0.5f, 1.5f), beta = random_rows(1, s.d, 43);
    const host_rows<float> dy = random_rows(s.rows, s.d, 44);
    const float eps = 1e-5f;

    host_rows<float> xhat(s.rows, s.d), y(s.rows, s.d), dx(s.rows, s.d);
    host_vector<float> rstd(s.rows);
    host_rows<float> dgamma = random_rows(1, s.d, 45), dbeta = random_rows(1, s.d, 46);
    const host_rows<float> dgamma0 = dgamma, dbeta0 = dbeta;
    cpu::layer_norm_forward(x, cpu::const_block<float>(gamma.data(), 1, s.d),
                            cpu::const_block<float>(beta.data(), 1, s.d), eps, xhat, rstd, y);
    cpu::layer_norm_backward(dy, xhat, rstd, cpu::const_block<float>(gamma.data(), 1, s.d),
                             cpu::block<float>(dgamma.data(), 1, s.d), cpu::block<float>(dbeta.data(), 1, s.d), true,
                             dx);

    const cuda::row_matrix<float> x_d = to_device(x), g_d = to_device(gamma), b_d = to_device(beta),
                                  dy_d = to_device(dy);
    cuda::row_matrix<float> xhat_d(s.rows, s.d), y_d(s.rows, s.d), dx_d(s.rows, s.d);
    cuda::row_matrix<float> dg_d = to_device(dgamma0), db_d = to_device(dbeta0);
    cuda::vector<float> rstd_d(s.rows);
    cuda::layer_norm_forward(x_d, cuda::const_block<float>(g_d), cuda::const_block<float>(b_d), eps, xhat_d, rstd_d,
                             y_d);
    cuda::layer_norm_backward(dy_d, xhat_d, rstd_d, cuda::const_block<float>(g_d), cuda::block<float>(dg_d),
                              cuda::block<float>(db_d), true, dx_d);
    CHECK(relative_error(to_host(y_d), y) <= fp32_parity);
    CHECK(relative_error(to_host(xhat_d), xhat) <= fp32_parity);
    CHECK(relative_error(host_rows<float>(to_host(rstd_d).transpose()), host_rows<float>(rstd.transpose())) <=
          fp32_parity);
    CHECK(relative_error(to_host(dx_d), dx) <= fp32_parity);
    CHECK(relative_error(to_host(dg_d), dgamma) <= fp32_parity);
    CHECK(relative_error(to_host(db_d), dbeta) <= fp32_parity);

    // accumulate_parameters = false leaves dgamma and dbeta untouched and gives the same input gradient
    cuda::row_matrix<float> dg2 = to_device(dgamma0), db2 = to_device(dbeta0);
    cuda::layer_norm_backward(dy_d, xhat_d, rstd_d, cuda::const_block<float>(g_d), cuda::block<float>(dg2),
                              cuda::block<float>(db2), false, dx_d);
    CHECK(to_host(dg2) == dgamma0);
    CHECK(to_host(db2) == dbeta0);
    CHECK(relative_error(to_host(dx_d), dx) <= fp32_parity);
  }
}

TEST_CASE("cuda gelu forward and backward: parity with cpu") {
  const host_rows<float> x = random_rows(448, 256, 51, -4.0f, 4.0f), dy = random_rows(448, 256, 52);
  host_rows<float> t(448, 256), y(448, 256), dx(448, 256);
  cpu::gelu_forward(x, t, y);
  cpu::gelu_backward(x, t, dy, dx);
  const cuda::row_matrix<float> x_d = to_device(x), dy_d = to_device(dy);
  cuda::row_matrix<float> t_d(448, 256), y_d(448, 256), dx_d(448, 256);
  cuda::gelu_forward(x_d, t_d, y_d);
  cuda::gelu_backward(x_d, t_d, dy_d, dx_d);
  CHECK(relative_error(to_host(t_d), t) <= fp32_parity);
  CHECK(relative_error(to_host(y_d), y) <= fp32_parity);
  CHECK(relative_error(to_host(dx_d), dx) <= fp32_parity);
}

TEST_CASE("cuda attention forward and backward: parity with cpu") {
  struct shape {
    Eigen::Index networks, tokens, d, heads;
  };
  // swat-small (d 64, 4 heads of 16, 7 tokens), paper scale (d 768, 12 heads of 64), and odd sizes
  for (const shape s : {shape{64, 7, 64, 4}, shape{6, 7, 768, 12}, shape{5, 3, 20, 4}, shape{3, 33, 24, 2}}) {
    CAPTURE(s.networks);
    CAPTURE(s.tokens);
    CAPTURE(s.d);
    CAPTURE(s.heads);
    const Eigen::Index n = s.networks * s.tokens, ht = s.heads * s.tokens;
    const host_rows<float> qkv = random_rows(n, 3 * s.d, 61, -2.0f, 2.0f), d_heads = random_rows(n, s.d, 62);
    host_rows<float> probs(n, ht), out(n, s.d), dprobs(n, ht), dqkv(n, 3 * s.d);
    cpu::attention_forward(qkv, s.heads, s.tokens, probs, out);
    cpu::attention_backward(qkv, probs, d_heads, s.heads, s.tokens, dprobs, dqkv);

    const cuda::row_matrix<float> qkv_d = to_device(qkv), dh_d = to_device(d_heads);
    cuda::row_matrix<float> probs_d(n, ht), out_d(n, s.d), dprobs_d(n, ht), dqkv_d(n, 3 * s.d);
    cuda::attention_forward(qkv_d, s.heads, s.tokens, probs_d, out_d);
    cuda::attention_backward(qkv_d, probs_d, dh_d, s.heads, s.tokens, dprobs_d, dqkv_d);
    CHECK(relative_error(to_host(probs_d), probs) <= fp32_parity);
    CHECK(relative_error(to_host(out_d), out) <= fp32_parity);
    CHECK(relative_error(to_host(dprobs_d), dprobs) <= fp32_parity);
    CHECK(relative_error(to_host(dqkv_d), dqkv) <= fp32_parity);
  }
}

TEST_CASE("cuda attention: a head too wide for shared memory is a shape_error, not a bad launch") {
  const Eigen::Index tokens = 64, d = 2048, heads = 1;  // 3 * 64 * 2048 floats = 1.5 MiB per block
  cuda::row_matrix<float> qkv(tokens, 3 * d), probs(tokens, heads * tokens), out(tokens, d);
  CHECK_THROWS_WITH_AS(cuda::attention_forward(qkv, heads, tokens, probs, out), doctest::Contains("shared memory"),
                       swatnn::shape_error);
}

TEST_CASE("cuda layer_norm backward in double: finite differences of the cuda forward") {
  const Eigen::Index rows = 3, d = 6;
  const host_rows<double> x = random_rows<double>(rows, d, 71, -1.0, 2.0);
  const host_rows<double> gamma = random_rows<double>(1, d, 72, 0.5, 1.5), beta = random_rows<double>(1, d, 73);
  const host_rows<double> w = random_rows<double>(rows, d, 74);  // loss = sum(y .* w), so dy = w
  const double eps = 1e-5;
  cuda::row_matrix<double> xhat(rows, d), y(rows, d), dx(rows, d);
  cuda::vector<double> rstd(rows);
  auto loss = [&](const host_rows<double>& xv, const host_rows<double>& gv, const host_rows<double>& bv) {
    const cuda::row_matrix<double> x_d = to_device(xv), g_d = to_device(gv), b_d = to_device(bv);
    cuda::layer_norm_forward(x_d, cuda::const_block<double>(g_d), cuda::const_block<double>(b_d), eps, xhat, rstd, y);
    return weighted_sum(to_host(y), w);
  };
  loss(x, gamma, beta);
  const cuda::row_matrix<double> w_d = to_device(w), g_d = to_device(gamma);
  cuda::row_matrix<double> dg(1, d), db(1, d);
  cuda::set_zero(dg);
  cuda::set_zero(db);
  cuda::layer_norm_backward(w_d, xhat, rstd, cuda::const_block<double>(g_d), cuda::block<double>(dg),
                            cuda::block<double>(db), true, dx);
  const host_rows<double> dx_h = to_host(dx), dg_h = to_host(dg), db_h = to_host(db);
  const double h = 1e-6;
  host_rows<double> fd_x(rows, d), fd_g(1, d), fd_b(1, d);
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    host_rows<double> xp = x, xm = x;
    xp.data()[i] += h;
    xm.data()[i] -= h;
    fd_x.data()[i] = (loss(xp, gamma, beta) - loss(xm, gamma, beta)) / (2 * h);
  }
  for (Eigen::Index i = 0; i < d; ++i) {
    host_rows<double> gp = gamma, gm = gamma, bp = beta, bm = beta;
    gp(0, i) += h;
    gm(0, i) -= h;
    bp(0, i) += h;
    bm(0, i) -= h;
    fd_g(0, i) = (loss(x, gp, beta) - loss(x, gm, beta)) / (2 * h);
    fd_b(0, i) = (loss(x, gamma, bp) - loss(x, gamma, bm)) / (2 * h);
  }
  CHECK(relative_error(dx_h, fd_x) <= 1e-6);
  CHECK(relative_error(dg_h, fd_g) <= 1e-6);
  CHECK(relative_error(db_h, fd_b) <= 1e-6);
}

TEST_CASE("cuda attention backward in double: finite differences of the cuda forward") {
  const Eigen::Index networks = 2, tokens = 3, d = 8, heads = 2, n = networks * tokens;
  const host_rows<double> qkv = random_rows<double>(n, 3 * d, 81, -1.5, 1.5);
  const host_rows<double> w = random_rows<double>(n, d, 82);  // loss = sum(O .* w), so dO = w
  cuda::row_matrix<double> probs(n, heads * tokens), out(n, d), dprobs(n, heads * tokens), dqkv(n, 3 * d);
  auto loss = [&](const host_rows<double>& q) {
    const cuda::row_matrix<double> q_d = to_device(q);
    cuda::attention_forward(q_d, heads, tokens, probs, out);
    return weighted_sum(to_host(out), w);
  };
  loss(qkv);
  const cuda::row_matrix<double> qkv_d = to_device(qkv), w_d = to_device(w);
  cuda::attention_backward(qkv_d, probs, w_d, heads, tokens, dprobs, dqkv);
  const host_rows<double> analytic = to_host(dqkv);
  host_rows<double> fd(n, 3 * d);
  const double h = 1e-6;
  for (Eigen::Index i = 0; i < qkv.size(); ++i) {
    host_rows<double> p = qkv, m = qkv;
    p.data()[i] += h;
    m.data()[i] -= h;
    fd.data()[i] = (loss(p) - loss(m)) / (2 * h);
  }
  CHECK(relative_error(analytic, fd) <= 1e-6);
  // the three parts all carry gradient (a check that would pass on zeros cannot hide here)
  CHECK(analytic.leftCols(d).cwiseAbs().maxCoeff() > 1e-3);
  CHECK(analytic.middleCols(d, d).cwiseAbs().maxCoeff() > 1e-3);
  CHECK(analytic.rightCols(d).cwiseAbs().maxCoeff() > 1e-3);
}
