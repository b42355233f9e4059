// tests/cuda/support.cuh: helpers of the CUDA parity tests: random host matrices (Eigen, fixed seeds), copies to and
// from swatnn::cuda storage, and the parity measure: the largest absolute difference divided by the largest
// absolute reference value (normwise relative error in the max norm).
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cuda.hpp>

namespace swatnn::cuda_test {

template <class T>
using host_rows = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Uniform in [lo, hi), from a fixed seed.
template <class T = float>
host_rows<T> random_rows(std::ptrdiff_t rows, std::ptrdiff_t cols, unsigned seed, T lo = T(-1), T hi = T(1)) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(static_cast<double>(lo), static_cast<double>(hi));
  host_rows<T> m(rows, cols);
  for (std::ptrdiff_t i = 0; i < m.size(); ++i) m.data()[i] = static_cast<T>(dist(gen));
  return m;
}

template <class T>
cuda::row_matrix<T> to_device(const host_rows<T>& h) {
  cuda::row_matrix<T> d(h.rows(), h.cols());
  cuda::upload(h.data(), d.data(), static_cast<std::size_t>(h.size()));
  return d;
}

template <class T>
cuda::vector<T> to_device_vector(const Eigen::Matrix<T, Eigen::Dynamic, 1>& h) {
  cuda::vector<T> d(h.size());
  cuda::upload(h.data(), d.data(), static_cast<std::size_t>(h.size()));
  return d;
}

// Any row-major cuda storage (row_matrix, block, const_block) back to the host.
template <class M>
host_rows<typename M::Scalar> to_host(const M& d) {
  host_rows<typename M::Scalar> h(d.rows(), d.cols());
  cuda::download(d.data(), h.data(), static_cast<std::size_t>(h.size()));
  return h;
}

template <class T>
Eigen::Matrix<T, Eigen::Dynamic, 1> to_host(const cuda::vector<T>& d) {
  Eigen::Matrix<T, Eigen::Dynamic, 1> h(d.size());
  cuda::download(d.data(), h.data(), static_cast<std::size_t>(h.size()));
  return h;
}

// max |a - b| / max |b|; shapes must agree and the reference must not be all zeros.
template <class A, class B>
double relative_error(const A& a, const B& b) {
  REQUIRE(a.rows() == b.rows());
  REQUIRE(a.cols() == b.cols());
  double diff = 0, scale = 0;
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
      const double x = static_cast<double>(a(r, c)), y = static_cast<double>(b(r, c));
      if (!std::isfinite(x) || !std::isfinite(y)) return HUGE_VAL;
      diff = std::max(diff, std::abs(x - y));
      scale = std::max(scale, std::abs(y));
    }
  REQUIRE_MESSAGE(scale > 0, "the reference is all zeros: the comparison would test nothing");
  return diff / scale;
}

inline constexpr double fp32_parity = 1e-5;  // the issue's bound for exact fp32

}  // namespace swatnn::cuda_test
