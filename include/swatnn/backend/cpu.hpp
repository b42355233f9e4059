// swatnn/backend/cpu.hpp: the CPU backend policy (Eigen). A backend is a type passed as a template argument;
// it names its storage types, so compute paths written against `Backend::template matrix<T>` can be
// specialised for other backends (swatnn::cuda) without touching callers.
#pragma once

#include <Eigen/Core>

namespace swatnn {

struct cpu {
  static constexpr const char* name = "cpu";

  // Column-major dense matrix (Eigen's default): rows are points or tokens, columns are features.
  template <class T>
  using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  // Row-major dense matrix: used for token matrices (one row per token, contiguous features).
  template <class T>
  using row_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  template <class T>
  using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
};

}  // namespace swatnn
