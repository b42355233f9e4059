// swatnn/regularizers/regularizer.hpp: the regularizer concept of the latent search (method.md §5) — the
// penalty terms added to the MSE — with its input and gradient types, and check_regularizer<R, S, T>(), which
// states in our own words which part of the contract a type misses.
//
// A regularizer is a policy (an options struct with member functions, e.g. `smooth_l0{.weight = 1e-6}`).
// For one latent and iteration it sees
//   - `decoded`: the decoder output (raw weights, biases, activation and mask logits),
//   - `gated`:   what soft evaluation sees (same layout; weights after the threshold gate
//                W~ = W * sigmoid(k (|W| - t)), biases not gated),
//   - `threshold`: the latent's learnable weight threshold t,
// and fulfils:
//   - `r.value(input)` returns the penalty (a T);
//   - `r.apply(input, gradient)` returns the same penalty and ADDS dPenalty/d(decoded cell) into
//     `gradient.decoded`, dPenalty/d(gated cell) into `gradient.gated` and dPenalty/dt into
//     `gradient.threshold` (never overwrites: the caller sums several terms into one gradient);
//   - `r.describe()` (static or not) returns a std::string for logs;
//   - both are deterministic and finite for finite input (also at zero weights and t = 0).
// Going through network_view reaches only REAL slots of the token matrix, never padding; a regularizer
// covers the view's depth() hidden layers (plus the output layer) only.
#pragma once

#include <cmath>
#include <concepts>
#include <sstream>
#include <string>

#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

template <network_spec_type S, class T>
struct regularizer_input {
  network_view<S, const T> decoded;  // decoder output: raw weights, biases, activation and mask logits
  network_view<S, const T> gated;    // what soft eval sees: weights after the threshold gate (same layout)
  T threshold;                       // the latent's learnable weight threshold t
};

template <network_spec_type S, class T>
struct regularizer_gradient {
  network_view<S, T> decoded;  // accumulate dPenalty/d decoded cells here
  network_view<S, T> gated;    // accumulate dPenalty/d gated cells here
  T& threshold;                // accumulate dPenalty/dt here
};

template <class R, class S, class T>
concept regularizer = network_spec_type<S> && requires(const R& r, const regularizer_input<S, T>& in,
                                                       const regularizer_gradient<S, T>& g) {
  { r.value(in) } -> std::convertible_to<T>;
  { r.apply(in, g) } -> std::convertible_to<T>;
  { r.describe() } -> std::convertible_to<std::string>;
};

// static_assert(check_regularizer<R, S, T>()) in code that takes a user regularizer: each missing piece fails
// with a sentence of ours.
template <class R, class S, class T>
constexpr bool check_regularizer() {
  static_assert(network_spec_type<S>,
                "swatnn: check_regularizer<R, S, T>: S must be a network_spec_type (e.g. swatnn::paper_spec)");
  if constexpr (network_spec_type<S>) {
    static_assert(requires(const R& r, const regularizer_input<S, T>& in) {
      { r.value(in) } -> std::convertible_to<T>;
    }, "swatnn: a regularizer must have `template <network_spec_type S, class T> T value(const "
       "regularizer_input<S, T>&) const` returning the penalty");
    static_assert(requires(const R& r, const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) {
      { r.apply(in, g) } -> std::convertible_to<T>;
    }, "swatnn: a regularizer must have `template <network_spec_type S, class T> T apply(const "
       "regularizer_input<S, T>&, const regularizer_gradient<S, T>&) const` returning the penalty and ADDING "
       "its gradient into the gradient views and threshold");
    static_assert(requires(const R& r) {
      { r.describe() } -> std::convertible_to<std::string>;
    }, "swatnn: a regularizer must have `std::string describe() const` (or a static one) naming it for logs");
  }
  return regularizer<R, S, T>;
}

namespace detail {

// Numerically stable logistic function.
template <class T>
T reg_sigmoid(T x) {
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}

// sign(x) with sign(0) = 0: the subgradient of |x| we use at the kink.
template <class T>
T reg_sign(T x) {
  return static_cast<T>((x > T(0)) - (x < T(0)));
}

// Throws shape_error unless every view has the same depth.
template <network_spec_type S, class T>
void check_regularizer_depths(const regularizer_input<S, T>& in, const char* where) {
  if (in.decoded.depth() != in.gated.depth())
    throw shape_error(std::string(where) + ": decoded view has depth " + std::to_string(in.decoded.depth()) +
                      " but gated view has depth " + std::to_string(in.gated.depth()) + " (expected equal)");
}
template <network_spec_type S, class T>
void check_regularizer_depths(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g,
                              const char* where) {
  check_regularizer_depths(in, where);
  if (g.decoded.depth() != in.decoded.depth() || g.gated.depth() != in.decoded.depth())
    throw shape_error(std::string(where) + ": gradient views have depths " + std::to_string(g.decoded.depth()) +
                      " (decoded) and " + std::to_string(g.gated.depth()) + " (gated), expected the input's " +
                      std::to_string(in.decoded.depth()));
}

// Throws value_error when an option is not finite or fails `ok`.
inline void check_regularizer_option(bool ok, double value, const char* where, const char* field,
                                     const char* expected) {
  if (!ok || !std::isfinite(value)) {
    std::ostringstream s;
    s << where << ": option ." << field << " = " << value << " is invalid, expected " << expected;
    throw value_error(s.str());
  }
}

// One weight's share of an elementwise weight penalty: its value and its derivatives w.r.t. the weight and t.
template <class T>
struct weight_term {
  T value;
  T d_weight;
  T d_threshold;
};
template <class T>
struct weight_sums {
  T value = T(0);
  T d_threshold = T(0);
};

// Sums f(w) over every real weight of `v` (hidden layers 0..depth-1, then the output layer) and, when `grad`
// is not null, ADDS each term's d_weight into the matching cell of *grad.
template <network_spec_type S, class T, class F>
weight_sums<T> sum_over_weights(const network_view<S, const T>& v, const network_view<S, T>* grad, F&& f) {
  weight_sums<T> s;
  for (int l = 0; l <= v.depth(); ++l) {
    const auto w = l < v.depth() ? v.weights(l) : v.output_weights();
    for (Eigen::Index i = 0; i < w.rows(); ++i) {
      for (Eigen::Index j = 0; j < w.cols(); ++j) {
        const weight_term<T> t = f(w(i, j));
        s.value += t.value;
        s.d_threshold += t.d_threshold;
        if (grad) (l < v.depth() ? grad->weights(l) : grad->output_weights())(i, j) += t.d_weight;
      }
    }
  }
  return s;
}

inline std::string format_option(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

}  // namespace detail
}  // namespace swatnn
