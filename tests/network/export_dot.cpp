// Tests for network/export_dot.hpp: one node per input / active neuron / output, one edge per nonzero weight
// between live units, rank=same per layer. Graphviz itself is not needed (never run here).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
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
  int nodes = 0, edges = 0, ranks = 0;
};

dot_counts count(const std::string& text) {
  dot_counts c;
  std::istringstream lines(text);
  const std::regex node("^    [xhy][0-9_]+ \\[label=.*\\];$"), edge("^  [xh][0-9_]+ -> [hy][0-9_]+ \\[label=.*\\];$");
  for (std::string line; std::getline(lines, line);) {
    c.nodes += std::regex_match(line, node) ? 1 : 0;
    c.edges += std::regex_match(line, edge) ? 1 : 0;
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
  CHECK(text.find("h0_0 [label=\"h0_0\\ntanh\\nb=0.25\", shape=ellipse];") != std::string::npos);
  CHECK(text.find("y0 [label=\"y0\\nb=0.5\", shape=box];") != std::string::npos);
  // Largest |w| among live edges is 3 (h1_6 -> y0): full width; 1.5 gets half way between 0.5 and 5.
  CHECK(text.find("h1_6 -> y0 [label=\"-3\", penwidth=5,") != std::string::npos);
  CHECK(text.find("x0 -> h0_0 [label=\"1.5\", penwidth=2.75,") != std::string::npos);
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
