// swatnn/regularizers/mask_penalties.hpp: regularizers on the neuron masks of the searched network
// (method.md §5), both computed from m = sigmoid(DECODED mask logit) of the view's depth() hidden layers, each
// over all MaxWidth neurons of a layer:
//   neuron_count:    weight * M,  M = mean over layers of the mean of m   (fewer active neurons);
//   mask_separation: -weight * S, S = mean over layers of the std of m    (pushes masks to 0 or 1).
#pragma once

#include <cmath>
#include <string>

#include <swatnn/regularizers/regularizer.hpp>

namespace swatnn {

// weight * M, M = (1/D) sum_l (1/MaxWidth) sum_j sigmoid(mask logit_lj) (the paper: weight 0.001).
// d/dlogit_lj = weight / (D MaxWidth) * m (1 - m).
struct neuron_count {
  double weight = 1.0;

  void validate() const {
    detail::check_regularizer_option(true, weight, "neuron_count", "weight", "a finite number");
  }
  std::string describe() const { return "neuron_count{weight=" + detail::format_option(weight) + "}"; }

  template <network_spec_type S, class T>
  T value(const regularizer_input<S, T>& in) const {
    validate();
    detail::check_regularizer_depths(in, "neuron_count::value");
    return run<S, T>(in, nullptr);
  }
  template <network_spec_type S, class T>
  T apply(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) const {
    validate();
    detail::check_regularizer_depths(in, g, "neuron_count::apply");
    return run(in, &g);
  }

 private:
  template <network_spec_type S, class T>
  T run(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>* g) const {
    const int depth = in.decoded.depth();
    const T per_neuron = static_cast<T>(weight) / static_cast<T>(depth * S::max_width);
    T total = T(0);
    for (int l = 0; l < depth; ++l) {
      const auto logits = in.decoded.mask_logits(l);
      T layer_sum = T(0);
      for (int j = 0; j < S::max_width; ++j) {
        const T m = detail::reg_sigmoid(logits(j));
        layer_sum += m;
        if (g) g->decoded.mask_logits(l)(j) += per_neuron * m * (T(1) - m);
      }
      total += layer_sum;
    }
    return per_neuron * total;
  }
};

// -weight * S, S = (1/D) sum_l sqrt(var_l + epsilon), var_l = (1/n) sum_j (m_lj - mean_l)^2 over the layer's
// n = MaxWidth neurons (population variance; set `.sample = true` for the n - 1 divisor of torch.std's
// default). The paper: weight 0.4. The square root's derivative is infinite at var = 0 (all masks equal, e.g. an
// all-zero decoder output): epsilon > 0 keeps the value and gradient finite there (the gradient is then 0,
// since every m_lj equals the mean) and changes S by at most sqrt(epsilon) = 1e-6 with the default.
// d/dm_lj = -weight / D * (m_lj - mean_l) / (divisor * sqrt(var_l + epsilon)); d/dlogit = that * m (1 - m).
struct mask_separation {
  double weight = 1.0;
  double epsilon = 1e-12;
  bool sample = false;

  void validate() const {
    detail::check_regularizer_option(true, weight, "mask_separation", "weight", "a finite number");
    detail::check_regularizer_option(epsilon > 0, epsilon, "mask_separation", "epsilon", "a finite number > 0");
  }
  std::string describe() const {
    return "mask_separation{weight=" + detail::format_option(weight) + ", epsilon=" + detail::format_option(epsilon) +
           (sample ? ", sample std}" : "}");
  }

  template <network_spec_type S, class T>
  T value(const regularizer_input<S, T>& in) const {
    validate();
    detail::check_regularizer_depths(in, "mask_separation::value");
    return run<S, T>(in, nullptr);
  }
  template <network_spec_type S, class T>
  T apply(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) const {
    validate();
    detail::check_regularizer_depths(in, g, "mask_separation::apply");
    return run(in, &g);
  }

 private:
  template <network_spec_type S, class T>
  T run(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>* g) const {
    if (sample && S::max_width < 2)
      throw value_error("mask_separation: option .sample = true needs MaxWidth >= 2 (the n - 1 divisor), found "
                        "MaxWidth " + std::to_string(S::max_width));
    const int depth = in.decoded.depth();
    const int n = S::max_width;
    const T divisor = static_cast<T>(sample ? n - 1 : n);
    const T w = static_cast<T>(weight), eps = static_cast<T>(epsilon);
    T total = T(0);
    for (int l = 0; l < depth; ++l) {
      const auto logits = in.decoded.mask_logits(l);
      T mean = T(0);
      for (int j = 0; j < n; ++j) mean += detail::reg_sigmoid(logits(j));
      mean /= static_cast<T>(n);
      T var = T(0);
      for (int j = 0; j < n; ++j) {
        const T d = detail::reg_sigmoid(logits(j)) - mean;
        var += d * d;
      }
      var /= divisor;
      const T sd = std::sqrt(var + eps);
      total += sd;
      if (g) {
        auto out = g->decoded.mask_logits(l);
        const T factor = -w / (static_cast<T>(depth) * divisor * sd);
        for (int j = 0; j < n; ++j) {
          const T m = detail::reg_sigmoid(logits(j));
          out(j) += factor * (m - mean) * m * (T(1) - m);
        }
      }
    }
    return -w * total / static_cast<T>(depth);
  }
};

}  // namespace swatnn
