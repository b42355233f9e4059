// Benchmark: latent search steps (decode, gates, soft eval on the training points, penalties, backward through
// the gates and the decoder to the latent and threshold, Adam) on 3750 points like a CORNN training split.
//   search_step_one_latent/depth: one latent at one depth (an autoencoder with that single scale level);
//   search_step_batched/restarts: R latents at every depth 1..4 of the swat-small autoencoder, per iteration.
// Each benchmark iteration runs a 100-step search (plus one final extraction, under 1 % of the time) and the
// reported time is divided by 100 (ms per search step). Models are untrained: the cost does not depend on it.
#include <benchmark/benchmark.h>

#include <chrono>

#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/search/latent_search.hpp>

namespace {
using namespace swatnn;
constexpr std::uint64_t steps = 100;

data::split points(int n) {
  data::split s;
  s.x = cpu::matrix<float>::Random(n, 2);
  s.y = (s.x.col(0).array().square() + s.x.col(1).array().square() - 1.0f).matrix();
  return s;
}

template <class AE>
void run_search(benchmark::State& state, int restarts, double latents_per_step) {
  AE ae;
  const auto train = points(3750), validation = points(100);
  latent_search search(ae, paper_regularizers(), adam{},
                       {.restarts = restarts, .iterations = steps, .select_after = steps});
  search.run(train, validation);  // warm-up
  double seconds = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(search.run(train, validation).chosen);
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  state.counters["ms_per_step"] = 1e3 * seconds / (double(state.iterations()) * steps);
  state.counters["latent-steps/s"] =
      benchmark::Counter(double(state.iterations()) * steps * latents_per_step, benchmark::Counter::kIsRate);
}

template <int Depth>
using single_level = multiscale_autoencoder<transformer_encoder<{.dim = 64, .heads = 4, .blocks = 2}>,
                                            transformer_decoder<{.heads = 4, .blocks = 2}>, scales<Depth>>;

void search_step_one_latent_depth2(benchmark::State& state) { run_search<single_level<2>>(state, 1, 1); }
void search_step_one_latent_depth4(benchmark::State& state) { run_search<single_level<4>>(state, 1, 1); }
void search_step_batched(benchmark::State& state) {
  const int r = static_cast<int>(state.range(0));
  run_search<swat_small_autoencoder<>>(state, r, 4.0 * r);
}
}  // namespace

BENCHMARK(search_step_one_latent_depth2)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(search_step_one_latent_depth4)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(search_step_batched)->Arg(1)->Arg(4)->Arg(8)->ArgName("restarts")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_MAIN();
