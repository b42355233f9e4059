// Tests for network/export_dot.hpp: one node per input / active neuron / output, one edge per nonzero weight
// between live units, rank=same per layer, column names as labels, weight labels only in small drawings, ranks
// kept in order; where Graphviz's `dot` is installed, a ~100-parameter network is rendered to SVG.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <string>

#include <unistd.h>

#include <swatnn/network/export_dot.hpp>

#include "network/export_cpp/networks.hpp"

using namespace swatnn;
using swatnn::test_export::empty_layer_network;
using swatnn::test_export::fixed_network;
using swatnn::test_export::random_network;

namespace {

struct dot_counts {
  int nodes = 0, edges = 0, labelled_edges = 0, invisible_edges = 0, ranks = 0;
};

dot_counts count(const std::string& text) {
  dot_counts c;
  std::istringstream lines(text);
  const std::regex node("^    [xhy][0-9_]+ \\[label=.*\\];$"),
      edge("^  [xh][0-9_]+ -> [hy][0-9_]+ \\[.*penwidth=[0-9.]+, color=\"#[0-9a-f]{8}\"\\];$"),
      invisible("^  [xh][0-9_]+ -> [hy][0-9_]+ \\[style=invis\\];$");
  for (std::string line; std::getline(lines, line);) {
    c.nodes += std::regex_match(line, node) ? 1 : 0;
    c.edges += std::regex_match(line, edge) ? 1 : 0;
    c.labelled_edges += std::regex_match(line, edge) && line.find("[label=") != std::string::npos ? 1 : 0;
    c.invisible_edges += std::regex_match(line, invisible) ? 1 : 0;
    c.ranks += line == "    rank=same;" ? 1 : 0;
  }
  return c;
}

template <network_spec_type S, class T>
void check_structure(const sparse_network<S, T>& net) {
  const std::string text = to_dot(net);
  const auto c = count(text);
  CHECK(c.nodes == S::inputs + net.active_neurons() + S::outputs);
  // nonzero_parameters = live nonzero weights + active-neuron biases + output biases.
  CHECK(c.edges == net.nonzero_parameters() - net.active_neurons() - S::outputs);
  CHECK(c.ranks == net.depth + 2);
  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j) {
      const std::string id = detail::dot::hidden_id(l, j) + " ";
      CHECK((text.find(id) != std::string::npos) == net.layers[l].active[j]);
    }
}

}  // namespace

TEST_CASE("export dot: nodes and edges match active neurons and nonzero weights") {
  check_structure(fixed_network());
  check_structure(empty_layer_network());
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    check_structure(random_network<paper_spec, float>(seed));
    check_structure(random_network<network_spec<3, 2, 3, 5>, double>(seed));
  }
}

TEST_CASE("export dot: labels, pen widths and the file") {
  const std::string text = to_dot(fixed_network());
  CHECK(text.rfind("digraph \"swatnn_network\" {\n  rankdir=LR;", 0) == 0);
  CHECK(text.find("x0 [label=\"x0\", shape=box, style=rounded];") != std::string::npos);
  CHECK(text.find("h0_0 [label=\"h0_0\\ntanh\\nb=0.25\", shape=ellipse];") != std::string::npos);
  CHECK(text.find("y0 [label=\"y0\\nb=0.5\", shape=box, style=rounded];") != std::string::npos);
  // 13 edges: few enough for labels. Largest |w| among live edges is 3 (h1_6 -> y0): full width and opacity;
  // 1.5 gets half way between 0.6 and 4 and alpha 64 + 191 / 2 = 0xa0.
  CHECK(text.find("h1_6 -> y0 [label=\"-3\", decorate=true, fontcolor=\"#b2182b\", penwidth=4, color=\"#b2182bff\"];") !=
        std::string::npos);
  CHECK(text.find("x0 -> h0_0 [label=\"1.5\", decorate=true, fontcolor=\"#2166ac\", penwidth=2.3, color=\"#2166aca0\"];") !=
        std::string::npos);
  CHECK(text.find("label=\"13 weights: blue w > 0, red w < 0; width and opacity grow with |w| (largest 3)\";") !=
        std::string::npos);
  CHECK(count(text).labelled_edges == 13);
  CHECK(count(text).invisible_edges == 0);  // every pair of consecutive ranks is joined by a weight
  CHECK(text.find("h0_1") == std::string::npos);  // inactive
  CHECK(text.find("123.5") == std::string::npos);

  const auto path = std::filesystem::temp_directory_path() / ("swatnn_export_dot_" + std::to_string(::getpid()) + ".dot");
  export_dot(fixed_network(), path);
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  CHECK(content.str() == text);
  std::filesystem::remove(path);
  CHECK_THROWS_AS(export_dot(fixed_network(), std::filesystem::path("/nonexistent_dir_swatnn/n.dot")), io_error);
  CHECK_THROWS_AS(to_dot(fixed_network(), {.precision = 0}), value_error);
}

TEST_CASE("export dot: the dataset's column names label the inputs and the output") {
  const std::string text = to_dot(fixed_network(), {.input_names = {"x1", "speed \"km/h\"\\"}, .target_names = {"y"}});
  CHECK(text.find("    x0 [label=\"x1\", shape=box, style=rounded];") != std::string::npos);
  CHECK(text.find("    x1 [label=\"speed \\\"km/h\\\"\\\\\", shape=box, style=rounded];") != std::string::npos);
  CHECK(text.find("    y0 [label=\"y\\nb=0.5\", shape=box, style=rounded];") != std::string::npos);
  CHECK(text.find("x0 -> h0_0 [") != std::string::npos);  // node ids stay x<i> / y<o>
  CHECK_THROWS_AS(to_dot(fixed_network(), {.input_names = {"only one"}}), shape_error);
  CHECK_THROWS_AS(to_dot(fixed_network(), {.target_names = {"a", "b"}}), shape_error);
}

namespace {
// About 100 nonzero parameters: depth 3 of paper_spec, 85% of the neurons active, 75% of the weights nonzero.
sparse_network<paper_spec, float> hundred_parameter_network() {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> g(0, 1);
  std::bernoulli_distribution keep(0.75), active(0.85);
  auto net = sparse_network<paper_spec, float>::zeros(3);
  for (int l = 0; l < 3; ++l)
    for (int j = 0; j < paper_spec::max_width; ++j) {
      auto& layer = net.layers[l];
      layer.active[j] = active(rng);
      layer.activations[j] = static_cast<activation>(j % activation_count);
      layer.bias(j) = static_cast<float>(g(rng));
      for (int i = 0; i < paper_spec::layer_inputs(l); ++i) layer.weights(i, j) = keep(rng) ? static_cast<float>(1.5 * g(rng)) : 0.0f;
    }
  for (int i = 0; i < paper_spec::max_width; ++i) net.output_weights(i, 0) = keep(rng) ? static_cast<float>(g(rng)) : 0.0f;
  net.output_bias(0) = 0.3f;
  return net;
}
}  // namespace

TEST_CASE("export dot: a large drawing carries no weight labels, only widths, colours and tooltips") {
  const auto net = hundred_parameter_network();
  CHECK(net.nonzero_parameters() >= 90);
  CHECK(net.nonzero_parameters() <= 110);
  const std::string text = to_dot(net, {.input_names = {"x1", "x2"}, .target_names = {"y"}});
  const auto c = count(text);
  CHECK(c.edges == net.nonzero_parameters() - net.active_neurons() - 1);
  CHECK(c.edges > 16);
  CHECK(c.labelled_edges == 0);
  CHECK(text.find("(in an SVG, hover over an edge for its value)") != std::string::npos);
  std::regex tooltip("  h0_[0-9] -> h1_[0-9] \\[tooltip=\"h0_[0-9] -> h1_[0-9]: -?[0-9.e-]+\", penwidth=");
  CHECK(std::regex_search(text, tooltip));
  // the same network with labels asked for on every edge
  CHECK(count(to_dot(net, {.label_edges_up_to = 1000})).labelled_edges == c.edges);

  // Rendered where Graphviz is installed (the picture was looked at when this layout was chosen: docs/export.md).
  if (std::system("command -v dot > /dev/null 2>&1") != 0) {
    MESSAGE("Graphviz 'dot' not installed: the rendering check is skipped");
    return;
  }
  const auto base = std::filesystem::temp_directory_path() / ("swatnn_export_dot_100_" + std::to_string(::getpid()));
  export_dot(net, base.string() + ".dot", {.input_names = {"x1", "x2"}, .target_names = {"y"}});
  const std::string command = "dot -Tsvg '" + base.string() + ".dot' -o '" + base.string() + ".svg'";
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(base.string() + ".svg");
  std::stringstream svg;
  svg << in.rdbuf();
  CHECK(svg.str().find("<svg") != std::string::npos);
  CHECK(svg.str().find(">x1</text>") != std::string::npos);
  std::filesystem::remove(base.string() + ".dot");
  std::filesystem::remove(base.string() + ".svg");
}

TEST_CASE("export dot: ranks stay in order where no weight joins two layers") {
  auto net = fixed_network();
  net.output_weights.setZero();  // the output is a constant: no edge into y0
  const std::string text = to_dot(net);
  CHECK(text.find("  h1_2 -> y0 [style=invis];") != std::string::npos);
  CHECK(count(text).invisible_edges == 1);
  // an empty middle layer: its neighbours are joined around it
  const std::string empty = to_dot(empty_layer_network());
  CHECK(empty.find("  h0_1 -> h2_0 [style=invis];") != std::string::npos);
}
