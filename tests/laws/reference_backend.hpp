// tests/laws/reference_backend.hpp: a third backend for the law suite, written the way a user would write one:
// it keeps swatnn::cpu's host storage, evaluators of decoded networks and memory operations (it derives from
// cpu), and implements EVERY layer operation of the contract anew with plain loops over row-major host memory
// (no Eigen expression, no OpenMP), and runs the scale levels one after another. Agreement with cpu is what the
// laws check; a layer that reached cpu's kernels instead of its backend's would not notice the difference, so
// tests/laws/backends.cpp also counts this backend's calls.
#pragma once

#include <swatnn/backend/cpu.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace swatnn::test {

struct reference_backend : cpu {
  static constexpr const char* name = "reference";
  using index = std::ptrdiff_t;

  static inline std::atomic<long> calls{0};  // operations run (the tests check that layers reach this backend)

  // Element (i, k) of a contiguous row-major matrix or block, or of its transpose.
  template <class M>
  static auto at(const M& m, index i, index k, bool transposed) {
    return transposed ? m.data()[k * m.cols() + i] : m.data()[i * m.cols() + k];
  }

  template <class C, class A, class B>
  static void gemm(C&& c, const A& a, bool ta, const B& b, bool tb, bool accumulate) {
    ++calls;
    const index m = c.rows(), n = c.cols(), depth = ta ? a.rows() : a.cols();
    for (index i = 0; i < m; ++i)
      for (index j = 0; j < n; ++j) {
        auto s = accumulate ? c.data()[i * n + j] : decltype(c.data()[0] + 0)(0);
        for (index k = 0; k < depth; ++k) s += at(a, i, k, ta) * at(b, k, j, tb);
        c.data()[i * n + j] = s;
      }
  }
  template <class M, class V>
  static void add_row_vector(M&& m, const V& v) {
    ++calls;
    for (index r = 0; r < m.rows(); ++r)
      for (index c = 0; c < m.cols(); ++c) m.data()[r * m.cols() + c] += v.data()[c];
  }
  template <class V, class M>
  static void accumulate_column_sums(V&& v, const M& m) {
    ++calls;
    for (index r = 0; r < m.rows(); ++r)
      for (index c = 0; c < m.cols(); ++c) v.data()[c] += m.data()[r * m.cols() + c];
  }
  template <class Z, class X, class Y>
  static void add(Z&& z, const X& x, const Y& y) {
    ++calls;
    for (index i = 0; i < x.rows() * x.cols(); ++i) z.data()[i] = x.data()[i] + y.data()[i];
  }
  template <class Z, class X, class P>
  static void add_periodic_rows(Z&& z, const X& x, const P& p) {
    ++calls;
    for (index r = 0; r < x.rows(); ++r)
      for (index c = 0; c < x.cols(); ++c)
        z.data()[r * x.cols() + c] = x.data()[r * x.cols() + c] + p.data()[(r % p.rows()) * p.cols() + c];
  }
  template <class P, class D>
  static void accumulate_periodic_rows(P&& p, const D& d) {
    ++calls;
    for (index r = 0; r < d.rows(); ++r)
      for (index c = 0; c < d.cols(); ++c) p.data()[(r % p.rows()) * p.cols() + c] += d.data()[r * d.cols() + c];
  }
  template <class Y, class X>
  static void copy(Y&& y, const X& x) {
    ++calls;
    for (index i = 0; i < x.rows() * x.cols(); ++i) y.data()[i] = x.data()[i];
  }
  template <class Y, class X>
  static void transpose(Y&& y, const X& x) {
    ++calls;
    for (index r = 0; r < x.rows(); ++r)
      for (index c = 0; c < x.cols(); ++c) y.data()[c * x.rows() + r] = x.data()[r * x.cols() + c];
  }
  template <class M>
  static void set_zero(M&& m) {
    ++calls;
    for (index i = 0; i < m.size(); ++i) m.data()[i] = 0;
  }

  template <class X, class G, class B, class T, class Xhat, class V, class Y>
  static void layer_norm_forward(const X& x, const G& gamma, const B& beta, T eps, Xhat& xhat, V& rstd, Y& y) {
    ++calls;
    const index d = x.cols();
    for (index r = 0; r < x.rows(); ++r) {
      const T* in = x.data() + r * d;
      T mean = 0, var = 0;
      for (index c = 0; c < d; ++c) mean += in[c];
      mean /= T(d);
      for (index c = 0; c < d; ++c) var += (in[c] - mean) * (in[c] - mean);
      rstd.data()[r] = T(1) / std::sqrt(var / T(d) + eps);
      for (index c = 0; c < d; ++c) {
        xhat.data()[r * d + c] = (in[c] - mean) * rstd.data()[r];
        y.data()[r * d + c] = xhat.data()[r * d + c] * gamma.data()[c] + beta.data()[c];
      }
    }
  }
  template <class DY, class Xhat, class V, class G, class DG, class DB, class DX>
  static void layer_norm_backward(const DY& dy, const Xhat& xhat, const V& rstd, const G& gamma, DG&& dgamma,
                                  DB&& dbeta, bool accumulate_parameters, DX& dx) {
    ++calls;
    using T = std::remove_cvref_t<decltype(dx.data()[0])>;
    const index d = dy.cols();
    for (index r = 0; r < dy.rows(); ++r) {
      T mean_g = 0, mean_gx = 0;
      for (index c = 0; c < d; ++c) {
        const T g = dy.data()[r * d + c] * gamma.data()[c];
        mean_g += g;
        mean_gx += g * xhat.data()[r * d + c];
        if (accumulate_parameters) {
          dgamma.data()[c] += dy.data()[r * d + c] * xhat.data()[r * d + c];
          dbeta.data()[c] += dy.data()[r * d + c];
        }
      }
      mean_g /= T(d);
      mean_gx /= T(d);
      for (index c = 0; c < d; ++c)
        dx.data()[r * d + c] = rstd.data()[r] * (dy.data()[r * d + c] * gamma.data()[c] - mean_g -
                                                 xhat.data()[r * d + c] * mean_gx);
    }
  }
  template <class X, class Tn, class Y>
  static void gelu_forward(const X& x, Tn& t, Y& y) {
    ++calls;
    using T = std::remove_cvref_t<decltype(y.data()[0])>;
    for (index i = 0; i < x.rows() * x.cols(); ++i) {
      const T v = x.data()[i];
      t.data()[i] = std::tanh(T(0.7978845608028654) * (v + T(0.044715) * v * v * v));
      y.data()[i] = T(0.5) * v * (T(1) + t.data()[i]);
    }
  }
  template <class X, class Tn, class DY, class DX>
  static void gelu_backward(const X& x, const Tn& t, const DY& dy, DX& dx) {
    ++calls;
    using T = std::remove_cvref_t<decltype(dx.data()[0])>;
    for (index i = 0; i < x.rows() * x.cols(); ++i) {
      const T v = x.data()[i], th = t.data()[i];
      dx.data()[i] = dy.data()[i] * (T(0.5) * (T(1) + th) + T(0.5) * v * (T(1) - th * th) * T(0.7978845608028654) *
                                                                (T(1) + T(3) * T(0.044715) * v * v));
    }
  }
  // [Q | K | V] per row; network b owns rows b*tokens ..; head h owns columns h*dh .. of each of Q, K, V.
  template <class M>
  static void attention_forward(const M& qkv, index heads, index tokens, M& probs, M& out) {
    ++calls;
    using T = typename M::Scalar;
    const index dm = qkv.cols() / 3, dh = dm / heads, w = qkv.cols();
    const T scale = T(1) / std::sqrt(T(dh));
    for (index b = 0; b < qkv.rows() / tokens; ++b)
      for (index h = 0; h < heads; ++h)
        for (index i = 0; i < tokens; ++i) {
          const index ri = b * tokens + i;
          T* p = probs.data() + ri * probs.cols() + h * tokens;
          T mx = -std::numeric_limits<T>::infinity(), sum = 0;
          for (index j = 0; j < tokens; ++j) {
            T s = 0;
            for (index c = 0; c < dh; ++c)
              s += qkv.data()[ri * w + h * dh + c] * qkv.data()[(b * tokens + j) * w + dm + h * dh + c];
            p[j] = scale * s;
            mx = std::max(mx, p[j]);
          }
          for (index j = 0; j < tokens; ++j) sum += (p[j] = std::exp(p[j] - mx));
          for (index j = 0; j < tokens; ++j) p[j] /= sum;
          for (index c = 0; c < dh; ++c) {
            T o = 0;
            for (index j = 0; j < tokens; ++j) o += p[j] * qkv.data()[(b * tokens + j) * w + 2 * dm + h * dh + c];
            out.data()[ri * dm + h * dh + c] = o;
          }
        }
  }
  template <class M>
  static void attention_backward(const M& qkv, const M& probs, const M& d_out, index heads, index tokens, M& ds,
                                 M& dqkv) {
    ++calls;
    using T = typename M::Scalar;
    const index dm = qkv.cols() / 3, dh = dm / heads, w = qkv.cols();
    const T scale = T(1) / std::sqrt(T(dh));
    for (index i = 0; i < dqkv.size(); ++i) dqkv.data()[i] = 0;
    auto q = [&](index r, index h, index c) { return qkv.data()[r * w + h * dh + c]; };
    auto k = [&](index r, index h, index c) { return qkv.data()[r * w + dm + h * dh + c]; };
    auto v = [&](index r, index h, index c) { return qkv.data()[r * w + 2 * dm + h * dh + c]; };
    for (index b = 0; b < qkv.rows() / tokens; ++b)
      for (index h = 0; h < heads; ++h)
        for (index i = 0; i < tokens; ++i) {
          const index ri = b * tokens + i;
          const T* p = probs.data() + ri * probs.cols() + h * tokens;
          T* s = ds.data() + ri * ds.cols() + h * tokens;
          T dot = 0;
          for (index j = 0; j < tokens; ++j) {  // dP_ij = dO_i . V_j, dV_j += P_ij dO_i
            const index rj = b * tokens + j;
            T dp = 0;
            for (index c = 0; c < dh; ++c) {
              dp += d_out.data()[ri * dm + h * dh + c] * v(rj, h, c);
              dqkv.data()[rj * w + 2 * dm + h * dh + c] += p[j] * d_out.data()[ri * dm + h * dh + c];
            }
            s[j] = dp;
            dot += dp * p[j];
          }
          for (index j = 0; j < tokens; ++j) {  // dS = P (dP - dot) scale; dQ_i += dS_ij K_j; dK_j += dS_ij Q_i
            const index rj = b * tokens + j;
            s[j] = p[j] * (s[j] - dot) * scale;
            for (index c = 0; c < dh; ++c) {
              dqkv.data()[ri * w + h * dh + c] += s[j] * k(rj, h, c);
              dqkv.data()[rj * w + dm + h * dh + c] += s[j] * q(ri, h, c);
            }
          }
        }
  }
  template <int Levels, class Task>
  static void for_each_level(Task&& task, bool = false) {
    ++calls;
    for (int i = 0; i < Levels; ++i) task(i);
  }
};

}  // namespace swatnn::test
