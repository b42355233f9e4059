// swatnn/nn/layer_norm.hpp: layer normalization over the features of each row (token)
// (Ba, Kiros & Hinton, "Layer Normalization", 2016): y = gamma * (x - mean) / sqrt(var + eps) + beta, with the
// biased variance (as PyTorch). Backward (xhat = normalized input, g = dy * gamma, per row):
//   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),  dgamma += sum_rows dy * xhat,  dbeta += sum_rows dy.
// Both passes are the backend's (layer_norm_forward / layer_norm_backward, backend/backend.hpp).
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

struct layer_norm_options {
  std::size_t features = 0;
  double eps = 1e-5;
  std::string name = "layer_norm";  // blocks "<name>.gamma" (init 1) and "<name>.beta" (init 0)
  group_id group = 0;
};

template <class T = float, class Backend = cpu>
class layer_norm {
  static_assert(check_layer_backend<Backend, T>(), "swatnn::nn::layer_norm: see the backend contract above");

 public:
  using scalar_type = T;
  using backend_type = Backend;
  using matrix_type = typename Backend::template row_matrix<T>;
  using vector_type = typename Backend::template vector<T>;
  using buffer_type = parameter_buffer<T, Backend>;

  layer_norm(buffer_type& params, layer_norm_options options) : params_(&params), options_(std::move(options)) {
    if (options_.features == 0 || !(options_.eps > 0.0)) {
      throw value_error("swatnn::nn::layer_norm '" + options_.name + "': features must be >= 1 and eps > 0 (got " +
                        std::to_string(options_.features) + " and " + std::to_string(options_.eps) + ")");
    }
    gamma_ = params.add(options_.name + ".gamma", 1, options_.features, init_spec::ones(), options_.group);
    beta_ = params.add(options_.name + ".beta", 1, options_.features, init_spec::zeros(), options_.group);
  }

  const matrix_type& forward(const matrix_type& x) {
    const auto d = static_cast<std::ptrdiff_t>(options_.features);
    detail::require_columns(x, d, "layer_norm", options_.name, "input");
    const auto n = x.rows();
    normalized_.resize(n, d);
    output_.resize(n, d);
    rstd_.resize(n);
    const buffer_type& params = *params_;
    Backend::layer_norm_forward(x, params.value(gamma_), params.value(beta_), static_cast<T>(options_.eps),
                                normalized_, rstd_, output_);
    return output_;
  }

  const matrix_type& backward(const matrix_type& dy) {
    detail::require_shape(dy, output_.rows(), output_.cols(), "layer_norm", options_.name, "output gradient");
    input_gradient_.resize(dy.rows(), dy.cols());
    Backend::layer_norm_backward(dy, normalized_, rstd_, std::as_const(*params_).value(gamma_),
                                 params_->gradient(gamma_), params_->gradient(beta_), params_->gradients_enabled(),
                                 input_gradient_);
    return input_gradient_;
  }

  std::size_t input_features() const { return options_.features; }
  std::size_t output_features() const { return options_.features; }
  const std::string& name() const { return options_.name; }
  parameter_handle gamma_handle() const { return gamma_; }
  parameter_handle beta_handle() const { return beta_; }

 private:
  buffer_type* params_;
  layer_norm_options options_;
  parameter_handle gamma_{};
  parameter_handle beta_{};
  matrix_type normalized_;
  vector_type rstd_;
  matrix_type output_;
  matrix_type input_gradient_;
};

static_assert(layer<layer_norm<float>>);

}  // namespace swatnn::nn
