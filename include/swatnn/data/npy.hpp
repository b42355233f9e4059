// swatnn/data/npy.hpp: read a 2-D float32/float64 .npy file (C or Fortran order) into a table / labelled
// rows through xtensor's npy reader, and write matrices (e.g. predictions) as .npy (float32/64, C order).
#pragma once

#include <cstddef>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include <Eigen/Core>
// xnpy pulls in <regex>; GCC 12 with -fsanitize reports a false -Wmaybe-uninitialized inside libstdc++'s
// regex automaton (a known GCC 12 false positive), which would break -Werror sanitizer builds.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <xtensor/xnpy.hpp>
#include <xtensor/xtensor.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/messages.hpp>
#include <swatnn/data/table.hpp>
#include <swatnn/error.hpp>

namespace swatnn::data {

struct npy_options {
  column_ref target = column_ref::last();   // 0-based index (negative counts from the end) or a name below
  std::vector<std::string> column_names = {};  // optional names for the columns (an .npy file has none)
};

namespace detail {

// The value at (row, column) of a 2-D npy buffer of element type T, in C or Fortran order.
template <class T>
double npy_element(const char* bytes, std::size_t rows, std::size_t cols, bool fortran, std::size_t r, std::size_t c) {
  const std::size_t offset = fortran ? c * rows + r : r * cols + c;
  T value;
  std::memcpy(&value, bytes + offset * sizeof(T), sizeof(T));
  return static_cast<double>(value);
}

}  // namespace detail

// Reads every column of a 2-D .npy array (float32 or float64 in the machine's byte order, C or Fortran
// order). xtensor parses the header; its std::runtime_error becomes our data_error with the file name.
inline table read_npy(const std::string& path, const std::vector<std::string>& column_names = {}) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw io_error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw io_error(path + ": is a directory, not a data file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path + ": cannot be opened for reading");
  if (in.peek() == std::ifstream::traits_type::eof()) throw data_error(path + ": the file is empty");

  auto file = [&] {
    try {
      return xt::detail::load_npy_file(in);
    } catch (const std::bad_alloc&) {
      throw data_error(path + ": not a valid .npy file (the header announces more data than fits in memory)");
    } catch (const std::exception& e) {
      throw data_error(path + ": not a valid .npy file (" + e.what() + ")");
    }
  }();
  if (!in) {
    throw data_error(path + ": truncated .npy file: the header announces " + std::to_string(file.n_bytes()) +
                     " data bytes, fewer are present");
  }
  if (file.m_shape.size() != 2) {
    std::string shape;
    for (std::size_t i = 0; i < file.m_shape.size(); ++i) shape += (i ? ", " : "") + std::to_string(file.m_shape[i]);
    throw data_error(path + ": array of shape (" + shape + "); expected a 2-D array (rows, columns)");
  }
  const std::string float32 = xt::detail::build_typestring<float>();
  const std::string float64 = xt::detail::build_typestring<double>();
  if (file.m_typestring != float32 && file.m_typestring != float64) {
    throw data_error(path + ": dtype '" + file.m_typestring + "' is not supported; expected float32 ('" + float32 +
                     "') or float64 ('" + float64 + "') in this machine's byte order");
  }
  const std::size_t rows = file.m_shape[0], cols = file.m_shape[1];
  const bool is_double = file.m_typestring == float64;
  if (!column_names.empty() && column_names.size() != cols) {
    throw shape_error(path + ": " + std::to_string(column_names.size()) + " column names given for " +
                      std::to_string(cols) + " columns");
  }

  table t;
  t.source = path;
  t.columns = column_names.empty() ? detail::default_column_names(cols) : column_names;
  t.values.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  const char* bytes = file.ptr();
  for (std::size_t c = 0; c < cols; ++c) {
    for (std::size_t r = 0; r < rows; ++r) {
      t.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          is_double ? detail::npy_element<double>(bytes, rows, cols, file.m_fortran_order, r, c)
                    : detail::npy_element<float>(bytes, rows, cols, file.m_fortran_order, r, c);
    }
  }
  return t;
}

// Reads a .npy file and splits it into inputs and target (options.target); checks as select_target.
inline labelled load_npy(const std::string& path, const npy_options& options = {}) {
  return select_target(read_npy(path, options.column_names), options.target);
}

// Writes a matrix (rows = points) as a 2-D .npy array of its scalar type (float32 or float64), C order.
template <class Derived>
void save_npy(const std::string& path, const Eigen::MatrixBase<Derived>& values) {
  using scalar = typename Derived::Scalar;
  static_assert(std::is_same_v<scalar, float> || std::is_same_v<scalar, double>,
                "swatnn::data::save_npy writes float or double matrices.");
  xt::xtensor<scalar, 2> array(
      {static_cast<std::size_t>(values.rows()), static_cast<std::size_t>(values.cols())});
  for (Eigen::Index r = 0; r < values.rows(); ++r) {
    for (Eigen::Index c = 0; c < values.cols(); ++c) {
      array(static_cast<std::size_t>(r), static_cast<std::size_t>(c)) = values(r, c);
    }
  }
  const std::string bytes = xt::dump_npy(array);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw io_error(path + ": cannot be opened for writing");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw io_error(path + ": write failed");
}

}  // namespace swatnn::data
