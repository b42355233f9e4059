// libFuzzer harness: the swatnn command's argument parser (examples/swatnn_args.hpp). The input is split at
// NUL bytes into arguments after "swatnn". A usage_error is a correct answer to a bad command line; anything
// else (another exception, a crash, a sanitizer report, a number parsed to a non-finite or negative value) is
// a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "swatnn_args.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"swatnn"};
  std::string current;
  for (std::size_t i = 0; i < size && words.size() < 64; ++i) {
    if (data[i] == 0) {
      words.push_back(current);
      current.clear();
    } else {
      current += static_cast<char>(data[i]);
    }
  }
  words.push_back(current);
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  try {
    const auto a = swatnn_cli::parse(static_cast<int>(words.size()), argv.data());
    for (const double v : {a.l0, a.l1, a.neuron_count, a.mask_separation, a.selection_tolerance, a.neuron_sharpness_start})
      if (!std::isfinite(v)) std::abort();
    if (a.restarts < 0 || a.jobs < 0 || a.max_parameters < 0 || a.prune_to < 0) std::abort();
  } catch (const swatnn_cli::usage_error&) {
  }
  return 0;
}
