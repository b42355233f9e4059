// swatnn/backend/cpu.hpp: the CPU backend policy: Eigen storage in host memory and the operations of the Backend
// contract (backend/backend.hpp) on it, with OpenMP across networks and scale levels. Layers, the autoencoder and
// the latent search reach compute only through these static functions; their kernels live in backend/cpu/.
// The evaluators of decoded networks (soft_eval, soft_mse, search_gates) are declared here and defined in
// backend/cpu/soft_eval.hpp, soft_mse.hpp and search_gates.hpp (network/soft_eval.hpp etc. include them).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <utility>

#include <Eigen/Core>

#include <swatnn/backend/cpu/flush_denormals.hpp>
#include <swatnn/backend/cpu/matmul.hpp>
#include <swatnn/backend/cpu/parallel_levels.hpp>
#include <swatnn/backend/cpu/transformer_ops.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S, class T>
class cpu_soft_eval;
template <network_spec_type S, class T>
class cpu_soft_mse;
template <network_spec_type S, class T>
class cpu_search_gates;

struct cpu {
  static constexpr const char* name = "cpu";
  static constexpr bool host_accessible = true;  // data() is host memory

  // ---- storage --------------------------------------------------------------------------------------------------
  // Column-major dense matrix (Eigen's default): rows are points, columns are features or networks' outputs.
  template <class T>
  using matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
  // Row-major dense matrix: token matrices (one row per token, contiguous features).
  template <class T>
  using row_matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  template <class T>
  using vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  // Views of rows x cols contiguous row-major elements (a parameter block of the flat buffer).
  template <class T>
  using block = Eigen::Map<row_matrix<T>>;
  template <class T>
  using const_block = Eigen::Map<const row_matrix<T>>;

  template <class T>
  static block<T> make_block(T* data, std::ptrdiff_t rows, std::ptrdiff_t cols) {
    return block<T>(data, rows, cols);
  }
  template <class T>
  static const_block<T> make_const_block(const T* data, std::ptrdiff_t rows, std::ptrdiff_t cols) {
    return const_block<T>(data, rows, cols);
  }

  // ---- memory ---------------------------------------------------------------------------------------------------
  // Grows v to n elements, keeping the first ones; the new ones are 0.
  template <class T>
  static void grow(vector<T>& v, std::size_t n) {
    const auto old = v.size();
    v.conservativeResize(static_cast<Eigen::Index>(n));
    if (v.size() > old) v.tail(v.size() - old).setZero();
  }
  template <class T>
  static void upload(const T* host, T* dst, std::size_t n) {
    if (n > 0) std::memcpy(dst, host, n * sizeof(T));
  }
  template <class T>
  static void download(const T* src, T* host, std::size_t n) {
    if (n > 0) std::memcpy(host, src, n * sizeof(T));
  }

  // ---- products ---------------------------------------------------------------------------------------------------
  // c (=|+=) op(a) op(b); allocation-free (backend/cpu/matmul.hpp). c must not alias a or b.
  template <class C, class A, class B>
  static void gemm(C&& c, const A& a, bool transpose_a, const B& b, bool transpose_b, bool accumulate) {
    if (!transpose_a && !transpose_b)
      backend_cpu::matmul(c, a, b, accumulate);
    else if (transpose_a && !transpose_b)
      backend_cpu::matmul(c, a.transpose(), b, accumulate);
    else if (!transpose_a)
      backend_cpu::matmul(c, a, b.transpose(), accumulate);
    else
      backend_cpu::matmul(c, a.transpose(), b.transpose(), accumulate);
  }

  // ---- element-wise -----------------------------------------------------------------------------------------------
  template <class M, class V>
  static void add_row_vector(M&& m, const V& v) {
    m.rowwise() += v.row(0);
  }
  template <class V, class M>
  static void accumulate_column_sums(V&& v, const M& m) {
    for (Eigen::Index r = 0; r < m.rows(); ++r) v.row(0) += m.row(r);
  }
  template <class Z, class X, class Y>
  static void add(Z&& z, const X& x, const Y& y) {
    z = x + y;
  }
  template <class Z, class X, class P>
  static void add_periodic_rows(Z&& z, const X& x, const P& p) {
    const Eigen::Index t = p.rows();
    for (Eigen::Index r0 = 0; r0 < x.rows(); r0 += t) z.middleRows(r0, t) = x.middleRows(r0, t) + p;
  }
  template <class P, class D>
  static void accumulate_periodic_rows(P&& p, const D& d) {
    const Eigen::Index t = p.rows();
    for (Eigen::Index r0 = 0; r0 < d.rows(); r0 += t) p += d.middleRows(r0, t);
  }
  template <class Y, class X>
  static void copy(Y&& y, const X& x) {
    y = x;
  }
  template <class Y, class X>
  static void transpose(Y&& y, const X& x) {
    y = x.transpose();
  }
  template <class M>
  static void set_zero(M&& m) {
    m.setZero();
  }

  // ---- transformer ------------------------------------------------------------------------------------------------
  template <class... A>
  static void layer_norm_forward(A&&... a) {
    backend_cpu::layer_norm_forward(std::forward<A>(a)...);
  }
  template <class... A>
  static void layer_norm_backward(A&&... a) {
    backend_cpu::layer_norm_backward(std::forward<A>(a)...);
  }
  template <class... A>
  static void gelu_forward(A&&... a) {
    backend_cpu::gelu_forward(std::forward<A>(a)...);
  }
  template <class... A>
  static void gelu_backward(A&&... a) {
    backend_cpu::gelu_backward(std::forward<A>(a)...);
  }
  template <class M>
  static void attention_forward(const M& qkv, std::ptrdiff_t heads, std::ptrdiff_t tokens, M& probs, M& heads_out) {
    backend_cpu::attention_forward(qkv, heads, tokens, probs, heads_out);
  }
  template <class M>
  static void attention_backward(const M& qkv, const M& probs, const M& d_heads, std::ptrdiff_t heads,
                                 std::ptrdiff_t tokens, M& dprobs, M& dqkv) {
    backend_cpu::attention_backward(qkv, probs, d_heads, heads, tokens, dprobs, dqkv);
  }

  // ---- scale levels -----------------------------------------------------------------------------------------------
  // task(i) for every level, in parallel across OpenMP threads (backend/cpu/parallel_levels.hpp). With
  // flush_subnormals, each task runs with subnormal floats flushed to zero on its thread (flush_denormals.hpp).
  template <int Levels, class Task>
  static void for_each_level(Task&& task, bool flush_subnormals = false) {
    detail::for_each_level_in_parallel<Levels>([&](int i) {
      if (flush_subnormals) {
        const flush_denormals flush;
        task(i);
      } else {
        task(i);
      }
    });
  }

  // ---- evaluators of decoded networks -----------------------------------------------------------------------------
  template <network_spec_type S, class T>
  using soft_eval = cpu_soft_eval<S, T>;
  template <network_spec_type S, class T>
  using soft_mse = cpu_soft_mse<S, T>;
  template <network_spec_type S, class T>
  using search_gates = cpu_search_gates<S, T>;
};

}  // namespace swatnn
