// swatnn/network/export_dot.hpp: draw a found sparse_network as a Graphviz DOT graph: inputs (labelled with the
// dataset's column names when given), the active hidden neurons of each layer (activation and bias; one rank per
// layer) and outputs (the target names), with one edge per nonzero weight between live units: blue for w > 0, red
// for w < 0, width and opacity growing with |w|; the weight is written on the edge (attached to it by a leader
// line) only in small drawings, where labels stay readable. Render with e.g. `dot -Tsvg net.dot -o net.svg`
// (Graphviz is not needed to write the file).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

struct dot_options {
  std::string graph_name = "swatnn_network";
  std::vector<std::string> input_names{};   // empty: x0, x1, ...; else one per input (data::dataset::input_names)
  std::vector<std::string> target_names{};  // empty: y0, ...; else one per output ({data::dataset::target_name})
  int precision = 3;                      // significant digits of weights and biases
  int label_edges_up_to = 16;             // weights written on the edges only with at most this many edges
  double max_penwidth = 4.0;              // the largest |w| gets this width, 0 gets min_penwidth
  double min_penwidth = 0.6;
};

namespace detail::dot {

inline std::string short_number(double value, int precision) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::general, precision);
  return std::string(buffer, result.ptr);
}

// `text` as a DOT string literal: quotes and backslashes escaped, line breaks as \n.
inline std::string dot_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else if (c != '\r') out += c;
  }
  return out + '"';
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

// Blue (w > 0) or red (w < 0), more transparent the smaller |w| is relative to the largest.
inline std::string edge_color(double w, double relative) {
  static constexpr char hex[] = "0123456789abcdef";
  const int alpha = static_cast<int>(std::lround(64 + 191 * std::clamp(relative, 0.0, 1.0)));
  std::string color = w < 0 ? "#b2182b" : "#2166ac";  // ColorBrewer RdBu ends
  color += hex[alpha >> 4];
  color += hex[alpha & 15];
  return color;
}

}  // namespace detail::dot

// The DOT text. Node ids: x<i> (inputs), h<layer>_<neuron> (swatnn indices, 0-based), y<o> (outputs); the labels
// of inputs and outputs are options.input_names / target_names when given. Throws value_error for bad options
// and shape_error for a name list of the wrong length.
template <network_spec_type S, class T>
std::string to_dot(const sparse_network<S, T>& net, const dot_options& options = {}) {
  using detail::dot::hidden_id;
  using detail::dot::dot_string;
  using detail::dot::short_number;
  using detail::dot::unit_id;
  net.validate();
  if (options.precision < 1 || !(options.min_penwidth > 0) || !(options.max_penwidth >= options.min_penwidth))
    throw value_error("swatnn::to_dot: options need precision >= 1 and 0 < min_penwidth <= max_penwidth");
  auto check_names = [](const std::vector<std::string>& names, int expected, const char* what) {
    if (!names.empty() && static_cast<int>(names.size()) != expected)
      throw shape_error(std::string("swatnn::to_dot: ") + std::to_string(names.size()) + " " + what +
                        " names for a network with " + std::to_string(expected));
  };
  check_names(options.input_names, net.inputs, "input");
  check_names(options.target_names, S::outputs, "target");
  const int last = net.depth - 1;
  // Is unit i of the layer feeding hidden layer l (or the output layer for l == depth) live?
  auto source_live = [&](int l, int i) { return l == 0 || net.layers[l - 1].active[i]; };
  auto source_id = [&](int l, int i) { return l == 0 ? unit_id('x', i) : hidden_id(l - 1, i); };

  struct edge {
    std::string from, to;
    double w;
  };
  std::vector<edge> edges;
  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j) {
      if (!net.layers[l].active[j]) continue;
      for (int i = 0; i < S::layer_inputs(l); ++i) {
        const double w = static_cast<double>(net.layers[l].weights(i, j));
        if (w != 0 && source_live(l, i)) edges.push_back({source_id(l, i), hidden_id(l, j), w});
      }
    }
  for (int i = 0; i < S::max_width; ++i) {
    if (!net.layers[last].active[i]) continue;
    for (int o = 0; o < S::outputs; ++o) {
      const double w = static_cast<double>(net.output_weights(i, o));
      if (w != 0) edges.push_back({hidden_id(last, i), unit_id('y', o), w});
    }
  }
  double largest = 0;
  for (const edge& e : edges) largest = std::max(largest, std::abs(e.w));
  const bool labelled = static_cast<int>(edges.size()) <= options.label_edges_up_to;

  std::string out = "digraph " + dot_string(options.graph_name) + " {\n";
  out += "  rankdir=LR;\n  splines=line;\n  nodesep=0.25;\n  ranksep=1.4;\n";
  out += "  node [fontname=\"Helvetica\", fontsize=10, height=0.3, margin=\"0.06,0.03\"];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=8, arrowsize=0.5];\n";
  std::string legend = std::to_string(edges.size()) + " weights";
  if (!labelled) legend += " (in an SVG, hover over an edge for its value)";
  legend += ": blue w > 0, red w < 0; width and opacity grow with |w| (largest " + short_number(largest, options.precision) + ")";
  out += "  label=" + dot_string(legend) + ";\n  labelloc=b;\n  fontname=\"Helvetica\";\n  fontsize=9;\n";
  out += "  subgraph inputs {\n    rank=same;\n";
  for (int i = 0; i < net.inputs; ++i) {
    const std::string name = options.input_names.empty() ? unit_id('x', i) : options.input_names[static_cast<std::size_t>(i)];
    out += "    " + unit_id('x', i) + " [label=" + dot_string(name) + ", shape=box, style=rounded];\n";
  }
  out += "  }\n";
  for (int l = 0; l < net.depth; ++l) {
    out += "  subgraph layer_" + std::to_string(l) + " {\n    rank=same;\n";
    for (int j = 0; j < S::max_width; ++j) {
      if (!net.layers[l].active[j]) continue;
      const std::string label = hidden_id(l, j) + "\n" + std::string(activation_name(net.layers[l].activations[j])) +
                                "\nb=" + short_number(static_cast<double>(net.layers[l].bias(j)), options.precision);
      out += "    " + hidden_id(l, j) + " [label=" + dot_string(label) + ", shape=ellipse];\n";
    }
    out += "  }\n";
  }
  out += "  subgraph outputs {\n    rank=same;\n";
  for (int o = 0; o < S::outputs; ++o) {
    const std::string name = options.target_names.empty() ? unit_id('y', o) : options.target_names[static_cast<std::size_t>(o)];
    out += "    " + unit_id('y', o) + " [label=" +
           dot_string(name + "\nb=" + short_number(static_cast<double>(net.output_bias(o)), options.precision)) +
           ", shape=box, style=rounded];\n";
  }
  out += "  }\n";

  // Ranks in order (inputs, the layers with active neurons, outputs): where no weight joins two consecutive ranks,
  // an invisible edge between them keeps the next one to the right.
  std::vector<std::vector<std::string>> ranks(1);
  for (int i = 0; i < net.inputs; ++i) ranks[0].push_back(unit_id('x', i));
  for (int l = 0; l < net.depth; ++l) {
    std::vector<std::string> units;
    for (int j = 0; j < S::max_width; ++j)
      if (net.layers[l].active[j]) units.push_back(hidden_id(l, j));
    if (!units.empty()) ranks.push_back(std::move(units));
  }
  ranks.emplace_back();
  for (int o = 0; o < S::outputs; ++o) ranks.back().push_back(unit_id('y', o));
  for (std::size_t r = 0; r + 1 < ranks.size(); ++r) {
    const bool joined = std::any_of(edges.begin(), edges.end(), [&](const edge& e) {
      return std::find(ranks[r].begin(), ranks[r].end(), e.from) != ranks[r].end() &&
             std::find(ranks[r + 1].begin(), ranks[r + 1].end(), e.to) != ranks[r + 1].end();
    });
    if (!joined) out += "  " + ranks[r].front() + " -> " + ranks[r + 1].front() + " [style=invis];\n";
  }
  for (const edge& e : edges) {
    const double relative = largest > 0 ? std::abs(e.w) / largest : 0;
    const double width = options.min_penwidth + (options.max_penwidth - options.min_penwidth) * relative;
    out += "  " + e.from + " -> " + e.to + " [";
    const std::string value = short_number(e.w, options.precision);
    if (labelled)
      out += "label=\"" + value + "\", decorate=true, fontcolor=\"" + (e.w < 0 ? "#b2182b" : "#2166ac") + "\", ";
    else out += "tooltip=\"" + e.from + " -> " + e.to + ": " + value + "\", ";
    out += "penwidth=" + short_number(width, 3) + ", color=\"" + detail::dot::edge_color(e.w, relative) + "\"];\n";
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
