// Tests for network/export_json.hpp: exact round trips (bit-identical predictions), metadata, and a
// data_error / io_error naming the field for every kind of bad file.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include <unistd.h>

#include <swatnn/network/export_json.hpp>

#include "network/export_cpp/networks.hpp"

using namespace swatnn;
using swatnn::test_export::fixed_network;
using swatnn::test_export::random_network;

namespace {

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("swatnn_export_json_" + std::to_string(::getpid()) + "_" + name);
}

template <class T>
cpu::matrix<T> grid(int inputs) {
  cpu::matrix<T> x(64, inputs);
  for (int n = 0; n < 64; ++n)
    for (int i = 0; i < inputs; ++i) x(n, i) = static_cast<T>(std::sin(0.37 * n + 1.3 * i) * 2.5);
  return x;
}

template <class M>
bool bit_identical(const M& a, const M& b) {
  using T = typename M::Scalar;
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  return std::memcmp(a.data(), b.data(), sizeof(T) * static_cast<std::size_t>(a.size())) == 0;
}

template <network_spec_type S, class T>
void check_same(const sparse_network<S, T>& a, const sparse_network<S, T>& b) {
  REQUIRE(a.depth == b.depth);
  for (int l = 0; l < a.depth; ++l) {
    CHECK(bit_identical(a.layers[l].weights, b.layers[l].weights));
    CHECK(bit_identical(a.layers[l].bias, b.layers[l].bias));
    CHECK(a.layers[l].active == b.layers[l].active);
    CHECK(a.layers[l].activations == b.layers[l].activations);
  }
  CHECK(bit_identical(a.output_weights, b.output_weights));
  CHECK(bit_identical(a.output_bias, b.output_bias));
  const auto x = grid<T>(S::inputs);
  CHECK(bit_identical(a.predict(x), b.predict(x)));
}

// Expects from_json to throw data_error whose message contains every fragment.
template <network_spec_type S = paper_spec>
void expect_data_error(const std::string& text, std::initializer_list<std::string> fragments) {
  try {
    (void)from_json<S, float>(text, "test.json");
    FAIL("no data_error for: " << text.substr(0, 200));
  } catch (const data_error& e) {
    const std::string message = e.what();
    for (const auto& f : fragments) CHECK_MESSAGE(message.find(f) != std::string::npos, message, " lacks ", f);
  }
}

// `text` with the first occurrence of `from` (searched after `after`) replaced by `to`.
std::string replace(std::string text, const std::string& from, const std::string& to, const std::string& after = "") {
  const std::size_t start = after.empty() ? 0 : text.find(after);
  REQUIRE(start != std::string::npos);
  const std::size_t at = text.find(from, start);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("export json: round trip of random networks predicts bit-identical values") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto f = random_network<paper_spec, float>(seed);
    check_same(f, from_json<paper_spec, float>(to_json(f)).network);
    const auto d = random_network<network_spec<3, 2, 3, 5>, double>(seed);
    check_same(d, from_json<network_spec<3, 2, 3, 5>, double>(to_json(d)).network);
  }
}

TEST_CASE("export json: awkward values round trip exactly") {
  auto net = fixed_network();
  net.layers[0].weights(0, 0) = 1e-40f;  // subnormal
  net.layers[0].weights(1, 0) = -0.0f;
  net.layers[0].bias(0) = std::numeric_limits<float>::max();
  net.layers[0].bias(3) = 0.1f;
  net.output_bias(0) = std::numeric_limits<float>::min();
  const auto back = from_json<paper_spec, float>(to_json(net)).network;
  check_same(net, back);
  CHECK(std::signbit(back.layers[0].weights(1, 0)));
}

TEST_CASE("export json: save_json / load_json with metadata") {
  const auto net = fixed_network();
  network_metadata md;
  md.name = "fixed \"net\"\n\x01 \xc3\xa9";  // quote, newline, control character, UTF-8
  md.train_mse = 0.1;
  md.validation_mse = 1.0 / 3.0;
  md.test_mse = 2.5e-7;
  md.input_scaling = data::minmax_scaler::from_bounds({-1.5, 0.0}, {2.0, 0.1});
  md.label_scaling = data::minmax_scaler::from_bounds({10.0}, {20.0});
  const auto path = temp_path("model.json");
  save_json(net, path, md);
  const auto loaded = load_json<paper_spec, float>(path);
  check_same(net, loaded.network);
  CHECK(loaded.metadata == md);
  std::filesystem::remove(path);

  // Metadata is optional: an empty one round trips as empty, and a file without the block loads.
  CHECK(from_json<paper_spec, float>(to_json(net)).metadata == network_metadata{});
  std::string text = to_json(net);
  const auto meta = text.find(",\n  \"metadata\"");
  REQUIRE(meta != std::string::npos);
  text = text.substr(0, meta) + "\n}\n";
  check_same(net, from_json<paper_spec, float>(text).network);
  // Loading a float32 file as double works (every float is a double).
  const auto as_double = from_json<paper_spec, double>(to_json(net)).network;
  CHECK(as_double.layers[0].weights(0, 0) == 1.5);
}

TEST_CASE("export json: io errors name the file") {
  const auto missing = temp_path("does_not_exist.json");
  CHECK_THROWS_AS((load_json<paper_spec, float>(missing)), io_error);
  try {
    (void)load_json<paper_spec, float>(missing);
  } catch (const io_error& e) {
    CHECK(std::string(e.what()).find(missing.string()) != std::string::npos);
  }
  CHECK_THROWS_AS(save_json(fixed_network(), temp_path("no_such_dir") / "model.json"), io_error);
}

TEST_CASE("export json: malformed JSON gives line and column") {
  expect_data_error("{\n  \"format\": ,\n}", {"test.json", "line 2, column 13", "malformed JSON"});
  expect_data_error("[1, 2,]", {"trailing comma"});
  expect_data_error("{\"a\": 1, \"a\": 2}", {"duplicate key \"a\"", "line 1, column 10"});
  expect_data_error("{\"a\": 01}", {"leading zeros"});
  expect_data_error("{\"a\": 1} x", {"after the end"});
  expect_data_error("", {"ends where a value was expected"});
  expect_data_error("{\"a\": \"unterminated}", {"ends inside a string"});
  expect_data_error("{\"a\": NaN}", {"non-finite"});
  expect_data_error("{\"a\": -Infinity}", {"non-finite"});
  expect_data_error("// comment\n{}", {"line 1, column 1", "unexpected character '/'"});
  expect_data_error(std::string(100, '[') + std::string(100, ']'), {"nesting deeper than 64"});
}

TEST_CASE("export json: schema errors name the field") {
  const std::string good = to_json(fixed_network());
  expect_data_error(replace(good, "swatnn.sparse_network", "keras"),
                    {"field 'format'", "expected \"swatnn.sparse_network\", found \"keras\"", "line 2"});
  expect_data_error(replace(good, "\"version\": 1", "\"version\": 2"), {"field 'version'", "version 2 is not supported"});
  expect_data_error(replace(good, "\"version\": 1", "\"version\": 1.5"), {"field 'version'", "expected an integer"});
  expect_data_error(replace(good, "\"scalar\": \"float32\"", "\"scalar\": \"int8\""), {"field 'scalar'"});
  expect_data_error(replace(good, "\"depth\": 2", "\"depth\": 5"), {"field 'depth'", "outside 1..4"});
  expect_data_error(replace(good, "\"depth\": 2", "\"depth\": 1"),
                    {"field 'layers'", "expected 1 entries", "found 2"});
  expect_data_error(replace(good, "\"depth\": 2", "\"depth\": \"2\""), {"field 'depth'", "expected a number, found a string"});
  // Wrong array lengths.
  expect_data_error(replace(good, "\"bias\": [", "\"bias\": [0, "), {"field 'layers[0].bias'", "expected 7 entries", "found 8"});
  expect_data_error(replace(good, "[1.5, 123.5, 0, -2", "[1.5, 123.5, -2"), {"field 'layers[0].weights[0]'", "expected 7 entries"});
  expect_data_error(replace(good, "[2]", "[2, 1]"), {"field 'output.weights[2]'", "expected 1 entries"});
  expect_data_error(replace(good, "\"active\": [true, ", "\"active\": ["), {"field 'layers[0].active'"});
  // Values.
  expect_data_error(replace(good, "\"tanh\"", "\"relu\""),
                    {"field 'layers[0].activations[0]'", "unknown activation \"relu\"", "sigmoid, tanh, leaky_relu"});
  expect_data_error(replace(good, "true", "1"), {"field 'layers[0].active[0]'", "expected a boolean, found a number"});
  expect_data_error(replace(good, "1.5", "1e999"), {"field 'layers[0].weights[0][0]'", "1e999 is not a finite float32"});
  expect_data_error(replace(good, "-0.125", "NaN"), {"non-finite"});
  expect_data_error(replace(good, "\"output\": {", "\"output\": {\"extra\": 1, "), {"field 'output.extra'", "unknown field"});
  expect_data_error(replace(good, "\"bias\": [0.5]", "\"bias\": []"), {"field 'output.bias'", "expected 1 entries", "found 0"});
  expect_data_error(replace(good, "\"depth\": 2,\n", ""), {"field 'depth'", "missing"});
  expect_data_error(replace(good, "\"nonzero_parameters\": ", "\"nonzero_parameters\": 1"),
                    {"field 'metadata.nonzero_parameters'", "its weights give"});
  expect_data_error(replace(good, "\"metadata\": {", "\"metadata\": {\"test_mse\": \"low\", "),
                    {"field 'metadata.test_mse'", "expected a number"});
  // Spec mismatch: expected (requested) vs found (in the file).
  expect_data_error<network_spec<3, 1, 4, 7>>(
      good, {"field 'spec'", "expected inputs 3, outputs 1, max_depth 4, max_width 7",
             "found inputs 2, outputs 1, max_depth 4, max_width 7"});
}

TEST_CASE("export json: scaling metadata is checked") {
  network_metadata md;
  md.input_scaling = data::minmax_scaler::from_bounds({0.0}, {1.0});  // 1 column, the network has 2 inputs
  CHECK_THROWS_AS(to_json(fixed_network(), md), shape_error);
  md.input_scaling = data::minmax_scaler::from_bounds({0.0, 0.0}, {1.0, 1.0});
  const std::string text = to_json(fixed_network(), md);
  expect_data_error(replace(text, "\"upper\": [1, 1]", "\"upper\": [1, -1]"),
                    {"field 'metadata.input_scaling'", "lower < upper"});
  expect_data_error(replace(text, "\"upper\": [1, 1]", "\"upper\": [1]"),
                    {"field 'metadata.input_scaling.upper'", "expected 2 entries"});
  md.test_mse = std::nan("");
  CHECK_THROWS_AS(to_json(fixed_network(), md), value_error);
}

TEST_CASE("export json: a network with a non-finite parameter is refused") {
  auto net = fixed_network();
  net.layers[1].bias(6) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(to_json(net), value_error);
}
