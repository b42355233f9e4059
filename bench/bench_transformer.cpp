// bench/bench_transformer.cpp: one pre-LN transformer block at swat-small sizes (64 networks x 7 tokens,
// d 64, 4 heads, FFN 256), forward and forward+backward, and its parts, in GFLOP/s of matrix-multiply FLOPs,
// next to plain Eigen float GEMMs with the same FLOP count so the table shows how close each op is to the
// machine's matrix rate. Also reports heap allocations per iteration after warm-up.
#include "support/alloc_counter.hpp"

#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/transformer_block.hpp>

#include <benchmark/benchmark.h>

#include <Eigen/Core>

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

namespace nn = swatnn::nn;
using mat = swatnn::cpu::row_matrix<float>;

namespace {
constexpr std::size_t networks = 64, tokens = 7, d_model = 64, heads = 4, ffn = 256;
constexpr Eigen::Index rows = networks * tokens;  // 448

const nn::transformer_block_options block_options{
    .d_model = d_model, .heads = heads, .tokens = tokens, .ffn_features = ffn, .name = "block"};

void set_counters(benchmark::State& state, double flops_per_iteration, std::size_t allocations) {
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MFLOP/iter"] = flops_per_iteration * 1e-6;
  state.counters["allocs/iter"] =
      static_cast<double>(allocations) / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
}

// Runs `step` twice to warm up, then times it and counts allocations inside the timed loop.
template <class Step>
void run(benchmark::State& state, double flops, Step&& step) {
  step();
  step();
  const std::size_t before = swatnn::test::allocation_count();
  for (auto _ : state) step();
  set_counters(state, flops, swatnn::test::allocation_count() - before);
}

void block_forward(benchmark::State& state) {
  nn::parameter_buffer<float> p;
  nn::transformer_block<float> block(p, block_options);
  const mat x = mat::Random(rows, d_model);
  run(state, nn::transformer_block<float>::forward_matmul_flops(block_options, rows),
      [&] { benchmark::DoNotOptimize(block.forward(x).data()); });
}

void block_forward_backward(benchmark::State& state) {
  nn::parameter_buffer<float> p;
  nn::transformer_block<float> block(p, block_options);
  const mat x = mat::Random(rows, d_model), dy = mat::Random(rows, d_model);
  run(state, 3.0 * nn::transformer_block<float>::forward_matmul_flops(block_options, rows), [&] {
    benchmark::DoNotOptimize(block.forward(x).data());
    benchmark::DoNotOptimize(block.backward(dy).data());
  });
}

void attention_forward_backward(benchmark::State& state) {
  nn::parameter_buffer<float> p;
  nn::attention<float> att(p, {.d_model = d_model, .heads = heads, .tokens = tokens});
  const mat x = mat::Random(rows, d_model), dy = mat::Random(rows, d_model);
  const double r = rows, d = d_model, t = tokens;
  const double fwd = 2 * r * d * 3 * d + 2 * r * d * d + 4 * r * t * d;
  run(state, 3.0 * fwd, [&] {
    benchmark::DoNotOptimize(att.forward(x).data());
    benchmark::DoNotOptimize(att.backward(dy).data());
  });
}

void ffn_linear_forward_backward(benchmark::State& state) {  // d -> 4d linear (the largest GEMMs)
  nn::parameter_buffer<float> p;
  nn::linear<float> fc(p, {.in_features = d_model, .out_features = ffn});
  const mat x = mat::Random(rows, d_model), dy = mat::Random(rows, ffn);
  run(state, 3.0 * 2.0 * rows * d_model * ffn, [&] {
    benchmark::DoNotOptimize(fc.forward(x).data());
    benchmark::DoNotOptimize(fc.backward(dy).data());
  });
}

// Plain Eigen (448 x 64) * (64 x 256) float GEMMs, as many as needed for `flops` (fractional counts are
// rounded up and the reported rate uses the FLOPs actually done).
void eigen_gemm(benchmark::State& state, double target_flops) {
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(rows, d_model), b = Eigen::MatrixXf::Random(d_model, ffn);
  Eigen::MatrixXf c(rows, ffn);
  const double one = 2.0 * rows * d_model * ffn;
  const int count = static_cast<int>(std::ceil(target_flops / one - 1e-9));
  run(state, count * one, [&] {
    for (int i = 0; i < count; ++i) {
      c.noalias() = a * b;
      benchmark::DoNotOptimize(c.data());
    }
  });
}
}  // namespace

BENCHMARK(block_forward)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(eigen_gemm, same_flops_as_block_forward,
                  nn::transformer_block<float>::forward_matmul_flops(block_options, rows))
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(block_forward_backward)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(eigen_gemm, same_flops_as_block_forward_backward,
                  3.0 * nn::transformer_block<float>::forward_matmul_flops(block_options, rows))
    ->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(attention_forward_backward)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(ffn_linear_forward_backward)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_CAPTURE(eigen_gemm, one_448x64x256, 2.0 * rows * d_model * ffn)->Unit(benchmark::kMicrosecond)->UseRealTime();

BENCHMARK_MAIN();
