// swatnn/nn/attention.hpp: multi-head bidirectional (unmasked) self-attention within each network
// (Vaswani et al., "Attention Is All You Need", 2017, eqs. 1-2):
//   [Q K V] = x Wqkv + bqkv            one GEMM over all rows (networks x tokens), Wqkv is d x 3d
//   O_h = softmax(Q_h K_h^T / sqrt(d/h)) V_h   per network and head (tokens x tokens, small)
//   y = [O_1 ... O_h] Wo + bo          one GEMM over all rows
// Rows are token-major per network: network b is rows b*tokens .. b*tokens + tokens - 1; tokens attend only
// to tokens of their own network. The per-(network, head) products are tiny (7x7 at swat-small), so they
// are written as dot products and axpys over contiguous head rows (head width a compile-time constant for
// 8/16/32/64) and run in parallel over networks with OpenMP.
// Backward per (network, head), P = softmax scores:
//   dV = P^T dO,  dP = dO V^T,  dS = P * (dP - rowsum(dP * P)) / sqrt(d/h),  dQ = dS K,  dK = dS^T Q.
#pragma once

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/detail_shape.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <cmath>
#include <algorithm>
#include <cstddef>
#include <limits>
#include <string>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace swatnn::nn {

struct attention_options {
  std::size_t d_model = 0;
  std::size_t heads = 1;    // any divisor of d_model
  std::size_t tokens = 0;   // tokens per network
  std::string name = "attention";  // blocks "<name>.qkv.weight/.bias", "<name>.out.weight/.bias"
  group_id group = 0;
};

template <class T = float, class Backend = cpu>
class attention {
 public:
  using scalar_type = T;
  using backend_type = Backend;
  using matrix_type = typename Backend::template row_matrix<T>;
  using buffer_type = parameter_buffer<T, Backend>;

  attention(buffer_type& params, attention_options options)
      : options_(validated(std::move(options))),
        qkv_(params, {.in_features = options_.d_model,
                      .out_features = 3 * options_.d_model,
                      .name = options_.name + ".qkv",
                      .group = options_.group}),
        out_(params, {.in_features = options_.d_model,
                      .out_features = options_.d_model,
                      .name = options_.name + ".out",
                      .group = options_.group}) {}

  const matrix_type& forward(const matrix_type& x) {
    detail::require_columns(x, d(), "attention", options_.name, "input");
    detail::require_token_rows(x, tok(), "attention", options_.name);
    const matrix_type& qkv = qkv_.forward(x);
    const Eigen::Index n = x.rows(), batch = n / tok();
    probs_.resize(n, heads() * tok());
    heads_out_.resize(n, d());
    with_head_dim([&]<int Dh>() {
      auto one_network = [&](Eigen::Index b) { forward_network<Dh>(qkv, b); };
      for_each_network(batch, one_network);
    });
    return out_.forward(heads_out_);
  }

  const matrix_type& backward(const matrix_type& dy) {
    const matrix_type& d_heads = out_.backward(dy);  // checks dy's shape
    const matrix_type& qkv = qkv_.last_output();
    const Eigen::Index n = d_heads.rows(), batch = n / tok();
    dprobs_.resize(n, heads() * tok());
    dqkv_.resize(n, 3 * d());
    with_head_dim([&]<int Dh>() {
      auto one_network = [&](Eigen::Index b) { backward_network<Dh>(qkv, d_heads, b); };
      for_each_network(batch, one_network);
    });
    return qkv_.backward(dqkv_);
  }

  std::size_t input_features() const { return options_.d_model; }
  std::size_t output_features() const { return options_.d_model; }
  std::size_t heads_count() const { return options_.heads; }
  std::size_t tokens() const { return options_.tokens; }
  const std::string& name() const { return options_.name; }
  const linear<T, Backend>& qkv_projection() const { return qkv_; }
  const linear<T, Backend>& output_projection() const { return out_; }
  // Attention probabilities of the last forward: rows of network b, columns h*tokens .. h*tokens+tokens-1.
  const matrix_type& probabilities() const { return probs_; }

 private:
  static attention_options validated(attention_options o) {
    if (o.d_model == 0 || o.heads == 0 || o.tokens == 0 || o.d_model % o.heads != 0) {
      throw value_error("swatnn::nn::attention '" + o.name + "': need d_model >= 1, tokens >= 1 and heads >= 1 "
                        "dividing d_model (got d_model " + std::to_string(o.d_model) + ", heads " +
                        std::to_string(o.heads) + ", tokens " + std::to_string(o.tokens) + ")");
    }
    return o;
  }

  // Runs f.template operator()<Dh>() with the head width as a compile-time constant for common widths
  // (fixed-size row vectors are unrolled and vectorized by Eigen), Eigen::Dynamic otherwise.
  template <class F>
  void with_head_dim(F&& f) const {
    switch (head_dim()) {
      case 8: f.template operator()<8>(); return;
      case 16: f.template operator()<16>(); return;
      case 32: f.template operator()<32>(); return;
      case 64: f.template operator()<64>(); return;
      default: f.template operator()<Eigen::Dynamic>(); return;
    }
  }
  template <int Dh>
  using row_map = Eigen::Map<Eigen::Matrix<T, 1, Dh>>;
  template <int Dh>
  using const_row_map = Eigen::Map<const Eigen::Matrix<T, 1, Dh>>;

  // Scores, softmax and probabilities x values for every head of network b.
  template <int Dh>
  void forward_network(const matrix_type& qkv, Eigen::Index b) {
    const Eigen::Index t = tok(), dh = head_dim(), dm = d(), r0 = b * t;
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
    auto row = [&](const matrix_type& m, Eigen::Index r, Eigen::Index c) {
      return const_row_map<Dh>(m.data() + r * m.cols() + c, dh);
    };
    for (Eigen::Index h = 0; h < heads(); ++h) {
      const Eigen::Index qc = h * dh, kc = dm + h * dh, vc = 2 * dm + h * dh;
      for (Eigen::Index i = 0; i < t; ++i) {
        T* p = probs_.data() + (r0 + i) * probs_.cols() + h * t;
        const auto q = row(qkv, r0 + i, qc);
        T mx = -std::numeric_limits<T>::infinity();
        for (Eigen::Index j = 0; j < t; ++j) {
          p[j] = scale * q.dot(row(qkv, r0 + j, kc));
          mx = std::max(mx, p[j]);
        }
        T sum = 0;
        for (Eigen::Index j = 0; j < t; ++j) sum += (p[j] = std::exp(p[j] - mx));
        const T inv = T(1) / sum;
        row_map<Dh> o(heads_out_.data() + (r0 + i) * heads_out_.cols() + qc, dh);
        o.setZero();
        for (Eigen::Index j = 0; j < t; ++j) {
          p[j] *= inv;
          o += p[j] * row(qkv, r0 + j, vc);
        }
      }
    }
  }

  // dV = P^T dO, dP = dO V^T, dS = P (dP - rowsum(dP P)) * scale, dQ = dS K, dK = dS^T Q for network b.
  template <int Dh>
  void backward_network(const matrix_type& qkv, const matrix_type& d_heads, Eigen::Index b) {
    const Eigen::Index t = tok(), dh = head_dim(), dm = d(), r0 = b * t;
    const T scale = T(1) / std::sqrt(static_cast<T>(dh));
    auto row = [&](const matrix_type& m, Eigen::Index r, Eigen::Index c) {
      return const_row_map<Dh>(m.data() + r * m.cols() + c, dh);
    };
    auto out_row = [&](Eigen::Index r, Eigen::Index c) {
      return row_map<Dh>(dqkv_.data() + r * dqkv_.cols() + c, dh);
    };
    for (Eigen::Index h = 0; h < heads(); ++h) {
      const Eigen::Index qc = h * dh, kc = dm + h * dh, vc = 2 * dm + h * dh;
      for (Eigen::Index j = 0; j < t; ++j) {
        out_row(r0 + j, kc).setZero();
        out_row(r0 + j, vc).setZero();
      }
      for (Eigen::Index i = 0; i < t; ++i) {
        const T* p = probs_.data() + (r0 + i) * probs_.cols() + h * t;
        T* ds = dprobs_.data() + (r0 + i) * dprobs_.cols() + h * t;
        const auto d_o = row(d_heads, r0 + i, qc);
        T dot = 0;
        for (Eigen::Index j = 0; j < t; ++j) {
          out_row(r0 + j, vc) += p[j] * d_o;  // dV_j += P_ij dO_i
          ds[j] = d_o.dot(row(qkv, r0 + j, vc));
          dot += ds[j] * p[j];
        }
        auto dq = out_row(r0 + i, qc);
        dq.setZero();
        const auto q = row(qkv, r0 + i, qc);
        for (Eigen::Index j = 0; j < t; ++j) {
          ds[j] = p[j] * (ds[j] - dot) * scale;
          dq += ds[j] * row(qkv, r0 + j, kc);   // dQ_i += dS_ij K_j
          out_row(r0 + j, kc) += ds[j] * q;     // dK_j += dS_ij Q_i
        }
      }
    }
  }

  template <class F>
  static void for_each_network(Eigen::Index batch, F& f) {
#if defined(_OPENMP)
    const int threads = std::min<int>(Eigen::nbThreads(), static_cast<int>(batch));
    if (threads > 1 && !omp_in_parallel()) {
#pragma omp parallel for num_threads(threads) schedule(static)
      for (Eigen::Index b = 0; b < batch; ++b) f(b);
      return;
    }
#endif
    for (Eigen::Index b = 0; b < batch; ++b) f(b);
  }

  Eigen::Index d() const { return static_cast<Eigen::Index>(options_.d_model); }
  Eigen::Index heads() const { return static_cast<Eigen::Index>(options_.heads); }
  Eigen::Index tok() const { return static_cast<Eigen::Index>(options_.tokens); }
  Eigen::Index head_dim() const { return d() / heads(); }

  attention_options options_;
  linear<T, Backend> qkv_;
  linear<T, Backend> out_;
  matrix_type probs_;      // softmax probabilities, n x (heads * tokens)
  matrix_type heads_out_;  // concatenated head outputs, n x d
  matrix_type dprobs_;     // scratch for dP / dS
  matrix_type dqkv_;       // n x 3d
};

static_assert(layer<attention<float>>);

}  // namespace swatnn::nn
