// Benchmark: latent search steps (decode, gates, soft eval on the training points, penalties, backward through
// the gates and the decoder to the latent and threshold, Adam) on 3750 points like a CORNN training split.
//   search_step_one_latent/depth: one latent at one depth (an autoencoder with that single scale level);
//   search_step_batched/restarts: R latents at every depth 1..4 of the swat-small autoencoder, per iteration.
//   search_step_shipped_model/restarts/annealed: the shipped model at every depth, in the first iterations
//     (temperature near 1) or annealed (temperature 0.01, as in the iterations after the paper's anneal).
// Each benchmark iteration runs a 100-step search (plus one final extraction, under 1 % of the time) and the
// reported time is divided by 100 (ms per search step). Except for the shipped-model rows the models are
// untrained: at temperature near 1 the cost does not depend on it.
#include <benchmark/benchmark.h>

#include <chrono>

#include <swatnn/autoencoder/model_file.hpp>
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

// annealed = false: the first 100 iterations (temperature near 1, every activation computed); true: at the
// final temperature 0.01 (annealing over 1 iteration), as in the 5000 iterations after the paper's anneal.
template <class AE>
void run_search(benchmark::State& state, AE& ae, int restarts, double latents_per_step, bool annealed = false) {
  const auto train = points(3750), validation = points(100);
  latent_search search(ae, paper_regularizers(), adam{},
                       {.restarts = restarts, .iterations = steps,
                        .temperature = {.anneal_iterations = annealed ? 1u : 3000u}, .select_after = steps});
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

template <int Depth>
void search_step_one_latent(benchmark::State& state) {
  single_level<Depth> ae;
  run_search(state, ae, 1, 1);
}
void search_step_batched(benchmark::State& state) {
  const int r = static_cast<int>(state.range(0));
  swat_small_autoencoder<> ae;
  run_search(state, ae, r, 4.0 * r);
}
// The shipped model: its decoders' activation logits are far apart, so at temperature 0.01 most softmax weights
// are exactly 0 and soft eval skips those activations (network/soft_eval.hpp).
void search_step_shipped_model(benchmark::State& state) {
  const int r = static_cast<int>(state.range(0));
  swat_small_autoencoder<> ae;
  load_model(ae, default_model_path());
  run_search(state, ae, r, 4.0 * r, state.range(1) != 0);
}
}  // namespace

BENCHMARK(search_step_one_latent<2>)->Name("search_step_one_latent_depth2")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(search_step_one_latent<4>)->Name("search_step_one_latent_depth4")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);
BENCHMARK(search_step_batched)->Arg(1)->Arg(4)->Arg(8)->ArgName("restarts")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK(search_step_shipped_model)->Args({1, 0})->Args({1, 1})->ArgNames({"restarts", "annealed"})->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);
BENCHMARK_MAIN();
