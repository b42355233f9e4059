// swatnn/backend/cpu/soft_eval_kernels.hpp: the per-neuron kernels of the differentiable evaluation, shared by
// soft_eval (whole batches of points, outputs kept for any loss) and soft_mse (the search's MSE, fused over point
// tiles): their argument check, a neuron's gates, its products vectorized over points, its activation mix and that
// mix's backward.
// Every reduction has a fixed summation order for a given build, so results are deterministic.
#pragma once

#include <cmath>
#include <string>

#include <Eigen/Core>

#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn::detail::soft {

// The argument checks both evaluators share; `where` names the caller in the messages (built only on failure:
// the check runs on every call of a hot loop and allocates nothing).
template <class S, class T>
void check_points(const char* where, int networks, int depth, Eigen::Index row_stride,
                  const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& x, T temperature) {
  using layout = token_layout<S>;
  if (networks < 1) throw value_error(std::string(where) + ": networks must be >= 1, got " + std::to_string(networks));
  layout::check_depth(depth, where);
  if (row_stride < layout::width(depth))
    throw shape_error(std::string(where) + ": row stride " + std::to_string(row_stride) + " is narrower than the " +
                      std::to_string(layout::width(depth)) + " columns of a depth-" + std::to_string(depth) + " network");
  if (x.cols() != S::inputs || x.rows() < 1)
    throw shape_error(std::string(where) + ": points are " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                      ", expected N x " + std::to_string(S::inputs) + " with N >= 1");
  if (!(temperature > T(0)) || !std::isfinite(static_cast<double>(temperature)))
    throw value_error(std::string(where) + ": temperature must be finite and > 0");
}

// g[0] = sigmoid(mask logit), g[1..3] = softmax(activation logits / temperature) of one neuron.
template <class T, class Logits>
void neuron_gates(T mask_logit, const Logits& logits, T temperature, T* g) {
  g[0] = T(1) / (T(1) + std::exp(-mask_logit));
  const T top = logits.maxCoeff();
  T sum = 0;
  for (int k = 0; k < activation_count; ++k) sum += (g[1 + k] = std::exp((logits(k) - top) / temperature));
  for (int k = 0; k < activation_count; ++k) g[1 + k] /= sum;
}

// The mask gate is exactly 0 (float underflow for a logit below about -88, as the search's sharpened masks give
// for switched-off neurons): the neuron's output, its pre-activation's gradient and the gradients of all its
// slots are exactly 0, so a pass skips the neuron.
template <class T>
bool off(const T* g) {
  return g[0] == T(0);
}
// The softmax weight of activation a is exactly 0 (underflow at low temperature): its value, derivative and share
// of every gradient are exactly 0 as well, so a pass skips that activation.
template <class T>
bool uses(const T* g, activation a) {
  return g[1 + static_cast<int>(a)] != T(0);
}

// out[i] = bias + sum_k in[k][i] w[k] over the points: the products of one neuron, vectorized over points.
template <int K, class T>
void combine(const T* const* in, const T* w, T bias, Eigen::Index n, T* out) {
#pragma omp simd
  for (Eigen::Index i = 0; i < n; ++i) {
    T acc = bias;
    for (int k = 0; k < K; ++k) acc += in[k][i] * w[k];
    out[i] = acc;
  }
}

// out[k] = sum_i in[k][i] d[i]: K dot products sharing d, with `lanes` independent partial sums per k.
template <int K, class T>
void dots(const T* const* in, const T* d, Eigen::Index n, T* out) {
  constexpr int lanes = 8;
  const Eigen::Index whole = n - n % lanes;
  T acc[K][lanes] = {};
  for (Eigen::Index i = 0; i < whole; i += lanes)
    for (int k = 0; k < K; ++k)
#pragma omp simd
      for (int l = 0; l < lanes; ++l) acc[k][l] += in[k][i + l] * d[i + l];
  for (int k = 0; k < K; ++k) {
    T s = 0;
    for (int l = 0; l < lanes; ++l) s += acc[k][l];
    for (int r = 0; r < n - whole; ++r) s += in[k][whole + r] * d[whole + r];
    out[k] = s;
  }
}

// combine / dots over the first `count` (<= K) entries, unrolled for each count.
template <int K, class T>
void combine_n(int count, const T* const* in, const T* w, T bias, Eigen::Index n, T* out) {
  if constexpr (K > 0)
    if (count < K) return combine_n<K - 1>(count, in, w, bias, n, out);
  combine<K>(in, w, bias, n, out);
}
template <int K, class T>
void dots_n(int count, const T* const* in, const T* d, Eigen::Index n, T* out) {
  if constexpr (K > 0) {
    if (count < K) return dots_n<K - 1>(count, in, d, n, out);
    dots<K>(in, d, n, out);
  }
}

// A neuron's output over n points from its pre-activations p: post = g0 (g1 sigmoid(p) + g2 tanh(p) + g3 leaky(p)),
// computing (and keeping in sig / th, for the backward pass) only the activations the gates use.
template <class T>
void activate(const T* p, T* sig, T* th, T* post, Eigen::Index n, const T* g) {
  using array_map = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  using const_map = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
  const const_map pre(p, n);
  array_map s(sig, n), t(th, n), out(post, n);
  const bool use_sig = uses(g, activation::sigmoid), use_tanh = uses(g, activation::tanh);
  if (use_sig && use_tanh) {
    // Both from one tanh: with u = tanh(p / 2), sigmoid(p) = (1 + u) / 2 and tanh(p) = 2u / (1 + u^2) (the
    // double-angle formula), a third cheaper than Eigen's logistic and tanh side by side. Both keep a few ulp of
    // relative accuracy except sigmoid far below 0, whose error is about one float epsilon in absolute terms.
    s = (T(0.5) * pre).tanh();
    t = (T(2) * s) / (T(1) + s.square());
    s = T(0.5) + T(0.5) * s;
  } else if (use_sig) {
    s = pre.logistic();
  } else if (use_tanh) {
    t = pre.tanh();
  }
  const auto leaky = pre.max(T(leaky_relu_slope) * pre);
  if (use_sig && use_tanh) out = g[0] * (g[1] * s + g[2] * t + g[3] * leaky);
  else if (use_sig) out = g[0] * (g[1] * s + g[3] * leaky);
  else if (use_tanh) out = g[0] * (g[2] * t + g[3] * leaky);
  else out = g[0] * (g[3] * leaky);
}

// One pass over a neuron's points: sums[k] = sum_n d_n act_k(p_n) for the activations in use, sums[3] = sum_n dp_n,
// and dp_n = d_n m sum_k s_k act_k'(p_n).
template <bool Sigmoid, bool Tanh, class T>
void mix_backward(const T* p, const T* sig, const T* th, const T* d, T* dp, Eigen::Index n, const T* g, T (&sums)[4]) {
  const T m = g[0], s0 = g[1] * m, s1 = g[2] * m, s2 = g[3] * m;
  T sum0 = 0, sum1 = 0, sum2 = 0, sum3 = 0;
#pragma omp simd reduction(+ : sum0, sum1, sum2, sum3)
  for (Eigen::Index i = 0; i < n; ++i) {
    const T x = p[i], u = d[i], lg = leaky_relu_gradient(x);
    T slope = s2 * lg;
    sum2 += u * x * lg;
    if constexpr (Sigmoid) {
      const T a = sig[i];
      sum0 += u * a;
      slope += s0 * a * (T(1) - a);
    }
    if constexpr (Tanh) {
      const T t = th[i];
      sum1 += u * t;
      slope += s1 * (T(1) - t * t);
    }
    const T v = u * slope;
    dp[i] = v;
    sum3 += v;
  }
  sums[0] = sum0;
  sums[1] = sum1;
  sums[2] = sum2;
  sums[3] = sum3;
}

// mix_backward for the activations the gates use; the sums of activations not in use are 0.
template <class T>
void mix_backward(const T* p, const T* sig, const T* th, const T* d, T* dp, Eigen::Index n, const T* g, T (&sums)[4]) {
  const bool use_sig = uses(g, activation::sigmoid), use_tanh = uses(g, activation::tanh);
  if (use_sig && use_tanh) mix_backward<true, true>(p, sig, th, d, dp, n, g, sums);
  else if (use_sig) mix_backward<true, false>(p, sig, th, d, dp, n, g, sums);
  else if (use_tanh) mix_backward<false, true>(p, sig, th, d, dp, n, g, sums);
  else mix_backward<false, false>(p, sig, th, d, dp, n, g, sums);
  if (!use_sig) sums[0] = 0;
  if (!use_tanh) sums[1] = 0;
}

// A neuron's gate gradients from its summed mix_backward sums: with h = m * mix, mix = sum_k s_k act_k,
// dL/dm = sum_k s_k sums[k] and dL/ds_k = m sums[k]; softmax(logits / T) backward gives
// dL/dlogit_k = s_k (dL/ds_k - sum_i s_i dL/ds_i) / T. The bias gradient is sums[3].
template <class T, class Logits>
void gate_gradients(const T* g, const T (&sums)[4], T temperature, T& grad_mask, Logits&& grad_logits) {
  const T dm = g[1] * sums[0] + g[2] * sums[1] + g[3] * sums[2];
  grad_mask = dm * g[0] * (T(1) - g[0]);
  for (int k = 0; k < activation_count; ++k) grad_logits(k) = g[0] * g[1 + k] * (sums[k] - dm) / temperature;
}

}  // namespace swatnn::detail::soft
