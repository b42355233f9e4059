// swatnn/network/export_json.hpp: save and load a found sparse_network as JSON (schema
// "swatnn.sparse_network" version 1, see docs/export.md), with optional metadata (name, errors, scalings, the
// input and target column names). The document, the parser and string escaping are nlohmann-json's; a SAX
// handler keeps the reader strict (RFC 8259, no comments, no duplicate keys, nesting <= 64) and each number's
// literal text, read with std::from_chars, and numbers are written with std::to_chars in the file's scalar
// type, so files round-trip bit-exactly. Every problem is a data_error naming the source and the field as a
// JSON pointer, e.g. `net.json: /layers/1/weights/3/0: expected a number, found a string`.
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
#include <limits>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

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
  std::string name{};                      // empty: not written
  std::optional<double> train_mse{};       // errors in the units the network was trained in
  std::optional<double> validation_mse{};
  std::optional<double> test_mse{};
  std::optional<data::minmax_scaler> input_scaling{};  // one column per network input
  std::optional<data::minmax_scaler> label_scaling{};  // S::outputs columns
  std::vector<std::string> input_names{};   // empty, or one per network input (data::dataset::input_names)
  std::vector<std::string> target_names{};  // empty, or one per network output ({data::dataset::target_name})

  friend bool operator==(const network_metadata&, const network_metadata&) = default;
};

// What load_json / from_json return.
template <network_spec_type S, class T = float>
struct json_model {
  sparse_network<S, T> network;
  network_metadata metadata;
};

namespace detail::json {

// The one document type (insertion-ordered objects, so files list "format" first). Reading keeps each number's
// literal next to it; writing prints numbers with std::to_chars in the file's scalar type (below).
using value = nlohmann::basic_json<nlohmann::ordered_map>;

inline constexpr std::size_t max_nesting = 64;

// ---------------------------------------------------------------------------------------------------------
// Writing: nlohmann-json prints strings (escaped), booleans and integers; non-integer numbers are printed as
// the shortest text that reads back to the same value of P (std::to_chars: float for the parameters of a
// float32 file, double for everything else); the layout (arrays of scalars on one line, so a weight matrix reads
// row by row) is ours.

inline bool all_scalars(const value& v) {
  return std::all_of(v.begin(), v.end(), [](const value& e) { return e.is_primitive(); });
}

template <class P>
void print_scalar(const value& v, std::string& out) {
  if (!v.is_number_float()) {
    out += v.dump();
    return;
  }
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<P>(v.get<double>()));
  out.append(buffer, result.ptr);
}

template <class P>
void print_inline(const value& v, std::string& out) {
  if (v.is_primitive()) {
    print_scalar<P>(v, out);
    return;
  }
  out += v.is_array() ? '[' : '{';
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ", ";
    first = false;
    if (v.is_object()) out += value(it.key()).dump() + ": ";
    print_inline<P>(it.value(), out);
  }
  out += v.is_array() ? ']' : '}';
}

// `expand`: never on one line (the metadata block).
template <class P>
void print(const value& v, std::string& out, std::size_t indent, bool expand = false) {
  if (!v.is_structured() || v.empty() || (v.is_array() && all_scalars(v))) return print_inline<P>(v, out);
  if (v.is_object() && !expand &&
      std::all_of(v.begin(), v.end(), [](const value& e) { return e.is_primitive() || (e.is_array() && all_scalars(e)); })) {
    std::string line;
    print_inline<P>(v, line);
    if (indent + line.size() <= 100) {
      out += line;
      return;
    }
  }
  out += v.is_array() ? "[\n" : "{\n";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ",\n";
    first = false;
    out.append(indent + 2, ' ');
    if (v.is_object()) out += value(it.key()).dump() + ": ";
    print<P>(it.value(), out, indent + 2);
  }
  out += '\n';
  out.append(indent, ' ');
  out += v.is_array() ? ']' : '}';
}

inline std::string number_text(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

inline void check_finite_metadata(const std::optional<double>& value, const char* field) {
  if (value && !std::isfinite(*value))
    throw value_error(std::string("swatnn::to_json: metadata ") + field + " is " + number_text(*value) +
                      "; JSON has no non-finite numbers (leave it empty instead)");
}

// A string for the document; value_error if it is not UTF-8 (JSON text is UTF-8, nlohmann-json refuses it).
inline value checked_string(const std::string& text, const std::string& field) {
  value v = text;
  try {
    (void)v.dump();
  } catch (const value::exception&) {
    throw value_error("swatnn::to_json: metadata " + field + " is not valid UTF-8");
  }
  return v;
}

inline value names_value(const std::vector<std::string>& names, int expected, const char* field) {
  if (static_cast<int>(names.size()) != expected)
    throw shape_error(std::string("swatnn::to_json: metadata ") + field + " has " + std::to_string(names.size()) +
                      " names, the network has " + std::to_string(expected));
  value out = value::array();
  for (std::size_t i = 0; i < names.size(); ++i)
    out.push_back(checked_string(names[i], std::string(field) + "[" + std::to_string(i) + "]"));
  return out;
}

inline value scaling_value(const data::minmax_scaler& s, int expected_columns, const char* field) {
  if (static_cast<int>(s.columns()) != expected_columns)
    throw shape_error(std::string("swatnn::to_json: metadata ") + field + " has " + std::to_string(s.columns()) +
                      " columns, the network has " + std::to_string(expected_columns));
  value lower = value::array(), upper = value::array();
  for (std::size_t c = 0; c < s.columns(); ++c) {
    lower.push_back(s.lower(c));
    upper.push_back(s.upper(c));
  }
  value out = value::object();
  out["kind"] = "minmax_to_unit_interval";
  out["lower"] = std::move(lower);
  out["upper"] = std::move(upper);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Reading: nlohmann-json's parser drives this SAX handler, which builds the document, refuses duplicate keys and
// deep nesting, and records the literal text of every number that is not a plain integer (keyed by its JSON
// pointer), so the schema walk converts it with std::from_chars to exactly the requested type.

// A JSON pointer (RFC 6901) one level down.
inline std::string child(const std::string& pointer, std::string_view key) {
  std::string out = pointer + "/";
  for (const char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}
inline std::string child(const std::string& pointer, std::size_t index) { return pointer + "/" + std::to_string(index); }

class sax_builder final : public nlohmann::json_sax<value> {
 public:
  explicit sax_builder(std::string source) : source_(std::move(source)) {}

  value root;
  std::unordered_map<std::string, std::string> literals;  // pointer -> number text (non-integers, and "-0")

  bool null() override { return insert(value(nullptr)), true; }
  bool boolean(bool v) override { return insert(value(v)), true; }
  bool number_integer(number_integer_t v) override {
    if (v == 0) literals[pointer()] = "-0";  // a signed token that is zero: "-0", whose sign a float keeps
    return insert(value(v)), true;
  }
  bool number_unsigned(number_unsigned_t v) override { return insert(value(v)), true; }
  bool number_float(number_float_t v, const string_t& text) override {
    literals[pointer()] = text;
    return insert(value(v)), true;
  }
  bool string(string_t& v) override { return insert(value(std::move(v))), true; }
  bool binary(binary_t&) override { return false; }  // never produced by the JSON parser
  bool start_object(std::size_t) override { return open(value::object()); }
  bool key(string_t& k) override {
    frame& f = frames_.back();
    if (f.node->contains(k)) fail(child(pointer_of_frames(frames_.size() - 1), k), "duplicate key \"" + k + "\"");
    f.key = std::move(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(value::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string& last_token, const value::exception& e) override {
    if (e.id == 406)  // out_of_range.406: a number beyond double's range; nlohmann gives no line for it
      throw data_error(source_ + ": byte " + std::to_string(position) + ": malformed JSON: the number " + last_token +
                       " is not a finite float64");
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 2, column 13: syntax error ..."
    std::string what = e.what();
    if (const auto end = what.find("] "); what.rfind("[json.exception.", 0) == 0 && end != std::string::npos)
      what.erase(0, end + 2);
    if (what.rfind("parse error at ", 0) == 0) what.erase(0, 15);
    const auto colon = what.find(": ");
    if (what.rfind("line ", 0) == 0 && colon != std::string::npos)
      throw data_error(source_ + ": " + what.substr(0, colon) + ": malformed JSON" + what.substr(colon));
    throw data_error(source_ + ": malformed JSON: " + what);
  }

 private:
  struct frame {
    value* node;
    std::string key;  // objects: the key of the member being read
  };

  [[noreturn]] void fail(const std::string& pointer, const std::string& what) const {
    throw data_error(source_ + ": " + (pointer.empty() ? std::string("(document)") : pointer) + ": malformed JSON: " +
                     what);
  }

  // The pointer of the current child of frames_[depth - 1] (depth 0: the document). An array's current child
  // is its last element, except in the innermost array, where it is the one about to be inserted.
  std::string pointer_of_frames(std::size_t depth) const {
    std::string p;
    for (std::size_t i = 0; i < depth; ++i) {
      const frame& f = frames_[i];
      p = f.node->is_array() ? child(p, f.node->size() - (i + 1 == frames_.size() ? 0 : 1)) : child(p, f.key);
    }
    return p;
  }
  // The pointer of the value about to be inserted.
  std::string pointer() const { return pointer_of_frames(frames_.size()); }

  value* insert(value&& v) {
    if (frames_.empty()) {
      root = std::move(v);
      return &root;
    }
    value& parent = *frames_.back().node;
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    value& slot = parent[frames_.back().key];
    slot = std::move(v);
    return &slot;
  }
  bool open(value&& container) {
    if (frames_.size() >= max_nesting) fail("", "nesting deeper than " + std::to_string(max_nesting) + " levels");
    value* node = insert(std::move(container));
    frames_.push_back({node, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  std::string source_;
  std::vector<frame> frames_;
};

inline const char* kind_name(const value& v) {
  switch (v.type()) {
    case value::value_t::null: return "null";
    case value::value_t::boolean: return "a boolean";
    case value::value_t::number_integer:
    case value::value_t::number_unsigned:
    case value::value_t::number_float: return "a number";
    case value::value_t::string: return "a string";
    case value::value_t::array: return "an array";
    case value::value_t::object: return "an object";
    default: return "something else";
  }
}

// Schema walk: every error names the source and the field (JSON pointer).
class reader {
 public:
  reader(std::string source, std::unordered_map<std::string, std::string> literals)
      : source_(std::move(source)), literals_(std::move(literals)) {}

  [[noreturn]] void fail(const std::string& pointer, const std::string& what) const {
    throw data_error(source_ + ": " + (pointer.empty() ? std::string("(document)") : pointer) + ": " + what);
  }

  void expect_object(const value& v, const std::string& pointer) const {
    if (!v.is_object()) fail(pointer, std::string("expected an object, found ") + kind_name(v));
  }

  // Rejects keys outside `allowed` (strict: a typo must not be silently ignored).
  void allow_only(const value& object, const std::string& pointer, std::initializer_list<std::string_view> allowed) const {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
      std::string list;
      for (auto a : allowed) {
        if (!list.empty()) list += ", ";
        list += a;
      }
      fail(child(pointer, it.key()), "unknown field (expected only: " + list + ")");
    }
  }

  static const value* find(const value& object, std::string_view key) {
    const auto it = object.find(std::string(key));
    return it == object.end() ? nullptr : &*it;
  }

  const value& require(const value& object, const std::string& pointer, std::string_view key) const {
    if (const value* v = find(object, key)) return *v;
    fail(child(pointer, key), "missing");
  }

  const value& array(const value& v, const std::string& pointer, std::size_t expected_length, const char* what) const {
    if (!v.is_array()) fail(pointer, std::string("expected an array, found ") + kind_name(v));
    if (v.size() != expected_length)
      fail(pointer, "expected " + std::to_string(expected_length) + " entries (" + what + "), found " +
                        std::to_string(v.size()));
    return v;
  }

  std::string text_of(const value& v, const std::string& pointer) const {
    const auto it = literals_.find(pointer);
    return it != literals_.end() ? it->second : v.dump();
  }

  template <class V>
  V number(const value& v, const std::string& pointer) const {
    if (!v.is_number()) fail(pointer, std::string("expected a number, found ") + kind_name(v));
    if constexpr (std::is_integral_v<V>) {
      if (v.is_number_unsigned() && v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<V>::max()))
        return static_cast<V>(v.get<std::uint64_t>());
      if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() >= std::numeric_limits<V>::min() &&
          v.get<std::int64_t>() <= std::numeric_limits<V>::max())
        return static_cast<V>(v.get<std::int64_t>());
      fail(pointer, "expected an integer, found " + text_of(v, pointer));
    } else {
      const auto it = literals_.find(pointer);
      if (it == literals_.end()) {  // a plain integer literal: every int64 / uint64 converts (rounded to nearest)
        return v.is_number_unsigned() ? static_cast<V>(v.get<std::uint64_t>()) : static_cast<V>(v.get<std::int64_t>());
      }
      const std::string& text = it->second;
      V out{};
      const auto result = std::from_chars(text.data(), text.data() + text.size(), out);
      if (result.ec == std::errc::result_out_of_range || (result.ec == std::errc{} && !std::isfinite(out)))
        fail(pointer, "the number " + text + " is not a finite " + std::string(sizeof(V) == 4 ? "float32" : "float64") +
                          " (it overflows, or underflows to zero)");
      if (result.ec != std::errc{} || result.ptr != text.data() + text.size())
        fail(pointer, "cannot read the number " + text);
      return out;
    }
  }

  std::string string(const value& v, const std::string& pointer) const {
    if (!v.is_string()) fail(pointer, std::string("expected a string, found ") + kind_name(v));
    return v.get<std::string>();
  }

  bool boolean(const value& v, const std::string& pointer) const {
    if (!v.is_boolean()) fail(pointer, std::string("expected a boolean, found ") + kind_name(v));
    return v.get<bool>();
  }

  activation activation_of(const value& v, const std::string& pointer) const {
    const std::string name = string(v, pointer);
    for (activation a : all_activations)
      if (activation_name(a) == name) return a;
    std::string list;
    for (activation a : all_activations) {
      if (!list.empty()) list += ", ";
      list += activation_name(a);
    }
    fail(pointer, "unknown activation \"" + name + "\" (expected one of: " + list + ")");
  }

  std::optional<double> optional_double(const value& object, const std::string& pointer, std::string_view key) const {
    if (const value* v = find(object, key)) return number<double>(*v, child(pointer, key));
    return std::nullopt;
  }

  std::vector<std::string> names(const value& object, const std::string& pointer, std::string_view key,
                                 int expected, const char* what) const {
    std::vector<std::string> out;
    const value* v = find(object, key);
    if (!v) return out;
    const std::string p = child(pointer, key);
    array(*v, p, static_cast<std::size_t>(expected), what);
    for (std::size_t i = 0; i < v->size(); ++i) out.push_back(string((*v)[i], child(p, i)));
    return out;
  }

  std::optional<data::minmax_scaler> scaling(const value& object, const std::string& pointer, std::string_view key,
                                             int columns) const {
    const value* v = find(object, key);
    if (!v) return std::nullopt;
    const std::string p = child(pointer, key);
    expect_object(*v, p);
    allow_only(*v, p, {"kind", "lower", "upper"});
    const std::string kind = string(require(*v, p, "kind"), child(p, "kind"));
    if (kind != "minmax_to_unit_interval")
      fail(child(p, "kind"), "unknown scaling \"" + kind + "\" (expected minmax_to_unit_interval)");
    std::vector<double> lower, upper;
    const auto n = static_cast<std::size_t>(columns);
    const value& lo = array(require(*v, p, "lower"), child(p, "lower"), n, "one bound per column");
    const value& hi = array(require(*v, p, "upper"), child(p, "upper"), n, "one bound per column");
    for (std::size_t c = 0; c < n; ++c) {
      lower.push_back(number<double>(lo[c], child(child(p, "lower"), c)));
      upper.push_back(number<double>(hi[c], child(child(p, "upper"), c)));
    }
    try {
      return data::minmax_scaler::from_bounds(std::move(lower), std::move(upper));
    } catch (const error& e) {
      fail(p, e.what());
    }
  }

 private:
  std::string source_;
  std::unordered_map<std::string, std::string> literals_;
};

template <network_spec_type S, class T>
json_model<S, T> parse_model(std::string_view text, const std::string& source) {
  static_assert(std::is_floating_point_v<T>, "swatnn::from_json: the scalar type must be float or double");
  sax_builder builder(source);
  value::sax_parse(text.begin(), text.end(), &builder);  // strict: the whole text, no comments
  const value& root = builder.root;
  const reader r(source, std::move(builder.literals));
  r.expect_object(root, "");
  r.allow_only(root, "", {"format", "version", "scalar", "spec", "depth", "inputs", "layers", "output", "metadata"});

  const std::string format = r.string(r.require(root, "", "format"), "/format");
  if (format != json_format_name)
    r.fail("/format", "expected \"" + std::string(json_format_name) + "\", found \"" + format + "\"");
  const int found_version = r.number<int>(r.require(root, "", "version"), "/version");
  if (found_version != json_format_version)
    r.fail("/version", "version " + std::to_string(found_version) + " is not supported (this build reads " +
                           std::to_string(json_format_version) + ")");
  const std::string scalar_name = r.string(r.require(root, "", "scalar"), "/scalar");
  if (scalar_name != "float32" && scalar_name != "float64")
    r.fail("/scalar", "expected \"float32\" or \"float64\", found \"" + scalar_name + "\"");

  // Spec: compare all four numbers and report expected vs found together.
  const value& spec = r.require(root, "", "spec");
  r.expect_object(spec, "/spec");
  r.allow_only(spec, "/spec", {"inputs", "outputs", "max_depth", "max_width"});
  const int found[4] = {r.number<int>(r.require(spec, "/spec", "inputs"), "/spec/inputs"),
                        r.number<int>(r.require(spec, "/spec", "outputs"), "/spec/outputs"),
                        r.number<int>(r.require(spec, "/spec", "max_depth"), "/spec/max_depth"),
                        r.number<int>(r.require(spec, "/spec", "max_width"), "/spec/max_width")};
  const int expected[4] = {S::inputs, S::outputs, S::max_depth, S::max_width};
  if (!std::equal(std::begin(found), std::end(found), std::begin(expected))) {
    auto describe = [](const int* s) {
      return "inputs " + std::to_string(s[0]) + ", outputs " + std::to_string(s[1]) + ", max_depth " +
             std::to_string(s[2]) + ", max_width " + std::to_string(s[3]);
    };
    r.fail("/spec", "the file's network family does not match the requested spec: expected " + describe(expected) +
                        ", found " + describe(found));
  }

  const int depth = r.number<int>(r.require(root, "", "depth"), "/depth");
  if (depth < 1 || depth > S::max_depth)
    r.fail("/depth", "depth " + std::to_string(depth) + " is outside 1.." + std::to_string(S::max_depth));

  int inputs = S::inputs;  // a network of fewer inputs than its family's says so (written only then)
  if (const value* k = reader::find(root, "inputs")) {
    inputs = r.number<int>(*k, "/inputs");
    if (inputs < 1 || inputs > S::inputs)
      r.fail("/inputs", std::to_string(inputs) + " inputs is outside 1.." + std::to_string(S::inputs) +
                            " (the family's inputs)");
  }

  json_model<S, T> model{sparse_network<S, T>::zeros(depth, inputs), {}};
  auto& net = model.network;
  const std::size_t width = static_cast<std::size_t>(S::max_width);
  const value& layers = r.array(r.require(root, "", "layers"), "/layers", static_cast<std::size_t>(depth),
                                "one per hidden layer, as given by depth");
  for (int l = 0; l < depth; ++l) {
    const std::string path = child("/layers", static_cast<std::size_t>(l));
    const value& layer = layers[static_cast<std::size_t>(l)];
    r.expect_object(layer, path);
    r.allow_only(layer, path, {"activations", "active", "weights", "bias"});
    auto& out = net.layers[l];
    const std::string acts_path = child(path, "activations"), active_path = child(path, "active"),
                      bias_path = child(path, "bias"), weights_path = child(path, "weights");
    const value& acts = r.array(r.require(layer, path, "activations"), acts_path, width, "one per neuron, max_width");
    const value& active = r.array(r.require(layer, path, "active"), active_path, width, "one per neuron, max_width");
    const value& bias = r.array(r.require(layer, path, "bias"), bias_path, width, "one per neuron, max_width");
    for (std::size_t j = 0; j < width; ++j) {
      out.activations[j] = r.activation_of(acts[j], child(acts_path, j));
      out.active[j] = r.boolean(active[j], child(active_path, j));
      out.bias(static_cast<Eigen::Index>(j)) = r.number<T>(bias[j], child(bias_path, j));
    }
    const std::size_t fan_in = static_cast<std::size_t>(l == 0 ? inputs : S::max_width);
    const value& weights = r.array(r.require(layer, path, "weights"), weights_path, fan_in,
                                   l == 0 ? "one row per network input" : "one row per neuron of the previous layer");
    for (std::size_t i = 0; i < fan_in; ++i) {
      const std::string row_path = child(weights_path, i);
      const value& row = r.array(weights[i], row_path, width, "one weight per neuron, max_width");
      for (std::size_t j = 0; j < width; ++j)
        out.weights(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = r.number<T>(row[j], child(row_path, j));
    }
  }

  const value& output = r.require(root, "", "output");
  r.expect_object(output, "/output");
  r.allow_only(output, "/output", {"weights", "bias"});
  const std::size_t outputs = static_cast<std::size_t>(S::outputs);
  const value& ow = r.array(r.require(output, "/output", "weights"), "/output/weights", width,
                            "one row per neuron of the last hidden layer");
  for (std::size_t i = 0; i < width; ++i) {
    const std::string row_path = child("/output/weights", i);
    const value& row = r.array(ow[i], row_path, outputs, "one weight per output");
    for (std::size_t o = 0; o < outputs; ++o)
      net.output_weights(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(o)) = r.number<T>(row[o], child(row_path, o));
  }
  const value& ob = r.array(r.require(output, "/output", "bias"), "/output/bias", outputs, "one per output");
  for (std::size_t o = 0; o < outputs; ++o)
    net.output_bias(static_cast<Eigen::Index>(o)) = r.number<T>(ob[o], child("/output/bias", o));

  if (const value* meta = reader::find(root, "metadata")) {
    const std::string m = "/metadata";
    r.expect_object(*meta, m);
    r.allow_only(*meta, m, {"name", "input_names", "target_names", "train_mse", "validation_mse", "test_mse",
                            "input_scaling", "label_scaling", "active_neurons", "nonzero_parameters"});
    auto& md = model.metadata;
    if (const value* name = reader::find(*meta, "name")) md.name = r.string(*name, "/metadata/name");
    md.input_names = r.names(*meta, m, "input_names", inputs, "one per network input");
    md.target_names = r.names(*meta, m, "target_names", S::outputs, "one per network output");
    md.train_mse = r.optional_double(*meta, m, "train_mse");
    md.validation_mse = r.optional_double(*meta, m, "validation_mse");
    md.test_mse = r.optional_double(*meta, m, "test_mse");
    // Derived counts: informative, but a disagreement means the file was edited inconsistently.
    if (const value* nz = reader::find(*meta, "nonzero_parameters")) {
      const int count = r.number<int>(*nz, "/metadata/nonzero_parameters");
      if (count != net.nonzero_parameters())
        r.fail("/metadata/nonzero_parameters", "the file says " + std::to_string(count) + " but its weights give " +
                                                   std::to_string(net.nonzero_parameters()));
    }
    if (const value* an = reader::find(*meta, "active_neurons")) {
      const int count = r.number<int>(*an, "/metadata/active_neurons");
      if (count != net.active_neurons())
        r.fail("/metadata/active_neurons", "the file says " + std::to_string(count) + " but its active flags give " +
                                               std::to_string(net.active_neurons()));
    }
    md.input_scaling = r.scaling(*meta, m, "input_scaling", inputs);
    md.label_scaling = r.scaling(*meta, m, "label_scaling", S::outputs);
  }
  return model;
}

}  // namespace detail::json

// The network (and metadata) as JSON text. Throws value_error/shape_error if the network is invalid
// (non-finite parameters, wrong shapes) or the metadata is non-finite, not UTF-8 or has the wrong column counts.
template <network_spec_type S, class T>
std::string to_json(const sparse_network<S, T>& net, const network_metadata& metadata = {}) {
  static_assert(std::is_floating_point_v<T>, "swatnn::to_json: the scalar type must be float or double");
  using detail::json::value;
  net.validate();
  detail::json::check_finite_metadata(metadata.train_mse, "train_mse");
  detail::json::check_finite_metadata(metadata.validation_mse, "validation_mse");
  detail::json::check_finite_metadata(metadata.test_mse, "test_mse");

  auto row = [](auto&& values) {  // parameters: T values, held exactly as double, printed as T
    value out = value::array();
    for (const auto v : values) out.push_back(static_cast<double>(v));
    return out;
  };
  value root = value::object();
  root["format"] = std::string(json_format_name);
  root["version"] = json_format_version;
  root["scalar"] = sizeof(T) == 4 ? "float32" : "float64";
  root["spec"] = {{"inputs", S::inputs}, {"outputs", S::outputs}, {"max_depth", S::max_depth}, {"max_width", S::max_width}};
  root["depth"] = net.depth;
  if (net.inputs != S::inputs) root["inputs"] = net.inputs;
  value layers = value::array();
  for (int l = 0; l < net.depth; ++l) {
    const auto& layer = net.layers[l];
    value activations = value::array(), active = value::array(), weights = value::array();
    for (int j = 0; j < S::max_width; ++j) {
      activations.push_back(std::string(activation_name(layer.activations[j])));
      active.push_back(static_cast<bool>(layer.active[j]));
    }
    const Eigen::Index fan_in = l == 0 ? net.inputs : layer.weights.rows();  // the real rows (the rest are 0)
    for (Eigen::Index i = 0; i < fan_in; ++i) weights.push_back(row(layer.weights.row(i)));
    value entry = value::object();
    entry["activations"] = std::move(activations);
    entry["active"] = std::move(active);
    entry["weights"] = std::move(weights);
    entry["bias"] = row(layer.bias);
    layers.push_back(std::move(entry));
  }
  root["layers"] = std::move(layers);
  value output_weights = value::array();
  for (Eigen::Index i = 0; i < net.output_weights.rows(); ++i) output_weights.push_back(row(net.output_weights.row(i)));
  root["output"] = value::object();
  root["output"]["weights"] = std::move(output_weights);
  root["output"]["bias"] = row(net.output_bias);

  value md = value::object();
  if (!metadata.name.empty()) md["name"] = detail::json::checked_string(metadata.name, "name");
  if (!metadata.input_names.empty())
    md["input_names"] = detail::json::names_value(metadata.input_names, net.inputs, "input_names");
  if (!metadata.target_names.empty())
    md["target_names"] = detail::json::names_value(metadata.target_names, S::outputs, "target_names");
  if (metadata.train_mse) md["train_mse"] = *metadata.train_mse;
  if (metadata.validation_mse) md["validation_mse"] = *metadata.validation_mse;
  if (metadata.test_mse) md["test_mse"] = *metadata.test_mse;
  if (metadata.input_scaling)
    md["input_scaling"] = detail::json::scaling_value(*metadata.input_scaling, net.inputs, "input_scaling");
  if (metadata.label_scaling)
    md["label_scaling"] = detail::json::scaling_value(*metadata.label_scaling, S::outputs, "label_scaling");
  md["active_neurons"] = net.active_neurons();
  md["nonzero_parameters"] = net.nonzero_parameters();

  // One object: the network's numbers printed as T, the metadata's as double.
  std::string out = "{\n";
  for (auto it = root.begin(); it != root.end(); ++it) {
    out += "  " + value(it.key()).dump() + ": ";
    detail::json::print<T>(it.value(), out, 2);
    out += ",\n";
  }
  out += "  \"metadata\": ";
  detail::json::print<double>(md, out, 2, true);
  out += "\n}\n";
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
