// tests/encoders/allocations.cpp: after warm-up, forward + backward of both encoders at swat-small sizes
// (64 networks x 7 tokens, mixed depths) make zero heap allocations. The only translation unit of test_encoders
// that defines the allocation counter.
#include "support/alloc_counter.hpp"

#include <doctest/doctest.h>

#include <swatnn/encoders/gnn_encoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/generator.hpp>

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

namespace {
template <class Model, class M>
std::size_t allocations_per_step(Model& model, const M& tokens, const M& grad) {
  for (int warm = 0; warm < 2; ++warm) {
    (void)model.forward(tokens);
    (void)model.backward(grad);
  }
  const std::size_t before = swatnn::test::allocation_count();
  for (int i = 0; i < 3; ++i) {
    (void)model.forward(tokens);
    (void)model.backward(grad);
  }
  return swatnn::test::allocation_count() - before;
}
}  // namespace

TEST_CASE_TEMPLATE("encoders allocate nothing per forward + backward after warm-up", T, float, double) {
  if (!swatnn::test::allocation_counting_enabled) return;
  using namespace swatnn;
  network_generator<paper_spec, T> gen({.networks = 64, .points = 4, .mixed_depths = true}, 1);
  const auto batch = gen.next();
  using mat = cpu::row_matrix<T>;
  const mat grad = mat::Random(64 * 7, 64);
  {
    const std::size_t before = test::allocation_count();
    mat m(64, 64);
    m.setZero();
    CHECK(test::allocation_count() > before);  // the counter counts
  }
  nn::parameter_buffer<T> params;
  gnn_encoder<{.dim = 64, .hidden = 64, .rounds = 3}>::model<paper_spec, T, cpu> gnn(params);
  CHECK(allocations_per_step(gnn, batch.tokens, grad) == 0);
  nn::parameter_buffer<T> params2;
  transformer_encoder<{.dim = 64, .heads = 4, .blocks = 2}>::model<paper_spec, T, cpu> transformer(params2);
  CHECK(allocations_per_step(transformer, batch.tokens, grad) == 0);
}
