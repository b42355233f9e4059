// swatnn/baselines/admm_prune.hpp: ADMM weight pruning to a parameter budget (Zhang, Ye, Zhang, Tang, Wen, Fardad,
// Wang, "A Systematic DNN Weight Pruning Framework using Alternating Direction Method of Multipliers", ECCV 2018),
// the pruning stage of the DARTS + ADMM baseline (baselines/darts_admm.hpp). Our own code:
//   minimize f(W) subject to W in S_m = {at most m nonzero weights}, split as f(W) + g(Z), W = Z, with the
//   augmented Lagrangian f(W) + rho/2 ||W - Z + U||^2 (scaled dual U). Each round:
//     W-step: Adam updates of the training MSE plus rho/2 ||W - Z + U||^2 (biases train freely, no penalty);
//     Z-step: Z = projection of W + U onto S_m (keep the m largest magnitudes: project_top_k);
//     dual:   U = U + W - Z;  then rho grows (rho_growth, capped at rho_max).
//   At the end W is projected onto S_m (hard mask), prune_dead and fold_constant_neurons remove the neurons
//   left without a path, and m is the largest count whose network fits the budget in the count the search uses
//   (sparse_network::nonzero_parameters(): kept weights + biases of the active neurons + output biases).
// The masked retraining and the polish are the caller's (fine_tune keeps zeros at zero).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/sparse_eval.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/optimizer.hpp>
#include <swatnn/search/extract.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/prune.hpp>

namespace swatnn::baselines {

struct admm_options {
  int rounds = 15;              // ADMM rounds (W-step, Z-step, dual update), >= 1
  int w_steps = 50;             // Adam updates per W-step, >= 1
  adam optimizer{.lr = 1e-2};   // of the W-step
  double rho = 1e-3;            // initial penalty weight, > 0
  double rho_growth = 1.5;      // rho is multiplied by this after every round, >= 1
  double rho_max = 1.0;         // rho never exceeds this (>= rho)
};

// Which `k` entries of `v` have the largest magnitudes: exactly k of them are true (ties go to the lower index, so
// equal magnitudes never keep more or fewer than k). Throws value_error when k > v.size() or an entry is NaN.
inline std::vector<bool> top_k_mask(std::span<const double> v, std::size_t k) {
  if (k > v.size())
    throw value_error("top_k_mask: k = " + std::to_string(k) + " exceeds the " + std::to_string(v.size()) +
                      " entries; keep at most all of them");
  for (double x : v)
    if (std::isnan(x)) throw value_error("top_k_mask: an entry is NaN; the values to project must be numbers");
  std::vector<std::size_t> order(v.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // ties keep the index order (std::sort with the index as tie-break; see search/prune.hpp for why not stable_sort)
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(v[a]) > std::abs(v[b]) || (std::abs(v[a]) == std::abs(v[b]) && a < b);
  });
  std::vector<bool> keep(v.size(), false);
  for (std::size_t i = 0; i < k; ++i) keep[order[i]] = true;
  return keep;
}

// The Euclidean projection onto {at most k nonzeros}: `out` = v on the top_k_mask entries, 0 elsewhere.
inline void project_top_k(std::span<const double> v, std::size_t k, std::span<double> out) {
  if (out.size() != v.size())
    throw shape_error("project_top_k: out has " + std::to_string(out.size()) + " entries, v " + std::to_string(v.size()));
  const auto keep = top_k_mask(v, k);
  for (std::size_t i = 0; i < v.size(); ++i) out[i] = keep[i] ? v[i] : 0.0;
}

namespace detail {
inline void check_admm_options(const admm_options& o) {
  auto fail = [](const std::string& what) { throw value_error("admm_options." + what); };
  if (o.rounds < 1) fail("rounds = " + std::to_string(o.rounds) + "; expected >= 1");
  if (o.w_steps < 1) fail("w_steps = " + std::to_string(o.w_steps) + "; expected >= 1");
  if (!(o.rho > 0) || !std::isfinite(o.rho)) fail("rho = " + std::to_string(o.rho) + "; expected a finite value > 0");
  if (!(o.rho_growth >= 1) || !std::isfinite(o.rho_growth))
    fail("rho_growth = " + std::to_string(o.rho_growth) + "; expected a finite value >= 1");
  if (!(o.rho_max >= o.rho) || !std::isfinite(o.rho_max))
    fail("rho_max = " + std::to_string(o.rho_max) + "; expected a finite value >= rho");
  o.optimizer.validate("admm_options.optimizer");
}

// `net` with only the weights (not biases) of `keep` left nonzero (one flag per surviving weight, in the order of
// for_each_surviving_slot), then prune_dead / fold_constant_neurons / prune_dead as prune_to_budget does.
template <network_spec_type S>
sparse_network<S, float> masked(const sparse_network<S, float>& net, const std::vector<swatnn::detail::parameter_slot>& slots,
                                const std::vector<bool>& keep) {
  sparse_network<S, float> out = net;
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (!keep[i]) swatnn::detail::slot_ref(out, slots[i]) = 0.0f;
  prune_dead(out);
  fold_constant_neurons(out);
  prune_dead(out);
  return out;
}

// The largest m whose top-m mask of `magnitudes` gives a network within `budget` (m = 0 always fits: only
// constants and the output biases are left).
template <network_spec_type S>
std::size_t largest_fitting_count(const sparse_network<S, float>& net, const std::vector<swatnn::detail::parameter_slot>& slots,
                                  std::span<const double> magnitudes, int budget) {
  std::size_t m = std::min(slots.size(), static_cast<std::size_t>(std::max(budget - S::outputs, 0)));
  for (; m > 0; --m)
    if (masked(net, slots, top_k_mask(magnitudes, m)).nonzero_parameters() <= budget) break;
  return m;
}
}  // namespace detail

// ADMM-prunes `net` to at most `budget` nonzero parameters on `train` (see the top of this file). Returns the hard-
// masked, cleaned network, not yet retrained. Throws value_error on bad options or a budget below the output
// biases, and fine_tune's errors on a bad split.
template <network_spec_type S>
sparse_network<S, float> admm_prune(sparse_network<S, float> net, const data::split& train, int budget,
                                    const admm_options& options = {}) {
  detail::check_admm_options(options);
  if (budget < S::outputs)
    throw value_error("admm_prune: budget " + std::to_string(budget) + " is below the " + std::to_string(S::outputs) +
                      " output biases every network keeps");
  net.validate();
  swatnn::detail::check_fine_tune_split(train, "train", S::inputs, S::inputs, S::outputs);
  using swatnn::detail::parameter_kind;
  using swatnn::detail::parameter_slot;
  std::vector<parameter_slot> weight_slots;  // the surviving weights, in slot order
  std::vector<float*> value_ptrs, grad_ptrs;
  sparse_network<S, float> grad = net;
  swatnn::detail::surviving_parameters(net, grad, value_ptrs, grad_ptrs);
  std::vector<bool> is_weight;
  swatnn::detail::for_each_surviving_slot(net, [&](const parameter_slot& s) {
    const bool w = s.kind == parameter_kind::weight || s.kind == parameter_kind::output_weight;
    is_weight.push_back(w);
    if (w) weight_slots.push_back(s);
  });
  if (net.nonzero_parameters() <= budget) return net;

  const std::size_t count = value_ptrs.size();
  std::vector<float> values(count), gradients(count);
  for (std::size_t i = 0; i < count; ++i) values[i] = *value_ptrs[i];
  const std::size_t weights = weight_slots.size();
  std::vector<double> w(weights), z(weights), u(weights, 0.0), wu(weights);
  auto gather_weights = [&] {
    for (std::size_t i = 0, k = 0; i < count; ++i)
      if (is_weight[i]) w[k++] = static_cast<double>(values[i]);
  };
  gather_weights();
  const std::size_t m = detail::largest_fitting_count(net, weight_slots, w, budget);
  project_top_k(w, m, z);

  const parameter_group<float> group{.values = values, .gradients = gradients};
  const parameter_groups<float> groups(&group, 1);
  auto state = options.optimizer.template make_state<float>(groups);
  sparse_eval<S, float> eval;
  cpu::matrix<float> grad_out(train.x.rows(), S::outputs);
  double rho = options.rho;
  for (int round = 0; round < options.rounds; ++round) {
    for (int step = 0; step < options.w_steps; ++step) {
      const double loss = swatnn::detail::mse(eval.forward(net, train.x), train.y, &grad_out);
      eval.backward(grad_out, grad);
      if (!std::isfinite(loss)) throw training_error("admm_prune: the training MSE became non-finite in round " + std::to_string(round));
      for (std::size_t i = 0, k = 0; i < count; ++i) {
        double g = static_cast<double>(*grad_ptrs[i]);
        if (is_weight[i]) {
          g += rho * (static_cast<double>(values[i]) - z[k] + u[k]);
          ++k;
        }
        gradients[i] = static_cast<float>(g);
      }
      options.optimizer.step(state, groups, 1.0);
      for (std::size_t i = 0; i < count; ++i) *value_ptrs[i] = values[i];
    }
    gather_weights();
    for (std::size_t k = 0; k < weights; ++k) wu[k] = w[k] + u[k];
    project_top_k(wu, m, z);
    for (std::size_t k = 0; k < weights; ++k) u[k] += w[k] - z[k];
    rho = std::min(rho * options.rho_growth, options.rho_max);
  }
  gather_weights();
  // A weight trained to exactly 0 stays in the mask's count but not in nonzero_parameters: harmless (fewer).
  const std::size_t final_m = detail::largest_fitting_count(net, weight_slots, w, budget);
  return detail::masked(net, weight_slots, top_k_mask(w, final_m));
}

}  // namespace swatnn::baselines
