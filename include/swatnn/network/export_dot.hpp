// swatnn/network/export_dot.hpp: draw a found sparse_network as a Graphviz DOT graph: inputs, the active
// hidden neurons of each layer (activation and bias; one rank per layer) and outputs, with one edge per
// nonzero weight between live units, labelled with the weight and drawn with pen width proportional to |w|.
// Render with e.g. `dot -Tsvg net.dot -o net.svg` (Graphviz is not needed to write the file).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <span>
#include <string>

#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

struct dot_options {
  std::string graph_name = "swatnn_network";
  int precision = 4;             // significant digits in weight and bias labels
  double max_penwidth = 5.0;     // the largest |w| gets this width, 0 gets min_penwidth
  double min_penwidth = 0.5;
};

namespace detail::dot {

inline std::string short_number(double value, int precision) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, precision);
  return std::string(buffer, result.ptr);
}

// Built with += (GCC 12 reports a false -Wrestrict for "literal" + std::string&& at -O2).
inline std::string unit_id(char kind, int index) {
  std::string id(1, kind);
  id += std::to_string(index);
  return id;
}
inline std::string hidden_id(int layer, int neuron) {
  std::string id = unit_id('h', layer);
  id += '_';
  id += std::to_string(neuron);
  return id;
}

}  // namespace detail::dot

// The DOT text. Node ids: x<i> (inputs), h<layer>_<neuron> (swatnn indices, 0-based), y<o> (outputs).
template <network_spec_type S, class T>
std::string to_dot(const sparse_network<S, T>& net, const dot_options& options = {}) {
  using detail::dot::hidden_id;
  using detail::dot::short_number;
  using detail::dot::unit_id;
  net.validate();
  if (options.precision < 1 || !(options.min_penwidth > 0) || !(options.max_penwidth >= options.min_penwidth))
    throw value_error("swatnn::to_dot: options need precision >= 1 and 0 < min_penwidth <= max_penwidth");
  const int last = net.depth - 1;
  // Is unit i of the layer feeding hidden layer l (or the output layer for l == depth) live?
  auto source_live = [&](int l, int i) { return l == 0 || net.layers[l - 1].active[i]; };
  auto source_id = [&](int l, int i) { return l == 0 ? unit_id('x', i) : hidden_id(l - 1, i); };

  double largest = 0;
  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j)
      for (int i = 0; i < S::layer_inputs(l); ++i)
        if (net.layers[l].active[j] && source_live(l, i))
          largest = std::max(largest, std::abs(static_cast<double>(net.layers[l].weights(i, j))));
  for (int i = 0; i < S::max_width; ++i)
    for (int o = 0; o < S::outputs; ++o)
      if (net.layers[last].active[i]) largest = std::max(largest, std::abs(static_cast<double>(net.output_weights(i, o))));

  auto edge = [&](const std::string& from, const std::string& to, double w) {
    const double width =
        options.min_penwidth + (options.max_penwidth - options.min_penwidth) * (largest > 0 ? std::abs(w) / largest : 0);
    return "  " + from + " -> " + to + " [label=\"" + short_number(w, options.precision) + "\", penwidth=" +
           short_number(width, 3) + (w < 0 ? ", color=\"#b2182b\"" : ", color=\"#2166ac\"") + "];\n";
  };

  std::string name;
  for (char c : options.graph_name) name += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
  std::string out = "digraph \"" + name + "\" {\n";
  out += "  rankdir=LR;\n  splines=line;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=8];\n";
  out += "  subgraph inputs {\n    rank=same;\n";
  for (int i = 0; i < S::inputs; ++i)
    out += "    " + unit_id('x', i) + " [label=\"" + unit_id('x', i) + "\", shape=box];\n";
  out += "  }\n";
  for (int l = 0; l < net.depth; ++l) {
    out += "  subgraph layer_" + std::to_string(l) + " {\n    rank=same;\n";
    for (int j = 0; j < S::max_width; ++j) {
      if (!net.layers[l].active[j]) continue;
      out += "    " + hidden_id(l, j) + " [label=\"" + hidden_id(l, j) + "\\n" +
             std::string(activation_name(net.layers[l].activations[j])) + "\\nb=" +
             short_number(static_cast<double>(net.layers[l].bias(j)), options.precision) + "\", shape=ellipse];\n";
    }
    out += "  }\n";
  }
  out += "  subgraph outputs {\n    rank=same;\n";
  for (int o = 0; o < S::outputs; ++o)
    out += "    " + unit_id('y', o) + " [label=\"" + unit_id('y', o) + "\\nb=" +
           short_number(static_cast<double>(net.output_bias(o)), options.precision) + "\", shape=box];\n";
  out += "  }\n";

  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j) {
      if (!net.layers[l].active[j]) continue;
      for (int i = 0; i < S::layer_inputs(l); ++i) {
        const double w = static_cast<double>(net.layers[l].weights(i, j));
        if (w != 0 && source_live(l, i)) out += edge(source_id(l, i), hidden_id(l, j), w);
      }
    }
  for (int i = 0; i < S::max_width; ++i) {
    if (!net.layers[last].active[i]) continue;
    for (int o = 0; o < S::outputs; ++o) {
      const double w = static_cast<double>(net.output_weights(i, o));
      if (w != 0) out += edge(hidden_id(last, i), unit_id('y', o), w);
    }
  }
  out += "}\n";
  return out;
}

// Writes to_dot(net, options) to `path` atomically (io_error if it cannot be written).
template <network_spec_type S, class T>
void export_dot(const sparse_network<S, T>& net, const std::filesystem::path& path, const dot_options& options = {}) {
  const std::string text = to_dot(net, options);
  io::write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace swatnn
