// swatnn/data/table.hpp: a raw numeric table read from a file, the choice of its target column, and the
// checks every loaded table passes before it becomes training data (shared by the CSV and NPY readers).
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/messages.hpp>
#include <swatnn/error.hpp>

namespace swatnn::data {

// Fewest data rows a loaded file may have.
inline constexpr std::size_t minimum_rows = 10;
// Most columns a loaded file may have (the networks take a handful of inputs; this bounds the work and
// memory a malformed file can cause before its shape is checked).
inline constexpr std::size_t maximum_columns = 1u << 16;

// Names a column by name (exact match) or by 0-based index; a negative index counts from the end
// (-1, the default, is the last column). Usable in designated initializers: {.target = "y"}, {.target = 0}.
class column_ref {
 public:
  column_ref() = default;
  column_ref(std::string name) : name_(std::move(name)) {}
  column_ref(const char* name) {
    if (name == nullptr) throw value_error("column_ref: null column name");
    name_ = std::string(name);
  }
  template <std::integral I>
  column_ref(I index) : index_(static_cast<long long>(index)) {}

  static column_ref last() { return column_ref{}; }

  const std::optional<std::string>& name() const { return name_; }
  long long index() const { return index_; }

 private:
  std::optional<std::string> name_;
  long long index_ = -1;
};

// Numbers read from a file, before any scaling: rows = points, one name per column.
struct table {
  std::string source;                      // file name, used in every message
  std::vector<std::string> columns;        // column names (from the header, or "column 0", ...)
  cpu::matrix<double> values;              // rows x columns
  std::vector<std::size_t> source_lines;   // 1-based text line of each row (CSV); empty for binary files

  // "line 7" (text files) or "row index 5" (binary files): how messages locate a row.
  std::string locate_row(std::size_t row) const {
    if (row < source_lines.size()) return "line " + std::to_string(source_lines[row]);
    return "row index " + std::to_string(row);
  }
};

// Inputs and target of a table, still in original units (double).
struct labelled {
  std::string source;
  std::vector<std::string> input_names;
  std::string target_name;
  cpu::matrix<double> x;            // rows x inputs
  cpu::vector<double> y;            // one label per row
  std::vector<std::size_t> rows;    // index of each row in its source (0-based data row)

  std::size_t size() const { return static_cast<std::size_t>(x.rows()); }
};

namespace detail {
// "column 0", "column 1", ...; value_error over maximum_columns (readers check their column count first and
// name the file).
inline std::vector<std::string> default_column_names(std::size_t count) {
  if (count > maximum_columns) {
    throw value_error("default_column_names: " + std::to_string(count) + " columns, more than the " +
                      std::to_string(maximum_columns) + " a data table may have");
  }
  std::vector<std::string> names;
  names.reserve(count);
  for (std::size_t c = 0; c < count; ++c) names.push_back("column " + std::to_string(c));
  return names;
}

// The column `ref` names; `role` ("target", "input") says which in the message when it does not exist.
inline std::size_t resolve_column(const table& t, const column_ref& ref, const char* role = "target") {
  const std::size_t count = t.columns.size();
  if (ref.name()) {
    for (std::size_t c = 0; c < count; ++c) {
      if (t.columns[c] == *ref.name()) return c;
    }
    throw value_error(t.source + ": no column named '" + *ref.name() + "'; the columns are " +
                      quoted_list(t.columns));
  }
  const long long index = ref.index();
  const long long n = static_cast<long long>(count);
  if (index >= n || index < -n) {
    throw value_error(t.source + ": " + role + " column index " + std::to_string(index) + " does not exist; the file has " +
                      std::to_string(count) + " columns (valid indices 0.." + std::to_string(n - 1) +
                      ", or -1..-" + std::to_string(n) + " from the end)");
  }
  return static_cast<std::size_t>(index < 0 ? n + index : index);
}
}  // namespace detail

// Checks a table (at least two columns, at least `minimum_rows` rows, unique column names, every value of the
// chosen columns finite), then splits it into the inputs and the target: `inputs` are the input columns in the
// order given (by name or index, as `target`), or, when empty, every column but the target in file order. A
// column chosen twice, or chosen as an input and as the target, is a value_error.
inline labelled select_columns(const table& t, const std::vector<column_ref>& inputs, const column_ref& target = {}) {
  const std::size_t cols = static_cast<std::size_t>(t.values.cols());
  const std::size_t rows = static_cast<std::size_t>(t.values.rows());
  if (t.columns.size() != cols) {
    throw shape_error(t.source + ": " + std::to_string(t.columns.size()) + " column names for " +
                      std::to_string(cols) + " columns");
  }
  if (cols < 2) {
    throw data_error(t.source + ": " + std::to_string(cols) +
                     " column(s); expected at least two (one or more inputs and the target)");
  }
  if (rows < minimum_rows) {
    throw data_error(t.source + ": " + std::to_string(rows) + " data rows; at least " + std::to_string(minimum_rows) +
                     " are needed");
  }
  for (std::size_t a = 0; a < cols; ++a) {
    for (std::size_t b = a + 1; b < cols; ++b) {
      if (t.columns[a] == t.columns[b]) {
        throw data_error(t.source + ": column indices " + std::to_string(a) + " and " + std::to_string(b) +
                         " have the same name '" + t.columns[a] + "'");
      }
    }
  }
  const std::size_t target_column = detail::resolve_column(t, target, "target");
  std::vector<std::size_t> input_columns;
  if (inputs.empty()) {
    for (std::size_t c = 0; c < cols; ++c)
      if (c != target_column) input_columns.push_back(c);
  } else {
    for (const auto& ref : inputs) {
      const std::size_t c = detail::resolve_column(t, ref, "input");
      if (c == target_column) {
        throw value_error(t.source + ": " + detail::column_label(c, t.columns) +
                          " is chosen as an input and as the target");
      }
      for (const std::size_t earlier : input_columns) {
        if (earlier == c) throw value_error(t.source + ": " + detail::column_label(c, t.columns) + " is chosen twice as an input");
      }
      input_columns.push_back(c);
    }
  }
  std::vector<char> chosen(cols, 0);  // the columns whose values must be finite
  chosen[target_column] = 1;
  for (const std::size_t c : input_columns) chosen[c] = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const double v = t.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c));
      if (chosen[c] && !std::isfinite(v)) {
        throw data_error(t.source + ": " + t.locate_row(r) + ", " + detail::column_label(c, t.columns) +
                         ": value " + detail::number(v) + " is not finite (NaN and Inf are not allowed)");
      }
    }
  }

  labelled out;
  out.source = t.source;
  out.target_name = t.columns[target_column];
  out.x.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(input_columns.size()));
  Eigen::Index input = 0;
  for (const std::size_t c : input_columns) {
    out.input_names.push_back(t.columns[c]);
    out.x.col(input++) = t.values.col(static_cast<Eigen::Index>(c));
  }
  out.y = t.values.col(static_cast<Eigen::Index>(target_column));
  out.rows.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) out.rows[r] = r;
  return out;
}

// select_columns with every column but the target as an input, in file order.
inline labelled select_target(const table& t, const column_ref& target = {}) { return select_columns(t, {}, target); }

}  // namespace swatnn::data
