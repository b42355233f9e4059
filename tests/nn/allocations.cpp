// tests/nn/allocations.cpp: after warm-up, forward + backward of every layer at swat-small sizes
// (64 networks x 7 tokens x d 64, 4 heads, FFN 256) makes zero heap allocations (malloc is counted, so
// Eigen temporaries and GEMM packing buffers would show up).
#include "support/alloc_counter.hpp"

#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>

#include <doctest/doctest.h>

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

namespace nn = swatnn::nn;

namespace {
template <class Layer, class M>
std::size_t allocations_per_step(Layer& layer, const M& x, const M& dy) {
  for (int warm = 0; warm < 2; ++warm) {
    (void)layer.forward(x);
    (void)layer.backward(dy);
  }
  const std::size_t before = swatnn::test::allocation_count();
  for (int i = 0; i < 3; ++i) {
    (void)layer.forward(x);
    (void)layer.backward(dy);
  }
  return swatnn::test::allocation_count() - before;
}
}  // namespace

TEST_CASE_TEMPLATE("no heap allocation per forward + backward after warm-up (swat-small sizes)", T, float, double) {
  if (!swatnn::test::allocation_counting_enabled) return;
  using mat = swatnn::cpu::row_matrix<T>;
  const Eigen::Index rows = 64 * 7, d = 64;
  const mat x = mat::Random(rows, d), dy = mat::Random(rows, d);
  nn::parameter_buffer<T> p;
  // the counter really counts: a fresh matrix allocates
  {
    const std::size_t before = swatnn::test::allocation_count();
    mat m(rows, d);
    m.setZero();
    CHECK(swatnn::test::allocation_count() > before);
  }
  nn::transformer_block<T> block(p, {.d_model = 64, .heads = 4, .tokens = 7, .ffn_features = 256});
  CHECK(allocations_per_step(block, x, dy) == 0);
  nn::attention<T> att(p, {.d_model = 64, .heads = 4, .tokens = 7, .name = "att"});
  CHECK(allocations_per_step(att, x, dy) == 0);
  nn::linear<T> in(p, {.in_features = 112, .out_features = 64, .name = "in"});
  const mat xin = mat::Random(rows, 112);
  CHECK(allocations_per_step(in, xin, dy) == 0);
  nn::linear<T> big(p, {.in_features = 256, .out_features = 64, .name = "big"});
  const mat xbig = mat::Random(rows, 256);
  CHECK(allocations_per_step(big, xbig, dy) == 0);
  nn::layer_norm<T> ln(p, {.features = 64});
  CHECK(allocations_per_step(ln, x, dy) == 0);
  nn::gelu<T> g;
  CHECK(allocations_per_step(g, x, dy) == 0);
  nn::positional_embedding<T> pe(p, {.tokens = 7, .d_model = 64});
  CHECK(allocations_per_step(pe, x, dy) == 0);
}
