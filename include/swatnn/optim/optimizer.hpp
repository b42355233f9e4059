// swatnn/optim/optimizer.hpp: the Optimizer contract and the parameter groups every optimizer steps.
// An optimizer is a policy that holds hyperparameters only (an aggregate with designated initializers);
// the moments it accumulates live in a typed state object it creates once per run (ensmallen's split).
// The contract, with a user-written example, is documented in docs/concepts.md.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <swatnn/error.hpp>

namespace swatnn {

// One group of parameters stepped together: a view into the caller's values and gradients (e.g. a
// slice of the model's flat parameter buffer) plus optional per-group overrides of the optimizer's
// hyperparameters. The latent search uses two groups in one optimizer: {.values = z, .learning_rate = 0.1}
// and {.values = thresholds, .learning_rate = 0.001}.
// `gradients` is mutable so that clip_gradient_norm can rescale it in place; optimizers only read it.
template <class T>
struct parameter_group {
  using value_type = T;
  std::span<T> values{};                  // updated in place by step()
  std::span<T> gradients{};               // d loss / d values, same size; read by step()
  std::optional<double> learning_rate{};  // absolute learning rate of this group; nullopt: the optimizer's lr
  std::optional<double> weight_decay{};   // nullopt: the optimizer's weight_decay (0 here disables decay)
};

// The groups one optimizer instance steps, in a fixed order (the order fixes the state layout).
template <class T>
using parameter_groups = std::span<const parameter_group<T>>;

// The state type an optimizer O creates for scalar type T.
template <class O, class T>
using optimizer_state_t =
    std::remove_cvref_t<decltype(std::declval<const O&>().template make_state<T>(std::declval<parameter_groups<T>>()))>;

// Contract: an optimizer O for scalar type T
//  - creates its run state with `opt.template make_state<T>(groups)` (sized once: step allocates nothing),
//  - updates every group's values in place with `opt.step(state, groups, lr_multiplier)`, reading the
//    gradients and scaling every group's learning rate by lr_multiplier (the schedule's factor),
//    honouring each group's learning_rate override,
//  - and its state restarts a run with `state.reset()` and counts updates with `state.step_count()`.
// step is const: hyperparameters never change during a run; everything that does lives in the state.
// These are exactly the calls the loops make (latent_search, autoencoder_trainer, fine_tune, minimize /
// train_loop, the baselines): on a const optimizer, with the state as an lvalue, the groups as a
// parameter_groups<T> span (never the caller's vector or array) and a double multiplier (1.0 without a schedule),
// so a type that satisfies this concept works in every one of them.
template <class O, class T = float>
concept optimizer = std::floating_point<T> &&
    requires(const O& opt, parameter_groups<T> groups) { opt.template make_state<T>(groups); } &&
    requires(const O& opt, optimizer_state_t<O, T>& state, parameter_groups<T> groups, double lr_multiplier) {
      opt.step(state, groups, lr_multiplier);
      state.reset();
      { std::as_const(state).step_count() } -> std::convertible_to<std::uint64_t>;
    };

// A state that a checkpoint can save and restore: its moments as one flat vector plus the step count.
template <class S, class T>
concept resumable_optimizer_state = requires(S& state, const S& cstate, std::uint64_t step, std::span<const T> m) {
  { cstate.moments() } -> std::convertible_to<std::span<const T>>;
  { cstate.step_count() } -> std::convertible_to<std::uint64_t>;
  state.restore(step, m);
};

namespace detail {

// Sizes of the groups a state was created for; step() checks the groups it gets against them.
struct group_layout {
  std::vector<std::size_t> sizes;
  std::size_t total = 0;

  template <class T>
  static group_layout of(parameter_groups<T> groups, const char* who) {
    group_layout layout;
    layout.sizes.reserve(groups.size());
    for (std::size_t i = 0; i < groups.size(); ++i) {
      if (groups[i].values.size() != groups[i].gradients.size()) {
        throw shape_error(std::string(who) + ": parameter group " + std::to_string(i) + " has " +
                          std::to_string(groups[i].values.size()) + " values but " +
                          std::to_string(groups[i].gradients.size()) + " gradients; they must have the same size");
      }
      layout.sizes.push_back(groups[i].values.size());
      layout.total += groups[i].values.size();
    }
    return layout;
  }

  template <class T>
  void check(parameter_groups<T> groups, const char* who) const {
    if (groups.size() != sizes.size()) {
      throw shape_error(std::string(who) + ": got " + std::to_string(groups.size()) +
                        " parameter groups but the state was created for " + std::to_string(sizes.size()) +
                        "; create the state from the same groups (make_state) or call make_state again");
    }
    for (std::size_t i = 0; i < groups.size(); ++i) {
      if (groups[i].values.size() != sizes[i] || groups[i].gradients.size() != sizes[i]) {
        throw shape_error(std::string(who) + ": parameter group " + std::to_string(i) + " has " +
                          std::to_string(groups[i].values.size()) + " values and " +
                          std::to_string(groups[i].gradients.size()) + " gradients but the state was created for " +
                          std::to_string(sizes[i]));
      }
    }
  }
};

inline void require(bool ok, const char* who, const char* field, double value, const char* expected) {
  if (!ok) {
    throw value_error(std::string(who) + ": " + field + " = " + std::to_string(value) + " is invalid; expected " +
                      expected);
  }
}

// The learning rate of group i: its override or the optimizer's, times the schedule's multiplier.
template <class T>
double group_learning_rate(const parameter_group<T>& group, double default_lr, double lr_multiplier, std::size_t i,
                           const char* who) {
  const double lr = group.learning_rate.value_or(default_lr);
  if (!(std::isfinite(lr) && lr >= 0.0)) {
    throw value_error(std::string(who) + ": parameter group " + std::to_string(i) + " has learning_rate " +
                      std::to_string(lr) + "; expected a finite value >= 0");
  }
  return lr * lr_multiplier;
}

template <class T>
double group_weight_decay(const parameter_group<T>& group, double default_decay, std::size_t i, const char* who) {
  const double wd = group.weight_decay.value_or(default_decay);
  if (!(std::isfinite(wd) && wd >= 0.0)) {
    throw value_error(std::string(who) + ": parameter group " + std::to_string(i) + " has weight_decay " +
                      std::to_string(wd) + "; expected a finite value >= 0");
  }
  return wd;
}

}  // namespace detail
}  // namespace swatnn
