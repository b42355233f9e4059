// swatnn/baselines/budget.hpp: the parameter budget the staged baselines prune to, checked against the searched
// family. The count is sparse_network::nonzero_parameters() (nonzero weights between live units + one bias per
// active neuron + the output biases), the same the search and its pruning use, so a comparison at a budget
// differs only in method.
#pragma once

#include <string>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn::baselines {

// The most nonzero parameters a network of the family S can have: every neuron of MaxDepth layers active and
// fully connected (197 for paper_spec: 2-7-7-7-7-1).
template <network_spec_type S>
constexpr int family_parameter_limit() {
  int count = 0;
  for (int l = 0; l < S::max_depth; ++l) count += (S::layer_inputs(l) + 1) * S::max_width;
  return count + (S::max_width + 1) * S::outputs;
}

// Throws value_error unless every budget is in (S::outputs, family_parameter_limit<S>()]: a budget of only the
// output biases is a constant, one above the family's largest network prunes nothing. `who` names the caller.
template <network_spec_type S>
void check_budgets(const std::vector<int>& budgets, const char* who) {
  if (budgets.empty()) throw value_error(std::string(who) + ": no budget given; pass at least one parameter budget");
  for (int b : budgets)
    if (b <= S::outputs || b > family_parameter_limit<S>())
      throw value_error(std::string(who) + ": budget " + std::to_string(b) + " is outside " +
                        std::to_string(S::outputs + 1) + ".." + std::to_string(family_parameter_limit<S>()) +
                        " (more than the output biases, at most the family's largest network: every neuron of " +
                        std::to_string(S::max_depth) + " layers of " + std::to_string(S::max_width) +
                        " fully connected); give a budget in that range");
}

}  // namespace swatnn::baselines
