// swatnn/nn/linear.hpp: fully connected layer y = x W + b over all rows (networks x tokens) at once, so the
// product is one large GEMM. W is stored in_features x out_features (row-major) in the parameter buffer,
// b is 1 x out_features. Backward: dW += x^T dy, db += column sums of dy, dx = dy W^T (with frozen values and at
// most 8 rows, from a kept copy of W^T). Every product and sum runs through the backend (backend/backend.hpp).
#pragma once

#include <swatnn/backend/backend.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/detail_shape.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace swatnn::nn {

struct linear_options {
  std::size_t in_features = 0;
  std::size_t out_features = 0;
  std::string name = "linear";              // prefix of the block names "<name>.weight", "<name>.bias"
  group_id group = 0;                       // parameter group of both blocks
  bool bias = true;
  init_spec weight_init = init_spec::xavier();  // fan_in = in_features, fan_out = out_features
  init_spec bias_init = init_spec::zeros();
};

template <class T = float, class Backend = cpu>
class linear {
  static_assert(check_layer_backend<Backend, T>(), "swatnn::nn::linear: see the backend contract above");

 public:
  using scalar_type = T;
  using backend_type = Backend;
  using matrix_type = typename Backend::template row_matrix<T>;
  using buffer_type = parameter_buffer<T, Backend>;

  linear(buffer_type& params, linear_options options) : params_(&params), options_(std::move(options)) {
    if (options_.in_features == 0 || options_.out_features == 0) {
      throw value_error("swatnn::nn::linear '" + options_.name + "': in_features and out_features must be >= 1 (got " +
                        std::to_string(options_.in_features) + " and " + std::to_string(options_.out_features) + ")");
    }
    weight_ = params.add(options_.name + ".weight", options_.in_features, options_.out_features, options_.weight_init,
                         options_.group);
    if (options_.bias) {
      bias_ = params.add(options_.name + ".bias", 1, options_.out_features, options_.bias_init, options_.group);
    }
  }

  const matrix_type& forward(const matrix_type& x) {
    detail::require_columns(x, in(), "linear", options_.name, "input");
    output_.resize(x.rows(), out());
    Backend::gemm(output_, x, false, std::as_const(*params_).value(weight_), false, false);
    if (options_.bias) Backend::add_row_vector(output_, std::as_const(*params_).value(bias_));
    input_ = &x;
    return output_;
  }

  const matrix_type& backward(const matrix_type& dy) {
    detail::require_shape(dy, output_.rows(), output_.cols(), "linear", options_.name, "output gradient");
    if (params_->gradients_enabled()) {
      Backend::gemm(params_->gradient(weight_), *input_, true, dy, false, true);
      if (options_.bias) Backend::accumulate_column_sums(params_->gradient(bias_), dy);
    }
    input_gradient_.resize(dy.rows(), in());
    if (params_->values_frozen() && dy.rows() <= kept_transpose_max_rows) {
      // a few rows (one latent's tokens) with fixed weights: dy W^T as a plain product with a kept copy of W^T
      if (transposed_generation_ != params_->freeze_generation()) {
        weight_transposed_.resize(out(), in());
        Backend::transpose(weight_transposed_, std::as_const(*params_).value(weight_));
        transposed_generation_ = params_->freeze_generation();
      }
      Backend::gemm(input_gradient_, dy, false, weight_transposed_, false, false);
    } else {
      Backend::gemm(input_gradient_, dy, false, std::as_const(*params_).value(weight_), true, false);
    }
    return input_gradient_;
  }

  std::size_t input_features() const { return options_.in_features; }
  std::size_t output_features() const { return options_.out_features; }
  const std::string& name() const { return options_.name; }
  // Output of the last forward (the buffer forward returned).
  const matrix_type& last_output() const { return output_; }
  parameter_handle weight_handle() const { return weight_; }
  parameter_handle bias_handle() const { return bias_; }  // size 0 when bias = false
  auto weight() const { return static_cast<const buffer_type&>(*params_).value(weight_); }
  auto bias() const { return static_cast<const buffer_type&>(*params_).value(bias_); }

 private:
  // Up to this many rows, a backward with frozen values multiplies by a kept copy of W^T (the CPU's small product
  // reads row-major operands in place: backend/cpu/small_matmul.hpp).
  static constexpr std::ptrdiff_t kept_transpose_max_rows = 8;
  std::ptrdiff_t in() const { return static_cast<std::ptrdiff_t>(options_.in_features); }
  std::ptrdiff_t out() const { return static_cast<std::ptrdiff_t>(options_.out_features); }

  buffer_type* params_;
  linear_options options_;
  parameter_handle weight_{};
  parameter_handle bias_{};
  const matrix_type* input_ = nullptr;
  matrix_type output_;
  matrix_type input_gradient_;
  matrix_type weight_transposed_;             // W^T, kept while the values are frozen
  std::uint64_t transposed_generation_ = 0;  // the freeze generation weight_transposed_ was made in (0: none)
};

static_assert(layer<linear<float>>);

}  // namespace swatnn::nn
