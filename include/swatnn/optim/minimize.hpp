// swatnn/optim/minimize.hpp: a small generic training loop for tests and small problems, and the
// reference for how a loop drives an Optimizer, a schedule, gradient clipping and callbacks.
// Each iteration k: evaluate the objective (loss + gradients at the current parameters), clip the
// gradients (optional), call the step hooks (which may stop the run), then apply update k with the
// schedule's multiplier. Allocation-free after the optimizer state and the callbacks' begin().
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include <swatnn/error.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/clipping.hpp>
#include <swatnn/optim/optimizer.hpp>
#include <swatnn/optim/schedules.hpp>

namespace swatnn {

// What an objective may return instead of a plain double loss: the loss and a validation metric.
struct evaluation {
  double loss = std::numeric_limits<double>::quiet_NaN();
  std::optional<double> validation{};
};

template <schedule Schedule = constant_schedule>
struct minimize_options {
  std::uint64_t max_iterations = 1000;  // total number of iterations of the run (a resumed run counts
                                        // the optimizer's step_count() as already done)
  Schedule schedule{};                  // learning-rate multiplier per iteration
  double max_gradient_norm = 0.0;       // > 0: clip the global gradient norm to this value; 0: no clipping
};

struct minimize_result {
  std::uint64_t iterations = 0;  // updates applied in total (the optimizer state's step count at the end)
  double final_loss = std::numeric_limits<double>::quiet_NaN();  // loss of the last evaluation
  bool stopped_by_callback = false;
  double elapsed_seconds = 0.0;
};

namespace detail {
template <class Groups>
using group_scalar_t = typename std::ranges::range_value_t<std::remove_cvref_t<Groups>>::value_type;

template <class Objective, class T>
evaluation evaluate(Objective& objective, parameter_groups<T> groups) {
  using R = std::invoke_result_t<Objective&, parameter_groups<T>>;
  if constexpr (std::convertible_to<R, double>) {
    return evaluation{.loss = static_cast<double>(std::invoke(objective, groups)), .validation = std::nullopt};
  } else {
    static_assert(std::same_as<std::remove_cvref_t<R>, evaluation>,
                  "swatnn::minimize: the objective must return the loss as a double or a swatnn::evaluation");
    return std::invoke(objective, groups);
  }
}
}  // namespace detail

// Continues a run with an existing optimizer state (fresh, reset or restored from a checkpoint) until the
// state's step count reaches options.max_iterations or a callback stops it.
// `objective(groups)` computes the loss at the groups' values and writes the gradients into the groups'
// gradient spans; it returns a double or a swatnn::evaluation.
template <class Objective, class Groups, class Optimizer, class State, class Schedule, class... Callbacks>
minimize_result train_loop(Objective&& objective, const Groups& group_range, const Optimizer& opt, State& state,
                           const minimize_options<Schedule>& options, Callbacks&&... hooks) {
  using T = detail::group_scalar_t<Groups>;
  static_assert(std::same_as<std::ranges::range_value_t<Groups>, parameter_group<T>> &&
                    std::ranges::contiguous_range<Groups>,
                "swatnn::minimize: groups must be a contiguous range of swatnn::parameter_group<T> "
                "(std::vector, std::array or std::span)");
  static_assert(optimizer<Optimizer, T>,
                "swatnn::minimize: the optimizer must provide make_state<T>(groups) returning a state with reset() "
                "and step_count(), and a const step(state, groups, lr_multiplier); see docs/concepts.md");
  static_assert((callback<std::remove_cvref_t<Callbacks>, step_info<T>> && ...),
                "swatnn::minimize: every callback needs at least one hook begin(info), step(info) or end(info) "
                "taking const swatnn::step_info<T>& and returning void, bool (true = stop) or "
                "swatnn::callback_result; see docs/concepts.md");
  static_assert(std::invocable<Objective&, parameter_groups<T>>,
                "swatnn::minimize: the objective must be callable as objective(swatnn::parameter_groups<T>)");
  if (options.max_gradient_norm < 0.0 || !std::isfinite(options.max_gradient_norm)) {
    throw value_error("swatnn::minimize: max_gradient_norm = " + std::to_string(options.max_gradient_norm) +
                      " is invalid; expected 0 (no clipping) or a finite value > 0");
  }

  const parameter_groups<T> groups(std::ranges::data(group_range), std::ranges::size(group_range));
  auto cbs = std::tuple<Callbacks&...>(hooks...);
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };

  step_info<T> info;
  info.total_iterations = options.max_iterations;
  info.groups = groups;
  info.iteration = static_cast<std::uint64_t>(state.step_count());
  minimize_result result;
  bool stop = callbacks::begin(cbs, info);
  for (std::uint64_t it = static_cast<std::uint64_t>(state.step_count()); !stop && it < options.max_iterations; ++it) {
    const evaluation e = detail::evaluate<std::remove_reference_t<Objective>, T>(objective, groups);
    info.iteration = it;
    info.loss = e.loss;
    info.validation = e.validation;
    info.gradient_norm = options.max_gradient_norm > 0.0
                             ? std::optional<double>(clip_gradient_norm<T>(groups, options.max_gradient_norm))
                             : std::nullopt;
    info.learning_rate_multiplier = static_cast<double>(options.schedule(it));
    info.elapsed_seconds = seconds();
    result.final_loss = e.loss;
    if (callbacks::step(cbs, info)) {
      result.stopped_by_callback = true;
      break;
    }
    opt.step(state, groups, info.learning_rate_multiplier);
  }
  info.elapsed_seconds = seconds();
  callbacks::end(cbs, info);
  result.iterations = static_cast<std::uint64_t>(state.step_count());
  result.elapsed_seconds = info.elapsed_seconds;
  return result;
}

// Minimizes `objective` over the groups from a fresh optimizer state (see train_loop).
template <class Objective, class Groups, class Optimizer, class Schedule, class... Callbacks>
minimize_result minimize(Objective&& objective, const Groups& group_range, const Optimizer& opt,
                         const minimize_options<Schedule>& options, Callbacks&&... hooks) {
  using T = detail::group_scalar_t<Groups>;
  static_assert(optimizer<Optimizer, T>,
                "swatnn::minimize: the optimizer must provide make_state<T>(groups) returning a state with reset() "
                "and step_count(), and a const step(state, groups, lr_multiplier); see docs/concepts.md");
  const parameter_groups<T> groups(std::ranges::data(group_range), std::ranges::size(group_range));
  auto state = opt.template make_state<T>(groups);
  return train_loop(std::forward<Objective>(objective), groups, opt, state, options,
                    std::forward<Callbacks>(hooks)...);
}

}  // namespace swatnn
