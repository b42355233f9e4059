// swatnn/regularizers/weight_penalties.hpp: regularizers on the weights of the searched network (method.md §5):
// smooth_l0 (the paper's smooth count of gated weights above the threshold), l1 (sum of |gated weight|) and
// hard_concrete_l0 (the expected-L0 penalty of Louizos, Welling & Kingma 2018 with a deterministic log alpha
// computed from the decoded weights). Each penalty covers the real weights of the view's depth() hidden
// layers and of the output layer; biases are never penalised. At a weight of exactly 0, |x| has the
// subgradient sign(0) = 0.
#pragma once

#include <cmath>
#include <string>

#include <swatnn/regularizers/regularizer.hpp>

namespace swatnn {

// weight * sum over gated weights of sigmoid(sharpness (|W~| - t)): a smooth count of the weights that survive
// the threshold (the paper uses sharpness 20 and weight 1e-4 * 0.01 = 1e-6).
// d/dW~ = weight * sharpness * s (1 - s) * sign(W~); d/dt = -weight * sharpness * sum s (1 - s).
struct smooth_l0 {
  double weight = 1.0;
  double sharpness = 20.0;

  void validate() const {
    detail::check_regularizer_option(true, weight, "smooth_l0", "weight", "a finite number");
    detail::check_regularizer_option(sharpness > 0, sharpness, "smooth_l0", "sharpness", "a finite number > 0");
  }
  std::string describe() const {
    return "smooth_l0{weight=" + detail::format_option(weight) + ", sharpness=" + detail::format_option(sharpness) +
           "}";
  }

  template <network_spec_type S, class T>
  T value(const regularizer_input<S, T>& in) const {
    validate();
    detail::check_regularizer_depths(in, "smooth_l0::value");
    return run<S, T>(in, nullptr);
  }
  template <network_spec_type S, class T>
  T apply(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) const {
    validate();
    detail::check_regularizer_depths(in, g, "smooth_l0::apply");
    return run(in, &g);
  }

 private:
  template <network_spec_type S, class T>
  T run(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>* g) const {
    const T w = static_cast<T>(weight), k = static_cast<T>(sharpness), t = in.threshold;
    const auto sums = detail::sum_over_weights(in.gated, g ? &g->gated : nullptr, [&](T x) {
      const T s = detail::reg_sigmoid(k * (std::abs(x) - t));
      const T ds = w * k * s * (T(1) - s);
      return detail::weight_term<T>{s, ds * detail::reg_sign(x), -ds};
    });
    if (g) g->threshold += sums.d_threshold;
    return w * sums.value;
  }
};

// weight * sum over gated weights of |W~| (the paper: 1e-4 * 0.1 = 1e-5). d/dW~ = weight * sign(W~), with
// sign(0) = 0; no threshold gradient (the gate's dependence on t flows through the gated cells' gradient).
struct l1 {
  double weight = 1.0;

  void validate() const { detail::check_regularizer_option(true, weight, "l1", "weight", "a finite number"); }
  std::string describe() const { return "l1{weight=" + detail::format_option(weight) + "}"; }

  template <network_spec_type S, class T>
  T value(const regularizer_input<S, T>& in) const {
    validate();
    detail::check_regularizer_depths(in, "l1::value");
    return run<S, T>(in, nullptr);
  }
  template <network_spec_type S, class T>
  T apply(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) const {
    validate();
    detail::check_regularizer_depths(in, g, "l1::apply");
    return run(in, &g);
  }

 private:
  template <network_spec_type S, class T>
  T run(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>* g) const {
    const T w = static_cast<T>(weight);
    const auto sums = detail::sum_over_weights(in.gated, g ? &g->gated : nullptr, [&](T x) {
      return detail::weight_term<T>{std::abs(x), w * detail::reg_sign(x), T(0)};
    });
    return w * sums.value;
  }
};

// Expected-L0 penalty of the hard concrete gate (Louizos, Welling & Kingma 2018, eq. 12):
//   weight * sum sigmoid(log_alpha - beta * log(-gamma / zeta)),
// the probability that each weight's stretched, clamped concrete gate is non-zero. SWAT-NN has no stochastic
// gate, so log alpha is deterministic and tied to the threshold: log_alpha = scale * (|W| - t), with W the
// DECODED (ungated) weight. A weight at the threshold has log alpha 0 (with the defaults beta = 2/3,
// gamma = -0.1, zeta = 1.1 its gate is open with probability sigmoid((2/3) log 11) = 0.83); scale sets how
// quickly that probability moves with |W| - t. Gradient: d/dW = weight * scale * s (1 - s) * sign(W) and
// d/dt = -weight * scale * sum s (1 - s).
struct hard_concrete_l0 {
  double weight = 1.0;
  double beta = 2.0 / 3.0;  // temperature of the concrete distribution, > 0
  double gamma = -0.1;      // stretch interval (gamma, zeta) with gamma < 0 < 1 < zeta
  double zeta = 1.1;
  double scale = 10.0;      // log_alpha = scale (|W| - t), > 0

  void validate() const {
    detail::check_regularizer_option(true, weight, "hard_concrete_l0", "weight", "a finite number");
    detail::check_regularizer_option(beta > 0, beta, "hard_concrete_l0", "beta", "a finite number > 0");
    detail::check_regularizer_option(gamma < 0, gamma, "hard_concrete_l0", "gamma", "a finite number < 0");
    detail::check_regularizer_option(zeta > 1, zeta, "hard_concrete_l0", "zeta", "a finite number > 1");
    detail::check_regularizer_option(scale > 0, scale, "hard_concrete_l0", "scale", "a finite number > 0");
  }
  std::string describe() const {
    return "hard_concrete_l0{weight=" + detail::format_option(weight) + ", beta=" + detail::format_option(beta) +
           ", gamma=" + detail::format_option(gamma) + ", zeta=" + detail::format_option(zeta) +
           ", scale=" + detail::format_option(scale) + "}";
  }

  template <network_spec_type S, class T>
  T value(const regularizer_input<S, T>& in) const {
    validate();
    detail::check_regularizer_depths(in, "hard_concrete_l0::value");
    return run<S, T>(in, nullptr);
  }
  template <network_spec_type S, class T>
  T apply(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) const {
    validate();
    detail::check_regularizer_depths(in, g, "hard_concrete_l0::apply");
    return run(in, &g);
  }

 private:
  template <network_spec_type S, class T>
  T run(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>* g) const {
    const T w = static_cast<T>(weight), a = static_cast<T>(scale), t = in.threshold;
    const T shift = static_cast<T>(-beta * std::log(-gamma / zeta));
    const auto sums = detail::sum_over_weights(in.decoded, g ? &g->decoded : nullptr, [&](T x) {
      const T s = detail::reg_sigmoid(a * (std::abs(x) - t) + shift);
      const T ds = w * a * s * (T(1) - s);
      return detail::weight_term<T>{s, ds * detail::reg_sign(x), -ds};
    });
    if (g) g->threshold += sums.d_threshold;
    return w * sums.value;
  }
};

}  // namespace swatnn
