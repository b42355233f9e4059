// swatnn/data/csv.hpp: read a numeric CSV file into a table / labelled rows (header optional, target by
// name or index) with line-and-column error messages, and write matrices (e.g. predictions) as CSV.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <istream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/messages.hpp>
#include <swatnn/data/table.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>

namespace swatnn::data {

// Whether the first non-blank line holds column names. `detect`: a first line of only non-numeric cells is
// a header, one of only numbers is data, a mix is an error (set `present` or `absent`).
enum class header_row { detect, present, absent };

struct csv_options {
  char delimiter = ',';
  header_row header = header_row::detect;
  column_ref target = column_ref::last();   // by name ("y") or 0-based index (negative counts from the end)
};

namespace detail {

inline std::string_view trim_cell(std::string_view cell) {
  while (!cell.empty() && (cell.front() == ' ' || cell.front() == '\t')) cell.remove_prefix(1);
  while (!cell.empty() && (cell.back() == ' ' || cell.back() == '\t' || cell.back() == '\r')) cell.remove_suffix(1);
  if (cell.size() >= 2 && cell.front() == '"' && cell.back() == '"') cell = cell.substr(1, cell.size() - 2);
  return cell;
}

inline std::vector<std::string_view> split_cells(std::string_view line, char delimiter) {
  std::vector<std::string_view> cells;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = line.find(delimiter, start);
    cells.push_back(trim_cell(line.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start)));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return cells;
}

// Whole cell is a number (an optional leading '+' is accepted; "nan"/"inf" parse, and are rejected later).
inline bool parse_number(std::string_view cell, double& value) {
  if (cell.size() > 1 && cell.front() == '+' && cell[1] != '-' && cell[1] != '+') cell.remove_prefix(1);
  if (cell.empty()) return false;
  const auto result = std::from_chars(cell.data(), cell.data() + cell.size(), value);
  if (result.ptr != cell.data() + cell.size()) return false;
  if (result.ec == std::errc::result_out_of_range) {
    value = (cell.front() == '-') ? -HUGE_VAL : HUGE_VAL;  // reported as not finite
    if (cell.find_first_of("eE") == std::string_view::npos) return true;
    // tiny magnitudes underflow to +-0 in every CSV reader; keep that behaviour
    const auto exponent = cell.substr(cell.find_first_of("eE") + 1);
    if (!exponent.empty() && exponent.front() == '-') value = 0.0;
    return true;
  }
  return result.ec == std::errc{};
}

inline bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

inline void require_readable(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw io_error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw io_error(path + ": is a directory, not a data file");
}

}  // namespace detail

// Reads every column of numeric CSV text from `in`; `source` names it in messages. Blank lines are skipped;
// cells may be quoted ("1.5") but not contain the delimiter; a UTF-8 byte order mark at the start and CRLF
// line endings are accepted. Errors name the source, the 1-based line and the 0-based column index.
inline table read_csv(std::istream& in, const std::string& source, const csv_options& options = {}) {
  const std::string& path = source;
  table t;
  t.source = path;
  std::vector<double> values;   // row-major while reading
  std::size_t expected_cells = 0;
  std::size_t width_line = 0;   // line that fixed the column count
  bool first = true;
  std::string line;
  std::size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line_number == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // UTF-8 byte order mark
    if (detail::is_blank(line)) continue;
    const auto cells = detail::split_cells(line, options.delimiter);
    if (first) {
      first = false;
      expected_cells = cells.size();
      if (expected_cells > maximum_columns) {
        throw data_error(path + ": line " + std::to_string(line_number) + " has " + std::to_string(expected_cells) +
                         " cells, more than the " + std::to_string(maximum_columns) + " columns a data table may have");
      }
      width_line = line_number;
      std::size_t numeric = 0;
      double ignored = 0.0;
      for (const auto cell : cells) numeric += detail::parse_number(cell, ignored) ? 1 : 0;
      bool header = options.header == header_row::present;
      if (options.header == header_row::detect) {
        if (numeric != 0 && numeric != cells.size()) {
          throw data_error(path + ": line " + std::to_string(line_number) + " mixes numbers and text, so it is "
                           "unclear whether it is a header; set csv_options.header to header_row::present or absent");
        }
        header = numeric == 0;
      }
      if (header) {
        for (const auto cell : cells) t.columns.emplace_back(cell);
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
          if (t.columns[c].empty()) {
            throw data_error(path + ": line " + std::to_string(line_number) + ", column index " + std::to_string(c) +
                             ": empty column name in the header");
          }
        }
        continue;
      }
      t.columns = detail::default_column_names(cells.size());
    }
    if (cells.size() != expected_cells) {
      throw data_error(path + ": line " + std::to_string(line_number) + " has " + std::to_string(cells.size()) +
                       " cells, expected " + std::to_string(expected_cells) + " (as on line " +
                       std::to_string(width_line) + "); rows must all have the same length");
    }
    for (std::size_t c = 0; c < cells.size(); ++c) {
      double v = 0.0;
      if (!detail::parse_number(cells[c], v)) {
        throw data_error(path + ": line " + std::to_string(line_number) + ", " + detail::column_label(c, t.columns) +
                         ": " + (cells[c].empty() ? std::string("empty cell") : "'" + std::string(cells[c]) + "'") +
                         " is not a number");
      }
      values.push_back(v);
    }
    t.source_lines.push_back(line_number);
  }
  if (in.bad()) throw io_error(path + ": read error");
  if (first) throw data_error(path + ": the file is empty (no header and no data rows)");

  const auto rows = static_cast<Eigen::Index>(t.source_lines.size());
  const auto cols = static_cast<Eigen::Index>(expected_cells);
  t.values.resize(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) t.values(r, c) = values[static_cast<std::size_t>(r * cols + c)];
  }
  return t;
}

// Reads every column of a numeric CSV file (as read_csv(std::istream&, ...), messages name `path`).
inline table read_csv(const std::string& path, const csv_options& options = {}) {
  detail::require_readable(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path + ": cannot be opened for reading");
  return read_csv(in, path, options);
}

// Reads a CSV file and splits it into inputs and target (options.target); checks as select_target.
inline labelled load_csv(const std::string& path, const csv_options& options = {}) {
  return select_target(read_csv(path, options), options.target);
}

// Writes a matrix (rows = points) as CSV, one optional header line, numbers in shortest round-trip form,
// atomically (io/atomic_file.hpp: io_error naming the path if it cannot be written).
template <class Derived>
void save_csv(const std::string& path, const Eigen::MatrixBase<Derived>& values,
              const std::vector<std::string>& header = {}, char delimiter = ',') {
  using scalar = typename Derived::Scalar;
  static_assert(std::is_floating_point_v<scalar>, "swatnn::data::save_csv writes float or double matrices.");
  if (!header.empty() && header.size() != static_cast<std::size_t>(values.cols())) {
    throw shape_error(path + ": " + std::to_string(header.size()) + " header names for " +
                      std::to_string(values.cols()) + " columns");
  }
  std::string text;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (c != 0) text += delimiter;
    text += header[c];
  }
  if (!header.empty()) text += '\n';
  char buffer[64];
  for (Eigen::Index r = 0; r < values.rows(); ++r) {
    for (Eigen::Index c = 0; c < values.cols(); ++c) {
      if (c != 0) text += delimiter;
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<scalar>(values(r, c)));
      text.append(buffer, result.ptr);
    }
    text += '\n';
  }
  io::write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace swatnn::data
