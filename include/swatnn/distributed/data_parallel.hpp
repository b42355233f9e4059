// swatnn/distributed/data_parallel.hpp: data-parallel autoencoder training over the ranks of a communicator. Every
// rank draws each global batch from the same seeded stream and keeps only its contiguous slice of the networks
// (network_generator::next(out, first, count): the slices together are the one-process batch, bit for bit); its
// gradients and loss are scaled by its share of the batch and summed over the ranks with one in-place allreduce
// of the flat gradient buffer (and one of two doubles: the loss and the elapsed time, so every rank stops at the
// same step), so every rank holds the one-process batch mean and applies the same optimizer step. Rank 0 writes
// the checkpoints; the checkpoint holds nothing that depends on the number of ranks, so a run resumes on any.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <utility>

#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/distributed/allreduce.hpp>
#include <swatnn/distributed/environment.hpp>

namespace swatnn::distributed {

struct data_parallel_options {
  double timeout_seconds = 0;  // > 0: a step's gradient sum that takes longer throws distributed_error (watchdog)
};

// Networks [first, first + count) of a batch of `networks` are rank `rank`'s of `size` (contiguous, balanced).
struct batch_slice {
  int first = 0;
  int count = 0;
};
inline batch_slice slice_of(int networks, int rank, int size) {
  const auto begin = static_cast<long long>(networks) * rank / size;
  const auto end = static_cast<long long>(networks) * (rank + 1) / size;
  return {static_cast<int>(begin), static_cast<int>(end - begin)};
}

template <class AE, class Optimizer = adam>
class data_parallel_trainer {
 public:
  using trainer_type = autoencoder_trainer<AE, Optimizer>;
  using options_type = typename trainer_type::options_type;
  using T = typename AE::scalar_type;

  // `ae` must be built the same way on every rank; rank 0's initial parameters are broadcast to the others.
  data_parallel_trainer(AE& ae, options_type options, const communicator& comm, data_parallel_options dp = {})
      : comm_(&comm), dp_(dp), trainer_(ae, checked(std::move(options), comm)) {
    auto values = ae.parameters().values();
    check_mpi(MPI_Bcast(values.data(), static_cast<int>(values.size()), mpi_datatype<T>(), 0, comm.get()),
              "broadcasting rank 0's initial parameters");
    const auto slice = slice_of(trainer_.options().generator.networks, comm.rank(), comm.size());
    trainer_.set_shard({.first = slice.first,
                        .count = slice.count,
                        .reduce = [this](std::span<T> gradients, double& loss, double& seconds) {
                          reduce(gradients, loss, seconds);
                        },
                        .writes_checkpoints = comm.rank() == 0});
    slice_ = slice;
  }

  // the trainer's reduction refers to this object: it stays where it was made
  data_parallel_trainer(const data_parallel_trainer&) = delete;
  data_parallel_trainer& operator=(const data_parallel_trainer&) = delete;

  const communicator& comm() const { return *comm_; }
  batch_slice slice() const { return slice_; }
  std::uint64_t step() const { return trainer_.step(); }
  trainer_type& trainer() { return trainer_; }

  // Every rank reads the checkpoint (the same file: a shared file system, or a copy on every node); it may have been
  // written by a run on any number of ranks, or by the one-process trainer.
  void resume(const std::filesystem::path& path) { trainer_.resume(path); }

  // Rank 0 writes the checkpoint; every rank returns once it is written.
  void save(const std::filesystem::path& path) {
    if (comm_->rank() == 0) trainer_.save(path);
    comm_->barrier();
  }

  template <class... Callbacks>
  training_summary run(Callbacks&&... cbs) {
    return trainer_.run(std::forward<Callbacks>(cbs)...);
  }

 private:
  static options_type checked(options_type options, const communicator& comm) {
    if (options.generator.networks < comm.size())
      throw value_error("data_parallel_trainer: the global batch of " + std::to_string(options.generator.networks) +
                        " networks is smaller than the " + std::to_string(comm.size()) +
                        " ranks (every rank needs at least one network)");
    return options;
  }

  void reduce(std::span<T> gradients, double& loss, double& seconds) {
    allreduce_sum(*comm_, gradients, dp_.timeout_seconds,
                  "the gradient sum of step " + std::to_string(trainer_.step() + 1));
    std::array<double, 2> scalars{loss, seconds};
    allreduce_sum(*comm_, std::span<double>(scalars), dp_.timeout_seconds,
                  "the loss sum of step " + std::to_string(trainer_.step() + 1));
    loss = scalars[0];
    seconds = scalars[1] / comm_->size();
  }

  const communicator* comm_;
  data_parallel_options dp_;
  trainer_type trainer_;
  batch_slice slice_{};
};

}  // namespace swatnn::distributed
