// Tests for the parameter budget of search/latent_search.hpp and for search/tuned_selection.hpp: candidates over
// the budget are never kept, the budget error, and the pick after fine-tuning (every finite candidate tuned, the
// documented rule, figures of the returned network, determinism also across thread counts, bad options, and a
// budget for fine-tuning that prunes every candidate to it).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mutex>
#include <utility>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/search/tuned_selection.hpp>

using namespace swatnn;

namespace {
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu, paper_spec, float>;

data::split make_split(int n, unsigned seed) {
  std::srand(seed);
  data::split s;
  s.x = cpu::matrix<float>::Random(n, 2);
  s.y.resize(n, 1);
  for (int i = 0; i < n; ++i) s.y(i, 0) = std::tanh(1.5f * s.x(i, 0) - s.x(i, 1)) * 0.8f;
  return s;
}

const latent_search_options base{.restarts = 3, .iterations = 60, .seed = 5, .temperature = {.anneal_iterations = 30},
                                 .select_after = 30, .validation_every = 10};

double mse(const sparse_network<paper_spec, float>& net, const data::split& s) {
  return static_cast<double>((net.predict(s.x) - s.y).squaredNorm()) / static_cast<double>(s.y.size());
}

#if defined(_OPENMP)
// fine_tune_candidates run on one thread and then on two (the thread count is restored).
std::pair<tuned_selection<paper_spec>, tuned_selection<paper_spec>> on_one_and_two_threads(
    const search_result<paper_spec, float>& result, const data::split& train, const data::split& validation,
    const tuned_selection_options& options) {
  const int threads_before = omp_get_max_threads();
  omp_set_num_threads(1);
  auto one = fine_tune_candidates(result, train, validation, options);
  omp_set_num_threads(2);
  auto two = fine_tune_candidates(result, train, validation, options);
  omp_set_num_threads(threads_before);
  return {std::move(one), std::move(two)};
}
#endif
// What a latent search's callbacks see (search_step_info).
struct search_recorder {
  std::vector<double> train, loss;
  std::vector<std::uint64_t> scored_at;
  std::vector<double> scored;
  template <class Info>
  void step(const Info& info) {
    train.push_back(info.train_mse);
    loss.push_back(info.loss);
    if (info.validation) {
      scored_at.push_back(info.iteration);
      scored.push_back(*info.validation);
    }
  }
};
}  // namespace

TEST_CASE("a parameter budget keeps only networks within it") {
  tiny_ae ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  latent_search unbounded(ae, paper_regularizers(), adam{}, base);
  const auto free_run = unbounded.run(train, validation);
  int largest = 0, smallest = 1 << 30;
  for (const auto& c : free_run.candidates) {
    largest = std::max(largest, c.nonzero_parameters);
    smallest = std::min(smallest, c.nonzero_parameters);
  }
  REQUIRE(largest > 3);

  auto options = base;
  options.max_parameters = largest - 1;  // at least one unbounded candidate no longer fits
  latent_search bounded(ae, paper_regularizers(), adam{}, options);
  const auto result = bounded.run(train, validation);
  REQUIRE_FALSE(result.pareto.empty());
  for (const auto& c : result.candidates)
    if (std::isfinite(c.validation_mse)) {
      CHECK(c.nonzero_parameters <= options.max_parameters);
      CHECK(c.network.nonzero_parameters() == c.nonzero_parameters);
    }
  CHECK(result.best().nonzero_parameters <= options.max_parameters);

  options.max_parameters = 1;  // nothing the decoders produce is this small: a clear error, not a silent pick
  if (smallest > 1) {
    latent_search impossible(ae, paper_regularizers(), adam{}, options);
    CHECK_THROWS_WITH_AS(impossible.run(train, validation), doctest::Contains("max_parameters = 1"), training_error);
  }
  CHECK_THROWS_AS(latent_search(ae, paper_regularizers(), adam{}, {.max_parameters = -1}), value_error);
}

TEST_CASE("fine_tune_candidates tunes every finite candidate and picks the smallest within the tolerance") {
  tiny_ae ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  latent_search search(ae, paper_regularizers(), adam{}, base);
  const auto result = search.run(train, validation);
  const tuned_selection_options options{.tolerance = 0.05, .tune = {.max_iterations = 150, .patience = 50}};
  const auto selection = fine_tune_candidates(result, train, validation, options);

  std::size_t finite = 0;
  for (const auto& c : result.candidates) finite += std::isfinite(c.validation_mse) ? 1 : 0;
  REQUIRE(selection.tuned.size() == finite);
  double best = INFINITY;
  for (const auto& t : selection.tuned) {
    const auto& c = result.candidates.at(t.candidate);
    // fine-tuning keeps the structure and never ends worse on validation than where it started
    CHECK(t.tuned.net.depth == c.network.depth);
    CHECK(t.tuned.net.nonzero_parameters() <= c.network.nonzero_parameters());
    CHECK(t.tuned.validation_mse <= c.validation_mse * (1 + 1e-6));
    CHECK(t.tuned.validation_mse == doctest::Approx(mse(t.tuned.net, validation)).epsilon(1e-5));
    best = std::min(best, t.tuned.validation_mse);
  }
  const auto& pick = selection.best().tuned;
  CHECK(pick.validation_mse <= best * 1.05);
  for (const auto& t : selection.tuned)
    if (t.tuned.validation_mse <= best * 1.05) CHECK(t.tuned.net.nonzero_parameters() >= pick.net.nonzero_parameters());

  // a tolerance of 0 picks the best tuned validation MSE
  const auto strict = fine_tune_candidates(result, train, validation, {.tolerance = 0, .tune = options.tune});
  CHECK(strict.best().tuned.validation_mse == best);

  const auto again = fine_tune_candidates(result, train, validation, options);
  CHECK(again.chosen == selection.chosen);
  CHECK(again.best().tuned.validation_mse == pick.validation_mse);
#if defined(_OPENMP)
  // candidates are tuned in parallel with several threads: every tuned network is the one-thread result
  const auto [one, two] = on_one_and_two_threads(result, train, validation, options);
  REQUIRE(one.tuned.size() == two.tuned.size());
  for (std::size_t k = 0; k < one.tuned.size(); ++k) {
    CHECK(one.tuned[k].candidate == two.tuned[k].candidate);
    CHECK(one.tuned[k].tuned.validation_mse == two.tuned[k].tuned.validation_mse);
    CHECK(one.tuned[k].tuned.validation_curve == two.tuned[k].tuned.validation_curve);
  }
  CHECK(one.chosen == two.chosen);
#endif

  CHECK_THROWS_AS(fine_tune_candidates(result, train, validation, {.tolerance = -1}), value_error);
  search_result<paper_spec, float> empty;
  empty.candidates.resize(2);  // no finite validation MSE
  CHECK_THROWS_AS(fine_tune_candidates(empty, train, validation), training_error);
}

TEST_CASE("fine_tune_candidates with Levenberg-Marquardt tunes every candidate by the same contract") {
  tiny_ae ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  latent_search search(ae, paper_regularizers(), adam{}, base);
  const auto result = search.run(train, validation);
  const tuned_selection_options options{.tolerance = 0.05, .method = fine_tuner::levenberg_marquardt,
                                        .lm = {.max_iterations = 30, .patience = 10}};
  const auto selection = fine_tune_candidates(result, train, validation, options);
  REQUIRE_FALSE(selection.tuned.empty());
  double best = INFINITY;
  for (const auto& t : selection.tuned) {
    const auto& c = result.candidates.at(t.candidate);
    CHECK(t.tuned.net.depth == c.network.depth);
    CHECK(t.tuned.net.nonzero_parameters() <= c.network.nonzero_parameters());
    CHECK(t.tuned.validation_mse <= c.validation_mse * (1 + 1e-6));
    CHECK(t.tuned.iterations <= 30);
    CHECK(t.tuned.validation_mse == doctest::Approx(mse(t.tuned.net, validation)).epsilon(1e-5));
    best = std::min(best, t.tuned.validation_mse);
  }
  CHECK(selection.best().tuned.validation_mse <= best * 1.05);
}

TEST_CASE("fine_tune_candidates with a budget prunes every candidate to it, the same on one and two threads") {
  tiny_ae ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  latent_search search(ae, paper_regularizers(), adam{}, base);
  const auto result = search.run(train, validation);
  int largest = 0;
  for (const auto& c : result.candidates) largest = std::max(largest, c.nonzero_parameters);
  const int budget = 6;
  REQUIRE(largest > budget);  // some candidate has to be pruned
  const tuned_selection_options options{.method = fine_tuner::levenberg_marquardt, .lm = {.max_iterations = 20},
                                        .max_parameters = budget, .prune_round_iterations = 5};
  const auto selection = fine_tune_candidates(result, train, validation, options);
  for (const auto& t : selection.tuned) {
    CHECK(t.tuned.net.nonzero_parameters() <= budget);
    CHECK(t.tuned.net.depth == result.candidates.at(t.candidate).network.depth);
    CHECK(t.tuned.validation_mse == doctest::Approx(mse(t.tuned.net, validation)).epsilon(1e-5));
  }
#if defined(_OPENMP)
  const auto [one, two] = on_one_and_two_threads(result, train, validation, options);
  REQUIRE(one.tuned.size() == two.tuned.size());
  for (std::size_t k = 0; k < one.tuned.size(); ++k) {
    CHECK(one.tuned[k].tuned.validation_mse == two.tuned[k].tuned.validation_mse);
    CHECK(one.tuned[k].tuned.net.predict(validation.x) == two.tuned[k].tuned.net.predict(validation.x));
  }
#endif
  CHECK_THROWS_AS(fine_tune_candidates(result, train, validation, {.max_parameters = budget, .prune_fraction = 0}),
                  value_error);
}

TEST_CASE("latent_search's callbacks get the data MSE and, after each scoring, the lowest validation MSE so far") {
  tiny_ae ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  search_recorder seen;
  latent_search search(ae, paper_regularizers(), adam{}, base);
  const auto result = search.run(train, validation, seen);
  REQUIRE(seen.train.size() == base.iterations);
  for (std::size_t k = 0; k < seen.train.size(); ++k) {
    CHECK(std::isfinite(seen.train[k]));
    CHECK(seen.train[k] >= 0);
  }
  // scored at select_after, then every validation_every iterations: reported on the next step
  std::vector<std::uint64_t> expected;
  for (std::uint64_t it = base.select_after; it + 1 < base.iterations; it += base.validation_every) expected.push_back(it + 1);
  CHECK(seen.scored_at == expected);
  for (std::size_t k = 1; k < seen.scored.size(); ++k) CHECK(seen.scored[k] <= seen.scored[k - 1]);
  double best = std::numeric_limits<double>::infinity();
  for (const auto& c : result.candidates) best = std::min(best, c.validation_mse);
  REQUIRE_FALSE(seen.scored.empty());
  CHECK(seen.scored.back() >= best);  // the last scoring (the final iterate) is not reported: no step follows it
}

TEST_CASE("tuned_selection_options::on_step reports every update of every candidate, pruning rounds included") {
  tiny_ae ae({.seed = 9});
  const auto train = make_split(200, 1), validation = make_split(60, 2);
  latent_search search(ae, paper_regularizers(), adam{}, base);
  const auto result = search.run(train, validation);
  std::mutex mutex;
  std::vector<tuning_step> steps;
  tuned_selection_options options;
  options.method = fine_tuner::adam_then_levenberg_marquardt;
  options.tune.max_iterations = 30;
  options.tune.patience = 0;
  options.lm.max_iterations = 10;
  options.max_parameters = 6;
  options.prune_round_iterations = 5;
  options.on_step = [&](const tuning_step& t) {
    const std::lock_guard lock(mutex);
    steps.push_back(t);
  };
  const auto selection = fine_tune_candidates(result, train, validation, options);
  bool pruned = false, adam_part = false, lm_part = false;
  for (const auto& t : steps) {
    CHECK(std::isfinite(t.train_mse));
    CHECK(std::isfinite(t.validation_mse));
    pruned = pruned || t.round > 0;
    adam_part = adam_part || (t.round == 0 && !t.levenberg_marquardt);
    lm_part = lm_part || (t.round == 0 && t.levenberg_marquardt);
    if (t.round > 0) CHECK(t.iteration < 5);  // capped at prune_round_iterations
  }
  CHECK(pruned);
  CHECK(adam_part);
  CHECK(lm_part);
  for (const auto& t : selection.tuned) {  // every candidate's final Adam run is reported, update by update
    int updates = 0;
    for (const auto& s : steps) updates += s.candidate == t.candidate && s.round == 0 && !s.levenberg_marquardt;
    CHECK(updates == 30);
  }
}
