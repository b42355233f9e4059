// tests/laws/layer_user_example.cpp: the user-written layer shown in docs/layers.md, compiled and run through
// the layer laws; the page shows the `// example: user-layer` region below, line for line (tests/docs/pages.cpp
// checks it, so the doc cannot rot).
#include "laws/layer_laws.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

// example: user-layer
#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/layer.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <string>

// y = x * scale + shift, per feature (one learned scale and shift per column).
template <class T = float>
class feature_affine {
 public:
  using scalar_type = T;
  using matrix_type = swatnn::cpu::row_matrix<T>;

  feature_affine(swatnn::nn::parameter_buffer<T>& params, std::size_t features, std::string name = "affine")
      : params_(&params), name_(std::move(name)) {
    // Register blocks; keep only the handles (the buffer may grow and move when others register).
    scale_ = params.add(name_ + ".scale", 1, features, swatnn::nn::init_spec::ones());
    shift_ = params.add(name_ + ".shift", 1, features, swatnn::nn::init_spec::zeros());
  }

  const matrix_type& forward(const matrix_type& x) {
    const auto d = static_cast<Eigen::Index>(scale_.cols);
    if (x.cols() != d || x.rows() == 0) {
      throw swatnn::shape_error("feature_affine '" + name_ + "': input has " + std::to_string(x.cols()) +
                                " columns, expected " + std::to_string(d));
    }
    input_ = &x;                       // kept for backward; x must outlive it
    output_.resize(x.rows(), d);       // no-op after the first call for this shape
    const auto scale = params_->value(scale_).row(0).array();
    const auto shift = params_->value(shift_).row(0).array();
    for (Eigen::Index r = 0; r < x.rows(); ++r) output_.row(r).array() = x.row(r).array() * scale + shift;
    return output_;
  }

  const matrix_type& backward(const matrix_type& dy) {
    if (dy.rows() != output_.rows() || dy.cols() != output_.cols() || output_.rows() == 0) {
      throw swatnn::shape_error("feature_affine '" + name_ + "': output gradient has the wrong shape");
    }
    auto dscale = params_->gradient(scale_).row(0).array();  // ACCUMULATE into the buffer
    auto dshift = params_->gradient(shift_).row(0).array();
    const auto scale = params_->value(scale_).row(0).array();
    input_gradient_.resize(dy.rows(), dy.cols());
    for (Eigen::Index r = 0; r < dy.rows(); ++r) {
      dscale += dy.row(r).array() * input_->row(r).array();
      dshift += dy.row(r).array();
      input_gradient_.row(r).array() = dy.row(r).array() * scale;
    }
    return input_gradient_;
  }

 private:
  swatnn::nn::parameter_buffer<T>* params_;
  std::string name_;
  swatnn::nn::parameter_handle scale_, shift_;
  const matrix_type* input_ = nullptr;
  matrix_type output_, input_gradient_;
};

static_assert(swatnn::nn::check_layer<feature_affine<float>>());

TEST_CASE("a user-written layer passes the layer laws") {
  swatnn::test::check_layer_laws(
      [](swatnn::nn::parameter_buffer<double>& params) {
        feature_affine<double> layer(params, 5);
        for (double& v : params.values()) v += 0.3;  // move away from scale 1, shift 0
        return layer;
      },
      {.rows = 6, .input_columns = 5, .output_columns = 5, .name = "feature_affine"});
}
// end example: user-layer
