// tests/laws/compile_fail/backend_missing_operation.cpp: MUST NOT compile. A layer on a backend that lacks the
// transformer operations fails with the contract's sentence naming them (the ctest `backend_missing_operation`
// builds this file and expects that sentence in the compiler's output).
#include <swatnn/nn/linear.hpp>

#include "laws/partial_backend.hpp"

int main() {
  swatnn::nn::parameter_buffer<float, swatnn::test::no_transformer_ops> params;
  swatnn::nn::linear<float, swatnn::test::no_transformer_ops> layer(params, {.in_features = 2, .out_features = 3});
  return static_cast<int>(layer.output_features());
}
