// swatnn/search/tuned_selection.hpp: model selection AFTER fine-tuning (our addition; method.md §7). The search's
// own pick compares extracted networks as they come out of the decoder; a smaller network often closes the gap
// once its surviving weights are fine-tuned. fine_tune_candidates fine-tunes every candidate of a latent_search
// result (each (level, restart) latent's best-validation network; candidates that produced no finite validation
// MSE, e.g. none within a parameter budget, are skipped) and picks the smallest network whose tuned validation
// MSE is within (1 + tolerance) of the best tuned validation MSE (ties: the lower validation MSE). Selection uses
// the validation split only, never test. With several OpenMP threads the candidates are tuned in parallel.
// With a budget (tuned_selection_options::max_parameters) every candidate over it is first pruned to it while it is
// fine-tuned (prune_and_tune, search/prune.hpp), so the search can run without a budget of its own.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>
#include <swatnn/search/latent_search.hpp>
#include <swatnn/search/prune.hpp>

namespace swatnn {

// What tuned_selection_options::on_step receives.
struct tuning_step {
  std::size_t candidate = 0;  // index into search_result::candidates
  int round = 0;              // 0: the final fine-tuning; k > 0: the tuning after pruning round k (prune_and_tune)
  bool levenberg_marquardt = false;  // the part of the tuning: Levenberg-Marquardt, else Adam
  std::uint64_t iteration = 0;       // within the part (0-based)
  double train_mse = 0, validation_mse = 0;  // scaled units (the splits')
};

struct tuned_selection_options {
  double tolerance = 0.05;                  // the smallest network within (1 + tolerance) x the best tuned validation MSE
  fine_tuner method = fine_tuner::adam;     // how each candidate is fine-tuned
  fine_tune_options<> tune = {};            // for the Adam part (fine_tuner::adam, adam_then_levenberg_marquardt)
  levenberg_marquardt_options lm = {};      // for the Levenberg-Marquardt part
  int max_parameters = 0;                   // > 0: a budget; a candidate with more nonzero parameters is first pruned
                                            // to it (prune_to_budget) before its fine-tuning (0: no budget)
  double prune_fraction = 0.25;             // prune_options::fraction
  int prune_round_iterations = 50;          // between pruning rounds the network is tuned by Adam (whatever
                                            // `method`) for at most this many iterations (> 0)
  // When set, fine_tune_candidates calls it after every update of every candidate's tuning (progress, logs). With
  // several OpenMP threads it is called from several threads at once: it must be thread-safe.
  std::function<void(const tuning_step&)> on_step{};
};

// Fine-tunes one network as `options.method` says (see fine_tuner). options.max_parameters is not applied here
// (see prune_and_tune).
// `callbacks...` go to every part (fine_tune, fine_tune_lm).
template <network_spec_type S, class... Callbacks>
fine_tune_result<S> fine_tune_with(const sparse_network<S, float>& net, const data::split& train,
                                   const data::split& validation, const tuned_selection_options& options,
                                   Callbacks&&... callbacks) {
  switch (options.method) {
    case fine_tuner::levenberg_marquardt: return fine_tune_lm(net, train, validation, options.lm, callbacks...);
    case fine_tuner::adam_then_levenberg_marquardt:
      return polish_lm(fine_tune(net, train, validation, options.tune, callbacks...), train, validation, options.lm,
                       callbacks...);
    case fine_tuner::adam: break;
  }
  return fine_tune(net, train, validation, options.tune, callbacks...);
}

namespace detail {
// The callback prune_and_tune gives every part of a candidate's tuning when options.on_step is set.
struct tuning_reporter {
  const tuned_selection_options* options = nullptr;
  tuning_step current{};
  int parts = 0;  // begin() calls so far: the second part of adam+lm is Levenberg-Marquardt
  template <class Info>
  void begin(const Info&) {
    current.levenberg_marquardt = options->method == fine_tuner::levenberg_marquardt ||
                                  (options->method == fine_tuner::adam_then_levenberg_marquardt && parts > 0);
    ++parts;
  }
  template <class Info>
  void step(const Info& info) {
    if (!options->on_step) return;
    current.iteration = info.iteration;
    current.train_mse = info.loss;
    current.validation_mse = info.validation ? static_cast<double>(*info.validation) : current.validation_mse;
    options->on_step(current);
  }
};
}  // namespace detail

namespace detail {
inline void check_budget_options(const tuned_selection_options& options, int outputs) {
  if (options.max_parameters < 0) throw value_error("tuned_selection_options.max_parameters must be >= 0 (0: no budget)");
  if (options.max_parameters == 0) return;
  check_prune_options({.max_parameters = options.max_parameters, .fraction = options.prune_fraction}, outputs);
  if (options.prune_round_iterations <= 0) throw value_error("tuned_selection_options.prune_round_iterations must be > 0");
}
}  // namespace detail

// Prunes `net` to options.max_parameters when it is over that budget (prune_to_budget, tuned by Adam between rounds
// for at most prune_round_iterations updates, whatever options.method), then fine-tunes it as options.method says.
// options.on_step, when set, gets every update (`candidate` is reported as given).
template <network_spec_type S>
fine_tune_result<S> prune_and_tune(const sparse_network<S, float>& net, const data::split& train,
                                   const data::split& validation, const tuned_selection_options& options,
                                   std::size_t candidate = 0) {
  detail::check_budget_options(options, S::outputs);
  sparse_network<S, float> start = net;
  int rounds = 0;
  auto tune = [&](const sparse_network<S, float>& n, const tuned_selection_options& o) {
    if (!options.on_step) return fine_tune_with(n, train, validation, o);
    detail::tuning_reporter reporter;
    reporter.options = &options;
    reporter.current.candidate = candidate;
    reporter.current.round = rounds;
    return fine_tune_with(n, train, validation, o, reporter);
  };
  if (options.max_parameters > 0 && net.nonzero_parameters() > options.max_parameters) {
    // The rounds are tuned by Adam whatever the method: Levenberg-Marquardt fits the pruned network so tightly that
    // every weight becomes essential (after a round the weakest weight's removal changed the outputs by as much as
    // their RMS), the next round's removal then wrecks it and the budgeted candidates ended near the constant
    // predictor (--prune-to 30 --tune-method adam+lm on sin(x1) * x2: validation MSE 0.155 scaled, the training
    // mean's 0.185; with Adam rounds 0.00027 at 28 parameters). The method's own tuning runs after the last round.
    tuned_selection_options round = options;
    round.method = fine_tuner::adam;
    round.tune.max_iterations = std::min(round.tune.max_iterations, options.prune_round_iterations);
    start = prune_to_budget(net, train.x, {.max_parameters = options.max_parameters, .fraction = options.prune_fraction},
                            [&](const sparse_network<S, float>& n) {
                              ++rounds;
                              return tune(n, round).net;
                            });
  }
  rounds = 0;
  return tune(start, options);
}

template <network_spec_type S>
struct tuned_candidate {
  std::size_t candidate = 0;  // index into search_result::candidates
  fine_tune_result<S> tuned;  // the fine-tuned network and its train / validation MSE
};

template <network_spec_type S>
struct tuned_selection {
  std::vector<tuned_candidate<S>> tuned;  // in candidate order
  std::size_t chosen = 0;                 // index into `tuned`
  const tuned_candidate<S>& best() const { return tuned.at(chosen); }
};

// The selection rule, on any `count` tuned networks (`tuned(k)` returns the k-th fine_tune_result): the index of
// the smallest network (nonzero parameters) whose validation MSE is within (1 + tolerance) x the best validation
// MSE; equal sizes go to the lower validation MSE, then to the earlier one. Used by fine_tune_candidates and by
// the staged baselines (baselines/staged.hpp), so both pick the same way. Throws training_error (naming `who`)
// when no network has a finite validation MSE.
template <class Tuned>
std::size_t select_within_tolerance(std::size_t count, Tuned&& tuned, double tolerance, const char* who) {
  double best = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < count; ++k) best = std::min(best, tuned(k).validation_mse);
  if (!std::isfinite(best))
    throw training_error(std::string(who) + ": no fine-tuned candidate has a finite validation MSE");
  std::size_t chosen = 0;
  bool found = false;
  for (std::size_t k = 0; k < count; ++k) {
    const auto& t = tuned(k);
    if (!(t.validation_mse <= best * (1.0 + tolerance))) continue;
    const auto& current = tuned(chosen);
    const int size = t.net.nonzero_parameters(), current_size = current.net.nonzero_parameters();
    if (!found || size < current_size || (size == current_size && t.validation_mse < current.validation_mse)) {
      chosen = k;
      found = true;
    }
  }
  return chosen;
}

template <network_spec_type S>
tuned_selection<S> fine_tune_candidates(const search_result<S, float>& result, const data::split& train,
                                        const data::split& validation, const tuned_selection_options& options = {}) {
  if (!(options.tolerance >= 0) || !std::isfinite(options.tolerance))
    throw value_error("tuned_selection_options.tolerance must be finite and >= 0");
  detail::check_budget_options(options, S::outputs);
  tuned_selection<S> selection;
  for (std::size_t k = 0; k < result.candidates.size(); ++k)
    if (std::isfinite(result.candidates[k].validation_mse)) selection.tuned.push_back({.candidate = k, .tuned = {}});
  if (selection.tuned.empty())
    throw training_error("fine_tune_candidates: the search result has no candidate with a finite validation MSE");
  // The candidates are independent: with several threads they are tuned in parallel, each on one thread, which
  // gives the same networks as a one-thread run.
  const auto count = static_cast<std::ptrdiff_t>(selection.tuned.size());
  std::vector<std::exception_ptr> errors(selection.tuned.size());
#pragma omp parallel for schedule(dynamic, 1) if (count > 1)
  for (std::ptrdiff_t k = 0; k < count; ++k) {
    auto& t = selection.tuned[static_cast<std::size_t>(k)];
    try {
      t.tuned = prune_and_tune(result.candidates[t.candidate].network, train, validation, options, t.candidate);
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);

  selection.chosen = select_within_tolerance(
      selection.tuned.size(), [&](std::size_t k) -> const fine_tune_result<S>& { return selection.tuned[k].tuned; },
      options.tolerance, "fine_tune_candidates");
  return selection;
}

}  // namespace swatnn
