// libFuzzer harness: the swatnn command's command line (examples/swatnn_args.hpp, on CLI11). The input is split
// at NUL bytes into arguments after "swatnn". A usage_error (a bad command line) or a help_request (--help,
// --version) is a correct answer; anything else (another exception, a crash, a sanitizer report, a number parsed
// to a non-finite or out-of-range value) is a finding.
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
  std::vector<const char*> argv;
  for (auto& w : words) argv.push_back(w.c_str());
  argv.push_back(nullptr);
  try {
    static swatnn_cli::parser parser;  // defined once: a CLI11 definition costs about a millisecond
    const auto line = parser.parse(static_cast<int>(words.size()), argv.data());
    const auto& a = line.run;
    for (const double v : {a.l0, a.l1, a.neuron_count, a.mask_separation, a.selection_tolerance, a.neuron_sharpness_start,
                           line.autoencoder.minutes, line.baseline.options.optimizer.lr})
      if (!std::isfinite(v)) std::abort();
    if (a.restarts < 1 || a.jobs < 0 || a.max_parameters < 0 || a.prune_to < 0 || a.tune_iterations < 0 ||
        a.lm_iterations < 0 || line.autoencoder.minutes < 0 || line.autoencoder.evaluation.batch < 1 ||
        line.baseline.options.width < 1 || line.baseline.options.width > 64)
      std::abort();
    for (const int b : line.compare.budgets)
      if (b < 1) std::abort();
  } catch (const swatnn_cli::usage_error&) {
  } catch (const swatnn_cli::help_request&) {
  }
  return 0;
}
