// swatnn/nn/layer.hpp: the Layer concept (the contract every layer, ours or a user's, fulfils) and
// check_layer<L>(), which states in our own words which part of the contract a type misses.
//
// A Layer maps a token matrix (rows = networks x tokens, token-major per network; columns = features;
// row-major `Backend::template row_matrix<T>`) to another token matrix with the same number of rows:
//   - `scalar_type`, `matrix_type` name the element type and the matrix type of inputs and outputs;
//   - `forward(x)` computes the output, keeps what backward needs (it may keep a pointer to x, so x must
//     stay alive and unchanged until backward), and returns a reference to the layer's own output buffer,
//     valid until the next forward;
//   - `backward(dy)` takes dLoss/dOutput for the most recent forward, ADDS dLoss/dParameter into the
//     parameter buffer's gradients (never overwrites them) and returns dLoss/dInput (reference to a buffer
//     owned by the layer); it must not change parameter values;
//   - both are deterministic; after the first call for a shape they allocate nothing;
//   - bad shapes throw swatnn::shape_error naming the layer and the expected and actual shapes.
// Parameters live in an nn::parameter_buffer passed to the layer's constructor (see docs/layers.md).
#pragma once

#include <concepts>

namespace swatnn::nn {

template <class L>
concept layer = requires {
  typename L::scalar_type;
  typename L::matrix_type;
} && requires(L& l, const typename L::matrix_type& m) {
  { l.forward(m) } -> std::convertible_to<const typename L::matrix_type&>;
  { l.backward(m) } -> std::convertible_to<const typename L::matrix_type&>;
};

// static_assert(check_layer<L>()) in code that takes a user layer: each missing piece fails with a sentence.
template <class L>
constexpr bool check_layer() {
  static_assert(requires { typename L::scalar_type; },
                "swatnn: a Layer must declare `using scalar_type = T;` (its element type, e.g. float or double)");
  static_assert(requires { typename L::matrix_type; },
                "swatnn: a Layer must declare `using matrix_type = ...;` (e.g. swatnn::cpu::row_matrix<T>), the "
                "type of its inputs, outputs and gradients");
  if constexpr (requires {
                  typename L::scalar_type;
                  typename L::matrix_type;
                }) {
    static_assert(requires(L& l, const typename L::matrix_type& m) {
      { l.forward(m) } -> std::convertible_to<const typename L::matrix_type&>;
    }, "swatnn: a Layer must have `const matrix_type& forward(const matrix_type& x)` returning its output");
    static_assert(requires(L& l, const typename L::matrix_type& m) {
      { l.backward(m) } -> std::convertible_to<const typename L::matrix_type&>;
    }, "swatnn: a Layer must have `const matrix_type& backward(const matrix_type& dy)` that accumulates "
       "parameter gradients and returns the input gradient");
  }
  return layer<L>;
}

}  // namespace swatnn::nn
