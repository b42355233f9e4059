// distributed_throughput: data-parallel swat-small training (distributed/data_parallel.hpp) on the ranks of
// mpirun: steps per second of the global batch, and the time of one sum of the flat gradient buffer alone.
// Also the parameter counts (swat-small: the model's buffer and the formula used for paper-scale; paper-scale: the
// formula, the model is not built) behind the bytes per step of docs/distributed.md.
//   mpirun -np N distributed_throughput [timed steps, 30] [networks per global batch, 64] [points, 1000]
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/distributed/data_parallel.hpp>

#if defined(_OPENMP)
#include <omp.h>
#endif

namespace {
// Parameters of a pre-LN transformer block of width d and FFN f: LN 2d twice, QKV d x 3d + 3d, out d x d + d,
// FFN d x f + f and f x d + d.
double block(double d, double f) { return 4 * d + 4 * d * d + 4 * d + 2 * d * f + f + d; }
// The multi-scale autoencoder: encoder Linear(112 -> d) + positional embedding 7 x d + blocks + final LN; one decoder
// per depth D = 1..4: blocks + final LN + Linear(d -> 12 D + 8).
double autoencoder_parameters(double d, double f, double encoder_blocks, double decoder_blocks) {
  double n = 112 * d + d + 7 * d + encoder_blocks * block(d, f) + 2 * d;
  for (int depth = 1; depth <= 4; ++depth) {
    const double width = 12.0 * depth + 8;
    n += decoder_blocks * block(d, f) + 2 * d + d * width + width;
  }
  return n;
}
}  // namespace

int main(int argc, char** argv) {
  using namespace swatnn;
  distributed::mpi_environment mpi(&argc, &argv);
  distributed::communicator comm;
  const int timed = argc > 1 ? std::atoi(argv[1]) : 30;
  const int networks = argc > 2 ? std::atoi(argv[2]) : 64;
  const int points = argc > 3 ? std::atoi(argv[3]) : 1000;
  const int warmup = 3;
  swat_small_autoencoder<> ae;
  trainer_options options{.seed = 1,
                          .generator = {.networks = networks, .points = points},
                          .steps = static_cast<std::uint64_t>(warmup + timed)};
  distributed::data_parallel_trainer trainer(ae, options, comm);
  struct clock_callback {
    int warmup;
    double at_warmup = 0, at_end = 0;
    void step(const step_info<float>& info) {
      if (info.iteration + 1 == static_cast<std::uint64_t>(warmup)) at_warmup = info.elapsed_seconds;
      at_end = info.elapsed_seconds;
    }
  } clock{warmup};
  trainer.run(clock);
  const double step_seconds = (clock.at_end - clock.at_warmup) / (timed - 1);

  const std::size_t parameters = ae.parameters().size();
  std::vector<float> buffer(parameters, 1.0f);
  comm.barrier();
  const int repeats = 20;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < repeats; ++r) distributed::allreduce_sum(comm, std::span<float>(buffer));
  const double sum_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / repeats;

  if (comm.rank() == 0) {
    int threads = 1;
#if defined(_OPENMP)
    threads = omp_get_max_threads();
#endif
    const double n = comm.size();
    std::printf("ranks %d, OpenMP threads per rank %d, global batch %d networks x %d points\n", comm.size(), threads,
                networks, points);
    std::printf("swat-small parameters: %zu (formula %.0f); paper-scale parameters (formula): %.0f\n", parameters,
                autoencoder_parameters(64, 256, 2, 2), autoencoder_parameters(768, 3072, 12, 12));
    std::printf("bytes sent per rank per step (ring, 4 x params x 2(N-1)/N): %.0f\n", 4.0 * parameters * 2 * (n - 1) / n);
    std::printf("step %.2f ms (%.2f steps/s, %.0f networks/s); one gradient sum alone %.3f ms\n", 1e3 * step_seconds,
                1 / step_seconds, networks / step_seconds, 1e3 * sum_seconds);
  }
  return 0;
}
