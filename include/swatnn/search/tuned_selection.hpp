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
#include <exception>
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

struct tuned_selection_options {
  double tolerance = 0.05;                  // the smallest network within (1 + tolerance) x the best tuned validation MSE
  fine_tuner method = fine_tuner::adam;     // how each candidate is fine-tuned
  fine_tune_options<> tune = {};            // for the Adam part (fine_tuner::adam, adam_then_levenberg_marquardt)
  levenberg_marquardt_options lm = {};      // for the Levenberg-Marquardt part
  int max_parameters = 0;                   // > 0: a budget; a candidate with more nonzero parameters is first pruned
                                            // to it (prune_to_budget) before its fine-tuning (0: no budget)
  double prune_fraction = 0.25;             // prune_options::fraction
  int prune_round_iterations = 50;          // each part of the fine-tuning between pruning rounds runs at most this
                                            // many iterations (> 0)
};

// Fine-tunes one network as `options.method` says (see fine_tuner). options.max_parameters is not applied here
// (see prune_and_tune).
template <network_spec_type S>
fine_tune_result<S> fine_tune_with(const sparse_network<S, float>& net, const data::split& train,
                                   const data::split& validation, const tuned_selection_options& options) {
  switch (options.method) {
    case fine_tuner::levenberg_marquardt: return fine_tune_lm(net, train, validation, options.lm);
    case fine_tuner::adam_then_levenberg_marquardt:
      return polish_lm(fine_tune(net, train, validation, options.tune), train, validation, options.lm);
    case fine_tuner::adam: break;
  }
  return fine_tune(net, train, validation, options.tune);
}

namespace detail {
inline void check_budget_options(const tuned_selection_options& options, int outputs) {
  if (options.max_parameters < 0) throw value_error("tuned_selection_options.max_parameters must be >= 0 (0: no budget)");
  if (options.max_parameters == 0) return;
  check_prune_options({.max_parameters = options.max_parameters, .fraction = options.prune_fraction}, outputs);
  if (options.prune_round_iterations <= 0) throw value_error("tuned_selection_options.prune_round_iterations must be > 0");
}
}  // namespace detail

// Prunes `net` to options.max_parameters when it is over that budget (prune_to_budget, fine-tuning between rounds
// with at most prune_round_iterations per part), then fine-tunes it as options.method says.
template <network_spec_type S>
fine_tune_result<S> prune_and_tune(const sparse_network<S, float>& net, const data::split& train,
                                   const data::split& validation, const tuned_selection_options& options) {
  detail::check_budget_options(options, S::outputs);
  sparse_network<S, float> start = net;
  if (options.max_parameters > 0 && net.nonzero_parameters() > options.max_parameters) {
    tuned_selection_options round = options;
    round.tune.max_iterations = std::min(round.tune.max_iterations, options.prune_round_iterations);
    round.lm.max_iterations = std::min(round.lm.max_iterations, options.prune_round_iterations);
    start = prune_to_budget(net, train.x, {.max_parameters = options.max_parameters, .fraction = options.prune_fraction},
                            [&](const sparse_network<S, float>& n) { return fine_tune_with(n, train, validation, round).net; });
  }
  return fine_tune_with(start, train, validation, options);
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
      t.tuned = prune_and_tune(result.candidates[t.candidate].network, train, validation, options);
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
