// Tests for search/latent_search.hpp: the gradient of one search iteration (gates, soft eval, penalties,
// decoders) against finite differences in double for every latent cell and threshold, a whole run's result
// (candidates, Pareto front, the selection rule, clamped thresholds), determinism (also across thread counts),
// and errors.
#include <doctest/doctest.h>

#include <cmath>
#include <span>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/search/latent_search.hpp>

#include "support/search_gradient.hpp"

using namespace swatnn;

namespace {
template <class T>
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu, paper_spec, T>;

data::split make_split(int n, std::uint64_t seed) {
  data::split s;
  s.x = cpu::matrix<float>::Random(n, 2);
  (void)seed;
  s.y.resize(n, 1);
  for (int i = 0; i < n; ++i) s.y(i, 0) = std::tanh(1.5f * s.x(i, 0) - s.x(i, 1)) * 0.8f;
  return s;
}
}  // namespace

TEST_CASE("one search iteration's gradient matches finite differences for latents and thresholds") {
  tiny_ae<double> ae({.seed = 4});
  latent_search search(ae, paper_regularizers(), adam{},
                       {.restarts = 2, .weight_sharpness = 8, .neuron_sharpness = 6});
  search.initialize();
  search.thresholds()[1] = 0.3;
  search.thresholds()[3] = 0.1;
  cpu::matrix<double> x = cpu::matrix<double>::Random(12, 2);
  cpu::matrix<double> y = cpu::matrix<double>::Random(12, 1);
  test::check_search_gradient(search, x, y, 0.6, {0, 1}, /*thresholds=*/true);
}

TEST_CASE("a search run returns every candidate, a Pareto front and the documented pick") {
  tiny_ae<float> ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  const latent_search_options options{.restarts = 3, .iterations = 80, .seed = 5,
                                      .temperature = {.anneal_iterations = 40}, .select_after = 40,
                                      .validation_every = 10};
  latent_search search(ae, paper_regularizers(), adam{}, options);
  const auto result = search.run(train, validation);
  REQUIRE(result.candidates.size() == 6);
  CHECK(result.curve.size() == 2);
  REQUIRE_FALSE(result.pareto.empty());
  // the front is sorted by size with strictly falling validation MSE
  for (std::size_t k = 1; k < result.pareto.size(); ++k) {
    const auto& a = result.candidates[result.pareto[k - 1]];
    const auto& b = result.candidates[result.pareto[k]];
    CHECK(a.nonzero_parameters <= b.nonzero_parameters);
    CHECK(b.validation_mse < a.validation_mse);
  }
  // no candidate dominates a front member
  for (std::size_t k : result.pareto)
    for (const auto& c : result.candidates)
      CHECK_FALSE((c.nonzero_parameters < result.candidates[k].nonzero_parameters &&
                   c.validation_mse < result.candidates[k].validation_mse));
  // the pick: the smallest front member within 5 % of the best validation MSE
  const double best = result.candidates[result.pareto.back()].validation_mse;
  const auto& pick = result.best();
  CHECK(pick.validation_mse <= best * 1.05);
  for (std::size_t k : result.pareto)
    if (result.candidates[k].validation_mse <= best * 1.05)
      CHECK(result.candidates[k].nonzero_parameters >= pick.nonzero_parameters);
  // the reported figures are those of the returned network
  CHECK(pick.network.nonzero_parameters() == pick.nonzero_parameters);
  const cpu::matrix<float> pred = pick.network.predict(validation.x);
  CHECK(static_cast<double>((pred - validation.y).squaredNorm()) / 60.0 == doctest::Approx(pick.validation_mse));
  for (float t : search.thresholds()) {
    CHECK(t >= 0.0f);
    CHECK(t <= 3.0f);
  }

  latent_search again(ae, paper_regularizers(), adam{}, options);
  const auto repeat = again.run(train, validation);
  CHECK(repeat.chosen == result.chosen);
  CHECK(repeat.best().validation_mse == result.best().validation_mse);
}

#if defined(_OPENMP)
TEST_CASE("a search gives the same result on one thread and on two, where its levels run in parallel") {
  tiny_ae<float> ae({.seed = 3});
  const auto train = make_split(300, 1), validation = make_split(60, 2);
  const latent_search_options options{.restarts = 2, .iterations = 60, .seed = 8,
                                      .temperature = {.anneal_iterations = 30}, .select_after = 30,
                                      .validation_every = 10};
  const int threads_before = omp_get_max_threads();
  auto run_on = [&](int threads) {
    omp_set_num_threads(threads);
    latent_search search(ae, paper_regularizers(), adam{}, options);
    return search.run(train, validation);
  };
  const auto one = run_on(1);
  const auto two = run_on(2);
  omp_set_num_threads(threads_before);
  REQUIRE(one.candidates.size() == two.candidates.size());
  for (std::size_t k = 0; k < one.candidates.size(); ++k) {
    CAPTURE(k);
    CHECK(one.candidates[k].validation_mse == two.candidates[k].validation_mse);
    CHECK(one.candidates[k].iteration == two.candidates[k].iteration);
    CHECK(one.candidates[k].nonzero_parameters == two.candidates[k].nonzero_parameters);
  }
  REQUIRE(one.curve.size() == two.curve.size());
  for (std::size_t k = 0; k < one.curve.size(); ++k) CHECK(one.curve[k].best_loss_by_level == two.curve[k].best_loss_by_level);
  CHECK(one.chosen == two.chosen);
}
#endif

TEST_CASE("a neuron-sharpness ramp changes the search, keeps it deterministic, and its gradient is exact") {
  tiny_ae<float> ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  latent_search_options options{.restarts = 2, .iterations = 60, .seed = 5, .temperature = {.anneal_iterations = 30},
                                .select_after = 30, .validation_every = 10};
  latent_search fixed(ae, paper_regularizers(), adam{}, options);
  const auto a = fixed.run(train, validation);
  options.neuron_sharpness_start = 5;
  latent_search ramp(ae, paper_regularizers(), adam{}, options);
  const auto b = ramp.run(train, validation);
  latent_search again(ae, paper_regularizers(), adam{}, options);
  const auto c = again.run(train, validation);
  REQUIRE(a.curve.size() == b.curve.size());
  CHECK(a.curve[0].best_loss_by_level != b.curve[0].best_loss_by_level);  // iteration 0 ran with k_n = 5, not 200
  CHECK(b.curve.back().best_loss_by_level == c.curve.back().best_loss_by_level);
  CHECK(b.best().validation_mse == c.best().validation_mse);

  // the gradient at the ramp's first sharpness (what initialize() sets) matches finite differences
  tiny_ae<double> ae_d({.seed = 4});
  latent_search check(ae_d, paper_regularizers(), adam{},
                      {.restarts = 1, .weight_sharpness = 8, .neuron_sharpness = 200, .neuron_sharpness_start = 3});
  check.initialize();
  cpu::matrix<double> x = cpu::matrix<double>::Random(12, 2);
  cpu::matrix<double> y = cpu::matrix<double>::Random(12, 1);
  test::check_search_gradient(check, x, y, 0.6, {0}, /*thresholds=*/false);
}

TEST_CASE("a search stopped by a callback still returns the networks where it stopped") {
  tiny_ae<float> ae({.seed = 9});
  const auto train = make_split(100, 1), validation = make_split(30, 2);
  struct stop_at_7 {
    int calls = 0;
    bool step(const step_info<float>& info) {
      ++calls;
      return info.iteration == 7;
    }
  } stopper;
  latent_search search(ae, paper_regularizers(), adam{}, {.restarts = 2, .iterations = 500, .select_after = 300});
  const auto result = search.run(train, validation, stopper);
  CHECK(stopper.calls == 8);
  REQUIRE_FALSE(result.pareto.empty());
  for (const auto& c : result.candidates) {
    CHECK(c.iteration == 7);
    CHECK(std::isfinite(c.validation_mse));
  }
}

TEST_CASE("latent search rejects bad options and data") {
  tiny_ae<float> ae;
  CHECK_THROWS_AS(latent_search(ae, paper_regularizers(), adam{}, {.restarts = 0}), value_error);
  CHECK_THROWS_AS(latent_search(ae, paper_regularizers(), adam{}, {.validation_every = 0}), value_error);
  CHECK_THROWS_WITH_AS(latent_search(ae, paper_regularizers(), adam{}, {.neuron_sharpness_start = -1}),
                       doctest::Contains("neuron_sharpness_start"), value_error);
  latent_search search(ae, paper_regularizers(), adam{}, {.iterations = 2});
  auto train = make_split(20, 1);
  data::split three;
  three.x = cpu::matrix<float>::Zero(20, 3);
  three.y = cpu::matrix<float>::Zero(20, 1);
  CHECK_THROWS_WITH_AS(search.run(three, train), doctest::Contains("3 inputs"), shape_error);
  auto bad = train;
  bad.y(3, 0) = std::nanf("");
  CHECK_THROWS_WITH_AS(search.run(train, bad), doctest::Contains("NaN"), value_error);
  CHECK_THROWS_AS(search.run(train, data::split{}), value_error);
}
