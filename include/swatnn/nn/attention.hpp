// swatnn/nn/attention.hpp: multi-head bidirectional (unmasked) self-attention within each network
// (Vaswani et al., "Attention Is All You Need", 2017, eqs. 1-2):
//   [Q K V] = x Wqkv + bqkv            one GEMM over all rows (networks x tokens), Wqkv is d x 3d
//   O_h = softmax(Q_h K_h^T / sqrt(d/h)) V_h   per network and head (tokens x tokens, small)
//   y = [O_1 ... O_h] Wo + bo          one GEMM over all rows
// Rows are token-major per network: network b is rows b*tokens .. b*tokens + tokens - 1; tokens attend only
// to tokens of their own network. The per-(network, head) part is the backend's (attention_forward / _backward;
// on the CPU, backend/cpu/transformer_ops.hpp: dot products and axpys over contiguous head rows, in parallel over
// networks).
// Backward per (network, head), P = softmax scores:
//   dV = P^T dO,  dP = dO V^T,  dS = P * (dP - rowsum(dP * P)) / sqrt(d/h),  dQ = dS K,  dK = dS^T Q.
#pragma once

#include <swatnn/backend/backend.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/detail_shape.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <cstddef>
#include <string>
#include <utility>

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
  static_assert(check_layer_backend<Backend, T>(), "swatnn::nn::attention: see the backend contract above");

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
    const auto n = x.rows();
    probs_.resize(n, heads() * tok());
    heads_out_.resize(n, d());
    Backend::attention_forward(qkv, heads(), tok(), probs_, heads_out_);
    return out_.forward(heads_out_);
  }

  const matrix_type& backward(const matrix_type& dy) {
    const matrix_type& d_heads = out_.backward(dy);  // checks dy's shape
    const matrix_type& qkv = qkv_.last_output();
    const auto n = d_heads.rows();
    dprobs_.resize(n, heads() * tok());
    dqkv_.resize(n, 3 * d());
    Backend::attention_backward(qkv, probs_, d_heads, heads(), tok(), dprobs_, dqkv_);
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

  std::ptrdiff_t d() const { return static_cast<std::ptrdiff_t>(options_.d_model); }
  std::ptrdiff_t heads() const { return static_cast<std::ptrdiff_t>(options_.heads); }
  std::ptrdiff_t tok() const { return static_cast<std::ptrdiff_t>(options_.tokens); }

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
