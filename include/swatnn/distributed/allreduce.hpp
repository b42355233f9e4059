// swatnn/distributed/allreduce.hpp: the sum of a buffer over every rank, in place (one MPI_Allreduce), with an
// optional watchdog: with a timeout the sum is started non-blocking (MPI_Iallreduce) and polled, and a sum that does
// not complete in time throws distributed_error instead of waiting for ever on a rank that stopped.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstddef>
#include <limits>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>

#include <swatnn/distributed/environment.hpp>

namespace swatnn::distributed {

template <class T>
MPI_Datatype mpi_datatype() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "swatnn::distributed: buffers of float or double only");
  if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
  else return MPI_DOUBLE;
}

// data <- the element-wise sum of every rank's data (every rank passes the same length). timeout_seconds > 0: throw
// distributed_error when the sum has not completed after that long; `what` names the sum in that message.
template <class T>
void allreduce_sum(const communicator& comm, std::span<T> data, double timeout_seconds = 0,
                   const std::string& what = "the gradient sum") {
  if (data.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw value_error("distributed::allreduce_sum: " + std::to_string(data.size()) + " elements are more than one MPI "
                      "call takes");
  const int count = static_cast<int>(data.size());
  if (!(timeout_seconds > 0)) {
    check_mpi(MPI_Allreduce(MPI_IN_PLACE, data.data(), count, mpi_datatype<T>(), MPI_SUM, comm.get()), what);
    return;
  }
  MPI_Request request = MPI_REQUEST_NULL;
  check_mpi(MPI_Iallreduce(MPI_IN_PLACE, data.data(), count, mpi_datatype<T>(), MPI_SUM, comm.get(), &request), what);
  const auto start = std::chrono::steady_clock::now();
  const auto limit = std::chrono::duration<double>(timeout_seconds);
  for (long polls = 0;; ++polls) {
    int done = 0;
    check_mpi(MPI_Test(&request, &done, MPI_STATUS_IGNORE), what);
    if (done) return;
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited > limit)
    {
      std::ostringstream message;
      message << "distributed: rank " << comm.rank() << " of " << comm.size() << ": " << what
              << " did not complete within " << timeout_seconds
              << " s; another rank has stopped or is stuck (the job should be ended)";
      throw distributed_error(message.str());
    }
    // poll at full speed for the first thousand tests (a sum usually completes within them), then every 100 us
    if (polls > 1000) std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

}  // namespace swatnn::distributed
