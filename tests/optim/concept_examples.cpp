// The user-written Optimizer and Callback of docs/concepts.md, compiled and run here so the documentation cannot
// rot: the page shows the `// example: NAME` regions below (tests/docs/pages.cpp checks it, line for line). The
// optimizer passes the optimizer laws, and drives the loops it is written for: minimize, a latent search on the
// shipped model and an autoencoder training step, where one update is checked bit for bit against sign descent
// computed by hand from the loop's own gradient.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/data/cornn.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/minimize.hpp>
#include <swatnn/optim/optimizer.hpp>
#include <swatnn/search/latent_search.hpp>

#include "laws/optimizer_laws.hpp"

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

namespace {

// sign(g) as the documented optimizer computes it.
template <class T>
T sign_of(T g) {
  return static_cast<T>((g > T(0)) - (g < T(0)));
}

// Counts the step hooks a loop calls (taken by forwarding reference: a temporary or a named object).
struct step_counter {
  std::uint64_t steps = 0;
  void step(const swatnn::step_info<float>&) { ++steps; }
};

// An optimizer whose step deduces T from the span of groups (no std::type_identity_t): the concept accepts it, so
// every loop must pass the groups as a parameter_groups<T> span (a std::vector would not deduce).
struct deducing_sign_descent {
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
  void step(state<T>& s, swatnn::parameter_groups<T> groups, double lr_multiplier) const {
    ++s.steps;
    for (const swatnn::parameter_group<T>& g : groups) {
      const T rate = static_cast<T>(g.learning_rate.value_or(lr) * lr_multiplier);
      for (std::size_t i = 0; i < g.values.size(); ++i) g.values[i] -= rate * sign_of(g.gradients[i]);
    }
  }
};

// What the concept rejects: a step without the learning-rate multiplier, a non-const step, a state without reset.
struct two_argument_step {
  template <class T>
  sign_descent::state<T> make_state(swatnn::parameter_groups<T>) const { return {}; }
  template <class T>
  void step(sign_descent::state<T>&, std::type_identity_t<swatnn::parameter_groups<T>>) const {}
};
struct mutable_step {
  template <class T>
  sign_descent::state<T> make_state(swatnn::parameter_groups<T>) const { return {}; }
  template <class T>
  void step(sign_descent::state<T>&, std::type_identity_t<swatnn::parameter_groups<T>>, double) {}
};

using tiny_ae = swatnn::multiscale_autoencoder<swatnn::transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                               swatnn::transformer_decoder<{.heads = 2, .blocks = 1}>,
                                               swatnn::scales<1, 2>, swatnn::cpu, swatnn::network_spec<2, 1, 2, 4>>;

}  // namespace

static_assert(swatnn::optimizer<deducing_sign_descent, float>);
static_assert(!swatnn::optimizer<two_argument_step, float>);
static_assert(!swatnn::optimizer<mutable_step, float>);

TEST_CASE("docs/concepts.md examples: the user optimizer drives a latent search on the shipped model") {
  swatnn::swat_small_autoencoder<> ae;
  swatnn::load_model(ae, swatnn::default_model_path());
  const auto d = swatnn::cornn::load("Booth");
  constexpr int levels = swatnn::swat_small_autoencoder<>::levels;

  SUBCASE("one iteration: every latent and threshold moved by lr * sign(gradient), then clamped") {
    const swatnn::latent_search_options o{.restarts = 2, .iterations = 1, .seed = 3};
    // the gradient at the start, computed by the search's own loss_and_gradient
    swatnn::latent_search reference(ae, swatnn::paper_regularizers(), sign_descent{}, o);
    reference.initialize();
    reference.loss_and_gradient(d.train.x.cast<float>(), d.train.y.cast<float>(), static_cast<float>(o.temperature(0)));

    swatnn::latent_search search(ae, swatnn::paper_regularizers(), sign_descent{.lr = 0.5}, o);
    const auto result = search.run(d.train, d.validation, step_counter{});
    CHECK(result.candidates.size() == static_cast<std::size_t>(levels * o.restarts));
    const auto latent_rate = static_cast<float>(o.latent_lr * 1.0);  // the group's own rate, not sign_descent::lr
    std::size_t moved = 0, cells = 0;
    for (int level = 0; level < levels; ++level) {
      const auto& z0 = reference.latent(level);
      const auto& g = reference.latent_gradient(level);
      const auto& z1 = search.latent(level);
      REQUIRE(z1.size() == z0.size());
      for (Eigen::Index k = 0; k < z0.size(); ++k) {
        const float want = z0.data()[k] - latent_rate * sign_of(g.data()[k]);
        CHECK_MESSAGE(z1.data()[k] == want, "level " << level << " cell " << k);
        moved += z1.data()[k] != z0.data()[k];
        ++cells;
      }
    }
    CHECK(moved > cells * 9 / 10);  // the gradient reaches (nearly) every latent cell
    const auto threshold_rate = static_cast<float>(o.threshold_lr * 1.0);
    for (std::size_t k = 0; k < search.thresholds().size(); ++k) {
      const float want = std::clamp(0.0f - threshold_rate * sign_of(reference.threshold_gradients()[k]), 0.0f,
                                    static_cast<float>(o.threshold_max));
      CHECK(search.thresholds()[k] == want);
    }
  }

  SUBCASE("a short search: every candidate scored, a pick, the callbacks called") {
    const swatnn::latent_search_options o{.restarts = 1, .iterations = 30, .select_after = 10, .validation_every = 10};
    swatnn::latent_search search(ae, swatnn::paper_regularizers(), sign_descent{}, o);
    step_counter counter;
    stop_below never{.target = -1.0};  // the documented callback too, by lvalue
    const auto result = search.run(d.train, d.validation, counter, never);
    CHECK(counter.steps == o.iterations);
    REQUIRE(result.candidates.size() == static_cast<std::size_t>(levels));
    for (const auto& c : result.candidates) CHECK(std::isfinite(c.validation_mse));
    CHECK(std::isfinite(result.best().validation_mse));
    // the same with an optimizer that deduces T from the span: the search passes parameter_groups<T>
    swatnn::latent_search deducing(ae, swatnn::paper_regularizers(), deducing_sign_descent{}, o);
    const auto same = deducing.run(d.train, d.validation);
    CHECK(same.best().validation_mse == result.best().validation_mse);
  }
}

TEST_CASE("docs/concepts.md examples: the user optimizer drives an autoencoder training step") {
  swatnn::basic_trainer_options<sign_descent> o;
  o.seed = 5;
  o.generator = {.networks = 4, .points = 16};
  o.optimizer = sign_descent{.lr = 1e-3};
  o.steps = 1;
  tiny_ae ae({.seed = 2});
  tiny_ae reference({.seed = 2});
  // the trainer's first batch and its gradient, computed by hand
  swatnn::network_generator<tiny_ae::spec, float> generator(o.generator, o.seed);
  swatnn::generated_batch<tiny_ae::spec, float> batch;
  generator.next(batch);
  reference.parameters().zero_gradients();
  reference.forward(batch);
  reference.backward(batch);

  swatnn::autoencoder_trainer trainer(ae, o);
  static_assert(!decltype(trainer)::resumable);  // sign_descent's state has no moments to save
  const auto summary = trainer.run(step_counter{});
  CHECK(summary.steps == 1);
  CHECK(trainer.step() == 1);
  const auto before = reference.parameters().values();
  const auto gradient = reference.parameters().gradients();
  const auto after = ae.parameters().values();
  REQUIRE(after.size() == before.size());
  std::size_t moved = 0;
  for (std::size_t k = 0; k < after.size(); ++k) {
    const float want = before[k] - static_cast<float>(1e-3 * 1.0) * sign_of(gradient[k]);
    CHECK_MESSAGE(after[k] == want, "parameter " << k);
    moved += after[k] != before[k];
  }
  CHECK(moved > after.size() / 2);

  // checkpoints need a resumable state: refused up front, not at the first save
  o.checkpoint_path = std::filesystem::temp_directory_path() / "swatnn_sign_descent.ckpt";
  CHECK_THROWS_AS(swatnn::autoencoder_trainer(ae, o), swatnn::value_error);
  // the default (Adam) trainer still deduces from braced options and saves checkpoints
  swatnn::autoencoder_trainer adam_trainer(ae, {.generator = {.networks = 2, .points = 8}, .steps = 1});
  static_assert(std::is_same_v<decltype(adam_trainer), swatnn::autoencoder_trainer<tiny_ae, swatnn::adam>>);
  static_assert(decltype(adam_trainer)::resumable);
  CHECK(adam_trainer.step() == 0);
}
