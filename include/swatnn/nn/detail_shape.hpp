// swatnn/nn/detail_shape.hpp: shape checks shared by the layers; each failure throws swatnn::shape_error
// with the layer kind, its name, what was given and what was expected.
#pragma once

#include <swatnn/error.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace swatnn::nn::detail {

inline std::string shape_string(std::ptrdiff_t rows, std::ptrdiff_t cols) {
  return std::to_string(rows) + "x" + std::to_string(cols);
}

// Throws unless m has `cols` columns and at least one row.
template <class M>
void require_columns(const M& m, std::ptrdiff_t cols, std::string_view kind, std::string_view name,
                     std::string_view what) {
  if (m.cols() != cols || m.rows() == 0) {
    throw shape_error("swatnn::nn::" + std::string(kind) + " '" + std::string(name) + "': " + std::string(what) +
                      " has shape " + shape_string(m.rows(), m.cols()) + ", expected (rows >= 1)x" +
                      std::to_string(cols));
  }
}

// Throws unless m is exactly rows x cols (used for the upstream gradient of backward).
template <class M>
void require_shape(const M& m, std::ptrdiff_t rows, std::ptrdiff_t cols, std::string_view kind, std::string_view name,
                   std::string_view what) {
  if (rows == 0 || m.rows() != rows || m.cols() != cols) {
    throw shape_error("swatnn::nn::" + std::string(kind) + " '" + std::string(name) + "': " + std::string(what) +
                      " has shape " + shape_string(m.rows(), m.cols()) + ", expected " + shape_string(rows, cols) +
                      (rows == 0 ? " (no forward pass yet: call forward before backward)"
                                 : " (the shape of the last forward output)"));
  }
}

// Throws unless the row count is a whole number of networks of `tokens` tokens.
template <class M>
void require_token_rows(const M& m, std::ptrdiff_t tokens, std::string_view kind, std::string_view name) {
  if (m.rows() == 0 || m.rows() % tokens != 0) {
    throw shape_error("swatnn::nn::" + std::string(kind) + " '" + std::string(name) + "': input has " +
                      std::to_string(m.rows()) + " rows, expected a positive multiple of tokens = " +
                      std::to_string(tokens) + " (rows = networks x tokens)");
  }
}

}  // namespace swatnn::nn::detail
