// Tests for network/export_cpp.hpp on the header text: only live neurons, no dynamic allocation, option
// checks. The generated header is compiled and run by the ctest test export_cpp_header (tests/CMakeLists.txt).
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <unistd.h>

#include <swatnn/network/export_cpp.hpp>

#include "network/export_cpp/networks.hpp"

using namespace swatnn;
using swatnn::test_export::empty_layer_network;
using swatnn::test_export::fixed_network;
using swatnn::test_export::random_network;

namespace {

void check_allocation_free(const std::string& text) {
  CHECK_FALSE(std::regex_search(text, std::regex("\\bnew\\b")));
  CHECK(text.find("malloc") == std::string::npos);
  CHECK(text.find("std::vector") == std::string::npos);
  CHECK(text.find("std::string") == std::string::npos);
  // Only <array> and <cmath>.
  std::istringstream lines(text);
  int includes = 0;
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("#include", 0) == 0) {
      ++includes;
      CHECK((line == "#include <array>" || line == "#include <cmath>"));
    }
  CHECK(includes == 2);
}

}  // namespace

TEST_CASE("export header: only live neurons, no allocation") {
  const std::string text = to_cpp_header(fixed_network());
  check_allocation_free(text);
  // Values only carried by inactive neurons (or weights from them) are absent.
  for (std::string v : {"123.5f", "77.0f", "99.0f", "55.0f"}) CHECK_MESSAGE(text.find(v) == std::string::npos, v);
  // Compact shapes: 3 live neurons x 2 inputs, 2 x 3, 1 output x 2.
  CHECK(text.find("layer0_weights[3][2]") != std::string::npos);
  CHECK(text.find("layer1_weights[2][3]") != std::string::npos);
  CHECK(text.find("output_weights[1][2]") != std::string::npos);
  CHECK(text.find("namespace model {") != std::string::npos);
  CHECK(text.find("// Generated output: this header carries no license obligation") != std::string::npos);
  CHECK(text.find("inline void predict(const scalar* x, scalar* y) noexcept") != std::string::npos);
  CHECK(text.find("self_test_data::points = 8") == std::string::npos);  // sanity of the next check's form
  CHECK(text.find("inline constexpr int points = 8;") != std::string::npos);
  CHECK(text.find("inline constexpr scalar layer0_bias[3] = {0.25f, -0.125f, 0.0f};") != std::string::npos);
}

TEST_CASE("export header: random networks and options") {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto net = random_network<network_spec<3, 2, 3, 5>, double>(seed);
    const std::string text = to_cpp_header(net, {.namespace_name = "acme::nets", .function_name = "run",
                                                 .self_test_points = 3, .seed = seed});
    check_allocation_free(text);
    CHECK(text.find("namespace acme::nets {") != std::string::npos);
    CHECK(text.find("using scalar = double;") != std::string::npos);
    CHECK(text.find("inline void run(") != std::string::npos);
    for (int l = 0; l < net.depth; ++l) {
      const int live = net.active_neurons(l);
      const std::string bias = "layer" + std::to_string(l) + "_bias[" + std::to_string(live) + "]";
      CHECK((live == 0 ? text.find("layer" + std::to_string(l) + "_bias") == std::string::npos
                       : text.find(bias) != std::string::npos));
    }
  }
  const std::string none = to_cpp_header(empty_layer_network(), {.self_test_points = 0});
  check_allocation_free(none);
  CHECK(none.find("layer1_") == std::string::npos);
  CHECK(none.find("layer0_") == std::string::npos);  // cut off from the outputs by the empty layer 1
  CHECK(none.find("left out, the empty hidden layer 1 cuts it off") != std::string::npos);
  CHECK(none.find("(void)x;") != std::string::npos);
  CHECK(none.find("layer2_weights") == std::string::npos);  // nothing live feeds layer 2
  CHECK(none.find("inline bool self_test(scalar = scalar(1e-5)) noexcept { return true; }") != std::string::npos);
}

TEST_CASE("export header: with the dataset's scalers, predict is in data units and predict_scaled is the network") {
  const auto inputs = data::minmax_scaler::from_bounds({-3.0, 10.0}, {5.0, 20.0});
  const auto labels = data::minmax_scaler::from_bounds({-50.0}, {30.0});
  const std::string plain = to_cpp_header(fixed_network());
  CHECK(plain.find("predict_scaled") == std::string::npos);
  CHECK(plain.find("namespace scaling") == std::string::npos);
  const std::string both = to_cpp_header(fixed_network(), {.input_scaling = inputs, .label_scaling = labels});
  check_allocation_free(both);
  CHECK(both.find("inline void predict_scaled(const scalar* x, scalar* y) noexcept {") != std::string::npos);
  CHECK(both.find("inline void predict(const scalar* x, scalar* y) noexcept {") != std::string::npos);
  CHECK(both.find("input_lower[inputs] = {-3.0, 10.0};") != std::string::npos);
  CHECK(both.find("output_upper[outputs] = {30.0};") != std::string::npos);
  // the self-test points are data units: inside the inputs' bounds, not in [-1, 1] only
  const auto points_at = both.find("test_inputs[");
  REQUIRE(points_at != std::string::npos);
  const std::string points = both.substr(points_at, both.find(';', points_at) - points_at);
  CHECK(std::regex_search(points, std::regex("[{ ]1[0-9]\\.")));  // x1 in [10, 20]
  // one scaler alone: only its step
  const std::string labels_only = to_cpp_header(fixed_network(), {.label_scaling = labels});
  CHECK(labels_only.find("input_lower") == std::string::npos);
  CHECK(labels_only.find("  predict_scaled(x, y);") != std::string::npos);
  const std::string inputs_only = to_cpp_header(fixed_network(), {.input_scaling = inputs});
  CHECK(inputs_only.find("output_lower") == std::string::npos);
  CHECK(inputs_only.find("  predict_scaled(xs, y);") != std::string::npos);
}

TEST_CASE("export header: writes the file, rejects bad options") {
  const auto path = std::filesystem::temp_directory_path() / ("swatnn_export_cpp_" + std::to_string(::getpid()) + ".hpp");
  export_cpp_header(fixed_network(), path, {.namespace_name = "model", .function_name = "predict", .self_test_points = 8, .seed = 3});
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  CHECK(content.str() == to_cpp_header(fixed_network(), {.seed = 3}));
  std::filesystem::remove(path);
  CHECK(to_cpp_header(fixed_network(), {.seed = 3}) != to_cpp_header(fixed_network(), {.seed = 4}));

  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.namespace_name = "1model"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.namespace_name = "a::"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.namespace_name = "new"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.function_name = "self_test"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.function_name = "pre dict"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.function_name = "scaling"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.function_name = "weights"}), value_error);
  CHECK_THROWS_AS(to_cpp_header(fixed_network(), {.self_test_points = -1}), value_error);
  // scalers must have the network's column counts (fixed_network: 2 inputs, 1 output)
  CHECK_THROWS_WITH_AS(to_cpp_header(fixed_network(), {.input_scaling = data::minmax_scaler::from_bounds({0.0}, {1.0})}),
                       doctest::Contains("input_scaling has 1 columns, but the network has 2 inputs"), value_error);
  CHECK_THROWS_WITH_AS(
      to_cpp_header(fixed_network(), {.label_scaling = data::minmax_scaler::from_bounds({0.0, 0.0}, {1.0, 1.0})}),
      doctest::Contains("label_scaling has 2 columns, but the network has 1 outputs"), value_error);
  CHECK_THROWS_AS(export_cpp_header(fixed_network(), std::filesystem::path("/nonexistent_dir_swatnn/m.hpp")), io_error);
  auto bad = fixed_network();
  bad.output_bias(0) = std::nanf("");
  CHECK_THROWS_AS(to_cpp_header(bad), value_error);
}
