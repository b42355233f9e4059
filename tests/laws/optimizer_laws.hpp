// tests/laws/optimizer_laws.hpp: the conformance suite of the Optimizer contract (docs/concepts.md).
// Any optimizer, ours or a user's, runs it from a doctest TEST_CASE:
//   swatnn::laws::check_optimizer_laws<double>(my_optimizer{.lr = 0.05}, {.sphere_learning_rate = 0.1});
// Laws: it reduces the Sphere (2-D and high-D) and the 2-D Rosenbrock function from fixed starts by a
// required factor; a reset state reproduces a run bit for bit (and equals a fresh state); per-group
// learning rates are honoured (lr 0 freezes a group, lr_multiplier scales every group, groups of an
// elementwise optimizer evolve as if optimized alone); a callback returning stop ends minimize at that step.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/minimize.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn::laws {

struct optimizer_law_options {
  // Learning rate given to the parameter group on each problem (nullopt: the optimizer's own lr).
  std::optional<double> sphere_learning_rate{};
  std::uint64_t sphere_iterations = 500;
  double sphere_reduction = 1e-6;          // required: f(end) <= f(start) * sphere_reduction
  std::size_t sphere_high_dimension = 50;  // dimension of the high-D sphere
  std::optional<double> rosenbrock_learning_rate{};
  std::uint64_t rosenbrock_iterations = 5000;
  double rosenbrock_reduction = 1e-3;      // required: f(end) <= f(start) * rosenbrock_reduction
  // True when every parameter's update depends only on its own gradient history and its group's
  // hyperparameters (Adam, SGD, RMSProp...): checks that groups evolve as if optimized alone.
  bool elementwise = true;
};

namespace problems {

// f(x) = sum x_i^2 over all groups; writes the gradient 2 x.
template <class T>
double sphere(parameter_groups<T> groups) {
  double f = 0.0;
  for (const parameter_group<T>& g : groups) {
    for (std::size_t i = 0; i < g.values.size(); ++i) {
      f += static_cast<double>(g.values[i]) * static_cast<double>(g.values[i]);
      g.gradients[i] = T(2) * g.values[i];
    }
  }
  return f;
}

// 2-D Rosenbrock f = (1 - x)^2 + 100 (y - x^2)^2 on each group's (values[0], values[1]), summed.
template <class T>
double rosenbrock(parameter_groups<T> groups) {
  double f = 0.0;
  for (const parameter_group<T>& g : groups) {
    const double x = static_cast<double>(g.values[0]), y = static_cast<double>(g.values[1]);
    f += (1 - x) * (1 - x) + 100 * (y - x * x) * (y - x * x);
    g.gradients[0] = static_cast<T>(-2 * (1 - x) - 400 * x * (y - x * x));
    g.gradients[1] = static_cast<T>(200 * (y - x * x));
  }
  return f;
}

template <class T>
std::vector<T> sphere_start(std::size_t n) {
  if (n == 2) return {T(1.5), T(-2.0)};
  std::vector<T> x(n);
  for (std::size_t i = 0; i < n; ++i) x[i] = static_cast<T>((i % 2 ? -1.0 : 1.0) * (0.5 + 0.05 * static_cast<double>(i)));
  return x;
}
template <class T>
std::vector<T> rosenbrock_start() {
  return {T(-1.2), T(1.0)};
}

}  // namespace problems

namespace detail {

template <class T>
struct single_group {
  std::vector<T> values, gradients;
  std::vector<parameter_group<T>> groups;
  single_group(std::vector<T> start, std::optional<double> lr) : values(std::move(start)), gradients(values.size()) {
    // groups view values/gradients: never copy or reassign a single_group's vectors
    groups.push_back({.values = values, .gradients = gradients, .learning_rate = lr, .weight_decay = std::nullopt});
  }
};

template <class T>
bool bitwise_equal(std::span<const T> a, std::span<const T> b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size_bytes()) == 0;
}

template <class T>
double max_relative_difference(std::span<const T> a, std::span<const T> b) {
  double worst = 0.0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]);
    worst = std::max(worst, std::abs(x - y) / std::max(1.0, std::max(std::abs(x), std::abs(y))));
  }
  return a.size() == b.size() ? worst : INFINITY;
}

template <class T>
constexpr double tolerance() {
  return std::is_same_v<T, float> ? 1e-5 : 1e-12;
}

template <class T, class Opt, class Objective>
void check_reduces(const Opt& opt, const char* name, Objective objective, std::vector<T> start, std::optional<double> lr,
                   std::uint64_t iterations, double reduction) {
  single_group<T> p(std::move(start), lr);
  const double f0 = objective(parameter_groups<T>(p.groups));
  const minimize_result r = minimize(objective, p.groups, opt, minimize_options{.max_iterations = iterations});
  const double f1 = objective(parameter_groups<T>(p.groups));
  INFO("law: the optimizer reduces ", std::string(name), " (", p.values.size(), "-D) from ", f0, " to at most ", f0 * reduction,
       " in ", iterations, " iterations; it reached ", f1);
  CHECK(r.iterations == iterations);
  CHECK(std::isfinite(f1));
  CHECK(f1 <= f0 * reduction);
}

}  // namespace detail

// Sphere (2-D and high-D) and 2-D Rosenbrock from fixed starts, reduced by the required factors.
template <class T = double, class Opt>
void check_reduces_test_functions(const Opt& opt, const optimizer_law_options& o = {}) {
  static_assert(optimizer<Opt, T>, "the law suite needs a type satisfying swatnn::optimizer<O, T>");
  detail::check_reduces<T>(opt, "Sphere", problems::sphere<T>, problems::sphere_start<T>(2), o.sphere_learning_rate,
                           o.sphere_iterations, o.sphere_reduction);
  detail::check_reduces<T>(opt, "Sphere", problems::sphere<T>, problems::sphere_start<T>(o.sphere_high_dimension),
                           o.sphere_learning_rate, o.sphere_iterations, o.sphere_reduction);
  detail::check_reduces<T>(opt, "Rosenbrock", problems::rosenbrock<T>, problems::rosenbrock_start<T>(),
                           o.rosenbrock_learning_rate, o.rosenbrock_iterations, o.rosenbrock_reduction);
}

// Two runs from reset() give bit-identical trajectories, equal to the run of a fresh state.
template <class T = double, class Opt>
void check_reset_reproducible(const Opt& opt, const optimizer_law_options& o = {}) {
  static_assert(optimizer<Opt, T>, "the law suite needs a type satisfying swatnn::optimizer<O, T>");
  constexpr std::uint64_t steps = 100;
  auto trajectory = [&](auto& state, detail::single_group<T>& p) {
    const std::vector<T> start = problems::rosenbrock_start<T>();
    std::copy(start.begin(), start.end(), p.values.begin());  // in place: the group views p.values
    std::vector<T> out;
    for (std::uint64_t k = 0; k < steps; ++k) {
      problems::rosenbrock<T>(p.groups);
      opt.step(state, parameter_groups<T>(p.groups), 1.0);
      out.insert(out.end(), p.values.begin(), p.values.end());
    }
    return out;
  };
  detail::single_group<T> p(problems::rosenbrock_start<T>(), o.rosenbrock_learning_rate);
  auto state = opt.template make_state<T>(parameter_groups<T>(p.groups));
  const std::vector<T> first = trajectory(state, p);
  INFO("law: step_count() counts the updates (", steps, " expected)");
  CHECK(static_cast<std::uint64_t>(state.step_count()) == steps);
  state.reset();
  CHECK(static_cast<std::uint64_t>(state.step_count()) == 0);
  const std::vector<T> second = trajectory(state, p);
  auto fresh = opt.template make_state<T>(parameter_groups<T>(p.groups));
  const std::vector<T> third = trajectory(fresh, p);
  INFO("law: a run after reset() repeats the first run bit for bit, and so does a fresh state");
  CHECK(detail::bitwise_equal<T>(first, second));
  CHECK(detail::bitwise_equal<T>(first, third));
  CHECK_FALSE(detail::bitwise_equal<T>(first, std::vector<T>(first.size(), T(0))));
}

// Per-group learning rates: lr 0 freezes a group while the other moves; lr_multiplier m with group rates
// (a, b) equals multiplier 1 with rates (m a, m b); for elementwise optimizers, each group of one
// optimizer follows the trajectory it would follow alone with its own rate.
template <class T = double, class Opt>
void check_group_learning_rates(const Opt& opt, const optimizer_law_options& o = {}) {
  static_assert(optimizer<Opt, T>, "the law suite needs a type satisfying swatnn::optimizer<O, T>");
  const double a = o.sphere_learning_rate.value_or(0.1);
  const double b = a * 0.01;
  constexpr std::uint64_t steps = 20;
  struct two_groups {
    std::vector<T> x, gx, y, gy;
    std::vector<parameter_group<T>> groups;
    two_groups(std::optional<double> la, std::optional<double> lb)
        : x(problems::sphere_start<T>(2)), gx(2), y(problems::sphere_start<T>(2)), gy(2) {
      groups.push_back({.values = x, .gradients = gx, .learning_rate = la, .weight_decay = std::nullopt});
      groups.push_back({.values = y, .gradients = gy, .learning_rate = lb, .weight_decay = std::nullopt});
    }
  };
  auto run = [&](two_groups& g, double multiplier) {
    auto state = opt.template make_state<T>(parameter_groups<T>(g.groups));
    for (std::uint64_t k = 0; k < steps; ++k) {
      problems::sphere<T>(g.groups);
      opt.step(state, parameter_groups<T>(g.groups), multiplier);
    }
  };
  {
    two_groups g(0.0, a);
    run(g, 1.0);
    INFO("law: a group with learning_rate 0 does not move, a group with learning_rate ", a, " does");
    CHECK(detail::bitwise_equal<T>(g.x, problems::sphere_start<T>(2)));
    CHECK_FALSE(detail::bitwise_equal<T>(g.y, problems::sphere_start<T>(2)));
  }
  {
    two_groups scaled(a, b), direct(a * 0.5, b * 0.5);
    run(scaled, 0.5);
    run(direct, 1.0);
    INFO("law: lr_multiplier 0.5 with group rates (", a, ", ", b, ") equals multiplier 1 with rates (", a * 0.5, ", ",
         b * 0.5, ")");
    CHECK(detail::max_relative_difference<T>(scaled.x, direct.x) <= detail::tolerance<T>());
    CHECK(detail::max_relative_difference<T>(scaled.y, direct.y) <= detail::tolerance<T>());
  }
  if (o.elementwise) {
    two_groups joint(a, b);
    run(joint, 1.0);
    detail::single_group<T> alone_a(problems::sphere_start<T>(2), a), alone_b(problems::sphere_start<T>(2), b);
    for (auto* alone : {&alone_a, &alone_b}) {
      auto state = opt.template make_state<T>(parameter_groups<T>(alone->groups));
      for (std::uint64_t k = 0; k < steps; ++k) {
        problems::sphere<T>(alone->groups);
        opt.step(state, parameter_groups<T>(alone->groups), 1.0);
      }
    }
    INFO("law: in one optimizer, the group with lr ", a, " and the group with lr ", b,
         " follow the trajectories they follow when optimized alone");
    CHECK(detail::max_relative_difference<T>(joint.x, alone_a.values) <= detail::tolerance<T>());
    CHECK(detail::max_relative_difference<T>(joint.y, alone_b.values) <= detail::tolerance<T>());
    CHECK_FALSE(detail::bitwise_equal<T>(joint.x, joint.y));
  }
}

// A callback returning stop at iteration k ends minimize there: k updates applied, k + 1 evaluations,
// the parameters equal those after k manual steps, and end() is still called once.
template <class T = double, class Opt>
void check_callback_stop(const Opt& opt, const optimizer_law_options& o = {}) {
  static_assert(optimizer<Opt, T>, "the law suite needs a type satisfying swatnn::optimizer<O, T>");
  constexpr std::uint64_t stop_at = 7;
  struct stopper {
    std::uint64_t steps_seen = 0, ends = 0;
    callback_result step(const step_info<T>& info) {
      ++steps_seen;
      return info.iteration == stop_at ? callback_result::stop : callback_result::proceed;
    }
    void end(const step_info<T>&) { ++ends; }
  };
  detail::single_group<T> p(problems::rosenbrock_start<T>(), o.rosenbrock_learning_rate);
  std::uint64_t evaluations = 0;
  auto objective = [&evaluations](parameter_groups<T> g) {
    ++evaluations;
    return problems::rosenbrock<T>(g);
  };
  stopper s;
  const minimize_result r = minimize(objective, p.groups, opt, minimize_options{.max_iterations = 100}, s);

  detail::single_group<T> manual(problems::rosenbrock_start<T>(), o.rosenbrock_learning_rate);
  auto state = opt.template make_state<T>(parameter_groups<T>(manual.groups));
  for (std::uint64_t k = 0; k < stop_at; ++k) {
    problems::rosenbrock<T>(manual.groups);
    opt.step(state, parameter_groups<T>(manual.groups), 1.0);
  }
  INFO("law: a callback returning stop at iteration ", stop_at, " ends the run before update ", stop_at);
  CHECK(r.stopped_by_callback);
  CHECK(r.iterations == stop_at);
  CHECK(evaluations == stop_at + 1);
  CHECK(s.steps_seen == stop_at + 1);
  CHECK(s.ends == 1);
  CHECK(detail::bitwise_equal<T>(p.values, manual.values));
}

// All the laws.
template <class T = double, class Opt>
void check_optimizer_laws(const Opt& opt, const optimizer_law_options& o = {}) {
  check_reduces_test_functions<T>(opt, o);
  check_reset_reproducible<T>(opt, o);
  check_group_learning_rates<T>(opt, o);
  check_callback_stop<T>(opt, o);
}

}  // namespace swatnn::laws
