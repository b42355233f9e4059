// The user-written Optimizer and Callback of docs/concepts.md, compiled and run here so the documentation
// cannot rot: each `// example: NAME` ... `// end example: NAME` region below must equal, line for line,
// the code block after `<!-- example: NAME -->` in docs/concepts.md (checked by the last test case).
#include <doctest/doctest.h>

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/minimize.hpp>
#include <swatnn/optim/optimizer.hpp>

#include "laws/optimizer_laws.hpp"
#include "support/doc_examples.hpp"

// example: user-optimizer
// Sign descent: p <- p - lr * sign(g). Hyperparameters in the struct, run state in sign_descent::state.
struct sign_descent {
  double lr = 0.01;

  template <class T>
  struct state {
    std::uint64_t steps = 0;
    std::uint64_t step_count() const { return steps; }
    void reset() { steps = 0; }
  };

  template <class T>
  state<T> make_state(swatnn::parameter_groups<T>) const { return {}; }

  template <class T>
  void step(state<T>& s, std::type_identity_t<swatnn::parameter_groups<T>> groups, double lr_multiplier) const {
    ++s.steps;
    for (const swatnn::parameter_group<T>& g : groups) {
      const T rate = static_cast<T>(g.learning_rate.value_or(lr) * lr_multiplier);
      for (std::size_t i = 0; i < g.values.size(); ++i) {
        g.values[i] -= rate * static_cast<T>((g.gradients[i] > T(0)) - (g.gradients[i] < T(0)));
      }
    }
  }
};
static_assert(swatnn::optimizer<sign_descent, float> && swatnn::optimizer<sign_descent, double>);
// end example: user-optimizer

// example: user-callback
// Stops the run as soon as the loss is below a target; remembers when.
struct stop_below {
  double target = 1e-6;
  std::uint64_t reached_at = 0;

  template <class Info>
  void begin(const Info&) { reached_at = 0; }

  template <class Info>
  bool step(const Info& info) {  // true = stop
    if (info.loss >= target) return false;
    reached_at = info.iteration;
    return true;
  }
};
static_assert(swatnn::callback<stop_below, swatnn::step_info<double>>);
// end example: user-callback

TEST_CASE("docs/concepts.md examples: the user optimizer and callback work with minimize") {
  // example: usage
  std::vector<double> x{1.5, -2.0}, grad(2);
  std::vector<swatnn::parameter_group<double>> groups{{.values = x, .gradients = grad}};
  auto sphere = [](swatnn::parameter_groups<double> gs) {  // f = |x|^2, writes the gradient
    double f = 0;
    for (std::size_t i = 0; i < gs[0].values.size(); ++i) {
      f += gs[0].values[i] * gs[0].values[i];
      gs[0].gradients[i] = 2 * gs[0].values[i];
    }
    return f;
  };
  stop_below stop{.target = 1e-3};
  const swatnn::minimize_result result =
      swatnn::minimize(sphere, groups, sign_descent{.lr = 0.01}, swatnn::minimize_options{.max_iterations = 1000}, stop);
  // end example: usage
  CHECK(result.stopped_by_callback);
  CHECK(stop.reached_at == result.iterations);
  CHECK(stop.reached_at > 150);  // sign descent moves 0.01 per coordinate and step: 2.0 needs ~200 steps
  CHECK(stop.reached_at < 210);
  CHECK(sphere(groups) < 1e-3);
}

TEST_CASE("docs/concepts.md examples: the user optimizer passes the optimizer laws") {
  const swatnn::laws::optimizer_law_options o{.sphere_learning_rate = 0.01, .sphere_iterations = 1000,
                                              .sphere_reduction = 1e-3, .rosenbrock_learning_rate = 1e-3,
                                              .rosenbrock_iterations = 5000, .rosenbrock_reduction = 1e-2};
  swatnn::laws::check_optimizer_laws<double>(sign_descent{}, o);
  swatnn::laws::check_optimizer_laws<float>(sign_descent{}, o);
}

TEST_CASE("docs/concepts.md shows exactly the examples compiled in this file") {
  namespace t = swatnn::test;
  const auto doc = t::lines_of(t::source_dir() / "docs" / "concepts.md");
  const auto self = t::lines_of(t::source_dir() / "tests" / "optim" / "concept_examples.cpp");
  for (const std::string name : {"user-optimizer", "user-callback", "usage"}) {
    CAPTURE(name);
    const auto in_code = t::code_region(self, "// example: " + name, "// end example: " + name);
    // In the doc: the ```cpp block right after the marker line.
    const t::doc_code_block in_doc = t::doc_code_block_after(doc, "<!-- example: " + name + " -->");
    REQUIRE_MESSAGE(in_doc.has_marker(), "docs/concepts.md lacks the marker of example " << name);
    CHECK(in_doc.fence_right_after_marker());
    CHECK(in_doc.closed);
    REQUIRE_FALSE(in_code.empty());
    CHECK(in_doc.code == in_code);
  }
}
