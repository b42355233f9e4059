// swatnn/distributed/sweep.hpp: a sweep of independent items (such as the CORNN functions) split across the ranks:
// item k is rank (k mod size)'s, and gather_items collects every item's text on one rank, in item order, so that it
// writes the same output as a one-process sweep.
#pragma once

#include <mpi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <swatnn/distributed/environment.hpp>

namespace swatnn::distributed {

inline bool owns_item(const communicator& comm, std::size_t k) {
  return k % static_cast<std::size_t>(comm.size()) == static_cast<std::size_t>(comm.rank());
}

// items[k] is read on the rank that owns item k (the other ranks' entries are ignored); on `root` the result holds
// every item's text (empty for an item its owner left empty), elsewhere it is empty. Every rank passes the same count.
inline std::vector<std::string> gather_items(const communicator& comm, const std::vector<std::string>& items, int root = 0) {
  std::string packed;  // (index, length, bytes) for each owned item
  auto put = [&packed](std::uint64_t v) { packed.append(reinterpret_cast<const char*>(&v), sizeof v); };
  for (std::size_t k = 0; k < items.size(); ++k)
    if (owns_item(comm, k)) {
      put(k);
      put(items[k].size());
      packed += items[k];
    }
  const int size = static_cast<int>(packed.size());
  std::vector<int> sizes(comm.rank() == root ? comm.size() : 0);
  check_mpi(MPI_Gather(&size, 1, MPI_INT, sizes.data(), 1, MPI_INT, root, comm.get()), "gathering the sweep's sizes");
  std::vector<int> offsets(sizes.size());
  std::string all;
  if (comm.rank() == root) {
    long long total = 0;
    for (std::size_t r = 0; r < sizes.size(); ++r) {
      offsets[r] = static_cast<int>(total);
      total += sizes[r];
    }
    all.resize(static_cast<std::size_t>(total));
  }
  check_mpi(MPI_Gatherv(packed.data(), size, MPI_CHAR, all.data(), sizes.data(), offsets.data(), MPI_CHAR, root,
                        comm.get()),
            "gathering the sweep's results");
  std::vector<std::string> out;
  if (comm.rank() != root) return out;
  out.resize(items.size());
  auto get = [&all](std::size_t& at) {
    std::uint64_t v = 0;
    std::memcpy(&v, all.data() + at, sizeof v);
    at += sizeof v;
    return v;
  };
  for (std::size_t at = 0; at < all.size();) {
    const auto k = get(at);
    const auto length = get(at);
    if (k >= out.size() || at + length > all.size())
      throw distributed_error("distributed: gather_items received an item out of range (the ranks passed different "
                              "item counts)");
    out[k] = all.substr(at, length);
    at += length;
  }
  return out;
}

}  // namespace swatnn::distributed
