// examples/swatnn_args.hpp: the swatnn command's arguments and their parser (strict: every number must be the
// whole argument, in range), kept apart from the command so that a fuzz harness (tests/fuzz/fuzz_cli.cpp) can
// call it: bad arguments raise swatnn_cli::usage_error instead of exiting. And the check that every output
// file of the command can be created, run before any long work starts.
#pragma once

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>

#include <swatnn/error.hpp>

namespace swatnn_cli {

// A command line the command cannot run: the message says which argument and what it takes.
class usage_error : public swatnn::value_error {
 public:
  using swatnn::value_error::value_error;
};

struct arguments {
  std::string command, cornn, train, test, target = "-1", model, json, header, dot, csv, markdown, functions;
  bool all = false, fine_tune = true, quiet = false;
  int restarts = 4;
  int jobs = 0;                                     // cornn: functions run at a time; 0 = one per hardware thread
  int max_parameters = 0;                           // 0: no budget
  int prune_to = 0;                                 // > 0: candidates over it are pruned to it before fine-tuning
  std::string tune_method = "adam";                // fine-tuning of every candidate: adam, lm or adam+lm
  int tune_iterations = -1, tune_patience = -1;     // Adam's; -1: the default (2000 / 200)
  int lm_iterations = -1, lm_patience = -1;         // Levenberg-Marquardt's; -1: the default (500 / 50)
  std::uint64_t iterations = 8001, seed = 0;
  double l0 = 1e-6, l1 = 1e-5, neuron_count = 1e-3, mask_separation = 0.4;
  double selection_tolerance = 0.05;  // the smallest network within (1 + this) x the best validation MSE
  double neuron_sharpness_start = 0;   // > 0: the neuron gate's sharpness ramps from this to 200 while annealing
};

// The whole of `text` as a finite number (no leading space, no trailing characters: "1e-6xyz" is refused).
inline bool strict_number(const std::string& text, double& out) {
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front()))) return false;
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) return false;
  out = v;
  return true;
}

// The whole of `text` as a whole number in [0, max] (digits only: no sign, space or exponent).
inline bool strict_whole_number(const std::string& text, std::uint64_t max, std::uint64_t& out) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  std::uint64_t v = 0;
  for (const char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (max - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = v;
  return true;
}

inline arguments parse(int argc, char** argv) {
  auto usage = [](const std::string& why) { throw usage_error(why); };
  if (argc < 2) usage("give a command: search, cornn or compare");
  arguments a;
  a.command = argv[1];
  if (a.command != "search" && a.command != "cornn") usage("unknown command '" + a.command + "'");
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + flag);
      return argv[++i];
    };
    auto number = [&](double& out) {
      const std::string v = value();
      if (!strict_number(v, out)) usage(flag + " takes a finite number, got '" + v + "'");
    };
    auto integer = [&](auto& out) {
      using type = std::remove_reference_t<decltype(out)>;
      const std::string v = value();
      std::uint64_t parsed = 0;
      if (!strict_whole_number(v, static_cast<std::uint64_t>(std::numeric_limits<type>::max()), parsed))
        usage(flag + " takes a whole number >= 0 (at most " + std::to_string(std::numeric_limits<type>::max()) +
              "), got '" + v + "'");
      out = static_cast<type>(parsed);
    };
    if (flag == "--cornn") a.cornn = value();
    else if (flag == "--train") a.train = value();
    else if (flag == "--test") a.test = value();
    else if (flag == "--target") a.target = value();
    else if (flag == "--model") a.model = value();
    else if (flag == "--json") a.json = value();
    else if (flag == "--header") a.header = value();
    else if (flag == "--dot") a.dot = value();
    else if (flag == "--csv") a.csv = value();
    else if (flag == "--markdown") a.markdown = value();
    else if (flag == "--functions") a.functions = value();
    else if (flag == "--all") a.all = true;
    else if (flag == "--no-fine-tune") a.fine_tune = false;
    else if (flag == "--quiet") a.quiet = true;
    else if (flag == "--restarts") integer(a.restarts);
    else if (flag == "--jobs") integer(a.jobs);
    else if (flag == "--max-parameters") integer(a.max_parameters);
    else if (flag == "--prune-to") integer(a.prune_to);
    else if (flag == "--tune-method") a.tune_method = value();
    else if (flag == "--tune-iterations") integer(a.tune_iterations);
    else if (flag == "--tune-patience") integer(a.tune_patience);
    else if (flag == "--lm-iterations") integer(a.lm_iterations);
    else if (flag == "--lm-patience") integer(a.lm_patience);
    else if (flag == "--iterations") integer(a.iterations);
    else if (flag == "--seed") integer(a.seed);
    else if (flag == "--l0") number(a.l0);
    else if (flag == "--l1") number(a.l1);
    else if (flag == "--neuron-count") number(a.neuron_count);
    else if (flag == "--mask-separation") number(a.mask_separation);
    else if (flag == "--selection-tolerance") number(a.selection_tolerance);
    else if (flag == "--neuron-sharpness-start") number(a.neuron_sharpness_start);
    else usage("unknown option " + flag);
  }
  if (a.tune_method != "adam" && a.tune_method != "lm" && a.tune_method != "adam+lm")
    usage("--tune-method takes adam, lm or adam+lm, got '" + a.tune_method + "'");
  if (a.prune_to > 0 && !a.fine_tune) usage("--prune-to prunes while fine-tuning; it cannot go with --no-fine-tune");
  if (a.command == "search" && a.cornn.empty() == a.train.empty()) usage("search needs exactly one of --cornn or --train");
  if (a.command == "cornn" && !a.all && a.functions.empty()) usage("cornn needs --all or --functions A,B,...");
  return a;
}

// io_error unless `path` (given after `flag`) can be written: it is not a directory, and it exists and is
// writable, or its directory exists and is writable. Run before any long work, so a typo in an output path
// fails in a second instead of after the search.
inline void check_output_path(const std::string& flag, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  const auto status = fs::status(p, ec);  // follows symbolic links
  if (fs::is_directory(status))
    throw swatnn::io_error(flag + " " + path + ": is a directory; give a file name");
  if (fs::exists(status)) {
    if (::access(p.c_str(), W_OK) != 0)
      throw swatnn::io_error(flag + " " + path + ": cannot be written: " + std::strerror(errno));
    return;
  }
  fs::path dir = p.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec))
    throw swatnn::io_error(flag + " " + path + ": the directory '" + dir.string() +
                           "' does not exist; create it first (mkdir -p " + dir.string() + ")");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw swatnn::io_error(flag + " " + path + ": cannot create files in the directory '" + dir.string() +
                           "': " + std::strerror(errno));
}

// check_output_path for every output file the arguments name.
inline void check_outputs(const arguments& a) {
  const std::pair<const char*, const std::string*> outputs[] = {
      {"--json", &a.json}, {"--header", &a.header}, {"--dot", &a.dot}, {"--csv", &a.csv}, {"--markdown", &a.markdown}};
  for (const auto& [flag, path] : outputs)
    if (!path->empty()) check_output_path(flag, *path);
}

}  // namespace swatnn_cli
