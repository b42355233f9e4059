// swatnn/nn/positional_embedding.hpp: learned positional embedding, a tokens x d parameter P added to the
// tokens of every network: y[b*tokens + i] = x[b*tokens + i] + P[i]. Backward: dx = dy, dP += sum over
// networks of dy. P is initialized from a truncated normal (stddev 0.02 by default, as in BERT/GPT-2).
#pragma once

#include <swatnn/backend/backend.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/detail_shape.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <cstddef>
#include <string>
#include <utility>

namespace swatnn::nn {

struct positional_embedding_options {
  std::size_t tokens = 0;
  std::size_t d_model = 0;
  std::string name = "positional_embedding";  // block "<name>.weight"
  group_id group = 0;
  init_spec init = init_spec::normal_truncated(0.02);
};

template <class T = float, class Backend = cpu>
class positional_embedding {
  static_assert(check_layer_backend<Backend, T>(), "swatnn::nn::positional_embedding: see the backend contract above");

 public:
  using scalar_type = T;
  using backend_type = Backend;
  using matrix_type = typename Backend::template row_matrix<T>;
  using buffer_type = parameter_buffer<T, Backend>;

  positional_embedding(buffer_type& params, positional_embedding_options options)
      : params_(&params), options_(std::move(options)) {
    if (options_.tokens == 0 || options_.d_model == 0) {
      throw value_error("swatnn::nn::positional_embedding '" + options_.name +
                        "': tokens and d_model must be >= 1 (got " + std::to_string(options_.tokens) + " and " +
                        std::to_string(options_.d_model) + ")");
    }
    weight_ = params.add(options_.name + ".weight", options_.tokens, options_.d_model, options_.init, options_.group);
  }

  const matrix_type& forward(const matrix_type& x) {
    detail::require_columns(x, d(), "positional_embedding", options_.name, "input");
    detail::require_token_rows(x, tok(), "positional_embedding", options_.name);
    output_.resize(x.rows(), x.cols());
    Backend::add_periodic_rows(output_, x, std::as_const(*params_).value(weight_));
    return output_;
  }

  const matrix_type& backward(const matrix_type& dy) {
    detail::require_shape(dy, output_.rows(), output_.cols(), "positional_embedding", options_.name,
                          "output gradient");
    if (params_->gradients_enabled()) Backend::accumulate_periodic_rows(params_->gradient(weight_), dy);
    input_gradient_.resize(dy.rows(), dy.cols());  // same shape as before: no allocation after the first call
    Backend::copy(input_gradient_, dy);
    return input_gradient_;
  }

  std::size_t input_features() const { return options_.d_model; }
  std::size_t output_features() const { return options_.d_model; }
  std::size_t tokens() const { return options_.tokens; }
  const std::string& name() const { return options_.name; }
  parameter_handle weight_handle() const { return weight_; }

 private:
  std::ptrdiff_t d() const { return static_cast<std::ptrdiff_t>(options_.d_model); }
  std::ptrdiff_t tok() const { return static_cast<std::ptrdiff_t>(options_.tokens); }

  buffer_type* params_;
  positional_embedding_options options_;
  parameter_handle weight_{};
  matrix_type output_;
  matrix_type input_gradient_;
};

static_assert(layer<positional_embedding<float>>);

}  // namespace swatnn::nn
