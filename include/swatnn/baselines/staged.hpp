// swatnn/baselines/staged.hpp: the staged "grid, then train, then prune" baseline, a pipeline a new user would try
// instead of the joint search: every network of a grid over the searched family (depth, width, one activation per
// layer, all neurons active and fully connected, biases) is trained with Adam, pruned to each budget by iterative
// magnitude pruning with fine-tuning between rounds (prune_to_budget, search/prune.hpp), then fine-tuned and
// polished exactly as the search's candidates are (fine_tune_with, search/tuned_selection.hpp: Adam, then
// Levenberg-Marquardt by default); the pick per budget is made on the validation split only, with the search's
// rule (select_within_tolerance: the smallest network within 1 + tolerance of the best validation MSE).
// Several budgets share one pruning chain per grid network: it is pruned to the largest budget first and each
// smaller budget continues from the previous one (budgets are nested, the rounds are the same as pruning anew
// from the largest budget's network).
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <swatnn/baselines/budget.hpp>
#include <swatnn/baselines/dense.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>
#include <swatnn/search/prune.hpp>
#include <swatnn/search/tuned_selection.hpp>

namespace swatnn::baselines {

// The grid and the training of the staged baseline (designated initializers: `{.depths = {1, 2}, .widths = {7}}`).
// The default grid has 2 x 2 x 3 = 12 networks: depths 1-2, widths 4 and 7, the same activation in every layer.
struct staged_options {
  std::vector<int> depths = {1, 2};                  // hidden layers, each in 1..S::max_depth
  std::vector<int> widths = {4, 7};                  // neurons per hidden layer (every layer), each in 1..S::max_width
  std::vector<activation> activations = {activation::sigmoid, activation::tanh, activation::leaky_relu};
  bool mix_activations = false;                      // false: one activation for all layers of a network;
                                                     // true: every per-layer combination (|activations|^depth networks)
  fine_tune_options<> train = {.max_iterations = 2000, .patience = 200};  // stage 2: Adam on the dense network
  double init_gain = 1.0;                            // Xavier gain of the initial weights
  std::uint64_t seed = 0;                            // initial weights of grid network k use seed + k
  int prune_round_iterations = 50;                   // Adam updates between pruning rounds (> 0)
  double prune_fraction = 0.25;                      // prune_options::fraction
  int polish_best = 3;                               // per budget, the networks with the lowest validation MSE after
                                                     // pruning get the final fine-tuning (`tune`); 0 = all
  tuned_selection_options tune = {.method = fine_tuner::adam_then_levenberg_marquardt};  // final fine-tuning
                                                     // (method, tune, lm) and the pick (tolerance), as in the search
};

// One grid network (the architecture before pruning).
struct staged_architecture {
  int depth = 1, width = 1;
  std::vector<activation> activations;  // one per layer
};

template <network_spec_type S>
struct staged_pick {
  int budget = 0;
  staged_architecture architecture;  // the grid network the pick was pruned from
  fine_tune_result<S> tuned;         // the pruned, fine-tuned network (nonzero_parameters() <= budget)
  double test_mse = std::numeric_limits<double>::quiet_NaN();  // NaN when there is no test split
  int candidates = 0;                // grid networks that reached the budget
  double seconds = 0;                // this budget's pruning and fine-tuning, plus an equal share of the training
};

template <network_spec_type S>
struct staged_result {
  std::vector<staged_pick<S>> picks;  // in the order of the budgets given
  double seconds = 0;                 // the whole run
};

// The grid networks of `options`, in order (depth, then width, then activations).
inline std::vector<staged_architecture> staged_grid(const staged_options& options) {
  std::vector<staged_architecture> grid;
  for (int depth : options.depths)
    for (int width : options.widths) {
      const std::size_t n = options.activations.size();
      std::size_t combinations = options.mix_activations ? 1 : n;
      if (options.mix_activations)
        for (int l = 0; l < depth; ++l) combinations *= n;
      for (std::size_t c = 0; c < combinations; ++c) {
        staged_architecture a{.depth = depth, .width = width, .activations = {}};
        std::size_t code = c;
        for (int l = 0; l < depth; ++l) {
          a.activations.push_back(options.activations[options.mix_activations ? code % n : c]);
          if (options.mix_activations) code /= n;
        }
        grid.push_back(std::move(a));
      }
    }
  return grid;
}

namespace detail {
template <network_spec_type S>
void check_staged_options(const staged_options& o) {
  const char* who = "swatnn::baselines::run_staged";
  auto fail = [&](const std::string& what) { throw value_error(std::string(who) + ": staged_options." + what); };
  if (o.depths.empty() || o.widths.empty() || o.activations.empty())
    fail("depths, widths and activations must each hold at least one value");
  for (int d : o.depths)
    if (d < 1 || d > S::max_depth)
      fail("depths holds " + std::to_string(d) + "; expected 1.." + std::to_string(S::max_depth) + " (the spec's MaxDepth)");
  for (int w : o.widths)
    if (w < 1 || w > S::max_width)
      fail("widths holds " + std::to_string(w) + "; expected 1.." + std::to_string(S::max_width) + " (the spec's MaxWidth)");
  for (activation a : o.activations) {
    bool known = false;
    for (activation k : all_activations) known = known || a == k;
    if (!known) fail("activations holds " + std::to_string(static_cast<int>(a)) + ", not a swatnn::activation");
  }
  if (o.prune_round_iterations <= 0)
    fail("prune_round_iterations = " + std::to_string(o.prune_round_iterations) + "; expected > 0");
  if (o.polish_best < 0) fail("polish_best = " + std::to_string(o.polish_best) + "; expected >= 0 (0 = all)");
  if (!(o.init_gain > 0) || !std::isfinite(o.init_gain))
    fail("init_gain = " + std::to_string(o.init_gain) + "; expected a finite value > 0");
  if (!(o.tune.tolerance >= 0) || !std::isfinite(o.tune.tolerance))
    fail("tune.tolerance = " + std::to_string(o.tune.tolerance) + "; expected a finite value >= 0");
  swatnn::detail::check_prune_options({.max_parameters = S::outputs, .fraction = o.prune_fraction}, S::outputs);
}
}  // namespace detail

// A dense network of the family: `a.depth` layers of `a.width` active neurons, layer l with a.activations[l],
// fully connected, Xavier-uniform weights (none exactly zero, independent seeded streams per layer), biases 0.
template <network_spec_type S>
sparse_network<S, float> make_staged_network(const staged_architecture& a, std::uint64_t seed, double gain = 1.0) {
  check_depth<S>(a.depth, "swatnn::baselines::make_staged_network");
  if (a.width < 1 || a.width > S::max_width || a.activations.size() != static_cast<std::size_t>(a.depth))
    throw value_error("swatnn::baselines::make_staged_network: width " + std::to_string(a.width) + " with " +
                      std::to_string(a.activations.size()) + " activations for depth " + std::to_string(a.depth) +
                      "; expected a width in 1.." + std::to_string(S::max_width) + " and one activation per layer");
  auto net = sparse_network<S, float>::zeros(a.depth);
  const auto w = static_cast<std::size_t>(a.width);
  for (int l = 0; l < a.depth; ++l) {
    const std::size_t fan_in = l == 0 ? static_cast<std::size_t>(S::inputs) : w;
    std::vector<float> values(fan_in * w);
    detail::nonzero_xavier(values, fan_in, w, seed, static_cast<std::uint64_t>(4 * l), gain);
    auto& layer = net.layers[l];
    for (int j = 0; j < a.width; ++j) {
      layer.active[j] = true;
      layer.activations[j] = a.activations[static_cast<std::size_t>(l)];
      for (std::size_t i = 0; i < fan_in; ++i)
        layer.weights(static_cast<Eigen::Index>(i), j) = values[i * w + static_cast<std::size_t>(j)];
    }
  }
  std::vector<float> out(w * S::outputs);
  detail::nonzero_xavier(out, w, S::outputs, seed, static_cast<std::uint64_t>(4 * S::max_depth), gain);
  for (int j = 0; j < a.width; ++j)
    for (int o = 0; o < S::outputs; ++o) net.output_weights(j, o) = out[static_cast<std::size_t>(j * S::outputs + o)];
  return net;
}

// Runs the staged baseline on `train` / `validation` for every budget in `budgets` (see the top of this file);
// `test`, when not empty, is only measured (test_mse), never used to choose. Throws value_error on a bad budget
// (check_budgets) or bad options, and fine_tune's errors on bad splits.
template <network_spec_type S>
staged_result<S> run_staged(const data::split& train, const data::split& validation, const data::split& test,
                            const std::vector<int>& budgets, const staged_options& options = {}) {
  const auto start = std::chrono::steady_clock::now();
  auto now = [] { return std::chrono::steady_clock::now(); };
  auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
  check_budgets<S>(budgets, "swatnn::baselines::run_staged");
  detail::check_staged_options<S>(options);
  const auto grid = staged_grid(options);

  // Budgets largest first: each grid network's pruning chain visits them in that order.
  std::vector<std::size_t> order(budgets.size());
  for (std::size_t b = 0; b < order.size(); ++b) order[b] = b;
  // ties keep their given order (std::sort with the index as tie-break; see search/prune.hpp for why not stable_sort)
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return budgets[a] > budgets[b] || (budgets[a] == budgets[b] && a < b); });

  // pruned[b][k]: grid network k pruned to budgets[b], after its last round of Adam (before the final tuning).
  std::vector<std::vector<fine_tune_result<S>>> pruned(budgets.size(), std::vector<fine_tune_result<S>>(grid.size()));
  std::vector<double> budget_seconds(budgets.size(), 0.0);
  const auto train_start = now();
  fine_tune_options<> round = options.train;
  round.max_iterations = std::min(round.max_iterations, options.prune_round_iterations);
  for (std::size_t k = 0; k < grid.size(); ++k) {
    auto trained = fine_tune(make_staged_network<S>(grid[k], options.seed + k, options.init_gain), train, validation,
                             options.train);
    sparse_network<S, float> net = std::move(trained.net);
    for (std::size_t b : order) {
      const auto t = now();
      net = prune_to_budget(net, train.x, {.max_parameters = budgets[b], .fraction = options.prune_fraction},
                            [&](const sparse_network<S, float>& n) { return fine_tune(n, train, validation, round).net; });
      pruned[b][k] = fine_tune(net, train, validation, fine_tune_options<>{.max_iterations = 0});  // measures it
      budget_seconds[b] += since(t);
    }
  }
  const double shared = since(train_start) - [&] {
    double s = 0;
    for (double v : budget_seconds) s += v;
    return s;
  }();

  staged_result<S> result;
  for (std::size_t b = 0; b < budgets.size(); ++b) {
    const auto t = now();
    std::vector<std::size_t> ranked(grid.size());
    for (std::size_t k = 0; k < ranked.size(); ++k) ranked[k] = k;
    auto key = [&](std::size_t k) {  // NaN last
      const double v = pruned[b][k].validation_mse;
      return std::isnan(v) ? std::numeric_limits<double>::infinity() : v;
    };
    std::sort(ranked.begin(), ranked.end(),  // ties keep the grid order
              [&](std::size_t a, std::size_t c) { return key(a) < key(c) || (key(a) == key(c) && a < c); });
    const std::size_t keep = options.polish_best == 0 ? ranked.size()
                                                      : std::min(ranked.size(), static_cast<std::size_t>(options.polish_best));
    std::vector<fine_tune_result<S>> tuned(keep);
    for (std::size_t r = 0; r < keep; ++r)
      tuned[r] = fine_tune_with(pruned[b][ranked[r]].net, train, validation, options.tune);
    const std::size_t chosen = select_within_tolerance(
        keep, [&](std::size_t r) -> const fine_tune_result<S>& { return tuned[r]; }, options.tune.tolerance,
        "swatnn::baselines::run_staged");
    staged_pick<S> pick;
    pick.budget = budgets[b];
    pick.architecture = grid[ranked[chosen]];
    pick.tuned = std::move(tuned[chosen]);
    pick.candidates = static_cast<int>(grid.size());
    if (!test.empty()) pick.test_mse = dense_mse(pick.tuned.net, test);
    pick.seconds = budget_seconds[b] + since(t) + shared / static_cast<double>(budgets.size());
    result.picks.push_back(std::move(pick));
  }
  result.seconds = since(start);
  return result;
}

// The staged baseline on a dataset (its train / validation / test splits).
template <network_spec_type S>
staged_result<S> run_staged(const data::dataset& d, const std::vector<int>& budgets, const staged_options& options = {}) {
  data::require_inputs<S::inputs>(d);
  return run_staged<S>(d.train, d.validation, d.test, budgets, options);
}

}  // namespace swatnn::baselines
