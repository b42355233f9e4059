// Tests for distributed/data_parallel.hpp, network_generator::next(out, first, count) and autoencoder_trainer's
// shard hook, on a tiny configuration (run with 2 ranks by ctest): the slices of a batch are the batch; 1 rank is
// the plain trainer bit for bit; 2 ranks follow the one-process loss curve within float summation tolerance and
// keep identical parameters on every rank; a resumed run equals an uninterrupted one, also on another rank count;
// and the fault scenarios the `distributed_fault_*` tests run (a stuck rank, a killed rank).
#include <doctest/doctest.h>

#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
// example: data-parallel-includes
#include <swatnn/distributed/data_parallel.hpp>  // link swatnn::mpi
// end example: data-parallel-includes
#include <swatnn/encoders/transformer_encoder.hpp>

using namespace swatnn;
using namespace swatnn::distributed;

namespace {
using spec = network_spec<2, 1, 2, 4>;
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu, spec>;
trainer_options tiny_options() {
  return {.seed = 5,
          .generator = {.networks = 8, .points = 32},
          .optimizer = {.lr = 3e-3},
          .steps = 20,
          .warmup_steps = 2,
          .clip_norm = 1.0};
}
struct loss_log {
  std::vector<double> losses;
  void step(const step_info<float>& info) { losses.push_back(info.loss); }
};
// one checkpoint path for the whole job (rank 0 writes it, every rank reads it)
std::filesystem::path shared_file(const communicator& comm, const std::string& name) {
  int pid = comm.rank() == 0 ? static_cast<int>(::getpid()) : 0;
  MPI_Bcast(&pid, 1, MPI_INT, 0, comm.get());
  return std::filesystem::temp_directory_path() / ("swatnn_distributed_" + std::to_string(pid) + "_" + name);
}
// a communicator of this rank alone
communicator self() { return communicator(MPI_COMM_SELF); }
double max_relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]) / std::abs(b[i]));
  return worst;
}
// rank 0's parameters equal this rank's, bit for bit
bool same_on_every_rank(const communicator& comm, std::span<const float> values) {
  std::vector<float> root(values.begin(), values.end());
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_FLOAT, 0, comm.get());
  int same = std::equal(root.begin(), root.end(), values.begin()) ? 1 : 0, all = 0;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, comm.get());
  return all == 1;
}
}  // namespace

TEST_CASE("the slices of a batch, drawn apart, are the batch bit for bit") {
  for (bool mixed : {false, true}) {
    const generator_options options{.networks = 7, .points = 16, .mixed_depths = mixed};
    network_generator<spec> whole(options, 11), sliced(options, 11);
    for (int batch = 0; batch < 3; ++batch) {
      const auto reference = whole.next();
      for (auto [first, count] : {std::pair{0, 3}, std::pair{3, 1}, std::pair{4, 3}}) {
        network_generator<spec> copy = sliced;  // each slice from the same stream position
        generated_batch<spec> part;
        copy.next(part, first, count);
        REQUIRE(part.networks.size() == static_cast<std::size_t>(count));
        CHECK(part.depth == reference.depth);
        CHECK(part.sparsity == reference.sparsity);
        CHECK(part.inputs == reference.inputs);
        CHECK(part.targets == reference.targets.middleCols(first * spec::outputs, count * spec::outputs));
        CHECK(part.tokens == reference.tokens.middleRows(first * token_layout<spec>::tokens, count * token_layout<spec>::tokens));
        for (int b = 0; b < count; ++b) CHECK(part.networks[b].depth == reference.networks[first + b].depth);
      }
      generated_batch<spec> skipped;
      sliced.next(skipped, 6, 1);  // the stream advances by one whole batch whatever the slice
      CHECK(sliced.rng_state() == whole.rng_state());
    }
  }
  network_generator<spec> g({.networks = 4, .points = 8}, 1);
  generated_batch<spec> out;
  CHECK_THROWS_WITH_AS(g.next(out, 3, 2), "network_generator::next: the slice [3, 5) is not within the batch's 4 networks",
                       value_error);
  CHECK_THROWS_AS(g.next(out, 0, 0), value_error);
}

TEST_CASE("the slices of the ranks partition the batch, balanced") {
  for (int networks : {2, 7, 64})
    for (int size : {1, 2, 3}) {
      if (networks < size) continue;
      int next = 0;
      for (int r = 0; r < size; ++r) {
        const auto s = slice_of(networks, r, size);
        CHECK(s.first == next);
        CHECK(s.count >= networks / size);
        CHECK(s.count <= networks / size + 1);
        next += s.count;
      }
      CHECK(next == networks);
    }
}

TEST_CASE("one rank is the plain trainer, bit for bit") {
  tiny_ae plain, parallel;
  loss_log plain_log, parallel_log;
  autoencoder_trainer(plain, tiny_options()).run(plain_log);
  const auto alone = self();
  data_parallel_trainer trainer(parallel, tiny_options(), alone);
  CHECK(trainer.slice().count == 8);
  trainer.run(parallel_log);
  CHECK(plain_log.losses == parallel_log.losses);
  const auto a = plain.parameters().values(), b = parallel.parameters().values();
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
}

// The bound: a step's global gradient differs from the one-process one only by float rounding of a reordered sum
// (each rank sums its networks, times count/networks, then the ranks' sums are added), a relative error of a few
// float epsilons (2^-24 = 6e-8) per element; the loss likewise. Adam turns a relative gradient error into about
// the same relative error of the update, so after k steps the parameters differ by about k x lr x 1e-6 and the
// loss curves by well under 1e-5 relative over these 20 steps (measured 1.6e-7 with g++ 12: printed below).
TEST_CASE("two ranks follow the one-process loss curve of the same global batch") {
  communicator comm;
  REQUIRE_MESSAGE(comm.size() == 2, "ctest runs this suite on 2 ranks");
  tiny_ae plain, parallel;
  loss_log plain_log, parallel_log;
  autoencoder_trainer(plain, tiny_options()).run(plain_log);
  data_parallel_trainer trainer(parallel, tiny_options(), comm);
  CHECK(trainer.slice().count == 4);
  trainer.run(parallel_log);
  REQUIRE(parallel_log.losses.size() == plain_log.losses.size());
  const double worst = max_relative_difference(parallel_log.losses, plain_log.losses);
  if (comm.rank() == 0) std::printf("2 ranks vs 1 process: largest relative loss difference over 20 steps %.3g\n", worst);
  CHECK(worst < 1e-5);
  CHECK(parallel_log.losses.front() == doctest::Approx(plain_log.losses.front()).epsilon(1e-6));
  // the curves compared are 20 distinct batches' losses of a model that moved
  CHECK(std::adjacent_find(plain_log.losses.begin(), plain_log.losses.end()) == plain_log.losses.end());
  tiny_ae init;
  const auto before = init.parameters().values(), after = plain.parameters().values();
  CHECK_FALSE(std::equal(before.begin(), before.end(), after.begin()));
  CHECK(same_on_every_rank(comm, parallel.parameters().values()));
}

TEST_CASE("a resumed two-rank run equals an uninterrupted one, and resumes on another rank count") {
  communicator comm;
  REQUIRE(comm.size() == 2);
  const auto path = shared_file(comm, "resume.ckpt");
  tiny_ae straight;
  loss_log straight_log;
  data_parallel_trainer(straight, tiny_options(), comm).run(straight_log);

  auto options = tiny_options();
  options.checkpoint_path = path;
  options.checkpoint_every = 10;
  {
    tiny_ae first;
    struct stop_at_10 {
      bool step(const step_info<float>& info) { return info.iteration == 10; }
    } stopper;
    data_parallel_trainer(first, options, comm).run(stopper);  // rank 0 wrote step 10 before the stop
  }
  comm.barrier();
  REQUIRE(std::filesystem::exists(path));
  {  // 2 ranks again: the same arithmetic, bit for bit
    tiny_ae resumed({.seed = 123});  // another init: everything must come from the checkpoint
    loss_log log;
    data_parallel_trainer trainer(resumed, tiny_options(), comm);
    trainer.resume(path);
    CHECK(trainer.step() == 10);
    trainer.run(log);
    CHECK(log.losses == std::vector<double>(straight_log.losses.begin() + 10, straight_log.losses.end()));
    const auto a = straight.parameters().values(), b = resumed.parameters().values();
    CHECK(std::equal(a.begin(), a.end(), b.begin()));
  }
  {  // 1 rank (each rank on its own): the remaining curve within the summation tolerance
    tiny_ae resumed({.seed = 123});
    loss_log log;
    const auto alone = self();
    data_parallel_trainer trainer(resumed, tiny_options(), alone);
    trainer.resume(path);
    trainer.run(log);
    CHECK(max_relative_difference(log.losses, std::vector<double>(straight_log.losses.begin() + 10,
                                                                  straight_log.losses.end())) < 1e-5);
  }
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove(path);
}

TEST_CASE("a one-process checkpoint resumes on two ranks") {
  communicator comm;
  const auto path = shared_file(comm, "from_one.ckpt");
  tiny_ae straight;
  loss_log straight_log;
  autoencoder_trainer(straight, tiny_options()).run(straight_log);
  if (comm.rank() == 0) {
    tiny_ae first;
    auto options = tiny_options();
    options.checkpoint_path = path;
    options.checkpoint_every = 10;
    struct stop_at_10 {
      bool step(const step_info<float>& info) { return info.iteration == 10; }
    } stopper;
    autoencoder_trainer(first, options).run(stopper);
  }
  comm.barrier();
  tiny_ae resumed({.seed = 123});
  loss_log log;
  data_parallel_trainer trainer(resumed, tiny_options(), comm);
  trainer.resume(path);
  CHECK(trainer.step() == 10);
  trainer.run(log);
  CHECK(max_relative_difference(log.losses, std::vector<double>(straight_log.losses.begin() + 10,
                                                                straight_log.losses.end())) < 1e-5);
  CHECK(same_on_every_rank(comm, resumed.parameters().values()));
  comm.barrier();
  if (comm.rank() == 0) std::filesystem::remove(path);
}

// docs/distributed.md shows this region: a data-parallel run that resumes from its checkpoint when there is one
TEST_CASE("the docs' data-parallel run trains, checkpoints and resumes") {
  communicator world;
  const auto path = shared_file(world, "docs.ckpt");
  for (int run = 0; run < 2; ++run) {
    // example: data-parallel
    swatnn::distributed::communicator comm;  // MPI_COMM_WORLD's ranks (main holds an mpi_environment)
    tiny_ae ae;                              // built the same way on every rank
    auto options = tiny_options();           // the global batch: 8 networks (4 on each of 2 ranks)
    options.checkpoint_path = path;          // rank 0 writes it, every 10 steps and at the end
    options.checkpoint_every = 10;
    swatnn::distributed::data_parallel_trainer trainer(ae, options, comm, {.timeout_seconds = 60});
    if (std::filesystem::exists(path)) trainer.resume(path);  // any rank count may have written it
    const auto summary = trainer.run();
    // end example: data-parallel
    CHECK(summary.steps == 20);
    CHECK(summary.curve.size() == (run == 0 ? 1u : 0u));  // the second run resumed at the end: nothing left to do
    comm.barrier();
  }
  world.barrier();
  if (world.rank() == 0) std::filesystem::remove(path);
}

TEST_CASE("a global batch smaller than the rank count is refused") {
  communicator comm;
  tiny_ae ae;
  auto options = tiny_options();
  options.generator.networks = 1;
  if (comm.size() > 1)
    CHECK_THROWS_WITH_AS(data_parallel_trainer(ae, options, comm),
                         "data_parallel_trainer: the global batch of 1 networks is smaller than the 2 ranks (every rank "
                         "needs at least one network)",
                         value_error);
}

TEST_CASE("the watchdog: a sum that does not complete in time throws distributed_error") {
  communicator comm;
  REQUIRE(comm.size() == 2);
  static std::vector<float> data(16, 1.0f);  // static: rank 0's abandoned sum may still write it after the case
  if (comm.rank() == 0) {
    // rank 1 joins only after 1.5 s: a 0.3 s watchdog on rank 0 fires
    CHECK_THROWS_AS(allreduce_sum(comm, std::span<float>(data), 0.3, "the test's sum"), distributed_error);
  }
  // the sum rank 0 abandoned is still pending there; a fresh communicator keeps the next tests apart from it
  if (comm.rank() == 1) std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  if (comm.rank() == 1) allreduce_sum(comm, std::span<float>(data), 10.0);  // completes rank 0's pending sum
  communicator fresh;
  std::vector<float> again(4, 1.0f);
  allreduce_sum(fresh, std::span<float>(again), 10.0);
  CHECK(again[0] == 2.0f);
}

// `test_distributed --fault stall`: rank 1 stops taking part after step 3 (sleeps 60 s); rank 0's 3 s watchdog must
// end the job with our message. `--fault kill`: rank 1 kills itself after step 3; the job must end, not hang.
int run_fault(const std::string& mode) {
  communicator comm;
  tiny_ae ae;
  auto options = tiny_options();
  options.steps = 1000;
  struct fault_callback {
    int rank;
    std::string mode;
    void step(const step_info<float>& info) {
      if (rank != 1 || info.iteration != 3) return;
      if (mode == "kill") std::raise(SIGKILL);
      std::this_thread::sleep_for(std::chrono::seconds(60));
    }
  } fault{comm.rank(), mode};
  try {
    data_parallel_trainer trainer(ae, options, comm, {.timeout_seconds = 3});
    trainer.run(fault);
  } catch (const distributed_error& e) {
    std::fprintf(stderr, "swatnn: %s\n", e.what());
    comm.abort(3);
  }
  std::printf("fault scenario %s: the run ended without a fault\n", mode.c_str());
  return 1;
}
