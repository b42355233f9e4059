// swatnn/distributed/environment.hpp: MPI for swatnn (link swatnn::mpi; never included by <swatnn/swatnn.hpp>).
// mpi_environment initializes and finalizes MPI (RAII); communicator is a duplicate of a communicator (by default
// MPI_COMM_WORLD) whose errors return (MPI_ERRORS_RETURN) and are thrown as swatnn::distributed_error with our own
// message instead of ending the job without one.
#pragma once

#include <mpi.h>

#include <cstdlib>
#include <string>
#include <utility>

#include <swatnn/error.hpp>

namespace swatnn {

// A collective operation failed or timed out: another rank stopped, is stuck, or cannot be reached.
class distributed_error : public error {
 public:
  using error::error;
};

namespace distributed {

// Throws distributed_error naming `what` when an MPI call did not succeed.
inline void check_mpi(int code, const std::string& what) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
  throw distributed_error("distributed: " + what + " failed (MPI: " + std::string(text, static_cast<std::size_t>(length)) +
                          "); another rank has stopped or cannot be reached");
}

// True when an MPI launcher (Open MPI's mpirun, or a PMI/PMIx launcher such as srun or MPICH's mpiexec) started
// this process; a program can then use MPI, and otherwise run as one process without initializing it.
inline bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

// Initializes MPI (funneled threads: only the thread that made it calls MPI) unless it already is, and finalizes
// it on destruction if it initialized it. Create it before any communicator, in main.
class mpi_environment {
 public:
  mpi_environment() : mpi_environment(nullptr, nullptr) {}
  mpi_environment(int* argc, char*** argv) {
    int initialized = 0;
    check_mpi(MPI_Initialized(&initialized), "MPI_Initialized");
    if (!initialized) {
      int provided = 0;
      check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "initializing MPI");
      owns_ = true;
    }
  }
  mpi_environment(const mpi_environment&) = delete;
  mpi_environment& operator=(const mpi_environment&) = delete;
  ~mpi_environment() {
    int finalized = 1;
    if (owns_ && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Finalize();
  }

 private:
  bool owns_ = false;
};

// A duplicate of `base` (its own message space) with MPI_ERRORS_RETURN: failed calls on it throw distributed_error.
class communicator {
 public:
  communicator() : communicator(MPI_COMM_WORLD) {}
  explicit communicator(MPI_Comm base) {
    check_mpi(MPI_Comm_dup(base, &comm_), "duplicating the communicator");
    check_mpi(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "setting the communicator's error handler");
    check_mpi(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    check_mpi(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }
  communicator(const communicator&) = delete;
  communicator& operator=(const communicator&) = delete;
  communicator(communicator&& other) noexcept
      : comm_(std::exchange(other.comm_, MPI_COMM_NULL)), rank_(other.rank_), size_(other.size_) {}
  ~communicator() {
    int finalized = 1;
    if (comm_ != MPI_COMM_NULL && MPI_Finalized(&finalized) == MPI_SUCCESS && !finalized) MPI_Comm_free(&comm_);
  }

  int rank() const { return rank_; }
  int size() const { return size_; }
  MPI_Comm get() const { return comm_; }

  void barrier() const { check_mpi(MPI_Barrier(comm_), "a barrier"); }

  // Ends every process of the job with exit status `code` (after a distributed_error: the ranks still waiting in a
  // collective operation would otherwise wait for ever).
  [[noreturn]] void abort(int code) const {
    MPI_Abort(comm_, code);
    std::abort();
  }

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace distributed
}  // namespace swatnn
