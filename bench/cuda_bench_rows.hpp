// bench/cuda_bench_rows.hpp: the rows bench_cuda times on any backend: a transformer-encoder step (zero gradients,
// forward, backward) at swat-small and at paper scale, and the paper-scale FFN product, each reported in ms per
// step and TFLOP/s of matrix-multiply FLOPs (forward + backward = 3 x forward). Backend-generic: bench_cuda.cu
// instantiates it for swatnn::cuda (nvcc), cuda_bench_cpu_rows.cpp for swatnn::cpu (g++ with OpenMP, -march=native),
// so the CPU rows run with the same threads and vector width as the other CPU benchmarks.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

#include <swatnn/autoencoder/paper_scale.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

namespace swatnn::bench {

// swat-small's encoder (autoencoder/swat_small.hpp), as a named value.
inline constexpr transformer_encoder_options swat_small_encoder_options{.dim = 64, .heads = 4, .blocks = 2};
using swat_small_encoder = transformer_encoder<swat_small_encoder_options>;

// Hooks a backend's rows need from the program: the device's peak (0 when unknown) and per-step allocations.
struct row_report {
  double peak_tflops = 0;                 // fp32 (or TF32) peak to compare with; 0: no fraction reported
  double (*allocations)() = nullptr;      // cumulative device allocations, or nullptr
};

template <class Backend>
void synchronize_backend() {
  if constexpr (requires { Backend::synchronize(); }) Backend::synchronize();
}

template <class Backend, class T>
typename Backend::template row_matrix<T> random_device_rows(std::ptrdiff_t rows, std::ptrdiff_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<T> host(static_cast<std::size_t>(rows * cols));
  for (auto& v : host) v = static_cast<T>(dist(gen));
  typename Backend::template row_matrix<T> m(rows, cols);
  Backend::upload(host.data(), m.data(), host.size());
  return m;
}

// Times `step` (synchronized at the end of each iteration) after two warm-up calls and sets ms, TFLOP/s, the
// fraction of peak and device allocations per step.
template <class Backend, class Step>
void time_steps(benchmark::State& state, double flops_per_step, const row_report& report, Step&& step) {
  step();
  step();
  synchronize_backend<Backend>();
  const double allocations_before = report.allocations ? report.allocations() : 0.0;
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    step();
    synchronize_backend<Backend>();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    state.SetIterationTime(s);
    seconds += s;
  }
  const double steps = static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  const double per_step = seconds / steps;
  state.counters["ms"] = per_step * 1e3;
  state.counters["TFLOP/s"] = flops_per_step / per_step * 1e-12;
  state.counters["GFLOP/step"] = flops_per_step * 1e-9;
  if (report.peak_tflops > 0) state.counters["peak_%"] = 100.0 * flops_per_step / per_step * 1e-12 / report.peak_tflops;
  if (report.allocations) state.counters["cudaMalloc/step"] = (report.allocations() - allocations_before) / steps;
}

// One encoder training step on `networks` networks of paper_spec: zero gradients, forward, backward.
template <class Backend, class Encoder>
void encoder_step(benchmark::State& state, std::ptrdiff_t networks, const row_report& report) {
  using layout = token_layout<paper_spec>;
  nn::parameter_buffer<float, Backend> params;
  typename Encoder::template model<paper_spec, float, Backend> model(params);
  const std::ptrdiff_t rows = networks * layout::tokens;
  const auto tokens = random_device_rows<Backend, float>(rows, layout::features, 1);
  const auto grad_latent = random_device_rows<Backend, float>(rows, Encoder::dim, 2);
  time_steps<Backend>(state, 3.0 * model.forward_flops(rows), report, [&] {
    params.zero_gradients();
    benchmark::DoNotOptimize(model.forward(tokens).data());
    benchmark::DoNotOptimize(model.backward(grad_latent).data());
  });
  state.counters["rows"] = static_cast<double>(rows);
}

// C (m x n) = A (m x k) B (k x n), row-major, on the backend.
template <class Backend>
void product(benchmark::State& state, std::ptrdiff_t m, std::ptrdiff_t n, std::ptrdiff_t k, const row_report& report) {
  const auto a = random_device_rows<Backend, float>(m, k, 3);
  const auto b = random_device_rows<Backend, float>(k, n, 4);
  typename Backend::template row_matrix<float> c(m, n);
  time_steps<Backend>(state, 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k), report,
                      [&] {
                        Backend::gemm(c, a, false, b, false, false);
                        benchmark::DoNotOptimize(c.data());
                      });
}

// The shapes every backend is timed at (networks of paper_spec, 7 tokens each).
inline constexpr std::ptrdiff_t training_networks = 64;     // the paper's training batch
inline constexpr std::ptrdiff_t large_batch_networks = 512;  // a batch large enough to fill an H200

// The CPU rows, defined in cuda_bench_cpu_rows.cpp (compiled by g++ with OpenMP) and registered by bench_cuda.cu.
namespace cpu_rows {
void encoder_swat_small(benchmark::State& state);
void encoder_paper_scale(benchmark::State& state);
void ffn_product(benchmark::State& state);
}  // namespace cpu_rows

}  // namespace swatnn::bench
