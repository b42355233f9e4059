// swatnn/nn/transformer_block.hpp: pre-LN transformer block (Xiong et al., "On Layer Normalization in the
// Transformer Architecture", 2020):
//   h = x + attention(LN1(x));   y = h + W2 gelu(W1 LN2(h) + b1) + b2      (FFN d -> ffn_features -> d)
// Backward runs the same graph in reverse; the residual branches add their input gradients.
#pragma once

#include <swatnn/backend/backend.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/detail_shape.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <cstddef>
#include <string>

namespace swatnn::nn {

struct transformer_block_options {
  std::size_t d_model = 0;
  std::size_t heads = 1;
  std::size_t tokens = 0;
  std::size_t ffn_features = 0;  // 0 means 4 * d_model
  double layer_norm_eps = 1e-5;
  std::string name = "block";    // blocks "<name>.ln1.*", "<name>.attn.*", "<name>.ln2.*", "<name>.ffn1.*", ...
  group_id group = 0;
};

template <class T = float, class Backend = cpu>
class transformer_block {
  static_assert(check_layer_backend<Backend, T>(), "swatnn::nn::transformer_block: see the backend contract above");

 public:
  using scalar_type = T;
  using backend_type = Backend;
  using matrix_type = typename Backend::template row_matrix<T>;
  using buffer_type = parameter_buffer<T, Backend>;

  transformer_block(buffer_type& params, transformer_block_options options)
      : options_(with_defaults(std::move(options))),
        ln1_(params, {.features = options_.d_model, .eps = options_.layer_norm_eps, .name = options_.name + ".ln1",
                      .group = options_.group}),
        attn_(params, {.d_model = options_.d_model, .heads = options_.heads, .tokens = options_.tokens,
                       .name = options_.name + ".attn", .group = options_.group}),
        ln2_(params, {.features = options_.d_model, .eps = options_.layer_norm_eps, .name = options_.name + ".ln2",
                      .group = options_.group}),
        ffn1_(params, {.in_features = options_.d_model, .out_features = options_.ffn_features,
                       .name = options_.name + ".ffn1", .group = options_.group}),
        act_(gelu_options{.name = options_.name + ".gelu"}),
        ffn2_(params, {.in_features = options_.ffn_features, .out_features = options_.d_model,
                       .name = options_.name + ".ffn2", .group = options_.group}) {}

  const matrix_type& forward(const matrix_type& x) {
    detail::require_columns(x, d(), "transformer_block", options_.name, "input");
    detail::require_token_rows(x, static_cast<std::ptrdiff_t>(options_.tokens), "transformer_block", options_.name);
    hidden_.resize(x.rows(), d());
    output_.resize(x.rows(), d());
    Backend::add(hidden_, x, attn_.forward(ln1_.forward(x)));
    Backend::add(output_, hidden_, ffn2_.forward(act_.forward(ffn1_.forward(ln2_.forward(hidden_)))));
    return output_;
  }

  const matrix_type& backward(const matrix_type& dy) {
    detail::require_shape(dy, output_.rows(), output_.cols(), "transformer_block", options_.name, "output gradient");
    d_hidden_.resize(dy.rows(), d());
    input_gradient_.resize(dy.rows(), d());
    Backend::add(d_hidden_, dy, ln2_.backward(ffn1_.backward(act_.backward(ffn2_.backward(dy)))));
    Backend::add(input_gradient_, d_hidden_, ln1_.backward(attn_.backward(d_hidden_)));
    return input_gradient_;
  }

  std::size_t input_features() const { return options_.d_model; }
  std::size_t output_features() const { return options_.d_model; }
  std::size_t tokens() const { return options_.tokens; }
  const std::string& name() const { return options_.name; }
  const transformer_block_options& options() const { return options_; }
  const attention<T, Backend>& self_attention() const { return attn_; }

  // Matrix-multiply FLOPs (2 per multiply-add) of one forward over `rows` rows; backward is twice this.
  static double forward_matmul_flops(const transformer_block_options& o, std::size_t rows) {
    const double n = static_cast<double>(rows), dm = static_cast<double>(o.d_model);
    const double f = static_cast<double>(o.ffn_features == 0 ? 4 * o.d_model : o.ffn_features);
    const double t = static_cast<double>(o.tokens);
    return 2.0 * n * dm * (3.0 * dm) + 2.0 * n * dm * dm   // qkv and output projections
           + 2.0 * 2.0 * n * t * dm                        // scores and probabilities x values
           + 2.0 * 2.0 * n * dm * f;                       // the two FFN layers
  }

 private:
  static transformer_block_options with_defaults(transformer_block_options o) {
    if (o.ffn_features == 0) o.ffn_features = 4 * o.d_model;
    return o;
  }
  std::ptrdiff_t d() const { return static_cast<std::ptrdiff_t>(options_.d_model); }

  transformer_block_options options_;
  layer_norm<T, Backend> ln1_;
  attention<T, Backend> attn_;
  layer_norm<T, Backend> ln2_;
  linear<T, Backend> ffn1_;
  gelu<T, Backend> act_;
  linear<T, Backend> ffn2_;
  matrix_type hidden_;
  matrix_type output_;
  matrix_type d_hidden_;
  matrix_type input_gradient_;
};

static_assert(layer<transformer_block<float>>);

}  // namespace swatnn::nn
