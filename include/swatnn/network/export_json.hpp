// swatnn/network/export_json.hpp: save and load a found sparse_network as JSON (schema
// "swatnn.sparse_network" version 1, see docs/export.md), with optional metadata (name, errors, scalings).
// Numbers are written as the shortest text that reads back to the same value (std::to_chars), so a loaded
// network predicts bit-identical values. The reader is our own and strict (RFC 8259 grammar, no comments,
// no trailing commas, no duplicate or unknown keys): every problem is a data_error naming the field and the
// line and column. No dependency beyond the standard library (Boost.JSON needs a compiled library in 1.74).
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include <swatnn/data/scaling.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

inline constexpr std::string_view json_format_name = "swatnn.sparse_network";
inline constexpr int json_format_version = 1;

// Optional facts stored next to the network. Scalings are min-max maps to [-1, 1] (data::minmax_scaler):
// the network sees input_scaling.transform(x) and its outputs map back with label_scaling.inverse(y).
struct network_metadata {
  std::string name;                      // empty: not written
  std::optional<double> train_mse;       // errors in the units the network was trained in
  std::optional<double> validation_mse;
  std::optional<double> test_mse;
  std::optional<data::minmax_scaler> input_scaling;  // S::inputs columns
  std::optional<data::minmax_scaler> label_scaling;  // S::outputs columns

  friend bool operator==(const network_metadata&, const network_metadata&) = default;
};

// What load_json / from_json return.
template <network_spec_type S, class T = float>
struct json_model {
  sparse_network<S, T> network;
  network_metadata metadata;
};

namespace detail::json {

// ---------------------------------------------------------------------------------------------------------
// Writing

template <class V>
inline std::string number_text(V value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

inline std::string quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static constexpr char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(static_cast<unsigned char>(c) >> 4) & 0xF];
          out += hex[static_cast<unsigned char>(c) & 0xF];
        } else {
          out += c;  // UTF-8 bytes pass through unchanged
        }
    }
  }
  out += '"';
  return out;
}

template <class Range>
inline std::string number_array(const Range& values) {
  std::string out = "[";
  bool first = true;
  for (const auto v : values) {
    if (!first) out += ", ";
    first = false;
    out += number_text(v);
  }
  return out + "]";
}

inline void check_finite_metadata(const std::optional<double>& value, const char* field) {
  if (value && !std::isfinite(*value))
    throw value_error(std::string("swatnn::to_json: metadata ") + field + " is " + number_text(*value) +
                      "; JSON has no non-finite numbers (leave it empty instead)");
}

inline std::string scaling_text(const data::minmax_scaler& s, int expected_columns, const char* field) {
  if (static_cast<int>(s.columns()) != expected_columns)
    throw shape_error(std::string("swatnn::to_json: metadata ") + field + " has " + std::to_string(s.columns()) +
                      " columns, the network has " + std::to_string(expected_columns));
  std::vector<double> lower, upper;
  for (std::size_t c = 0; c < s.columns(); ++c) {
    lower.push_back(s.lower(c));
    upper.push_back(s.upper(c));
  }
  return "{\"kind\": \"minmax_to_unit_interval\", \"lower\": " + number_array(lower) +
         ", \"upper\": " + number_array(upper) + "}";
}

// ---------------------------------------------------------------------------------------------------------
// Reading: a small DOM with positions, then a schema walk that names fields.

struct value {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  bool boolean = false;
  std::string text;              // number: the literal as written; string: the decoded content
  std::vector<value> items;      // array elements, or object values
  std::vector<std::string> keys;  // object keys (same order as items)
  int line = 1;
  int column = 1;
};

inline const char* kind_name(value::kind k) {
  switch (k) {
    case value::kind::null: return "null";
    case value::kind::boolean: return "a boolean";
    case value::kind::number: return "a number";
    case value::kind::string: return "a string";
    case value::kind::array: return "an array";
    case value::kind::object: return "an object";
  }
  return "?";
}

class parser {
 public:
  parser(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {}

  value parse_document() {
    skip_space();
    value root = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the end of the JSON document");
    return root;
  }

 private:
  static constexpr int max_nesting = 64;

  [[noreturn]] void fail(const std::string& what) const {
    throw data_error(source_ + ": line " + std::to_string(line_) + ", column " + std::to_string(column_) +
                     ": malformed JSON: " + what);
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }
  void skip_space() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) advance();
  }
  void expect(char c, const char* context) {
    if (at_end()) fail(std::string("the text ends where '") + c + "' was expected " + context);
    if (peek() != c) fail(std::string("found '") + peek() + "' where '" + c + "' was expected " + context);
    advance();
  }
  bool starts_with(std::string_view word) const { return text_.substr(pos_, word.size()) == word; }
  void literal(std::string_view word) {
    for (std::size_t i = 0; i < word.size(); ++i) advance();
  }

  value parse_value(int depth) {
    if (depth > max_nesting) fail("nesting deeper than " + std::to_string(max_nesting) + " levels");
    if (at_end()) fail("the text ends where a value was expected");
    value v;
    v.line = line_;
    v.column = column_;
    const char c = peek();
    if (c == '{') {
      parse_object(v, depth);
    } else if (c == '[') {
      parse_array(v, depth);
    } else if (c == '"') {
      v.type = value::kind::string;
      v.text = parse_string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v.type = value::kind::number;
      v.text = parse_number();
    } else if (starts_with("true")) {
      v.type = value::kind::boolean;
      v.boolean = true;
      literal("true");
    } else if (starts_with("false")) {
      v.type = value::kind::boolean;
      literal("false");
    } else if (starts_with("null")) {
      literal("null");
    } else if (starts_with("NaN") || starts_with("Infinity") || starts_with("inf") || starts_with("nan")) {
      fail("non-finite numbers (NaN, Infinity) are not allowed in JSON");
    } else {
      fail(std::string("unexpected character '") + c + "' where a value was expected");
    }
    return v;
  }

  void parse_object(value& v, int depth) {
    v.type = value::kind::object;
    advance();  // {
    skip_space();
    if (!at_end() && peek() == '}') {
      advance();
      return;
    }
    for (;;) {
      skip_space();
      if (at_end() || peek() != '"') fail("expected a quoted key in an object");
      const int key_line = line_, key_column = column_;
      std::string key = parse_string();
      for (const auto& existing : v.keys)
        if (existing == key) {
          line_ = key_line;
          column_ = key_column;
          fail("duplicate key \"" + key + "\"");
        }
      skip_space();
      expect(':', "after an object key");
      skip_space();
      v.items.push_back(parse_value(depth + 1));
      v.keys.push_back(std::move(key));
      skip_space();
      if (at_end()) fail("the text ends inside an object (missing '}')");
      if (peek() == ',') {
        advance();
        skip_space();
        if (!at_end() && peek() == '}') fail("trailing comma before '}'");
        continue;
      }
      expect('}', "to close an object (or ',' before the next member)");
      return;
    }
  }

  void parse_array(value& v, int depth) {
    v.type = value::kind::array;
    advance();  // [
    skip_space();
    if (!at_end() && peek() == ']') {
      advance();
      return;
    }
    for (;;) {
      skip_space();
      v.items.push_back(parse_value(depth + 1));
      skip_space();
      if (at_end()) fail("the text ends inside an array (missing ']')");
      if (peek() == ',') {
        advance();
        skip_space();
        if (!at_end() && peek() == ']') fail("trailing comma before ']'");
        continue;
      }
      expect(']', "to close an array (or ',' before the next element)");
      return;
    }
  }

  unsigned hex4() {
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_end()) fail("the text ends inside a \\u escape");
      const char h = peek();
      code <<= 4;
      if (h >= '0' && h <= '9') code |= static_cast<unsigned>(h - '0');
      else if (h >= 'a' && h <= 'f') code |= static_cast<unsigned>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') code |= static_cast<unsigned>(h - 'A' + 10);
      else fail("a \\u escape needs four hexadecimal digits");
      advance();
    }
    return code;
  }

  static void append_utf8(std::string& out, unsigned code) {
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xC0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xE0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (code & 0x3F));
    }
  }

  std::string parse_string() {
    advance();  // opening quote
    std::string out;
    for (;;) {
      if (at_end()) fail("the text ends inside a string (missing closing '\"')");
      const char c = peek();
      if (c == '"') {
        advance();
        return out;
      }
      if (static_cast<unsigned char>(c) < 0x20) fail("a control character inside a string must be escaped");
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      if (at_end()) fail("the text ends inside an escape sequence");
      const char e = peek();
      advance();
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code <= 0xDBFF) {
            if (!starts_with("\\u")) fail("a high surrogate \\u escape must be followed by a low surrogate");
            advance();
            advance();
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("invalid low surrogate in a \\u escape");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code <= 0xDFFF) {
            fail("a lone low surrogate in a \\u escape");
          }
          append_utf8(out, code);
          break;
        }
        default: fail(std::string("unknown escape '\\") + e + "'");
      }
    }
  }

  std::string parse_number() {
    const std::size_t start = pos_;
    auto digit = [&] { return !at_end() && peek() >= '0' && peek() <= '9'; };
    if (peek() == '-') advance();
    if (!at_end() && (starts_with("Infinity") || starts_with("inf")))
      fail("non-finite numbers (NaN, Infinity) are not allowed in JSON");
    if (!digit()) fail("a digit must follow '-'");
    if (peek() == '0') {
      advance();
      if (digit()) fail("a number must not have leading zeros");
    } else {
      while (digit()) advance();
    }
    if (!at_end() && peek() == '.') {
      advance();
      if (!digit()) fail("a digit must follow the decimal point");
      while (digit()) advance();
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      advance();
      if (!at_end() && (peek() == '+' || peek() == '-')) advance();
      if (!digit()) fail("a digit must follow the exponent marker");
      while (digit()) advance();
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string_view text_;
  std::string source_;
  std::size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
};

// Schema walk: every error names the source, the field path and the position of the offending value.
class reader {
 public:
  explicit reader(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const value& v, const std::string& field, const std::string& what) const {
    throw data_error(source_ + ": line " + std::to_string(v.line) + ", column " + std::to_string(v.column) +
                     ": field '" + field + "': " + what);
  }

  void expect_kind(const value& v, value::kind k, const std::string& field) const {
    if (v.type != k)
      fail(v, field, std::string("expected ") + kind_name(k) + ", found " + kind_name(v.type));
  }

  static std::string join(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  static std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

  // Rejects keys outside `allowed` (strict: a typo must not be silently ignored).
  void allow_only(const value& object, const std::string& path, std::initializer_list<std::string_view> allowed) const {
    for (std::size_t i = 0; i < object.keys.size(); ++i) {
      bool known = false;
      for (auto a : allowed) known = known || object.keys[i] == a;
      if (!known) {
        std::string list;
        for (auto a : allowed) {
          if (!list.empty()) list += ", ";
          list += a;
        }
        fail(object.items[i], join(path, object.keys[i]), "unknown field (expected only: " + list + ")");
      }
    }
  }

  const value* find(const value& object, std::string_view key) const {
    for (std::size_t i = 0; i < object.keys.size(); ++i)
      if (object.keys[i] == key) return &object.items[i];
    return nullptr;
  }

  const value& require(const value& object, const std::string& path, std::string_view key) const {
    if (const value* v = find(object, key)) return *v;
    fail(object, join(path, key), "missing");
  }

  const value& array(const value& v, const std::string& field, std::size_t expected_length,
                     const char* what) const {
    expect_kind(v, value::kind::array, field);
    if (v.items.size() != expected_length)
      fail(v, field, "expected " + std::to_string(expected_length) + " entries (" + what + "), found " +
                         std::to_string(v.items.size()));
    return v;
  }

  template <class V>
  V number(const value& v, const std::string& field) const {
    expect_kind(v, value::kind::number, field);
    V out{};
    const char* first = v.text.data();
    const char* last = first + v.text.size();
    const auto result = std::from_chars(first, last, out);
    if constexpr (std::is_integral_v<V>) {
      if (result.ec != std::errc{} || result.ptr != last)
        fail(v, field, "expected an integer, found " + v.text);
    } else {
      if (result.ec == std::errc::result_out_of_range || (result.ec == std::errc{} && !std::isfinite(out)))
        fail(v, field, "the number " + v.text + " is not a finite " +
                           std::string(sizeof(V) == 4 ? "float32" : "float64") +
                           " (it overflows, or underflows to zero)");
      if (result.ec != std::errc{} || result.ptr != last) fail(v, field, "cannot read the number " + v.text);
    }
    return out;
  }

  std::string string(const value& v, const std::string& field) const {
    expect_kind(v, value::kind::string, field);
    return v.text;
  }

  bool boolean(const value& v, const std::string& field) const {
    expect_kind(v, value::kind::boolean, field);
    return v.boolean;
  }

  activation activation_of(const value& v, const std::string& field) const {
    const std::string name = string(v, field);
    for (activation a : all_activations)
      if (activation_name(a) == name) return a;
    std::string list;
    for (activation a : all_activations) {
      if (!list.empty()) list += ", ";
      list += activation_name(a);
    }
    fail(v, field, "unknown activation \"" + name + "\" (expected one of: " + list + ")");
  }

  std::optional<double> optional_double(const value& object, const std::string& path, std::string_view key) const {
    if (const value* v = find(object, key)) return number<double>(*v, join(path, key));
    return std::nullopt;
  }

  std::optional<data::minmax_scaler> scaling(const value& object, const std::string& path, std::string_view key,
                                             int columns) const {
    const value* v = find(object, key);
    if (!v) return std::nullopt;
    const std::string field = join(path, key);
    expect_kind(*v, value::kind::object, field);
    allow_only(*v, field, {"kind", "lower", "upper"});
    const value& kind = require(*v, field, "kind");
    if (string(kind, join(field, "kind")) != "minmax_to_unit_interval")
      fail(kind, join(field, "kind"), "unknown scaling \"" + kind.text + "\" (expected minmax_to_unit_interval)");
    std::vector<double> lower, upper;
    const value& lo = array(require(*v, field, "lower"), join(field, "lower"), static_cast<std::size_t>(columns),
                            "one bound per column");
    const value& hi = array(require(*v, field, "upper"), join(field, "upper"), static_cast<std::size_t>(columns),
                            "one bound per column");
    for (std::size_t c = 0; c < lo.items.size(); ++c) {
      lower.push_back(number<double>(lo.items[c], index(join(field, "lower"), c)));
      upper.push_back(number<double>(hi.items[c], index(join(field, "upper"), c)));
    }
    try {
      return data::minmax_scaler::from_bounds(std::move(lower), std::move(upper));
    } catch (const error& e) {
      fail(*v, field, e.what());
    }
  }

 private:
  std::string source_;
};

template <network_spec_type S, class T>
json_model<S, T> parse_model(std::string_view text, const std::string& source) {
  static_assert(std::is_floating_point_v<T>, "swatnn::from_json: the scalar type must be float or double");
  const value root = parser(text, source).parse_document();
  reader r(source);
  r.expect_kind(root, value::kind::object, "(document)");
  r.allow_only(root, "", {"format", "version", "scalar", "spec", "depth", "layers", "output", "metadata"});

  const value& format = r.require(root, "", "format");
  if (r.string(format, "format") != json_format_name)
    r.fail(format, "format", "expected \"" + std::string(json_format_name) + "\", found \"" + format.text + "\"");
  const value& version = r.require(root, "", "version");
  const int found_version = r.number<int>(version, "version");
  if (found_version != json_format_version)
    r.fail(version, "version", "version " + std::to_string(found_version) + " is not supported (this build reads " +
                                   std::to_string(json_format_version) + ")");
  const value& scalar = r.require(root, "", "scalar");
  const std::string scalar_name = r.string(scalar, "scalar");
  if (scalar_name != "float32" && scalar_name != "float64")
    r.fail(scalar, "scalar", "expected \"float32\" or \"float64\", found \"" + scalar_name + "\"");

  // Spec: compare all four numbers and report expected vs found together.
  const value& spec = r.require(root, "", "spec");
  r.expect_kind(spec, value::kind::object, "spec");
  r.allow_only(spec, "spec", {"inputs", "outputs", "max_depth", "max_width"});
  const int found[4] = {r.number<int>(r.require(spec, "spec", "inputs"), "spec.inputs"),
                        r.number<int>(r.require(spec, "spec", "outputs"), "spec.outputs"),
                        r.number<int>(r.require(spec, "spec", "max_depth"), "spec.max_depth"),
                        r.number<int>(r.require(spec, "spec", "max_width"), "spec.max_width")};
  const int expected[4] = {S::inputs, S::outputs, S::max_depth, S::max_width};
  if (!std::equal(std::begin(found), std::end(found), std::begin(expected))) {
    auto describe = [](const int* s) {
      return "inputs " + std::to_string(s[0]) + ", outputs " + std::to_string(s[1]) + ", max_depth " +
             std::to_string(s[2]) + ", max_width " + std::to_string(s[3]);
    };
    r.fail(spec, "spec", "the file's network family does not match the requested spec: expected " +
                             describe(expected) + ", found " + describe(found));
  }

  const value& depth_value = r.require(root, "", "depth");
  const int depth = r.number<int>(depth_value, "depth");
  if (depth < 1 || depth > S::max_depth)
    r.fail(depth_value, "depth", "depth " + std::to_string(depth) + " is outside 1.." + std::to_string(S::max_depth));

  json_model<S, T> model{sparse_network<S, T>::zeros(depth), {}};
  auto& net = model.network;
  const std::size_t width = static_cast<std::size_t>(S::max_width);
  const value& layers = r.array(r.require(root, "", "layers"), "layers", static_cast<std::size_t>(depth),
                                "one per hidden layer, as given by depth");
  for (int l = 0; l < depth; ++l) {
    const std::string path = reader::index("layers", static_cast<std::size_t>(l));
    const value& layer = layers.items[static_cast<std::size_t>(l)];
    r.expect_kind(layer, value::kind::object, path);
    r.allow_only(layer, path, {"activations", "active", "weights", "bias"});
    auto& out = net.layers[l];
    const value& acts = r.array(r.require(layer, path, "activations"), path + ".activations", width,
                                "one per neuron, max_width");
    const value& active = r.array(r.require(layer, path, "active"), path + ".active", width, "one per neuron, max_width");
    const value& bias = r.array(r.require(layer, path, "bias"), path + ".bias", width, "one per neuron, max_width");
    for (std::size_t j = 0; j < width; ++j) {
      out.activations[j] = r.activation_of(acts.items[j], reader::index(path + ".activations", j));
      out.active[j] = r.boolean(active.items[j], reader::index(path + ".active", j));
      out.bias(static_cast<Eigen::Index>(j)) = r.number<T>(bias.items[j], reader::index(path + ".bias", j));
    }
    const std::size_t fan_in = static_cast<std::size_t>(S::layer_inputs(l));
    const value& weights = r.array(r.require(layer, path, "weights"), path + ".weights", fan_in,
                                   l == 0 ? "one row per network input" : "one row per neuron of the previous layer");
    for (std::size_t i = 0; i < fan_in; ++i) {
      const std::string row_path = reader::index(path + ".weights", i);
      const value& row = r.array(weights.items[i], row_path, width, "one weight per neuron, max_width");
      for (std::size_t j = 0; j < width; ++j)
        out.weights(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            r.number<T>(row.items[j], reader::index(row_path, j));
    }
  }

  const value& output = r.require(root, "", "output");
  r.expect_kind(output, value::kind::object, "output");
  r.allow_only(output, "output", {"weights", "bias"});
  const std::size_t outputs = static_cast<std::size_t>(S::outputs);
  const value& ow = r.array(r.require(output, "output", "weights"), "output.weights", width,
                            "one row per neuron of the last hidden layer");
  for (std::size_t i = 0; i < width; ++i) {
    const std::string row_path = reader::index("output.weights", i);
    const value& row = r.array(ow.items[i], row_path, outputs, "one weight per output");
    for (std::size_t o = 0; o < outputs; ++o)
      net.output_weights(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(o)) =
          r.number<T>(row.items[o], reader::index(row_path, o));
  }
  const value& ob = r.array(r.require(output, "output", "bias"), "output.bias", outputs, "one per output");
  for (std::size_t o = 0; o < outputs; ++o)
    net.output_bias(static_cast<Eigen::Index>(o)) = r.number<T>(ob.items[o], reader::index("output.bias", o));

  if (const value* meta = r.find(root, "metadata")) {
    r.expect_kind(*meta, value::kind::object, "metadata");
    r.allow_only(*meta, "metadata", {"name", "train_mse", "validation_mse", "test_mse", "nonzero_parameters",
                                     "active_neurons", "input_scaling", "label_scaling"});
    auto& md = model.metadata;
    if (const value* name = r.find(*meta, "name")) md.name = r.string(*name, "metadata.name");
    md.train_mse = r.optional_double(*meta, "metadata", "train_mse");
    md.validation_mse = r.optional_double(*meta, "metadata", "validation_mse");
    md.test_mse = r.optional_double(*meta, "metadata", "test_mse");
    // Derived counts: informative, but a disagreement means the file was edited inconsistently.
    if (const value* nz = r.find(*meta, "nonzero_parameters")) {
      const int count = r.number<int>(*nz, "metadata.nonzero_parameters");
      if (count != net.nonzero_parameters())
        r.fail(*nz, "metadata.nonzero_parameters",
               "the file says " + std::to_string(count) + " but its weights give " +
                   std::to_string(net.nonzero_parameters()));
    }
    if (const value* an = r.find(*meta, "active_neurons")) {
      const int count = r.number<int>(*an, "metadata.active_neurons");
      if (count != net.active_neurons())
        r.fail(*an, "metadata.active_neurons",
               "the file says " + std::to_string(count) + " but its active flags give " +
                   std::to_string(net.active_neurons()));
    }
    md.input_scaling = r.scaling(*meta, "metadata", "input_scaling", S::inputs);
    md.label_scaling = r.scaling(*meta, "metadata", "label_scaling", S::outputs);
  }
  return model;
}

}  // namespace detail::json

// The network (and metadata) as JSON text. Throws value_error/shape_error if the network is invalid
// (non-finite parameters, wrong shapes) or the metadata is non-finite or has the wrong column counts.
template <network_spec_type S, class T>
std::string to_json(const sparse_network<S, T>& net, const network_metadata& metadata = {}) {
  static_assert(std::is_floating_point_v<T>, "swatnn::to_json: the scalar type must be float or double");
  using detail::json::number_array;
  using detail::json::number_text;
  using detail::json::quote;
  net.validate();
  detail::json::check_finite_metadata(metadata.train_mse, "train_mse");
  detail::json::check_finite_metadata(metadata.validation_mse, "validation_mse");
  detail::json::check_finite_metadata(metadata.test_mse, "test_mse");

  std::string out = "{\n";
  out += "  \"format\": " + quote(json_format_name) + ",\n";
  out += "  \"version\": " + std::to_string(json_format_version) + ",\n";
  out += std::string("  \"scalar\": \"") + (sizeof(T) == 4 ? "float32" : "float64") + "\",\n";
  out += "  \"spec\": {\"inputs\": " + std::to_string(S::inputs) + ", \"outputs\": " + std::to_string(S::outputs) +
         ", \"max_depth\": " + std::to_string(S::max_depth) + ", \"max_width\": " + std::to_string(S::max_width) +
         "},\n";
  out += "  \"depth\": " + std::to_string(net.depth) + ",\n";
  out += "  \"layers\": [\n";
  for (int l = 0; l < net.depth; ++l) {
    const auto& layer = net.layers[l];
    out += "    {\n      \"activations\": [";
    for (int j = 0; j < S::max_width; ++j) {
      if (j) out += ", ";
      out += quote(activation_name(layer.activations[j]));
    }
    out += "],\n      \"active\": [";
    for (int j = 0; j < S::max_width; ++j) {
      if (j) out += ", ";
      out += layer.active[j] ? "true" : "false";
    }
    out += "],\n      \"weights\": [\n";
    for (Eigen::Index i = 0; i < layer.weights.rows(); ++i) {
      std::vector<T> row(layer.weights.row(i).begin(), layer.weights.row(i).end());
      out += "        " + number_array(row) + (i + 1 < layer.weights.rows() ? ",\n" : "\n");
    }
    out += "      ],\n      \"bias\": " +
           number_array(std::span<const T>(layer.bias.data(), static_cast<std::size_t>(layer.bias.size()))) + "\n";
    out += std::string("    }") + (l + 1 < net.depth ? ",\n" : "\n");
  }
  out += "  ],\n  \"output\": {\n    \"weights\": [\n";
  for (Eigen::Index i = 0; i < net.output_weights.rows(); ++i) {
    std::vector<T> row(net.output_weights.row(i).begin(), net.output_weights.row(i).end());
    out += "      " + number_array(row) + (i + 1 < net.output_weights.rows() ? ",\n" : "\n");
  }
  out += "    ],\n    \"bias\": " +
         number_array(std::span<const T>(net.output_bias.data(), static_cast<std::size_t>(net.output_bias.size()))) +
         "\n  },\n";
  out += "  \"metadata\": {\n";
  if (!metadata.name.empty()) out += "    \"name\": " + quote(metadata.name) + ",\n";
  if (metadata.train_mse) out += "    \"train_mse\": " + number_text(*metadata.train_mse) + ",\n";
  if (metadata.validation_mse) out += "    \"validation_mse\": " + number_text(*metadata.validation_mse) + ",\n";
  if (metadata.test_mse) out += "    \"test_mse\": " + number_text(*metadata.test_mse) + ",\n";
  if (metadata.input_scaling)
    out += "    \"input_scaling\": " + detail::json::scaling_text(*metadata.input_scaling, S::inputs, "input_scaling") +
           ",\n";
  if (metadata.label_scaling)
    out += "    \"label_scaling\": " + detail::json::scaling_text(*metadata.label_scaling, S::outputs, "label_scaling") +
           ",\n";
  out += "    \"active_neurons\": " + std::to_string(net.active_neurons()) + ",\n";
  out += "    \"nonzero_parameters\": " + std::to_string(net.nonzero_parameters()) + "\n";
  out += "  }\n}\n";
  return out;
}

// Writes to_json(net, metadata) to `path` atomically (io_error if the file cannot be written).
template <network_spec_type S, class T>
void save_json(const sparse_network<S, T>& net, const std::filesystem::path& path, const network_metadata& metadata = {}) {
  const std::string text = to_json(net, metadata);
  io::write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

// Parses JSON text written by to_json (or by hand, following docs/export.md). `source` names the text in
// messages. data_error on any problem; the result passes sparse_network::validate().
template <network_spec_type S, class T = float>
json_model<S, T> from_json(std::string_view text, const std::string& source = "<json text>") {
  return detail::json::parse_model<S, T>(text, source);
}

// Reads and parses `path` (io_error if it cannot be opened or read, data_error for bad content).
template <network_spec_type S, class T = float>
json_model<S, T> load_json(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw io_error("swatnn::load_json: cannot open '" + path.string() + "' for reading; check the path and permissions");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw io_error("swatnn::load_json: error while reading '" + path.string() + "'");
  return from_json<S, T>(buffer.str(), path.string());
}

}  // namespace swatnn
