// Benchmark: one training step of the swat-small autoencoder (64 networks x 1000 points): forward (encoder, four
// decoders, soft eval at each depth, functional loss) + backward + Adam. Reports ms per step, networks/s,
// matmul GFLOP/s (forward FLOPs x 3) and heap allocations per step after warm-up. Batch generation is timed
// separately (it is not part of the step).
#include <benchmark/benchmark.h>

#include <array>

#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/optim/adam.hpp>

#include "support/alloc_counter.hpp"

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

namespace {
using namespace swatnn;
using ae_type = swat_small_autoencoder<>;

void autoencoder_training_step(benchmark::State& state) {
  ae_type ae;
  network_generator<paper_spec> gen({.networks = 64, .points = 1000}, 1);
  std::array<generated_batch<paper_spec>, 4> batches;  // one batch of each depth, cycled
  for (int d = 0; d < 4; ++d) {
    network_generator<paper_spec> g({.networks = 64, .points = 1000, .depth = d + 1}, 10 + d);
    g.next(batches[d]);
  }
  auto& params = ae.parameters();
  const std::array<parameter_group<float>, 1> groups{parameter_group<float>{params.values(), params.gradients()}};
  const adam opt{.lr = 1e-3};
  auto opt_state = opt.make_state<float>(groups);
  auto step = [&](const generated_batch<paper_spec>& batch) {
    params.zero_gradients();
    const float loss = ae.forward(batch);
    ae.backward(batch);
    opt.step(opt_state, groups);
    return loss;
  };
  for (const auto& b : batches) step(b);  // warm-up: sizes every workspace
  std::size_t i = 0;
  const auto before = test::allocation_count();
  for (auto _ : state) benchmark::DoNotOptimize(step(batches[i++ % 4]));
  const double allocations = double(test::allocation_count() - before);
  state.counters["networks/s"] = benchmark::Counter(64.0 * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(3.0 * ae.forward_flops(64, 1000) * 1e-9 * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["allocs/step"] = allocations / double(state.iterations());
  state.counters["params"] = double(params.size());
}

void generate_batch(benchmark::State& state) {
  network_generator<paper_spec> gen({.networks = 64, .points = 1000}, 1);
  generated_batch<paper_spec> batch;
  for (auto _ : state) {
    gen.next(batch);
    benchmark::DoNotOptimize(batch.targets.data());
  }
  state.counters["networks/s"] = benchmark::Counter(64.0 * state.iterations(), benchmark::Counter::kIsRate);
}
}  // namespace

BENCHMARK(autoencoder_training_step)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(generate_batch)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
