// Tests for distributed/sweep.hpp and environment.hpp (2 ranks under ctest): items are dealt round robin, and
// gather_items brings every item's text to the root in item order, whichever rank computed it; a failed MPI call on
// our communicator throws distributed_error with our message instead of ending the job.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <swatnn/distributed/sweep.hpp>

using namespace swatnn::distributed;

TEST_CASE("every item has exactly one owner") {
  communicator comm;
  for (std::size_t k = 0; k < 54; ++k) {
    int mine = owns_item(comm, k) ? 1 : 0, owners = 0;
    MPI_Allreduce(&mine, &owners, 1, MPI_INT, MPI_SUM, comm.get());
    CHECK(owners == 1);
  }
}

TEST_CASE("gather_items collects the owners' texts on the root, in item order") {
  communicator comm;
  REQUIRE(comm.size() == 2);
  std::vector<std::string> items(5);
  for (std::size_t k = 0; k < items.size(); ++k)
    items[k] = owns_item(comm, k) ? "item " + std::to_string(k) + " from rank " + std::to_string(comm.rank()) + "\n"
                                  : "not mine";
  items[3] = owns_item(comm, 3) ? "" : "not mine";  // an item its owner left empty stays empty
  for (int root : {0, 1}) {
    const auto all = gather_items(comm, items, root);
    if (comm.rank() != root) {
      CHECK(all.empty());
      continue;
    }
    REQUIRE(all.size() == 5);
    CHECK(all[0] == "item 0 from rank 0\n");
    CHECK(all[1] == "item 1 from rank 1\n");
    CHECK(all[2] == "item 2 from rank 0\n");
    CHECK(all[3] == "");
    CHECK(all[4] == "item 4 from rank 0\n");
  }
}

TEST_CASE("a failed MPI call on our communicator throws distributed_error, and the job goes on") {
  communicator comm;
  int value = 1;
  // root = size is no rank: with MPI's default handler this would end the job; ours returns the error
  const int code = MPI_Bcast(&value, 1, MPI_INT, comm.size(), comm.get());
  CHECK(code != MPI_SUCCESS);
  CHECK_THROWS_WITH_AS(check_mpi(code, "the test's broadcast"),
                       doctest::Contains("distributed: the test's broadcast failed (MPI: "), swatnn::distributed_error);
  CHECK_NOTHROW(check_mpi(MPI_SUCCESS, "nothing"));
  comm.barrier();  // still usable
  CHECK(comm.rank() >= 0);
  CHECK(comm.rank() < comm.size());
}
