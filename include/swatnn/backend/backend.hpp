// swatnn/backend/backend.hpp: the Backend contract. A backend is a policy type (swatnn::cpu, swatnn::cuda, or a
// user's) that owns where data lives and every operation the hot paths run on it: layers, the autoencoder and
// the latent search call `Backend::op(...)` and nothing else (dlib's tt:: layer: one call site, one implementation
// per backend). check_backend<B>() states in our own words which part of the contract a type misses; the
// compute classes static_assert it, so a backend that lacks an operation fails to compile with a sentence that
// names the operation. docs/backends.md walks through writing a third backend; tests/laws/backends.cpp runs the
// law suite on one.
//
// Storage (all row-major unless said; every owning type has rows(), cols(), data(), resize(rows, cols)):
//   row_matrix<T>   owning, row-major: token matrices (networks x tokens rows, features columns)
//   matrix<T>       owning, column-major: points x columns (soft evaluation outputs, targets)
//   vector<T>       owning, contiguous: flat parameter and gradient buffers (size(), data(), resize(n))
//   block<T>        non-owning row-major view of rows x cols contiguous elements: make_block(T*, rows, cols)
//   const_block<T>  the same, read-only: make_const_block(const T*, rows, cols)
// Memory: host_accessible (data() may be read by host code), grow(vector, n) keeps the first elements,
// upload(const T* host, T* dst, n) / download(const T* src, T* host, n) cross the API boundary.
// Operations (X, Y, ... are row_matrix / block / const_block of T; "+=" accumulates, "=" overwrites; the caller
// sizes every output before the call; none may allocate after the first call for a shape):
//   gemm(C, A, ta, B, tb, accumulate)       C (=|+=) op(A) op(B), op = transpose when ta / tb
//   add_row_vector(M, v)                    M.row(r) += v (1 x cols) for every r
//   accumulate_column_sums(v, M)            v (1 x cols) += sum over the rows of M
//   add(Z, X, Y)                            Z = X + Y
//   add_periodic_rows(Z, X, P)              Z.row(r) = X.row(r) + P.row(r % P.rows())
//   accumulate_periodic_rows(P, D)          P.row(i) += sum over b of D.row(b P.rows() + i)
//   copy(Y, X), transpose(Y, X), set_zero(M) (M also a vector: the parameter buffer zeroes its gradients)
//   layer_norm_forward(X, gamma, beta, eps, Xhat, rstd, Y)   per row: Xhat = (x - mean) rstd, Y = Xhat gamma + beta
//   layer_norm_backward(DY, Xhat, rstd, gamma, dgamma, dbeta, accumulate_parameters, DX)
//   gelu_forward(X, Tanh, Y), gelu_backward(X, Tanh, DY, DX)    tanh approximation (nn/gelu.hpp)
//   attention_forward(QKV, heads, tokens, P, O), attention_backward(QKV, P, DO, heads, tokens, DS, DQKV)
//   for_each_level<Levels>(task)            task(i) for every scale level i (in parallel where the backend can)
//   soft_eval<S, T>, soft_mse<S, T>         the evaluators of decoded networks (network/soft_eval.hpp, soft_mse.hpp)
//   search_gates<S, T>                      the latent search's gates forward and backward (search/search_gates.hpp)
//   (tensors in the backend's storage; the per-network scalars: soft_mse's MSEs, search_gates' thresholds and their
//   gradients, in host memory. cpu and cuda both provide all three.)
#pragma once

#include <concepts>
#include <cstddef>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

namespace detail::backend_contract {

using index = std::ptrdiff_t;

template <class B, class T>
concept has_storage = requires {
  typename B::template row_matrix<T>;
  typename B::template matrix<T>;
  typename B::template vector<T>;
  typename B::template block<T>;
  typename B::template const_block<T>;
};

template <class B, class T>
concept has_memory = requires(typename B::template vector<T>& v, T* p, const T* cp, std::size_t n, index r) {
  { B::host_accessible } -> std::convertible_to<bool>;
  { B::template make_block<T>(p, r, r) } -> std::same_as<typename B::template block<T>>;
  { B::template make_const_block<T>(cp, r, r) } -> std::same_as<typename B::template const_block<T>>;
  B::grow(v, n);
  B::upload(cp, p, n);
  B::download(cp, p, n);
};

template <class B, class T>
concept has_products = requires(typename B::template row_matrix<T>& m, const typename B::template row_matrix<T>& a,
                                typename B::template block<T> blk, typename B::template const_block<T> cblk) {
  B::gemm(m, a, false, cblk, false, false);
  B::gemm(blk, a, true, a, false, true);
  B::gemm(m, a, false, cblk, true, false);
  B::gemm(m, a, false, a, false, false);
};

template <class B, class T>
concept has_elementwise = requires(typename B::template row_matrix<T>& m, const typename B::template row_matrix<T>& a,
                                   typename B::template block<T> blk, typename B::template const_block<T> cblk,
                                   typename B::template vector<T>& v) {
  B::add_row_vector(m, cblk);
  B::accumulate_column_sums(blk, a);
  B::add(m, a, a);
  B::add_periodic_rows(m, a, cblk);
  B::accumulate_periodic_rows(blk, a);
  B::copy(m, a);
  B::transpose(m, cblk);
  B::set_zero(m);
  B::set_zero(v);
};

template <class B, class T>
concept has_transformer_ops =
    requires(typename B::template row_matrix<T>& m, const typename B::template row_matrix<T>& a,
             typename B::template vector<T>& v, const typename B::template vector<T>& cv,
             typename B::template block<T> blk, typename B::template const_block<T> cblk, T eps, index n, bool flag) {
      B::layer_norm_forward(a, cblk, cblk, eps, m, v, m);
      B::layer_norm_backward(a, a, cv, cblk, blk, blk, flag, m);
      B::gelu_forward(a, m, m);
      B::gelu_backward(a, a, a, m);
      B::attention_forward(a, n, n, m, m);
      B::attention_backward(a, a, a, n, n, m, m);
    };

template <class B>
concept has_level_loop = requires(void (*task)(int)) { B::template for_each_level<4>(task); };

template <class B, class T>
concept has_evaluators = requires {
  typename B::template soft_eval<paper_spec, T>;
  typename B::template soft_mse<paper_spec, T>;
  typename B::template search_gates<paper_spec, T>;
};

}  // namespace detail::backend_contract

// A Backend for scalar type T: a name, storage, memory transfers and every operation listed above.
template <class B, class T = float>
concept backend_policy = requires {
  { B::name } -> std::convertible_to<const char*>;
} && detail::backend_contract::has_storage<B, T> && detail::backend_contract::has_memory<B, T> &&
    detail::backend_contract::has_products<B, T> && detail::backend_contract::has_elementwise<B, T> &&
    detail::backend_contract::has_transformer_ops<B, T> && detail::backend_contract::has_level_loop<B> &&
    detail::backend_contract::has_evaluators<B, T>;

// What the layers need of a backend (the contract without the level loop and the evaluators).
template <class B, class T = float>
concept layer_backend_policy = requires {
  { B::name } -> std::convertible_to<const char*>;
} && detail::backend_contract::has_storage<B, T> && detail::backend_contract::has_memory<B, T> &&
    detail::backend_contract::has_products<B, T> && detail::backend_contract::has_elementwise<B, T> &&
    detail::backend_contract::has_transformer_ops<B, T>;

// static_assert(check_layer_backend<B, T>()) in a layer: what the layers need (storage, memory, products,
// element-wise and transformer operations); each missing part fails with a sentence.
template <class B, class T = float>
constexpr bool check_layer_backend() {
  namespace c = detail::backend_contract;
  static_assert(requires { { B::name } -> std::convertible_to<const char*>; },
                "swatnn: a Backend must declare `static constexpr const char* name` (e.g. \"cpu\")");
  static_assert(c::has_storage<B, T>,
                "swatnn: a Backend must name its storage: `template <class T> using row_matrix / matrix / vector / "
                "block / const_block = ...;` (see docs/backends.md)");
  if constexpr (c::has_storage<B, T>) {
    static_assert(c::has_memory<B, T>,
                  "swatnn: a Backend must provide its memory operations: `static constexpr bool host_accessible`, "
                  "make_block / make_const_block (a view of rows x cols elements), grow(vector, n), upload(host, "
                  "dst, n) and download(src, host, n)");
    static_assert(c::has_products<B, T>,
                  "swatnn: a Backend must provide `gemm(C, A, transpose_a, B, transpose_b, accumulate)` for its "
                  "row_matrix, block and const_block types");
    static_assert(c::has_elementwise<B, T>,
                  "swatnn: a Backend must provide the element-wise operations add_row_vector, "
                  "accumulate_column_sums, add, add_periodic_rows, accumulate_periodic_rows, copy, transpose and "
                  "set_zero");
    static_assert(c::has_transformer_ops<B, T>,
                  "swatnn: a Backend must provide the transformer operations layer_norm_forward, "
                  "layer_norm_backward, gelu_forward, gelu_backward, attention_forward and attention_backward");
  }
  return layer_backend_policy<B, T>;
}

// static_assert(check_backend<B, T>()) in the autoencoder and the search: the layers' part plus the scale-level
// loop and the evaluators of decoded networks.
template <class B, class T = float>
constexpr bool check_backend() {
  namespace c = detail::backend_contract;
  constexpr bool layers = check_layer_backend<B, T>();
  static_assert(c::has_level_loop<B>,
                "swatnn: a Backend must provide `template <int Levels, class Task> static void "
                "for_each_level(Task&&)`, which runs task(i) for every scale level i");
  static_assert(c::has_evaluators<B, T>,
                "swatnn: a Backend must name its evaluators of decoded networks: `template <network_spec_type S, "
                "class T> using soft_eval = ...; soft_mse = ...; search_gates = ...;`");
  return layers && backend_policy<B, T>;
}

static_assert(backend_policy<cpu> && backend_policy<cpu, double>);

}  // namespace swatnn
