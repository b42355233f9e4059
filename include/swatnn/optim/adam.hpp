// swatnn/optim/adam.hpp: Adam with bias correction (Kingma & Ba 2015, "Adam: A Method for Stochastic
// Optimization", Algorithm 1) and optional decoupled weight decay (AdamW: Loshchilov & Hutter 2019,
// "Decoupled Weight Decay Regularization"). Same update as PyTorch's Adam/AdamW:
//   m <- b1 m + (1 - b1) g,  v <- b2 v + (1 - b2) g^2,
//   p <- p (1 - lr wd)                                   (decoupled decay, only when wd > 0)
//   p <- p - (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps).
// `adam` holds the hyperparameters; `adam_state<T>` holds the moments (sized once by make_state).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn {

struct adam;

// Run state of Adam: the step count and the two moments of every parameter.
template <class T>
class adam_state {
 public:
  adam_state() = default;

  // Number of updates applied since creation or the last reset (t in the paper).
  std::uint64_t step_count() const noexcept { return step_; }
  // Restart a run: step 0 and zero moments (no allocation).
  void reset() noexcept {
    step_ = 0;
    std::fill(moments_.begin(), moments_.end(), T(0));
  }
  // All moments as one flat vector, for checkpoints: the first moments of every parameter in group
  // order, then the second moments in the same order (size 2 * parameter_count()).
  std::span<const T> moments() const noexcept { return moments_; }
  std::span<const T> first_moment() const noexcept { return std::span<const T>(moments_).first(layout_.total); }
  std::span<const T> second_moment() const noexcept { return std::span<const T>(moments_).last(layout_.total); }
  std::size_t parameter_count() const noexcept { return layout_.total; }

  // Resume from a checkpoint: restores the step count and the moments saved from moments().
  void restore(std::uint64_t step, std::span<const T> moments) {
    if (moments.size() != moments_.size()) {
      throw shape_error("swatnn::adam_state::restore: got " + std::to_string(moments.size()) +
                        " moments but this state holds " + std::to_string(moments_.size()) + " (2 x " +
                        std::to_string(layout_.total) + " parameters); the checkpoint is of another model");
    }
    std::copy(moments.begin(), moments.end(), moments_.begin());
    step_ = step;
  }

 private:
  friend struct adam;
  explicit adam_state(detail::group_layout layout) : layout_(std::move(layout)), moments_(2 * layout_.total, T(0)) {}

  detail::group_layout layout_;
  std::vector<T> moments_;
  std::uint64_t step_ = 0;
};

// Adam hyperparameters (designated initializers: `adam{.lr = 0.1}`, `adam{.lr = 1e-4, .weight_decay = 0.01}`).
struct adam {
  double lr = 1e-3;            // learning rate of groups without their own learning_rate
  double beta1 = 0.9;          // decay of the first moment, in [0, 1)
  double beta2 = 0.999;        // decay of the second moment, in [0, 1)
  double epsilon = 1e-8;       // added to sqrt(v_hat), > 0
  double weight_decay = 0.0;   // decoupled (AdamW) decay; 0 = plain Adam; per group overridable

  template <class T>
  using state_type = adam_state<T>;

  // Throws value_error naming the field when a hyperparameter is out of range.
  void validate(const char* who = "swatnn::adam") const {
    detail::require(std::isfinite(lr) && lr >= 0.0, who, "lr", lr, "a finite value >= 0");
    detail::require(beta1 >= 0.0 && beta1 < 1.0, who, "beta1", beta1, "a value in [0, 1)");
    detail::require(beta2 >= 0.0 && beta2 < 1.0, who, "beta2", beta2, "a value in [0, 1)");
    detail::require(std::isfinite(epsilon) && epsilon > 0.0, who, "epsilon", epsilon, "a finite value > 0");
    detail::require(std::isfinite(weight_decay) && weight_decay >= 0.0, who, "weight_decay", weight_decay,
                    "a finite value >= 0");
  }

  // Creates the run state for these groups: zero moments, step 0. The only allocation of a run.
  template <class T>
  adam_state<T> make_state(parameter_groups<T> groups) const {
    static_assert(std::is_floating_point_v<T>, "swatnn::adam: the scalar type must be float or double");
    validate("swatnn::adam::make_state");
    return adam_state<T>(detail::group_layout::of(groups, "swatnn::adam::make_state"));
  }

  // One update of every group. Allocation-free. `lr_multiplier` scales every group's learning rate
  // (the learning-rate schedule's factor at this iteration).
  template <class T>
  void step(adam_state<T>& state, std::type_identity_t<parameter_groups<T>> groups, double lr_multiplier = 1.0) const {
    constexpr const char* who = "swatnn::adam::step";
    validate(who);
    detail::require(std::isfinite(lr_multiplier) && lr_multiplier >= 0.0, who, "lr_multiplier", lr_multiplier,
                    "a finite value >= 0");
    state.layout_.check(groups, who);
    ++state.step_;
    const double t = static_cast<double>(state.step_);
    const double correction1 = 1.0 - std::pow(beta1, t);
    const double correction2 = 1.0 - std::pow(beta2, t);
    const T b1 = static_cast<T>(beta1), one_minus_b1 = static_cast<T>(1.0 - beta1);
    const T b2 = static_cast<T>(beta2), one_minus_b2 = static_cast<T>(1.0 - beta2);
    const T inv_sqrt_correction2 = static_cast<T>(1.0 / std::sqrt(correction2));
    const T eps = static_cast<T>(epsilon);
    T* m = state.moments_.data();
    T* v = m + state.layout_.total;
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const parameter_group<T>& group = groups[i];
      const double group_lr = detail::group_learning_rate(group, lr, lr_multiplier, i, who);
      const double wd = detail::group_weight_decay(group, weight_decay, i, who);
      const T step_size = static_cast<T>(group_lr / correction1);
      const T decay = static_cast<T>(1.0 - group_lr * wd);
      const std::size_t n = group.values.size();
      T* p = group.values.data();
      const T* g = group.gradients.data();
      for (std::size_t j = 0; j < n; ++j) {
        m[j] = b1 * m[j] + one_minus_b1 * g[j];
        v[j] = b2 * v[j] + one_minus_b2 * g[j] * g[j];
        T value = p[j];
        if (wd != 0.0) value *= decay;
        p[j] = value - step_size * m[j] / (std::sqrt(v[j]) * inv_sqrt_correction2 + eps);
      }
      m += n;
      v += n;
    }
  }
};

}  // namespace swatnn
