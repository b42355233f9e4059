// swatnn/optim/sgd.hpp: stochastic gradient descent with optional (heavy-ball) momentum, Nesterov momentum
// (Sutskever et al. 2013, "On the importance of initialization and momentum in deep learning") and L2
// weight decay added to the gradient. Same update as PyTorch's SGD without dampening:
//   d <- g + wd p;  b <- mu b + d;  d <- (nesterov ? d + mu b : b);  p <- p - lr d   (b, momentum: mu > 0).
// `sgd` holds the hyperparameters; `sgd_state<T>` holds the momentum buffer (sized once by make_state).
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

struct sgd;

// Run state of SGD: the step count and the momentum buffer (one value per parameter, zero when momentum = 0).
template <class T>
class sgd_state {
 public:
  sgd_state() = default;

  std::uint64_t step_count() const noexcept { return step_; }
  void reset() noexcept {
    step_ = 0;
    std::fill(momentum_.begin(), momentum_.end(), T(0));
  }
  // The momentum buffer of every parameter in group order (for checkpoints).
  std::span<const T> moments() const noexcept { return momentum_; }
  std::size_t parameter_count() const noexcept { return layout_.total; }

  void restore(std::uint64_t step, std::span<const T> moments) {
    if (moments.size() != momentum_.size()) {
      throw shape_error("swatnn::sgd_state::restore: got " + std::to_string(moments.size()) +
                        " moments but this state holds " + std::to_string(momentum_.size()) +
                        "; the checkpoint is of another model");
    }
    std::copy(moments.begin(), moments.end(), momentum_.begin());
    step_ = step;
  }

 private:
  friend struct sgd;
  explicit sgd_state(detail::group_layout layout) : layout_(std::move(layout)), momentum_(layout_.total, T(0)) {}

  detail::group_layout layout_;
  std::vector<T> momentum_;
  std::uint64_t step_ = 0;
};

// SGD hyperparameters (`sgd{.lr = 0.01, .momentum = 0.9, .nesterov = true}`).
struct sgd {
  double lr = 1e-2;           // learning rate of groups without their own learning_rate
  double momentum = 0.0;      // mu in [0, 1); 0 = plain gradient descent
  bool nesterov = false;      // Nesterov momentum (needs momentum > 0)
  double weight_decay = 0.0;  // L2 penalty coefficient added to the gradient; per group overridable

  template <class T>
  using state_type = sgd_state<T>;

  void validate(const char* who = "swatnn::sgd") const {
    detail::require(std::isfinite(lr) && lr >= 0.0, who, "lr", lr, "a finite value >= 0");
    detail::require(momentum >= 0.0 && momentum < 1.0, who, "momentum", momentum, "a value in [0, 1)");
    detail::require(!nesterov || momentum > 0.0, who, "momentum", momentum, "a value > 0 when nesterov = true");
    detail::require(std::isfinite(weight_decay) && weight_decay >= 0.0, who, "weight_decay", weight_decay,
                    "a finite value >= 0");
  }

  template <class T>
  sgd_state<T> make_state(parameter_groups<T> groups) const {
    static_assert(std::is_floating_point_v<T>, "swatnn::sgd: the scalar type must be float or double");
    validate("swatnn::sgd::make_state");
    return sgd_state<T>(detail::group_layout::of(groups, "swatnn::sgd::make_state"));
  }

  template <class T>
  void step(sgd_state<T>& state, std::type_identity_t<parameter_groups<T>> groups, double lr_multiplier = 1.0) const {
    constexpr const char* who = "swatnn::sgd::step";
    validate(who);
    detail::require(std::isfinite(lr_multiplier) && lr_multiplier >= 0.0, who, "lr_multiplier", lr_multiplier,
                    "a finite value >= 0");
    state.layout_.check(groups, who);
    ++state.step_;
    const T mu = static_cast<T>(momentum);
    T* b = state.momentum_.data();
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const parameter_group<T>& group = groups[i];
      const T group_lr = static_cast<T>(detail::group_learning_rate(group, lr, lr_multiplier, i, who));
      const T wd = static_cast<T>(detail::group_weight_decay(group, weight_decay, i, who));
      const std::size_t n = group.values.size();
      T* p = group.values.data();
      const T* g = group.gradients.data();
      for (std::size_t j = 0; j < n; ++j) {
        T d = g[j];
        if (wd != T(0)) d += wd * p[j];
        if (momentum != 0.0) {
          b[j] = mu * b[j] + d;
          d = nesterov ? d + mu * b[j] : b[j];
        }
        p[j] -= group_lr * d;
      }
      b += n;
    }
  }
};

}  // namespace swatnn
