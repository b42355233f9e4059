// swatnn/backend/cpu/transformer_ops.hpp: the CPU backend's transformer operations on row-major Eigen matrices:
// layer normalization, GELU (tanh approximation) and multi-head self-attention within each network, forward and
// backward. The formulas are stated where the layers use them (nn/layer_norm.hpp, nn/gelu.hpp, nn/attention.hpp);
// these are their Eigen + OpenMP implementations, with a fixed summation order for a given shape.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace swatnn::backend_cpu {

// Per row r: xhat = (x - mean) * rstd, rstd = 1 / sqrt(biased variance + eps), y = xhat * gamma + beta.
template <class X, class G, class B, class T, class Xhat, class V, class Y>
void layer_norm_forward(const X& x, const G& gamma_row, const B& beta_row, T eps, Xhat& normalized, V& rstd_out,
                        Y& output) {
  const Eigen::Index n = x.rows();
  const auto gamma = gamma_row.row(0).array();
  const auto beta = beta_row.row(0).array();
  for (Eigen::Index r = 0; r < n; ++r) {
    const T mean = x.row(r).mean();
    auto xhat = normalized.row(r).array();
    xhat = x.row(r).array() - mean;
    const T var = xhat.square().mean();
    const T rstd = T(1) / std::sqrt(var + eps);
    rstd_out[r] = rstd;
    xhat *= rstd;
    output.row(r).array() = xhat * gamma + beta;
  }
}

// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = dy * gamma; dgamma += sum dy * xhat, dbeta += sum dy.
template <class DY, class Xhat, class V, class G, class DG, class DB, class DX>
void layer_norm_backward(const DY& dy, const Xhat& normalized, const V& rstd, const G& gamma_row, DG&& dgamma_row,
                         DB&& dbeta_row, bool accumulate_parameters, DX& input_gradient) {
  using T = typename DX::Scalar;
  const Eigen::Index n = dy.rows();
  const auto gamma = gamma_row.row(0).array();
  auto dgamma = dgamma_row.row(0).array();
  auto dbeta = dbeta_row.row(0).array();
  for (Eigen::Index r = 0; r < n; ++r) {
    const auto g = dy.row(r).array();
    const auto xhat = normalized.row(r).array();
    if (accumulate_parameters) {
      dgamma += g * xhat;
      dbeta += g;
    }
    auto dx = input_gradient.row(r).array();
    dx = g * gamma;  // dL/dxhat
    const T mean_g = dx.mean();
    const T mean_gx = (dx * xhat).mean();
    dx = rstd[r] * (dx - mean_g - xhat * mean_gx);
  }
}

template <class T>
inline constexpr T gelu_sqrt_2_over_pi = static_cast<T>(0.79788456080286535587989211986876);  // sqrt(2/pi)
template <class T>
inline constexpr T gelu_cubic = static_cast<T>(0.044715);

// t = tanh(sqrt(2/pi) (x + 0.044715 x^3)), y = 0.5 x (1 + t).
template <class X, class Tn, class Y>
void gelu_forward(const X& x, Tn& tanh_out, Y& output) {
  using T = typename Y::Scalar;
  const auto xa = x.array();
  tanh_out.array() = (gelu_sqrt_2_over_pi<T> * (xa + gelu_cubic<T> * xa.cube())).tanh();
  output.array() = T(0.5) * xa * (T(1) + tanh_out.array());
}

// dx = dy * (0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2)).
template <class X, class Tn, class DY, class DX>
void gelu_backward(const X& x, const Tn& tanh_in, const DY& dy, DX& input_gradient) {
  using T = typename DX::Scalar;
  const auto xa = x.array();
  const auto t = tanh_in.array();
  input_gradient.array() =
      dy.array() * (T(0.5) * (T(1) + t) + T(0.5) * xa * (T(1) - t.square()) * gelu_sqrt_2_over_pi<T> *
                                              (T(1) + T(3) * gelu_cubic<T> * xa.square()));
}

namespace attention_detail {

// Runs f.template operator()<Dh>() with the head width as a compile-time constant for common widths
// (fixed-size row vectors are unrolled and vectorized by Eigen), Eigen::Dynamic otherwise.
template <class F>
void with_head_dim(Eigen::Index head_dim, F&& f) {
  switch (head_dim) {
    case 8: f.template operator()<8>(); return;
    case 16: f.template operator()<16>(); return;
    case 32: f.template operator()<32>(); return;
    case 64: f.template operator()<64>(); return;
    default: f.template operator()<Eigen::Dynamic>(); return;
  }
}

template <class F>
void for_each_network(Eigen::Index batch, F& f) {
#if defined(_OPENMP)
  const int threads = std::min<int>(Eigen::nbThreads(), static_cast<int>(batch));
  if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (Eigen::Index b = 0; b < batch; ++b) f(b);
    return;
  }
#endif
  for (Eigen::Index b = 0; b < batch; ++b) f(b);
}

template <class T, int Dh>
using row_map = Eigen::Map<Eigen::Matrix<T, 1, Dh>>;
template <class T, int Dh>
using const_row_map = Eigen::Map<const Eigen::Matrix<T, 1, Dh>>;

// Scores, softmax and probabilities x values for every head of network b.
template <int Dh, class M>
void forward_network(const M& qkv, Eigen::Index heads, Eigen::Index t, M& probs, M& heads_out, Eigen::Index b) {
  using T = typename M::Scalar;
  const Eigen::Index dm = qkv.cols() / 3, dh = dm / heads, r0 = b * t;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  auto row = [&](const M& m, Eigen::Index r, Eigen::Index c) {
    return const_row_map<T, Dh>(m.data() + r * m.cols() + c, dh);
  };
  for (Eigen::Index h = 0; h < heads; ++h) {
    const Eigen::Index qc = h * dh, kc = dm + h * dh, vc = 2 * dm + h * dh;
    for (Eigen::Index i = 0; i < t; ++i) {
      T* p = probs.data() + (r0 + i) * probs.cols() + h * t;
      const auto q = row(qkv, r0 + i, qc);
      T mx = -std::numeric_limits<T>::infinity();
      for (Eigen::Index j = 0; j < t; ++j) {
        p[j] = scale * q.dot(row(qkv, r0 + j, kc));
        mx = std::max(mx, p[j]);
      }
      T sum = 0;
      for (Eigen::Index j = 0; j < t; ++j) sum += (p[j] = std::exp(p[j] - mx));
      const T inv = T(1) / sum;
      row_map<T, Dh> o(heads_out.data() + (r0 + i) * heads_out.cols() + qc, dh);
      o.setZero();
      for (Eigen::Index j = 0; j < t; ++j) {
        p[j] *= inv;
        o += p[j] * row(qkv, r0 + j, vc);
      }
    }
  }
}

// dV = P^T dO, dP = dO V^T, dS = P (dP - rowsum(dP P)) * scale, dQ = dS K, dK = dS^T Q for network b.
template <int Dh, class M>
void backward_network(const M& qkv, const M& probs, const M& d_heads, Eigen::Index heads, Eigen::Index t, M& dprobs,
                      M& dqkv, Eigen::Index b) {
  using T = typename M::Scalar;
  const Eigen::Index dm = qkv.cols() / 3, dh = dm / heads, r0 = b * t;
  const T scale = T(1) / std::sqrt(static_cast<T>(dh));
  auto row = [&](const M& m, Eigen::Index r, Eigen::Index c) {
    return const_row_map<T, Dh>(m.data() + r * m.cols() + c, dh);
  };
  auto out_row = [&](Eigen::Index r, Eigen::Index c) { return row_map<T, Dh>(dqkv.data() + r * dqkv.cols() + c, dh); };
  for (Eigen::Index h = 0; h < heads; ++h) {
    const Eigen::Index qc = h * dh, kc = dm + h * dh, vc = 2 * dm + h * dh;
    for (Eigen::Index j = 0; j < t; ++j) {
      out_row(r0 + j, kc).setZero();
      out_row(r0 + j, vc).setZero();
    }
    for (Eigen::Index i = 0; i < t; ++i) {
      const T* p = probs.data() + (r0 + i) * probs.cols() + h * t;
      T* ds = dprobs.data() + (r0 + i) * dprobs.cols() + h * t;
      const auto d_o = row(d_heads, r0 + i, qc);
      T dot = 0;
      for (Eigen::Index j = 0; j < t; ++j) {
        out_row(r0 + j, vc) += p[j] * d_o;  // dV_j += P_ij dO_i
        ds[j] = d_o.dot(row(qkv, r0 + j, vc));
        dot += ds[j] * p[j];
      }
      auto dq = out_row(r0 + i, qc);
      dq.setZero();
      const auto q = row(qkv, r0 + i, qc);
      for (Eigen::Index j = 0; j < t; ++j) {
        ds[j] = p[j] * (ds[j] - dot) * scale;
        dq += ds[j] * row(qkv, r0 + j, kc);  // dQ_i += dS_ij K_j
        out_row(r0 + j, kc) += ds[j] * q;    // dK_j += dS_ij Q_i
      }
    }
  }
}

}  // namespace attention_detail

// qkv: n x 3d ([Q | K | V]); probs: n x (heads * tokens); heads_out: n x d. Networks in parallel (OpenMP).
template <class M>
void attention_forward(const M& qkv, Eigen::Index heads, Eigen::Index tokens, M& probs, M& heads_out) {
  const Eigen::Index batch = qkv.rows() / tokens, head_dim = qkv.cols() / 3 / heads;
  attention_detail::with_head_dim(head_dim, [&]<int Dh>() {
    auto one_network = [&](Eigen::Index b) {
      attention_detail::forward_network<Dh>(qkv, heads, tokens, probs, heads_out, b);
    };
    attention_detail::for_each_network(batch, one_network);
  });
}

// d_heads: n x d; dprobs: n x (heads * tokens) scratch; dqkv: n x 3d.
template <class M>
void attention_backward(const M& qkv, const M& probs, const M& d_heads, Eigen::Index heads, Eigen::Index tokens,
                        M& dprobs, M& dqkv) {
  const Eigen::Index batch = qkv.rows() / tokens, head_dim = qkv.cols() / 3 / heads;
  attention_detail::with_head_dim(head_dim, [&]<int Dh>() {
    auto one_network = [&](Eigen::Index b) {
      attention_detail::backward_network<Dh>(qkv, probs, d_heads, heads, tokens, dprobs, dqkv, b);
    };
    attention_detail::for_each_network(batch, one_network);
  });
}

}  // namespace swatnn::backend_cpu
