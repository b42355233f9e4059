// tests/laws/partial_backend.hpp: a backend under construction for the contract's negative tests: swatnn::cpu's
// storage, memory, products, element-wise operations, level loop and evaluators, but no transformer operations
// (layer norm, GELU, attention). The contract check must name exactly what is missing
// (tests/laws/compile_fail/backend_missing_operation.cpp).
#pragma once

#include <swatnn/backend/cpu.hpp>

namespace swatnn::test {

struct no_transformer_ops : private cpu {
  static constexpr const char* name = "partial";
  using cpu::host_accessible;
  using cpu::row_matrix;
  using cpu::matrix;
  using cpu::vector;
  using cpu::block;
  using cpu::const_block;
  using cpu::make_block;
  using cpu::make_const_block;
  using cpu::grow;
  using cpu::upload;
  using cpu::download;
  using cpu::gemm;
  using cpu::add_row_vector;
  using cpu::accumulate_column_sums;
  using cpu::add;
  using cpu::add_periodic_rows;
  using cpu::accumulate_periodic_rows;
  using cpu::copy;
  using cpu::transpose;
  using cpu::set_zero;
  using cpu::for_each_level;
  using cpu::soft_eval;
  using cpu::soft_mse;
  using cpu::search_gates;
};

}  // namespace swatnn::test
