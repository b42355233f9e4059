// Tests for network/export_json.hpp: exact round trips (bit-identical predictions), metadata (column names
// included), files of the former hand-written writer, and a data_error naming the file and the field (JSON
// pointer) or the line and column for every kind of bad file.
#include <doctest/doctest.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <regex>
#include <string>
#include <system_error>
#include <vector>

#include <unistd.h>

#include <swatnn/network/export_json.hpp>

#include "network/export_cpp/networks.hpp"
#include "support/doc_examples.hpp"

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

std::string text_of_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The numbers between "layers" and "metadata" of a network file, in the file's order, read with std::from_chars.
template <class T>
std::vector<T> numbers_in_layers(const std::string& text) {
  const std::size_t begin = text.find("\"layers\""), end = text.find("\"metadata\"");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  const std::string part = text.substr(begin, end - begin);
  const std::regex number("-?[0-9][0-9.eE+-]*");
  std::vector<T> out;
  for (auto it = std::sregex_iterator(part.begin(), part.end(), number); it != std::sregex_iterator(); ++it) {
    const std::string literal = it->str();
    T v{};
    REQUIRE(std::from_chars(literal.data(), literal.data() + literal.size(), v).ec == std::errc{});
    out.push_back(v);
  }
  return out;
}

// The parameters in the order the file lists them: per layer the weight rows then the biases, then the output's.
template <network_spec_type S, class T>
std::vector<T> parameters_in_file_order(const sparse_network<S, T>& net) {
  std::vector<T> out;
  for (int l = 0; l < net.depth; ++l) {
    for (Eigen::Index i = 0; i < net.layers[l].weights.rows(); ++i)
      for (Eigen::Index j = 0; j < net.layers[l].weights.cols(); ++j) out.push_back(net.layers[l].weights(i, j));
    for (Eigen::Index j = 0; j < net.layers[l].bias.size(); ++j) out.push_back(net.layers[l].bias(j));
  }
  for (Eigen::Index i = 0; i < net.output_weights.rows(); ++i)
    for (Eigen::Index o = 0; o < net.output_weights.cols(); ++o) out.push_back(net.output_weights(i, o));
  for (Eigen::Index o = 0; o < net.output_bias.size(); ++o) out.push_back(net.output_bias(o));
  return out;
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
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

TEST_CASE("export json: malformed JSON gives the line and column (nlohmann-json's parser)") {
  expect_data_error("{\n  \"format\": ,\n}", {"test.json: line 2, column 13: malformed JSON: syntax error"});
  expect_data_error("[1, 2,]", {"test.json: line 1, column 7: malformed JSON", "unexpected ']'"});  // trailing comma
  expect_data_error("{\"a\": 01}", {"line 1, column 8: malformed JSON"});                          // leading zero
  expect_data_error("{\"a\": 1} x", {"line 1, column 10", "expected end of input"});
  expect_data_error("", {"line 1, column 1", "unexpected end of input"});
  expect_data_error("{\"a\": \"unterminated}", {"missing closing quote"});
  expect_data_error("{\"a\": NaN}", {"line 1, column 7: malformed JSON", "invalid literal"});
  expect_data_error("{\"a\": -Infinity}", {"malformed JSON", "invalid number"});
  expect_data_error("// comment\n{}", {"line 1, column 1: malformed JSON", "invalid literal"});  // no comments
  expect_data_error("{\"a\": \"\xff\"}", {"malformed JSON", "ill-formed UTF-8"});
  expect_data_error("{\"a\": 1e999}", {"test.json: byte 11: malformed JSON: the number 1e999 is not a finite float64"});
}

TEST_CASE("export json: duplicate keys and deep nesting are refused with the JSON pointer") {
  expect_data_error("{\"a\": 1, \"a\": 2}", {"test.json: /a: malformed JSON: duplicate key \"a\""});
  expect_data_error("{\"b\": [{}, {\"x\": [0, {\"k/~\": 1, \"k/~\": 2}]}]}",
                    {"test.json: /b/1/x/1/k~1~0: malformed JSON: duplicate key"});
  expect_data_error(std::string(64, '[') + std::string(64, ']'), {"test.json: (document): expected an object, found an array"});
  expect_data_error(std::string(65, '[') + std::string(65, ']'), {"nesting deeper than 64"});
  expect_data_error(std::string(100000, '['), {"nesting deeper than 64"});
}

TEST_CASE("export json: schema errors name the file and the field as a JSON pointer") {
  const std::string good = to_json(fixed_network());
  const std::string layer_1 = "\"activations\": [\"sigmoid\", \"sigmoid\", \"sigmoid\", \"sigmoid\"";
  // the weight in row 3, column 2 of hidden layer 1 (-1), as a string
  try {
    (void)from_json<paper_spec, float>(replace(good, "-1, ", "\"-1\", ", layer_1), "network.json");
    FAIL("no data_error");
  } catch (const data_error& e) {
    CHECK(std::string(e.what()) == "network.json: /layers/1/weights/3/2: expected a number, found a string");
  }
  expect_data_error(replace(good, "swatnn.sparse_network", "keras"),
                    {"test.json: /format: expected \"swatnn.sparse_network\", found \"keras\""});
  expect_data_error(replace(good, "\"version\": 1", "\"version\": 2"), {"test.json: /version: version 2 is not supported"});
  expect_data_error(replace(good, "\"version\": 1", "\"version\": 1.5"), {"/version: expected an integer, found 1.5"});
  expect_data_error(replace(good, "\"version\": 1", "\"version\": 99999999999"),
                    {"/version: expected an integer, found 99999999999"});
  expect_data_error(replace(good, "\"scalar\": \"float32\"", "\"scalar\": \"int8\""), {"/scalar: expected \"float32\""});
  expect_data_error(replace(good, "\"depth\": 2", "\"depth\": 5"), {"/depth: depth 5 is outside 1..4"});
  expect_data_error(replace(good, "\"depth\": 2", "\"depth\": 1"), {"/layers: expected 1 entries", "found 2"});
  expect_data_error(replace(good, "\"depth\": 2", "\"depth\": \"2\""), {"/depth: expected a number, found a string"});
  expect_data_error("[]", {"test.json: (document): expected an object, found an array"});
  // Wrong array lengths.
  expect_data_error(replace(good, "\"bias\": [", "\"bias\": [0, "), {"/layers/0/bias: expected 7 entries", "found 8"});
  expect_data_error(replace(good, "[1.5, 123.5, 0, -2", "[1.5, 123.5, -2"), {"/layers/0/weights/0: expected 7 entries"});
  expect_data_error(replace(good, "[2]", "[2, 1]"), {"/output/weights/2: expected 1 entries"});
  expect_data_error(replace(good, "\"active\": [true, ", "\"active\": ["), {"/layers/0/active: expected 7 entries"});
  // Values.
  expect_data_error(replace(good, "\"tanh\"", "\"relu\""),
                    {"/layers/0/activations/0: unknown activation \"relu\"", "sigmoid, tanh, leaky_relu"});
  expect_data_error(replace(good, "true", "1"), {"/layers/0/active/0: expected a boolean, found a number"});
  expect_data_error(replace(good, "1.5", "1e39"), {"/layers/0/weights/0/0: the number 1e39 is not a finite float32"});
  expect_data_error(replace(good, "1.5", "1e-50"), {"/layers/0/weights/0/0: the number 1e-50 is not a finite float32",
                                                    "underflows to zero"});
  expect_data_error(replace(good, "-0.125", "NaN"), {"malformed JSON", "invalid literal"});
  expect_data_error(replace(good, "\"output\": {", "\"output\": {\"extra\": 1, "), {"/output/extra: unknown field"});
  expect_data_error(replace(good, "\"format\"", "\"a/b~c\": 0, \"format\""), {"/a~1b~0c: unknown field"});
  expect_data_error(replace(good, "\"bias\": [0.5]", "\"bias\": []"), {"/output/bias: expected 1 entries", "found 0"});
  expect_data_error(replace(good, "\"depth\": 2,\n", ""), {"/depth: missing"});
  expect_data_error(replace(good, "\"nonzero_parameters\": ", "\"nonzero_parameters\": 1"),
                    {"/metadata/nonzero_parameters: the file says", "its weights give"});
  expect_data_error(replace(good, "\"metadata\": {", "\"metadata\": {\"test_mse\": \"low\", "),
                    {"/metadata/test_mse: expected a number, found a string"});
  // Spec mismatch: expected (requested) vs found (in the file).
  expect_data_error<network_spec<3, 1, 4, 7>>(
      good, {"/spec: the file's network family does not match", "expected inputs 3, outputs 1, max_depth 4, max_width 7",
             "found inputs 2, outputs 1, max_depth 4, max_width 7"});
}

TEST_CASE("export json: input and target column names") {
  network_metadata md;
  md.input_names = {"x1", "x/2 \"cm\""};
  md.target_names = {"y"};
  const std::string text = to_json(fixed_network(), md);
  CHECK(text.find("\"input_names\": [\"x1\", \"x/2 \\\"cm\\\"\"]") != std::string::npos);
  CHECK(text.find("\"target_names\": [\"y\"]") != std::string::npos);
  CHECK(from_json<paper_spec, float>(text).metadata == md);
  expect_data_error(replace(text, "\"x1\"", "1"), {"/metadata/input_names/0: expected a string, found a number"});
  expect_data_error(replace(text, "[\"y\"]", "[\"y\", \"z\"]"), {"/metadata/target_names: expected 1 entries"});
  md.input_names = {"only one"};
  CHECK_THROWS_AS(to_json(fixed_network(), md), shape_error);
  md.input_names = {"a", "\xff"};
  CHECK_THROWS_WITH_AS(to_json(fixed_network(), md), doctest::Contains("input_names[1] is not valid UTF-8"), value_error);
  md.input_names = {};
  md.name = "\xc3";
  CHECK_THROWS_AS(to_json(fixed_network(), md), value_error);
}

TEST_CASE("export json: files written by the former hand-written writer still load, bit-exactly") {
  // tests/network/data/v1_*.json were written by the former writer (before nlohmann-json) from these values.
  auto net = fixed_network();
  net.layers[0].weights(0, 5) = 0.1f;
  net.layers[0].bias(5) = 1e-40f;
  net.layers[1].weights(5, 6) = -0.0f;
  net.layers[1].bias(6) = 3.4028235e38f;
  network_metadata md;
  md.name = "fixed \"net\"\n\x01 \xc3\xa9 /~";
  md.train_mse = 0.1;
  md.validation_mse = 1.0 / 3.0;
  md.test_mse = 2.5e-7;
  md.input_scaling = data::minmax_scaler::from_bounds({-1.5, 0.0}, {2.0, 0.1});
  md.label_scaling = data::minmax_scaler::from_bounds({10.0}, {20.0});
  const auto data = test::source_dir() / "tests" / "network" / "data";
  const auto old = load_json<paper_spec, float>(data / "v1_fixed_metadata.json");
  check_same(net, old.network);
  CHECK(std::signbit(old.network.layers[1].weights(5, 6)));  // written as "-0"
  CHECK(old.metadata == md);
  // written again by today's writer: the same text, byte for byte (same numbers, same layout)
  CHECK(to_json(old.network, old.metadata) == text_of_file(data / "v1_fixed_metadata.json"));
  const auto again = from_json<paper_spec, float>(to_json(old.network, old.metadata));
  check_same(net, again.network);
  CHECK(again.metadata == md);

  using S = network_spec<3, 2, 3, 5>;
  const auto d = load_json<S, double>(data / "v1_random_double.json");
  // (random_network<S, double>(5) wrote it, but its draws differ in builds that fuse multiply-adds: the file's own
  // number texts are the reference instead)
  CHECK(same_bits(parameters_in_file_order(d.network), numbers_in_layers<double>(text_of_file(data / "v1_random_double.json"))));
  CHECK(same_bits(parameters_in_file_order(old.network), numbers_in_layers<float>(text_of_file(data / "v1_fixed_metadata.json"))));
  REQUIRE(d.metadata.label_scaling);
  CHECK(*d.metadata.label_scaling == data::minmax_scaler::from_bounds({-3.0, 0.5}, {3.0, 1.0 / 7.0 + 0.5}));
  check_same(d.network, from_json<S, double>(to_json(d.network, d.metadata)).network);
  CHECK(to_json(d.network, d.metadata) == text_of_file(data / "v1_random_double.json"));
}

TEST_CASE("export json: scaling metadata is checked") {
  network_metadata md;
  md.input_scaling = data::minmax_scaler::from_bounds({0.0}, {1.0});  // 1 column, the network has 2 inputs
  CHECK_THROWS_AS(to_json(fixed_network(), md), shape_error);
  md.input_scaling = data::minmax_scaler::from_bounds({0.0, 0.0}, {1.0, 1.0});
  const std::string text = to_json(fixed_network(), md);
  expect_data_error(replace(text, "\"upper\": [1, 1]", "\"upper\": [1, -1]"),
                    {"/metadata/input_scaling: ", "lower < upper"});
  expect_data_error(replace(text, "\"upper\": [1, 1]", "\"upper\": [1]"),
                    {"/metadata/input_scaling/upper: expected 2 entries"});
  expect_data_error(replace(text, "\"minmax_to_unit_interval\"", "\"zscore\""),
                    {"/metadata/input_scaling/kind: unknown scaling \"zscore\""});
  md.test_mse = std::nan("");
  CHECK_THROWS_AS(to_json(fixed_network(), md), value_error);
}

TEST_CASE("export json: a network with a non-finite parameter is refused") {
  auto net = fixed_network();
  net.layers[1].bias(6) = std::numeric_limits<float>::infinity();
  CHECK_THROWS_AS(to_json(net), value_error);
}
