// tests/laws/backend_laws.hpp: the conformance suite for the Backend contract (backend/backend.hpp). Any backend,
// ours or a user's, host or device, runs it:
//
//   const auto report = swatnn::test::check_backend_laws<my_backend, double>({.tolerance = 1e-12});
//   CHECK(report.all());
//
// Every operation runs on random inputs copied to the backend (upload) and back (download), and its result is
// compared with swatnn::cpu's (the reference, itself checked against formulas and finite differences in
// tests/nn and tests/laws/layers.cpp): (1) gemm in all four transpose combinations, overwriting and accumulating,
// with few rows (the CPU's small-product path) and many; (2) the element-wise operations; (3) layer norm, GELU and
// attention forward and backward; (4) a whole transformer block (every layer through the backend) forward and
// backward twice, with the accumulated parameter gradients. Each law records the largest relative error it saw, so a report names the
// operation that disagrees.
#pragma once

#include <swatnn/backend/backend.hpp>
#include <swatnn/backend/cpu.hpp>
#include <swatnn/nn/transformer_block.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <sstream>
#include <string>
#include <vector>

namespace swatnn::test {

struct backend_law_options {
  double tolerance = 1e-12;  // max |backend - cpu| / max(1, |cpu|) per element
  unsigned seed = 11;
};

struct backend_law_report {
  std::map<std::string, double> errors;  // law -> largest relative error
  double tolerance = 0;
  bool passed(const std::string& law) const { return errors.count(law) && errors.at(law) <= tolerance; }
  bool all() const {
    return !errors.empty() && std::all_of(errors.begin(), errors.end(), [&](const auto& e) { return e.second <= tolerance; });
  }
  std::string describe() const {
    std::ostringstream o;
    for (const auto& [law, err] : errors) o << law << ": " << err << (err <= tolerance ? "" : "  <-- FAILS") << '\n';
    return o.str();
  }
};

namespace backend_laws_detail {

template <class T>
using host = cpu::row_matrix<T>;

template <class T>
host<T> random(std::ptrdiff_t r, std::ptrdiff_t c, std::mt19937& g, double scale = 1.0) {
  std::uniform_real_distribution<double> u(-scale, scale);
  host<T> m(r, c);
  for (std::ptrdiff_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(u(g));
  return m;
}

// A host matrix copied into the backend's row-major storage, and back.
template <class B, class T>
typename B::template row_matrix<T> to_backend(const host<T>& h) {
  typename B::template row_matrix<T> m;
  m.resize(h.rows(), h.cols());
  B::upload(h.data(), m.data(), static_cast<std::size_t>(h.size()));
  return m;
}
template <class B, class T, class M>
host<T> to_host(const M& m) {
  host<T> h(m.rows(), m.cols());
  B::download(m.data(), h.data(), static_cast<std::size_t>(h.size()));
  return h;
}

template <class T>
double relative_error(const host<T>& got, const host<T>& want) {
  if (got.rows() != want.rows() || got.cols() != want.cols()) return std::numeric_limits<double>::infinity();
  double worst = 0;
  for (std::ptrdiff_t i = 0; i < want.size(); ++i) {
    const double g = static_cast<double>(got.data()[i]), w = static_cast<double>(want.data()[i]);
    const double e = std::abs(g - w) / std::max(1.0, std::abs(w));
    worst = std::max(worst, std::isfinite(e) ? e : std::numeric_limits<double>::infinity());
  }
  return worst;
}

}  // namespace backend_laws_detail

template <class B, class T = double>
backend_law_report check_backend_laws(backend_law_options options = {}) {
  static_assert(check_layer_backend<B, T>(), "check_backend_laws: see the backend contract above");
  namespace d = backend_laws_detail;
  using H = d::host<T>;
  backend_law_report report;
  report.tolerance = options.tolerance;
  std::mt19937 g(options.seed);
  auto record = [&](const std::string& law, double err) { report.errors[law] = std::max(report.errors[law], err); };

  // (1) gemm: C (m x n) = op(A) op(B) with depth k, few and many rows, overwrite and accumulate.
  for (const auto [m, n, k] : {std::array<std::ptrdiff_t, 3>{7, 37, 19}, std::array<std::ptrdiff_t, 3>{45, 24, 33}})
    for (const bool ta : {false, true})
      for (const bool tb : {false, true})
        for (const bool acc : {false, true}) {
          const H a = ta ? d::random<T>(k, m, g) : d::random<T>(m, k, g);
          const H b = tb ? d::random<T>(n, k, g) : d::random<T>(k, n, g);
          H want = d::random<T>(m, n, g);
          auto c = d::to_backend<B, T>(want);
          const auto ba = d::to_backend<B, T>(a);
          const auto bb = d::to_backend<B, T>(b);
          cpu::gemm(want, a, ta, b, tb, acc);
          B::gemm(c, ba, ta, B::template make_const_block<T>(bb.data(), bb.rows(), bb.cols()), tb, acc);
          record(std::string("gemm") + (ta ? " A^T" : " A") + (tb ? " B^T" : " B") + (acc ? " +=" : " ="),
                 d::relative_error(d::to_host<B, T>(c), want));
        }

  // (2) element-wise operations, 14 rows (two networks of 7 tokens) x 9 columns.
  {
    const std::ptrdiff_t rows = 14, cols = 9, tokens = 7;
    const H x = d::random<T>(rows, cols, g), y = d::random<T>(rows, cols, g), v = d::random<T>(1, cols, g);
    const H p = d::random<T>(tokens, cols, g);
    const auto bx = d::to_backend<B, T>(x), by = d::to_backend<B, T>(y), bv = d::to_backend<B, T>(v);
    const auto bp = d::to_backend<B, T>(p);
    auto cblock = [](const auto& m) { return B::template make_const_block<T>(m.data(), m.rows(), m.cols()); };
    auto block = [](auto& m) { return B::template make_block<T>(m.data(), m.rows(), m.cols()); };
    {
      H want = x;
      auto z = d::to_backend<B, T>(x);
      cpu::add_row_vector(want, v);
      B::add_row_vector(z, cblock(bv));
      record("add_row_vector", d::relative_error(d::to_host<B, T>(z), want));
    }
    {
      H want = v;
      auto z = d::to_backend<B, T>(v);
      cpu::accumulate_column_sums(want, x);
      B::accumulate_column_sums(block(z), bx);
      record("accumulate_column_sums", d::relative_error(d::to_host<B, T>(z), want));
    }
    {
      H want(rows, cols);
      typename B::template row_matrix<T> z;
      z.resize(rows, cols);
      cpu::add(want, x, y);
      B::add(z, bx, by);
      record("add", d::relative_error(d::to_host<B, T>(z), want));
      B::add(z, z, by);  // in place, as the autoencoder sums its levels' gradients
      cpu::add(want, want, y);
      record("add", d::relative_error(d::to_host<B, T>(z), want));
    }
    {
      H want(rows, cols);
      typename B::template row_matrix<T> z;
      z.resize(rows, cols);
      cpu::add_periodic_rows(want, x, p);
      B::add_periodic_rows(z, bx, cblock(bp));
      record("add_periodic_rows", d::relative_error(d::to_host<B, T>(z), want));
    }
    {
      H want = p;
      auto z = d::to_backend<B, T>(p);
      cpu::accumulate_periodic_rows(want, x);
      B::accumulate_periodic_rows(block(z), bx);
      record("accumulate_periodic_rows", d::relative_error(d::to_host<B, T>(z), want));
    }
    {
      typename B::template row_matrix<T> z, zt;
      z.resize(rows, cols);
      zt.resize(cols, rows);
      B::copy(z, bx);
      record("copy", d::relative_error(d::to_host<B, T>(z), x));
      B::transpose(zt, cblock(bx));
      record("transpose", d::relative_error(d::to_host<B, T>(zt), H(x.transpose())));
      B::set_zero(z);
      record("set_zero", d::relative_error(d::to_host<B, T>(z), H(H::Zero(rows, cols))));
    }
  }

  // (3) layer norm, GELU and attention on 3 networks x 7 tokens, d = 16, 4 heads.
  {
    const std::ptrdiff_t tokens = 7, rows = 3 * tokens, dm = 16, heads = 4;
    const H x = d::random<T>(rows, dm, g, 2.0), dy = d::random<T>(rows, dm, g);
    const H gamma = d::random<T>(1, dm, g), beta = d::random<T>(1, dm, g);
    const auto bx = d::to_backend<B, T>(x), bdy = d::to_backend<B, T>(dy);
    const auto bgamma = d::to_backend<B, T>(gamma), bbeta = d::to_backend<B, T>(beta);
    auto cblock = [](const auto& m) { return B::template make_const_block<T>(m.data(), m.rows(), m.cols()); };
    {
      H xhat(rows, dm), y(rows, dm), dx(rows, dm), dgamma = gamma, dbeta = beta;
      cpu::vector<T> rstd(rows);
      typename B::template row_matrix<T> bxhat, by, bdx;
      typename B::template vector<T> brstd;
      bxhat.resize(rows, dm);
      by.resize(rows, dm);
      bdx.resize(rows, dm);
      brstd.resize(rows);
      auto bdgamma = d::to_backend<B, T>(gamma), bdbeta = d::to_backend<B, T>(beta);
      cpu::layer_norm_forward(x, gamma, beta, T(1e-5), xhat, rstd, y);
      B::layer_norm_forward(bx, cblock(bgamma), cblock(bbeta), T(1e-5), bxhat, brstd, by);
      record("layer_norm_forward", std::max(d::relative_error(d::to_host<B, T>(by), y),
                                            d::relative_error(d::to_host<B, T>(bxhat), xhat)));
      cpu::layer_norm_backward(dy, xhat, rstd, gamma, dgamma, dbeta, true, dx);
      B::layer_norm_backward(bdy, bxhat, brstd, cblock(bgamma),
                             B::template make_block<T>(bdgamma.data(), 1, dm),
                             B::template make_block<T>(bdbeta.data(), 1, dm), true, bdx);
      record("layer_norm_backward",
             std::max({d::relative_error(d::to_host<B, T>(bdx), dx), d::relative_error(d::to_host<B, T>(bdgamma), dgamma),
                       d::relative_error(d::to_host<B, T>(bdbeta), dbeta)}));
    }
    {
      H t(rows, dm), y(rows, dm), dx(rows, dm);
      typename B::template row_matrix<T> bt, by, bdx;
      bt.resize(rows, dm);
      by.resize(rows, dm);
      bdx.resize(rows, dm);
      cpu::gelu_forward(x, t, y);
      B::gelu_forward(bx, bt, by);
      record("gelu_forward", d::relative_error(d::to_host<B, T>(by), y));
      cpu::gelu_backward(x, t, dy, dx);
      B::gelu_backward(bx, bt, bdy, bdx);
      record("gelu_backward", d::relative_error(d::to_host<B, T>(bdx), dx));
    }
    {
      const H qkv = d::random<T>(rows, 3 * dm, g, 2.0), d_heads = d::random<T>(rows, dm, g);
      H probs(rows, heads * tokens), out(rows, dm), ds(rows, heads * tokens), dqkv(rows, 3 * dm);
      const auto bqkv = d::to_backend<B, T>(qkv), bd_heads = d::to_backend<B, T>(d_heads);
      typename B::template row_matrix<T> bprobs, bout, bds, bdqkv;
      bprobs.resize(rows, heads * tokens);
      bout.resize(rows, dm);
      bds.resize(rows, heads * tokens);
      bdqkv.resize(rows, 3 * dm);
      cpu::attention_forward(qkv, heads, tokens, probs, out);
      B::attention_forward(bqkv, heads, tokens, bprobs, bout);
      record("attention_forward", std::max(d::relative_error(d::to_host<B, T>(bout), out),
                                           d::relative_error(d::to_host<B, T>(bprobs), probs)));
      cpu::attention_backward(qkv, probs, d_heads, heads, tokens, ds, dqkv);
      B::attention_backward(bqkv, bprobs, bd_heads, heads, tokens, bds, bdqkv);
      record("attention_backward", d::relative_error(d::to_host<B, T>(bdqkv), dqkv));
    }
  }

  // (4) a transformer block, every layer through the backend, against the same block on cpu.
  {
    const nn::transformer_block_options o{.d_model = 16, .heads = 4, .tokens = 7, .ffn_features = 24, .name = "b"};
    nn::parameter_buffer<T, cpu> cpu_params({.seed = options.seed});
    nn::parameter_buffer<T, B> params({.seed = options.seed});
    nn::transformer_block<T, cpu> cpu_block(cpu_params, o);
    nn::transformer_block<T, B> block(params, o);
    const H x = d::random<T>(14, 16, g), dy = d::random<T>(14, 16, g);
    const auto bx = d::to_backend<B, T>(x), bdy = d::to_backend<B, T>(dy);
    const H want_y = cpu_block.forward(x);
    cpu_block.backward(dy);
    const H want_dx = cpu_block.backward(dy);  // twice: parameter gradients must accumulate, not overwrite
    const H y = d::to_host<B, T>(block.forward(bx));
    block.backward(bdy);
    const H dx = d::to_host<B, T>(block.backward(bdy));
    H want_grad(1, static_cast<std::ptrdiff_t>(cpu_params.size())), grad(1, want_grad.cols());
    cpu_params.download_gradients(std::span<T>(want_grad.data(), cpu_params.size()));
    params.download_gradients(std::span<T>(grad.data(), params.size()));
    record("transformer_block forward", d::relative_error(y, want_y));
    record("transformer_block backward", std::max(d::relative_error(dx, want_dx), d::relative_error(grad, want_grad)));
  }
  return report;
}

}  // namespace swatnn::test
