// swatnn/nn/gelu.hpp: GELU activation, element-wise, with the tanh approximation
//   gelu(x) = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
// (Hendrycks & Gimpel, "Gaussian Error Linear Units", 2016, eq. for the tanh approximation; PyTorch's
// gelu(approximate="tanh")). It differs from the exact x*Phi(x) by at most about 5e-4 and, unlike erf, Eigen
// vectorizes tanh in its core module. The backward is the exact derivative of this formula:
//   gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2),  t = tanh(u).
// No parameters; any number of columns. Both passes are the backend's (gelu_forward / gelu_backward).
#pragma once

#include <swatnn/backend/backend.hpp>
#include <swatnn/nn/detail_shape.hpp>
#include <swatnn/nn/layer.hpp>

#include <string>

namespace swatnn::nn {

struct gelu_options {
  std::string name = "gelu";
};

template <class T = float, class Backend = cpu>
class gelu {
  static_assert(check_layer_backend<Backend, T>(), "swatnn::nn::gelu: see the backend contract above");

 public:
  using scalar_type = T;
  using backend_type = Backend;
  using matrix_type = typename Backend::template row_matrix<T>;

  gelu() = default;
  explicit gelu(gelu_options options) : options_(std::move(options)) {}

  const matrix_type& forward(const matrix_type& x) {
    if (x.rows() == 0 || x.cols() == 0) {
      throw shape_error("swatnn::nn::gelu '" + options_.name + "': input has shape " +
                        detail::shape_string(x.rows(), x.cols()) + ", expected at least 1x1");
    }
    tanh_.resize(x.rows(), x.cols());
    output_.resize(x.rows(), x.cols());
    Backend::gelu_forward(x, tanh_, output_);
    input_ = &x;
    return output_;
  }

  const matrix_type& backward(const matrix_type& dy) {
    detail::require_shape(dy, output_.rows(), output_.cols(), "gelu", options_.name, "output gradient");
    input_gradient_.resize(dy.rows(), dy.cols());
    Backend::gelu_backward(*input_, tanh_, dy, input_gradient_);
    return input_gradient_;
  }

  const std::string& name() const { return options_.name; }

 private:
  gelu_options options_;
  const matrix_type* input_ = nullptr;
  matrix_type tanh_;
  matrix_type output_;
  matrix_type input_gradient_;
};

static_assert(layer<gelu<float>>);

}  // namespace swatnn::nn
