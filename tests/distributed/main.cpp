// The doctest main of test_distributed (run under mpirun): MPI is initialized around the suite, and the job fails
// when the suite fails on any rank. `test_distributed --fault stall|kill` runs a fault scenario instead
// (data_parallel.cpp, run_fault).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <mpi.h>

#include <string>

#include <swatnn/distributed/environment.hpp>

int run_fault(const std::string& mode);  // data_parallel.cpp

int main(int argc, char** argv) {
  swatnn::distributed::mpi_environment mpi(&argc, &argv);
  if (argc == 3 && std::string(argv[1]) == "--fault") return run_fault(argv[2]);
  doctest::Context context(argc, argv);
  int failed = context.run() != 0 ? 1 : 0;
  int any = 0;
  MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  return any;
}
