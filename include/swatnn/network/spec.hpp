// swatnn/network/spec.hpp: the compile-time shape of the searched network family (SWAT-NN, arXiv 2506.08270
// §3): the most inputs, the outputs, maximum depth (hidden layers) and maximum width per hidden layer.
// Everything else (actual depth, the input count k <= Inputs, active neurons, activations, weights) is runtime
// data: a network with k < Inputs inputs keeps the first layer's rows k.. at zero (sparse_network::inputs).
#pragma once

#include <concepts>
#include <string>

#include <swatnn/error.hpp>

namespace swatnn {

template <int Inputs = 2, int Outputs = 1, int MaxDepth = 4, int MaxWidth = 7>
struct network_spec {
  static_assert(Inputs >= 1 && Outputs >= 1, "swatnn::network_spec: a network needs at least one input and output");
  static_assert(MaxDepth >= 1, "swatnn::network_spec: MaxDepth (hidden layers) must be at least 1");
  static_assert(MaxWidth >= 1, "swatnn::network_spec: MaxWidth (neurons per hidden layer) must be at least 1");
  static_assert(Inputs <= MaxWidth && Outputs <= MaxWidth,
                "swatnn::network_spec: the token layout stores inputs and outputs on the MaxWidth neuron tokens, "
                "so Inputs and Outputs must not exceed MaxWidth");

  static constexpr int inputs = Inputs;  // the most inputs a network of the family has (its first layer's rows)
  static constexpr int outputs = Outputs;
  static constexpr int max_depth = MaxDepth;
  static constexpr int max_width = MaxWidth;

  // Fan-in of hidden layer `layer` (0-based): the inputs for the first, the previous layer's width after.
  static constexpr int layer_inputs(int layer) { return layer == 0 ? inputs : max_width; }
};

// Throws value_error unless 1 <= depth <= S::max_depth; `where` names the caller in the message.
template <class S>
void check_depth(int depth, const char* where) {
  if (depth < 1 || depth > S::max_depth)
    throw value_error(std::string(where) + ": depth " + std::to_string(depth) + " is outside 1.." +
                      std::to_string(S::max_depth) + " (the spec's MaxDepth)");
}

// The family of the paper: 2 inputs, 1 output, 1..4 hidden layers of at most 7 neurons.
using paper_spec = network_spec<>;

// The universal family: 1 to 7 inputs (one per neuron token), 1 output, 1..4 hidden layers of at most 7 neurons.
// Its token matrices have the paper family's shape; the validity channel marks the k real input rows.
using universal_spec = network_spec<7>;

// Throws value_error unless 1 <= inputs <= S::inputs; `where` names the caller in the message.
template <class S>
void check_input_count(int inputs, const char* where) {
  if (inputs < 1 || inputs > S::inputs)
    throw value_error(std::string(where) + ": " + std::to_string(inputs) + " inputs is outside 1.." +
                      std::to_string(S::inputs) + " (the spec's Inputs)");
}

// A network_spec_type describes the searched family at compile time (see network_spec).
template <class S>
concept network_spec_type = requires {
  { S::inputs } -> std::convertible_to<int>;
  { S::outputs } -> std::convertible_to<int>;
  { S::max_depth } -> std::convertible_to<int>;
  { S::max_width } -> std::convertible_to<int>;
  { S::layer_inputs(0) } -> std::convertible_to<int>;
};

}  // namespace swatnn
