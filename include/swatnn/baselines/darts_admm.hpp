// swatnn/baselines/darts_admm.hpp: the paper's staged baseline, DARTS followed by ADMM pruning (Liu, Simonyan, Yang,
// "DARTS: Differentiable Architecture Search", ICLR 2019; Zhang et al., "A Systematic DNN Weight Pruning Framework
// using Alternating Direction Method of Multipliers", ECCV 2018). Our own code:
//   1. first-order DARTS over the family (baselines/darts_supernet.hpp), discretized by argmax;
//   2. the discrete network retrained with Adam (fine_tune, every weight);
//   3. per budget: ADMM pruning to the budget (baselines/admm_prune.hpp) from the retrained network;
//   4. masked retraining and the polish, exactly the search's fine-tuning of its candidates (fine_tune_with,
//      search/tuned_selection.hpp: Adam, keeping the pruned zeros at zero, then Levenberg-Marquardt by default).
// The splits, the parameter count (sparse_network::nonzero_parameters()) and the fine-tuning are the search's; the
// architecture search runs once and serves every budget (its time is shared equally among them). There is one
// network per budget, so no selection is needed; only the validation split chooses (DARTS' architecture step).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include <swatnn/baselines/admm_prune.hpp>
#include <swatnn/baselines/budget.hpp>
#include <swatnn/baselines/darts_supernet.hpp>
#include <swatnn/baselines/dense.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>
#include <swatnn/search/tuned_selection.hpp>

namespace swatnn::baselines {

struct darts_admm_options {
  darts_options darts = {};                                                 // stage 1: the architecture search
  fine_tune_options<> retrain = {.max_iterations = 2000, .patience = 200};  // stage 2: Adam on the discrete network
  admm_options admm = {};                                                   // stage 3: pruning to each budget
  tuned_selection_options tune = {.method = fine_tuner::adam_then_levenberg_marquardt};  // stage 4: masked
                                                                            // retraining and polish (method, tune, lm)
};

template <network_spec_type S>
struct darts_admm_pick {
  int budget = 0;
  fine_tune_result<S> tuned;  // the pruned, retrained, polished network (nonzero_parameters() <= budget)
  double test_mse = std::numeric_limits<double>::quiet_NaN();  // NaN when there is no test split
  double seconds = 0;         // this budget's stages 3-4 plus an equal share of stages 1-2
};

template <network_spec_type S>
struct darts_admm_result {
  sparse_network<S, float> architecture;  // the discretized DARTS network after retraining (stage 2)
  double darts_validation_mse = 0;        // the supernet's, after the search
  std::vector<darts_admm_pick<S>> picks;  // in the order of the budgets given
  double seconds = 0;                     // the whole run
};

// Runs DARTS + ADMM on `train` / `validation` for every budget in `budgets`; `test`, when not empty, is only
// measured. Throws value_error on a bad budget (check_budgets) or bad options, and the stages' errors.
template <network_spec_type S>
darts_admm_result<S> run_darts_admm(const data::split& train, const data::split& validation, const data::split& test,
                                    const std::vector<int>& budgets, const darts_admm_options& options = {}) {
  const auto start = std::chrono::steady_clock::now();
  auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
  check_budgets<S>(budgets, "swatnn::baselines::run_darts_admm");
  detail::check_admm_options(options.admm);
  const auto searched = darts_search<S>(train, validation, options.darts);
  auto retrained = fine_tune(searched.network, train, validation, options.retrain);
  darts_admm_result<S> result;
  result.architecture = retrained.net;
  result.darts_validation_mse = searched.validation_mse;
  const double shared = since(start) / static_cast<double>(budgets.size());
  for (int budget : budgets) {
    const auto t = std::chrono::steady_clock::now();
    darts_admm_pick<S> pick;
    pick.budget = budget;
    pick.tuned = fine_tune_with(admm_prune(retrained.net, train, budget, options.admm), train, validation, options.tune);
    if (!test.empty()) pick.test_mse = dense_mse(pick.tuned.net, test);
    pick.seconds = since(t) + shared;
    result.picks.push_back(std::move(pick));
  }
  result.seconds = since(start);
  return result;
}

// DARTS + ADMM on a dataset (its train / validation / test splits).
template <network_spec_type S>
darts_admm_result<S> run_darts_admm(const data::dataset& d, const std::vector<int>& budgets,
                                    const darts_admm_options& options = {}) {
  data::require_inputs<S::inputs>(d);
  return run_darts_admm<S>(d.train, d.validation, d.test, budgets, options);
}

}  // namespace swatnn::baselines
