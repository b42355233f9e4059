// swatnn/search/prune.hpp: pruning a found network down to a parameter budget (our addition; method.md §7).
// The search's best networks are often a little over a user's budget; discarding them leaves only the latents
// that happened to decode small. prune_to_budget instead removes the weakest surviving weights in rounds and
// fine-tunes between rounds (iterative pruning), until nonzero_parameters() is within the budget. A weight's
// strength is |w| x the RMS of the unit it reads (an input column, or a hidden neuron's output on the training
// points), the change its removal makes to the next pre-activation. After each removal prune_dead() switches
// off neurons that no longer reach the output and fold_constant_neurons() folds neurons that lost every input
// into the biases they feed, so whole neurons go when their weights do. Activations and depth never change;
// biases are never removed on their own (nonzero_parameters() counts one per active neuron).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/search/extract.hpp>
#include <swatnn/search/fine_tune.hpp>

namespace swatnn {

struct prune_options {
  int max_parameters = 30;  // the budget (>= the spec's outputs: a network of constants still has its output biases)
  double fraction = 0.25;   // each round removes this share of the parameters over the budget (at least one weight),
                            // in (0, 1]; 1 prunes in one shot
};

// Switches off every active hidden neuron without a nonzero weight from a live unit (it outputs the constant
// act(bias)) and adds that constant times its outgoing weights to the biases it feeds (the next layer's, or the
// output biases). The function is unchanged up to float rounding. Returns the number of neurons folded.
template <network_spec_type S, class T>
int fold_constant_neurons(sparse_network<S, T>& net) {
  int folded = 0;
  for (int l = 0; l < net.depth; ++l) {
    auto& layer = net.layers[l];
    for (int j = 0; j < S::max_width; ++j) {
      if (!layer.active[j]) continue;
      bool fed = false;
      for (int i = 0; i < S::layer_inputs(l) && !fed; ++i)
        fed = layer.weights(i, j) != T(0) && (l == 0 || net.layers[l - 1].active[i]);
      if (fed) continue;
      const T constant = apply_activation(layer.activations[j], layer.bias(j));
      if (l + 1 < net.depth) {
        auto& next = net.layers[l + 1];
        for (int k = 0; k < S::max_width; ++k)
          if (next.active[k]) next.bias(k) += constant * next.weights(j, k);
      } else {
        for (int o = 0; o < S::outputs; ++o) net.output_bias(o) += constant * net.output_weights(j, o);
      }
      layer.active[j] = false;
      detail::zero_neuron_weights(net, l, j);
      ++folded;
    }
  }
  return folded;
}

namespace detail {
inline void check_prune_options(const prune_options& o, int outputs) {
  if (o.max_parameters < outputs)
    throw value_error("prune_options.max_parameters = " + std::to_string(o.max_parameters) + "; expected >= " +
                      std::to_string(outputs) + " (the output biases always count)");
  if (!(o.fraction > 0.0 && o.fraction <= 1.0))
    throw value_error("prune_options.fraction = " + std::to_string(o.fraction) + "; expected a value in (0, 1]");
}

struct weight_strength {
  double strength = 0;
  std::size_t order = 0;  // position in the slot order: equal strengths keep it (std::sort is not stable)
  parameter_slot slot;    // a weight or an output weight
};
}  // namespace detail

// Removes the `count` weakest surviving weights of `net` (strength as at the top; ties: the earlier weight), then
// runs prune_dead and fold_constant_neurons. `x` are the points the strengths are measured on (N x inputs).
// Returns the number of weights removed (fewer than `count` only when fewer survive).
template <network_spec_type S, class T>
int remove_weakest_weights(sparse_network<S, T>& net, const cpu::matrix<T>& x, int count) {
  net.validate();
  if (x.rows() == 0) throw data_error("remove_weakest_weights: no points to measure the weights' strength on");
  std::vector<cpu::vector<T>> rms(static_cast<std::size_t>(net.depth) + 1);  // rms[l]: of layer l's inputs
  rms[0] = (x.array().square().colwise().mean().sqrt()).transpose();
  net.predict(x, [&](int l, const cpu::matrix<T>& h) {
    rms[static_cast<std::size_t>(l) + 1] = (h.array().square().colwise().mean().sqrt()).transpose();
  });
  std::vector<detail::weight_strength> weights;  // the surviving weights (not the biases), in the slot order
  detail::for_each_surviving_slot(net, [&](const detail::parameter_slot& s) {
    if (s.kind != detail::parameter_kind::weight && s.kind != detail::parameter_kind::output_weight) return;
    const auto& source_rms = rms[static_cast<std::size_t>(s.kind == detail::parameter_kind::weight ? s.layer : net.depth)];
    weights.push_back({std::abs(static_cast<double>(detail::slot_ref(net, s))) * static_cast<double>(source_rms(s.row)),
                       weights.size(), s});
  });
  const auto removed = std::min<std::size_t>(weights.size(), static_cast<std::size_t>(std::max(count, 0)));
  // std::sort with the slot order as tie-break, not std::stable_sort: libstdc++ 12's stable_sort uses the
  // deprecated std::get_temporary_buffer, which clang-19 reports in C++20 (same order either way)
  std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) {
    return a.strength < b.strength || (a.strength == b.strength && a.order < b.order);
  });
  for (std::size_t k = 0; k < removed; ++k) detail::slot_ref(net, weights[k].slot) = T(0);
  prune_dead(net);
  fold_constant_neurons(net);
  prune_dead(net);  // folding can leave a neuron whose only outgoing weights went to a folded one
  return static_cast<int>(removed);
}

// Prunes `net` in rounds until it has at most options.max_parameters nonzero parameters: each round removes
// max(1, ceil(fraction x excess)) of the weakest weights (strength measured on `x`, normally the training
// points) and then replaces the network by tune(network), a fine-tuning that keeps its structure (e.g. a
// lambda calling fine_tune / fine_tune_lm and returning .net). A network already within the budget is returned
// as it is. Throws value_error on bad options.
template <network_spec_type S, class Tune>
sparse_network<S, float> prune_to_budget(sparse_network<S, float> net, const cpu::matrix<float>& x,
                                         const prune_options& options, Tune&& tune) {
  detail::check_prune_options(options, S::outputs);
  while (net.nonzero_parameters() > options.max_parameters) {
    const int excess = net.nonzero_parameters() - options.max_parameters;
    const int count = std::max(1, static_cast<int>(std::ceil(options.fraction * excess)));
    remove_weakest_weights(net, x, count);
    sparse_network<S, float> tuned = tune(static_cast<const sparse_network<S, float>&>(net));
    if (tuned.nonzero_parameters() > net.nonzero_parameters())
      throw value_error("prune_to_budget: the tune callable added parameters; it must keep the network's structure");
    net = std::move(tuned);
  }
  return net;
}

}  // namespace swatnn
