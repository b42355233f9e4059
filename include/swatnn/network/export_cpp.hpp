// swatnn/network/export_cpp.hpp: write a found sparse_network as a standalone C++17 header (only <array> and
// <cmath>; constexpr weights of the active neurons only; an inline predict that allocates nothing) with
// self-test points computed by swatnn's own predict and an inline self_test(tolerance), the way keras2c and
// emlearn ship models for embedded targets. Given the dataset's scalers, the header embeds them: predict takes
// and returns data units, predict_scaled the network's own [-1, 1] units. See docs/export.md.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/scaling.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

struct cpp_export_options {
  std::string namespace_name = "model";  // may be nested ("acme::models::flow")
  std::string function_name = "predict";
  int self_test_points = 8;              // 0: self_test() just returns true
  std::uint64_t seed = 0;                // for the self-test inputs
  double input_lower = -1.0;             // self-test inputs are uniform in [input_lower, input_upper]
  double input_upper = 1.0;              // per input, in the network's units (the scaled domain by default)
  // The dataset's scalers (data::dataset::input_scaler / label_scaler; S::inputs and S::outputs columns). With
  // either, `function_name` takes data units (inputs scaled, outputs mapped back, both in double as
  // data::minmax_scaler does), `function_name + "_scaled"` is the network on [-1, 1] units, and the self-test
  // points are stored in data units.
  std::optional<data::minmax_scaler> input_scaling{};
  std::optional<data::minmax_scaler> label_scaling{};
};

namespace detail::cpp_export {

// A C++ literal of type T that the compiler reads back to exactly `value` (shortest round-trip digits).
template <class T>
std::string literal(T value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string text(buffer, result.ptr);
  if (text.find_first_of(".e") == std::string::npos) text += ".0";
  if constexpr (std::is_same_v<T, float>) text += 'f';
  return text;
}

inline bool is_keyword(std::string_view word) {
  static constexpr std::string_view keywords[] = {
      "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
      "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept", "const", "consteval", "constexpr",
      "constinit", "const_cast", "continue", "co_await", "co_return", "co_yield", "decltype", "default", "delete",
      "do", "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "float", "for",
      "friend", "goto", "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
      "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register", "reinterpret_cast",
      "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast", "struct",
      "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
      "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "std"};
  for (auto k : keywords)
    if (k == word) return true;
  return false;
}

inline bool is_identifier(std::string_view word) {
  if (word.empty() || is_keyword(word)) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(word[0])) return false;
  for (char c : word)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

inline void check_names(const cpp_export_options& options) {
  std::string_view ns = options.namespace_name;
  bool ok = !ns.empty();
  while (ok && !ns.empty()) {
    const std::size_t sep = ns.find("::");
    ok = is_identifier(ns.substr(0, sep));
    ns = sep == std::string_view::npos ? std::string_view{} : ns.substr(sep + 2);
    if (sep != std::string_view::npos && ns.empty()) ok = false;
  }
  if (!ok)
    throw value_error("swatnn::export_cpp_header: namespace_name '" + options.namespace_name +
                      "' is not a C++ identifier (or ::-separated identifiers, none a keyword)");
  // the other names the header declares in its namespace
  static constexpr std::string_view reserved[] = {"self_test", "self_test_data", "weights", "scaling",
                                                  "scalar",    "inputs",         "outputs", "hidden_layers"};
  bool usable = is_identifier(options.function_name);
  for (std::string_view name : reserved) usable = usable && options.function_name != name;
  if (!usable)
    throw value_error("swatnn::export_cpp_header: function_name '" + options.function_name +
                      "' is not a usable C++ identifier (not a keyword, and none of the header's own names: "
                      "self_test, self_test_data, weights, scaling, scalar, inputs, outputs, hidden_layers)");
  if (options.self_test_points < 0)
    throw value_error("swatnn::export_cpp_header: self_test_points is " + std::to_string(options.self_test_points) +
                      "; expected 0 or more");
  if (!(options.input_lower <= options.input_upper) || !std::isfinite(options.input_lower) ||
      !std::isfinite(options.input_upper))
    throw value_error("swatnn::export_cpp_header: the self-test input range [input_lower, input_upper] must be "
                      "finite with input_lower <= input_upper");
}

template <class T>
std::string row_text(const std::vector<T>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += literal(values[i]);
  }
  return out + "}";
}

template <class T>
std::string matrix_text(const std::vector<std::vector<T>>& rows, const std::string& indent) {
  std::string out = "{\n";
  for (std::size_t r = 0; r < rows.size(); ++r) out += indent + "    " + row_text(rows[r]) + (r + 1 < rows.size() ? ",\n" : "\n");
  return out + indent + "}";
}

inline std::string activation_statement(activation a, const std::string& v) {
  switch (a) {
    case activation::sigmoid: return v + " = scalar(1) / (scalar(1) + std::exp(-" + v + "));";
    case activation::tanh: return v + " = std::tanh(" + v + ");";
    case activation::leaky_relu: return v + " = " + v + " > scalar(0) ? " + v + " : scalar(0.01) * " + v + ";";
  }
  return "";
}

inline void check_scaling(const std::optional<data::minmax_scaler>& scaling, int columns, const char* field,
                          const char* what) {
  if (scaling && scaling->columns() != static_cast<std::size_t>(columns))
    throw value_error(std::string("swatnn::export_cpp_header: options.") + field + " has " +
                      std::to_string(scaling->columns()) + " columns, but the network has " + std::to_string(columns) +
                      " " + what);
}

// "{a, b, c}" of doubles, each read back exactly.
inline std::string double_row(const data::minmax_scaler& s, bool upper) {
  std::string text = "{";
  for (std::size_t c = 0; c < s.columns(); ++c) {
    if (c) text += ", ";
    text += literal(upper ? s.upper(c) : s.lower(c));
  }
  return text + "}";
}

}  // namespace detail::cpp_export

// The header text (see export_cpp_header). Throws value_error for bad options or an invalid network.
template <network_spec_type S, class T>
std::string to_cpp_header(const sparse_network<S, T>& net, const cpp_export_options& options = {}) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "swatnn::export_cpp_header: the scalar type must be float or double");
  using namespace detail::cpp_export;
  check_names(options);
  check_scaling(options.input_scaling, net.inputs, "input_scaling", "inputs");
  check_scaling(options.label_scaling, S::outputs, "label_scaling", "outputs");
  net.validate();
  const std::string scalar_name = std::is_same_v<T, float> ? "float" : "double";
  const bool scaled = options.input_scaling || options.label_scaling;
  const std::string fn = options.function_name;
  const std::string net_fn = scaled ? fn + "_scaled" : fn;  // the network itself, in its [-1, 1] units

  // Live units per hidden layer (swatnn indices of the active neurons, in order).
  std::vector<std::vector<int>> live(static_cast<std::size_t>(net.depth));
  for (int l = 0; l < net.depth; ++l)
    for (int j = 0; j < S::max_width; ++j)
      if (net.layers[l].active[j]) live[static_cast<std::size_t>(l)].push_back(j);

  // Layers before the last empty one cannot reach the outputs: they are left out like inactive neurons.
  int first_used = 0;
  for (int l = 0; l < net.depth; ++l)
    if (live[static_cast<std::size_t>(l)].empty()) first_used = l + 1;

  std::string counts;
  for (int l = 0; l < net.depth; ++l) {
    if (l) counts += ", ";
    counts += std::to_string(live[static_cast<std::size_t>(l)].size());
  }

  std::string h;
  h += "// Generated by swatnn::export_cpp_header: a sparse network with " + std::to_string(net.inputs) + " inputs, " +
       std::to_string(S::outputs) + " outputs and " + std::to_string(net.depth) +
       " hidden layers (active neurons per layer: " + counts + "; " + std::to_string(net.nonzero_parameters()) +
       " nonzero parameters).\n";
  h += "// Generated output: this header carries no license obligation (swatnn's MIT license does not extend to it).\n";
  h += "// Standalone C++17: needs only <array> and <cmath> and allocates nothing. Call " + options.namespace_name +
       "::" + fn + "(x, y)\n// with x[inputs] and y[outputs], or " + fn + "(std::array<scalar, inputs>)" +
       (scaled ? std::string(", in data units; ") + net_fn +
                     " is the network on its own\n// [-1, 1] units (the scalers are in namespace scaling)."
               : std::string(".")) +
       " self_test(tolerance) checks the stored\n"
       "// reference points, computed by swatnn's own predict: |y - expected| <= tolerance * (1 + |expected|).\n";
  h += "#pragma once\n\n#include <array>\n#include <cmath>\n\n";
  h += "namespace " + options.namespace_name + " {\n\n";
  h += "using scalar = " + scalar_name + ";\n";
  h += "inline constexpr int inputs = " + std::to_string(net.inputs) + ";\n";
  h += "inline constexpr int outputs = " + std::to_string(S::outputs) + ";\n";
  h += "inline constexpr int hidden_layers = " + std::to_string(net.depth) + ";\n\n";
  if (scaled) {
    h += "namespace scaling {\n";
    if (options.input_scaling) {
      h += "// Inputs, data units -> the network's: x' = 2 (x - lower) / (upper - lower) - 1, in double.\n";
      h += "inline constexpr double input_lower[inputs] = " + double_row(*options.input_scaling, false) + ";\n";
      h += "inline constexpr double input_upper[inputs] = " + double_row(*options.input_scaling, true) + ";\n";
    }
    if (options.label_scaling) {
      h += "// Outputs, the network's -> data units: y = lower + (y' + 1) (upper - lower) / 2, in double.\n";
      h += "inline constexpr double output_lower[outputs] = " + double_row(*options.label_scaling, false) + ";\n";
      h += "inline constexpr double output_upper[outputs] = " + double_row(*options.label_scaling, true) + ";\n";
    }
    h += "}  // namespace scaling\n\n";
  }

  h += "namespace weights {\n";
  std::size_t previous = static_cast<std::size_t>(net.inputs);  // live units feeding the current layer
  for (int l = 0; l < net.depth; ++l) {
    const auto& layer = net.layers[l];
    const auto& units = live[static_cast<std::size_t>(l)];
    const std::string name = "layer" + std::to_string(l);
    std::string sources, acts;
    for (std::size_t k = 0; k < units.size(); ++k) {
      if (k) {
        sources += ", ";
        acts += ", ";
      }
      sources += std::to_string(units[k]);
      acts += activation_name(layer.activations[units[k]]);
    }
    h += "// Hidden layer " + std::to_string(l) + ": " + std::to_string(units.size()) + " active neurons of " +
         std::to_string(S::max_width);
    h += units.empty() ? std::string(".\n") : " (swatnn neurons " + sources + "; " + acts + ")";
    if (!units.empty() && l < first_used)
      h += ": left out, the empty hidden layer " + std::to_string(first_used - 1) + " cuts it off from the outputs.\n";
    else if (!units.empty())
      h += ".\n";
    if (units.empty() || l < first_used) {
      previous = 0;
      continue;
    }
    // Rows: neurons of this layer; columns: live units of the previous layer (all inputs for layer 0).
    std::vector<int> from;
    if (l == 0)
      for (int i = 0; i < net.inputs; ++i) from.push_back(i);
    else
      from = live[static_cast<std::size_t>(l - 1)];
    if (previous > 0) {
      std::vector<std::vector<T>> w;
      for (int j : units) {
        std::vector<T> row;
        for (int i : from) row.push_back(layer.weights(i, j));
        w.push_back(std::move(row));
      }
      h += "inline constexpr scalar " + name + "_weights[" + std::to_string(units.size()) + "][" +
           std::to_string(previous) + "] = " + matrix_text(w, "") + ";  // [neuron][input]\n";
    }
    std::vector<T> b;
    for (int j : units) b.push_back(layer.bias(j));
    h += "inline constexpr scalar " + name + "_bias[" + std::to_string(units.size()) + "] = " + row_text(b) + ";\n";
    previous = units.size();
  }
  const auto& last = live[static_cast<std::size_t>(net.depth - 1)];
  h += "// Output layer: [output][active neuron of the last hidden layer].\n";
  if (!last.empty()) {
    std::vector<std::vector<T>> w;
    for (int o = 0; o < S::outputs; ++o) {
      std::vector<T> row;
      for (int i : last) row.push_back(net.output_weights(i, o));
      w.push_back(std::move(row));
    }
    h += "inline constexpr scalar output_weights[" + std::to_string(S::outputs) + "][" + std::to_string(last.size()) +
         "] = " + matrix_text(w, "") + ";\n";
  }
  std::vector<T> ob(net.output_bias.data(), net.output_bias.data() + S::outputs);
  h += "inline constexpr scalar output_bias[" + std::to_string(S::outputs) + "] = " + row_text(ob) + ";\n";
  h += "}  // namespace weights\n\n";

  // predict: one small fixed-size local array per hidden layer.
  h += "inline void " + net_fn + "(const scalar* x, scalar* y) noexcept {\n";
  std::string input = "x";
  previous = static_cast<std::size_t>(net.inputs);
  for (int l = 0; l < net.depth; ++l) {
    const auto& units = live[static_cast<std::size_t>(l)];
    if (units.empty() || l < first_used) {
      previous = 0;
      continue;
    }
    const std::string name = "layer" + std::to_string(l);
    const std::string hv = "h" + std::to_string(l);
    const std::string n = std::to_string(units.size());
    h += "  scalar " + hv + "[" + n + "];\n";
    h += "  for (int j = 0; j < " + n + "; ++j) {\n    scalar v = weights::" + name + "_bias[j];\n";
    if (previous > 0)
      h += "    for (int i = 0; i < " + std::to_string(previous) + "; ++i) v += weights::" + name +
           "_weights[j][i] * " + input + "[i];\n";
    h += "    " + hv + "[j] = v;\n  }\n";
    for (std::size_t k = 0; k < units.size(); ++k)
      h += "  " + activation_statement(net.layers[l].activations[units[k]], hv + "[" + std::to_string(k) + "]") + "\n";
    input = hv;
    previous = units.size();
  }
  h += "  for (int o = 0; o < outputs; ++o) {\n    scalar v = weights::output_bias[o];\n";
  if (!last.empty())
    h += "    for (int i = 0; i < " + std::to_string(last.size()) + "; ++i) v += weights::output_weights[o][i] * " +
         input + "[i];\n";
  h += "    y[o] = v;\n  }\n";
  if (first_used > 0) h += "  (void)x;  // no path from the inputs reaches the outputs\n";
  h += "}\n\n";
  if (scaled) {
    h += "inline void " + fn + "(const scalar* x, scalar* y) noexcept {\n";
    std::string network_input = "x";
    if (options.input_scaling) {
      h += "  scalar xs[inputs];\n  for (int i = 0; i < inputs; ++i)\n"
           "    xs[i] = static_cast<scalar>(2.0 * (static_cast<double>(x[i]) - scaling::input_lower[i]) /\n"
           "                                (scaling::input_upper[i] - scaling::input_lower[i]) - 1.0);\n";
      network_input = "xs";
    }
    h += "  " + net_fn + "(" + network_input + ", y);\n";
    if (options.label_scaling)
      h += "  for (int o = 0; o < outputs; ++o)\n"
           "    y[o] = static_cast<scalar>(scaling::output_lower[o] + (static_cast<double>(y[o]) + 1.0) *\n"
           "                                                           (scaling::output_upper[o] - "
           "scaling::output_lower[o]) / 2.0);\n";
    h += "}\n\n";
  }
  for (const std::string& name : scaled ? std::vector<std::string>{fn, net_fn} : std::vector<std::string>{fn}) {
    h += "inline std::array<scalar, outputs> " + name + "(const std::array<scalar, inputs>& x) noexcept {\n";
    h += "  std::array<scalar, outputs> y{};\n  " + name + "(x.data(), y.data());\n  return y;\n}\n\n";
  }

  // Self-test points: inputs rounded to the scalar type, outputs from swatnn's predict on exactly those inputs.
  const std::string default_tolerance = std::is_same_v<T, float> ? "scalar(1e-5)" : "scalar(1e-12)";
  const int points = options.self_test_points;
  if (points == 0) {
    h += "inline bool self_test(scalar = " + default_tolerance + ") noexcept { return true; }\n";
  } else {
    std::mt19937_64 rng(options.seed);
    cpu::matrix<T> x(points, net.inputs);  // what the header's predict takes: data units when input_scaling is set
    for (int n = 0; n < points; ++n)
      for (int i = 0; i < net.inputs; ++i) {
        const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
        const double v = options.input_lower + u * (options.input_upper - options.input_lower);
        x(n, i) = static_cast<T>(options.input_scaling ? options.input_scaling->inverse(v, static_cast<std::size_t>(i))
                                                       : v);
      }
    cpu::matrix<T> y = net.predict(options.input_scaling ? options.input_scaling->template transform<T>(x) : x);
    if (options.label_scaling) y = options.label_scaling->inverse(y).template cast<T>();
    std::vector<std::vector<T>> xs, ys;
    for (int n = 0; n < points; ++n) {
      xs.emplace_back();
      ys.emplace_back();
      for (int i = 0; i < net.inputs; ++i) xs.back().push_back(x(n, i));
      for (int o = 0; o < S::outputs; ++o) ys.back().push_back(y(n, o));
    }
    h += "namespace self_test_data {\n";
    h += "inline constexpr int points = " + std::to_string(points) + ";\n";
    h += "inline constexpr scalar test_inputs[" + std::to_string(points) + "][" + std::to_string(net.inputs) +
         "] = " + matrix_text(xs, "") + ";\n";
    h += "inline constexpr scalar expected_outputs[" + std::to_string(points) + "][" + std::to_string(S::outputs) +
         "] = " + matrix_text(ys, "") + ";\n";
    h += "}  // namespace self_test_data\n\n";
    h += "inline bool self_test(scalar tolerance = " + default_tolerance + ") noexcept {\n";
    h += "  for (int n = 0; n < self_test_data::points; ++n) {\n";
    h += "    scalar y[outputs];\n    " + fn + "(self_test_data::test_inputs[n], y);\n";
    h += "    for (int o = 0; o < outputs; ++o) {\n";
    h += "      const scalar e = self_test_data::expected_outputs[n][o];\n";
    h += "      if (!(std::fabs(y[o] - e) <= tolerance * (scalar(1) + std::fabs(e)))) return false;\n";
    h += "    }\n  }\n  return true;\n}\n";
  }
  h += "\n}  // namespace " + options.namespace_name + "\n";
  return h;
}

// Writes to_cpp_header(net, options) to `path` atomically (io_error if it cannot be written).
template <network_spec_type S, class T>
void export_cpp_header(const sparse_network<S, T>& net, const std::filesystem::path& path,
                       const cpp_export_options& options = {}) {
  const std::string text = to_cpp_header(net, options);
  io::write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace swatnn
