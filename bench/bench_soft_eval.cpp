// Benchmark: differentiable evaluation (soft eval) of 64 decoded networks on 1000 points at depths 1-4,
// forward and forward+backward. Reports networks/s, matmul GFLOP/s (forward FLOPs; x3 for forward+backward)
// and heap allocations per call after warm-up.
#include <benchmark/benchmark.h>

#include <random>

#include <swatnn/network/soft_eval.hpp>

#include "support/alloc_counter.hpp"

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

namespace {
using namespace swatnn;
using layout = token_layout<paper_spec>;
constexpr int networks = 64;
constexpr int points = 1000;

struct fixture {
  cpu::row_matrix<float> tokens;
  cpu::matrix<float> x = cpu::matrix<float>::Random(points, 2);
  cpu::matrix<float> upstream = cpu::matrix<float>::Random(points, networks);
  cpu::row_matrix<float> grad;
  explicit fixture(int depth) : tokens(networks * layout::tokens, layout::width(depth)) {
    std::mt19937 rng(1);
    std::normal_distribution<float> normal;
    for (Eigen::Index i = 0; i < tokens.size(); ++i) tokens.data()[i] = normal(rng);
    grad.resize(tokens.rows(), tokens.cols());
  }
};

void report(benchmark::State& state, double flops_per_call, std::size_t allocations) {
  state.counters["networks/s"] = benchmark::Counter(double(networks) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_per_call * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["allocs/call"] = double(allocations) / double(state.iterations());
}

void soft_eval_forward(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  fixture f(depth);
  soft_eval<paper_spec, float> eval;
  eval.forward(f.tokens, depth, f.x, 0.5f);  // warm-up: sizes the workspaces
  const auto before = test::allocation_count();
  for (auto _ : state) benchmark::DoNotOptimize(eval.forward(f.tokens, depth, f.x, 0.5f).data());
  report(state, soft_eval<paper_spec, float>::forward_flops(networks, depth, points), test::allocation_count() - before);
}

void soft_eval_forward_backward(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  fixture f(depth);
  soft_eval<paper_spec, float> eval;
  eval.forward(f.tokens, depth, f.x, 0.5f);
  eval.backward(f.upstream, f.grad);
  const auto before = test::allocation_count();
  for (auto _ : state) {
    eval.forward(f.tokens, depth, f.x, 0.5f);
    eval.backward(f.upstream, f.grad);
    benchmark::DoNotOptimize(f.grad.data());
  }
  report(state, 3 * soft_eval<paper_spec, float>::forward_flops(networks, depth, points),
         test::allocation_count() - before);
}
}  // namespace

BENCHMARK(soft_eval_forward)->DenseRange(1, 4)->ArgName("depth")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(soft_eval_forward_backward)->DenseRange(1, 4)->ArgName("depth")->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK_MAIN();
