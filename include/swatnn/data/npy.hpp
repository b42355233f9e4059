// swatnn/data/npy.hpp: read a 2-D float32/float64 .npy file (C or Fortran order, either byte order) into a
// table / labelled rows, and write matrices (e.g. predictions) as .npy (float32/64, C order). The header is
// parsed and checked by npy_header.hpp before any allocation sized by the file's contents.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/messages.hpp>
#include <swatnn/data/npy_header.hpp>
#include <swatnn/data/table.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>

namespace swatnn::data {

struct npy_options {
  column_ref target = column_ref::last();   // 0-based index (negative counts from the end) or a name below
  std::vector<std::string> column_names = {};  // optional names for the columns (an .npy file has none)
};

namespace detail {

// The value at (row, column) of a 2-D npy buffer of element type T, in C or Fortran order.
template <class T>
double npy_element(const char* bytes, std::size_t rows, std::size_t cols, bool fortran, bool swap, std::size_t r,
                   std::size_t c) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const std::size_t offset = fortran ? c * rows + r : r * cols + c;
  U bits;
  std::memcpy(&bits, bytes + offset * sizeof(T), sizeof(T));
  if (swap) {
    if constexpr (sizeof(T) == 4) bits = __builtin_bswap32(bits);
    else bits = __builtin_bswap64(bits);
  }
  return static_cast<double>(std::bit_cast<T>(bits));
}

}  // namespace detail

// Parses the bytes of a whole .npy file (a 2-D float32 or float64 array); `source` names it in messages.
// data_error for anything malformed (header, dtype, rank, size), shape_error when column_names do not match.
inline table parse_npy(std::string_view bytes, const std::string& source,
                       const std::vector<std::string>& column_names = {}) {
  if (bytes.empty()) throw data_error(source + ": the file is empty");
  const npy_header h = parse_npy_header(bytes, bytes.size(), source);
  if (h.shape.size() != 2) {
    throw data_error(source + ": array of shape " + detail::npy::shape_text(h.shape) +
                     "; expected a 2-D array (rows, columns)");
  }
  const std::uint64_t rows64 = h.shape[0], cols64 = h.shape[1];
  if (rows64 == 0 || cols64 == 0) {
    throw data_error(source + ": array of shape " + detail::npy::shape_text(h.shape) +
                     " holds no values; expected at least one row and one column");
  }
  if (cols64 > maximum_columns) {
    throw data_error(source + ": array of shape " + detail::npy::shape_text(h.shape) + " has " +
                     std::to_string(cols64) + " columns, more than the " + std::to_string(maximum_columns) +
                     " a data table may have");
  }
  // rows x cols x element size == data bytes <= file size (checked by parse_npy_header), so both fit
  const auto rows = static_cast<std::size_t>(rows64), cols = static_cast<std::size_t>(cols64);
  if (!column_names.empty() && column_names.size() != cols) {
    throw shape_error(source + ": " + std::to_string(column_names.size()) + " column names given for " +
                      std::to_string(cols) + " columns");
  }

  table t;
  t.source = source;
  t.columns = column_names.empty() ? detail::default_column_names(cols) : column_names;
  t.values.resize(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  const char* data = bytes.data() + h.data_offset;
  const bool is_double = h.element_size == 8;
  for (std::size_t c = 0; c < cols; ++c) {
    for (std::size_t r = 0; r < rows; ++r) {
      t.values(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          is_double ? detail::npy_element<double>(data, rows, cols, h.fortran_order, h.big_endian, r, c)
                    : detail::npy_element<float>(data, rows, cols, h.fortran_order, h.big_endian, r, c);
    }
  }
  return t;
}

// Reads every column of a 2-D .npy array (float32 or float64, either byte order, C or Fortran order).
inline table read_npy(const std::string& path, const std::vector<std::string>& column_names = {}) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw io_error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec)) throw io_error(path + ": is a directory, not a data file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw io_error(path + ": cannot be opened for reading");
  std::string bytes;
  const bool regular = std::filesystem::is_regular_file(path, ec);
  if (regular) {
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) throw io_error(path + ": cannot determine the file's size: " + ec.message());
    bytes.resize(static_cast<std::size_t>(size));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
  } else {  // a pipe or device: read to the end
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (in.bad()) throw io_error(path + ": read error");
  return parse_npy(bytes, path, column_names);
}

// Reads a .npy file and splits it into inputs and target (options.target); checks as select_target.
inline labelled load_npy(const std::string& path, const npy_options& options = {}) {
  return select_target(read_npy(path, options.column_names), options.target);
}

// Writes a matrix (rows = points) as a 2-D .npy array of its scalar type (float32 or float64, this machine's
// byte order), C order, atomically (io/atomic_file.hpp: io_error naming the path if it cannot be written).
template <class Derived>
void save_npy(const std::string& path, const Eigen::MatrixBase<Derived>& values) {
  using scalar = typename Derived::Scalar;
  static_assert(std::is_same_v<scalar, float> || std::is_same_v<scalar, double>,
                "swatnn::data::save_npy writes float or double matrices.");
  const char order = std::endian::native == std::endian::little ? '<' : '>';
  std::string bytes = npy_header_bytes(std::string(1, order) + (sizeof(scalar) == 4 ? "f4" : "f8"),
                                       static_cast<std::uint64_t>(values.rows()),
                                       static_cast<std::uint64_t>(values.cols()));
  const std::size_t offset = bytes.size();
  bytes.resize(offset + static_cast<std::size_t>(values.size()) * sizeof(scalar));
  char* out = bytes.data() + offset;
  for (Eigen::Index r = 0; r < values.rows(); ++r) {
    for (Eigen::Index c = 0; c < values.cols(); ++c) {
      const scalar v = values(r, c);
      std::memcpy(out, &v, sizeof v);
      out += sizeof v;
    }
  }
  io::write_file_atomically(path, std::as_bytes(std::span<const char>(bytes.data(), bytes.size())));
}

}  // namespace swatnn::data
