// Runs the Optimizer law suite (optimizer_laws.hpp) on swatnn's optimizers, in double and float.
#include <doctest/doctest.h>

#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/sgd.hpp>

#include <cstdint>
#include <type_traits>
#include <vector>

#include "laws/optimizer_laws.hpp"

using namespace swatnn;

TEST_CASE("optimizer laws: adam") {
  const laws::optimizer_law_options o{.sphere_learning_rate = 0.05, .rosenbrock_learning_rate = 0.02};
  laws::check_optimizer_laws<double>(adam{}, o);
  laws::check_optimizer_laws<float>(adam{}, o);
}

TEST_CASE("optimizer laws: adamw") {
  const laws::optimizer_law_options o{.sphere_learning_rate = 0.05, .rosenbrock_learning_rate = 0.02};
  laws::check_optimizer_laws<double>(adam{.weight_decay = 0.01}, o);
}

TEST_CASE("optimizer laws: sgd") {
  const laws::optimizer_law_options o{.sphere_learning_rate = 0.1, .rosenbrock_learning_rate = 1e-3,
                                      .rosenbrock_iterations = 10000};
  laws::check_optimizer_laws<double>(sgd{}, o);
  laws::check_optimizer_laws<float>(sgd{}, o);
}

TEST_CASE("optimizer laws: sgd with momentum and with nesterov") {
  const laws::optimizer_law_options o{.sphere_learning_rate = 0.05, .rosenbrock_learning_rate = 2e-4};
  laws::check_optimizer_laws<double>(sgd{.momentum = 0.9}, o);
  laws::check_optimizer_laws<double>(sgd{.momentum = 0.9, .nesterov = true}, o);
}

// The laws can fail: each broken optimizer below violates one law, and its test case is expected to fail.
namespace {
// Never moves the parameters.
struct frozen {
  double lr = 0.1;
  template <class T>
  sgd_state<T> make_state(parameter_groups<T> groups) const { return sgd{}.make_state<T>(groups); }
  template <class T>
  void step(sgd_state<T>&, std::type_identity_t<parameter_groups<T>>, double) const {}
};
// Uses its own lr for every group, ignoring parameter_group::learning_rate.
struct ignores_group_rates {
  adam inner{.lr = 0.05};
  template <class T>
  adam_state<T> make_state(parameter_groups<T> groups) const { return inner.make_state<T>(groups); }
  template <class T>
  void step(adam_state<T>& s, std::type_identity_t<parameter_groups<T>> groups, double m) const {
    std::vector<parameter_group<T>> plain(groups.begin(), groups.end());
    for (auto& g : plain) g.learning_rate.reset();
    inner.step(s, parameter_groups<T>(plain), m);
  }
};
// reset() forgets the step count but keeps the momentum.
template <class T>
struct leaky_state {
  sgd_state<T> inner;
  std::uint64_t step_count() const { return inner.step_count(); }
  void reset() {
    const std::vector<T> kept(inner.moments().begin(), inner.moments().end());
    inner.restore(0, kept);
  }
};
struct leaky_reset {
  sgd inner{.lr = 1e-3, .momentum = 0.9};
  template <class T>
  leaky_state<T> make_state(parameter_groups<T> groups) const { return {inner.make_state<T>(groups)}; }
  template <class T>
  void step(leaky_state<T>& s, std::type_identity_t<parameter_groups<T>> groups, double m) const {
    inner.step(s.inner, groups, m);
  }
};
}  // namespace

TEST_CASE("optimizer laws catch an optimizer that does not optimize" * doctest::should_fail()) {
  laws::check_reduces_test_functions<double>(frozen{});
}
TEST_CASE("optimizer laws catch an optimizer that ignores group learning rates" * doctest::should_fail()) {
  laws::check_group_learning_rates<double>(ignores_group_rates{}, {.sphere_learning_rate = 0.05});
}
TEST_CASE("optimizer laws catch a state that reset() does not fully reset" * doctest::should_fail()) {
  laws::check_reset_reproducible<double>(leaky_reset{}, {.rosenbrock_learning_rate = 2e-4});
}
