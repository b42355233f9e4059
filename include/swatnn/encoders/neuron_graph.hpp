// swatnn/encoders/neuron_graph.hpp: reads one network's encoded token matrix (token_layout::encode, tokens x
// features) as its neuron graph, for graph encoders (gnn_encoder.hpp). Nodes per network, in this order:
//   input nodes 0..Inputs-1 | hidden neuron (l, r) for l < MaxDepth, r < MaxWidth | output nodes 0..Outputs-1
// (a fixed number of node slots for every depth; hidden layers l >= the network's depth are *absent*).
// Node features (6): bias, activation one-hot (3), mask, "slot exists" (the validity channel of the cell the
// bias is read from, or of the first layer-0 weight for an input node). Edges: every real weight cell, from the
// input-side node to the output-side node, carrying the weight as its scalar feature. Each real value cell of
// a depth-D encoding is read exactly once (as a node feature or an edge); no padding value cell is read.
// Depth: the first d with validity(0, width(d) - 1) >= 1/2 and (d == MaxDepth or validity(0, width(d)) < 1/2),
// the cells token_layout::encoded_depth tests, compared with 1/2 instead of 0 so that tiny perturbations (finite
// differences) never change the graph.
#pragma once

#include <array>
#include <string>

#include <Eigen/Core>

#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

// A cell of a network's token matrix (row relative to the network's first token, absolute column); col < 0
// means "no cell": the feature is the constant 0.
struct token_cell {
  int row = 0;
  int col = -1;
  constexpr bool valid() const { return col >= 0; }
};

template <network_spec_type S>
struct neuron_graph {
  using layout = token_layout<S>;
  static constexpr int inputs = S::inputs;
  static constexpr int outputs = S::outputs;
  static constexpr int layers = S::max_depth;
  static constexpr int width = S::max_width;
  static constexpr int nodes = inputs + layers * width + outputs;  // node slots per network
  // Node types (for a learned embedding): one per input index, one per hidden layer, one per output index.
  // Hidden neurons of a layer share their type, so the graph does not tell them apart by index.
  static constexpr int node_types = inputs + layers + outputs;

  enum feature : int { bias = 0, activation0 = 1, mask = 1 + activation_count, exists = 2 + activation_count };
  static constexpr int node_features = 3 + activation_count;

  static constexpr int input_node(int i) { return i; }
  static constexpr int hidden_node(int layer, int r) { return inputs + layer * width + r; }
  static constexpr int output_node(int o) { return inputs + layers * width + o; }
  static constexpr bool is_input(int v) { return v < inputs; }
  static constexpr bool is_output(int v) { return v >= inputs + layers * width; }
  static constexpr int hidden_layer(int v) { return (v - inputs) / width; }  // for hidden nodes only
  static constexpr int hidden_index(int v) { return (v - inputs) % width; }

  static constexpr int node_type(int v) {
    if (is_input(v)) return v;
    if (is_output(v)) return inputs + layers + (v - output_node(0));
    return inputs + hidden_layer(v);
  }

  // Whether node slot v exists in a depth-`depth` network (inputs and outputs always; hidden layers < depth).
  static constexpr bool present(int depth, int v) { return is_input(v) || is_output(v) || hidden_layer(v) < depth; }

  // Where node v's features are read from (value channel, except `exists` from the validity channel).
  static constexpr std::array<token_cell, node_features> feature_cells(int depth, int v) {
    std::array<token_cell, node_features> c{};
    const int valid = layout::max_columns;  // offset of the validity channel
    if (is_input(v)) {
      c[exists] = {v, valid + layout::weight_column(0)};
    } else if (is_output(v)) {
      const int o = v - output_node(0);
      c[bias] = {o, layout::output_bias_column(depth)};
      c[exists] = {o, valid + layout::output_bias_column(depth)};
    } else if (hidden_layer(v) < depth) {
      const int l = hidden_layer(v), r = hidden_index(v);
      c[bias] = {r, layout::bias_column(l)};
      for (int k = 0; k < activation_count; ++k) c[activation0 + k] = {r, layout::activation_column(l) + k};
      c[mask] = {r, layout::mask_column(depth, l)};
      c[exists] = {r, valid + layout::bias_column(l)};
    }
    return c;
  }

  // Calls f(source_node, target_node, token_row, token_col) for every edge of a depth-`depth` network: the
  // weights of hidden layers 0..depth-1 and of the output layer, in a fixed order.
  template <class F>
  static void for_each_edge(int depth, F&& f) {
    for (int l = 0; l < depth; ++l)
      for (int r = 0; r < S::layer_inputs(l); ++r) {
        const int source = l == 0 ? input_node(r) : hidden_node(l - 1, r);
        for (int j = 0; j < width; ++j) f(source, hidden_node(l, j), r, layout::weight_column(l) + j);
      }
    for (int r = 0; r < width; ++r)
      for (int o = 0; o < outputs; ++o)
        f(hidden_node(depth - 1, r), output_node(o), r, layout::output_weight_column(depth) + o);
  }
  static constexpr int edges(int depth) {
    int e = width * outputs;
    for (int l = 0; l < depth; ++l) e += S::layer_inputs(l) * width;
    return e;
  }

  // Depth of the network whose tokens start at row `row0` of `tokens` ((networks * tokens) x features).
  template <class Derived>
  static int depth(const Eigen::MatrixBase<Derived>& tokens, Eigen::Index row0, Eigen::Index network = 0) {
    using U = typename Derived::Scalar;
    const int valid = layout::max_columns;
    for (int d = 1; d <= layers; ++d)
      if (tokens(row0, valid + layout::width(d) - 1) >= U(0.5) &&
          (d == layers || tokens(row0, valid + layout::width(d)) < U(0.5)))
        return d;
    throw value_error("neuron_graph::depth: network " + std::to_string(network) +
                      ": the validity channel matches no depth in 1.." + std::to_string(layers) +
                      " (are these tokens from token_layout::encode?)");
  }
};

}  // namespace swatnn
