// examples/swatnn_args.hpp: the swatnn command's command line (CLI11): its subcommands, their options with their
// defaults (each stated once, in the structs below or in the library's option structs, and shown by --help), and
// the parser. Kept apart from the command so that a fuzz harness (tests/fuzz/fuzz_cli.cpp) can call it: a bad
// command line raises swatnn_cli::usage_error and --help / --version raise swatnn_cli::help_request instead of
// exiting. Numbers are parsed strictly by us (the whole argument, finite, in range: "1e-6xyz", "-1" for a count and
// "0x10" are refused, with a message naming the option), not by CLI11's conversions, which read "-1" into an
// unsigned count as 2^64-1. Also the check that every output file of a command can be created, run before any
// long work starts.
#pragma once

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <unistd.h>

#include <CLI/CLI.hpp>

#include <swatnn/autoencoder/evaluation.hpp>  // reconstruction_options: evaluate-autoencoder's defaults
#include <swatnn/baselines/dense.hpp>         // dense_options: baseline's defaults
#include <swatnn/error.hpp>
#include <swatnn/search/fine_tune_lm.hpp>     // fine_tune_options, levenberg_marquardt_options: the tuning defaults

#ifndef SWATNN_CLI_VERSION
#define SWATNN_CLI_VERSION "unknown"  // the build sets it to the CMake project's version
#endif

namespace swatnn_cli {

// A command line the command cannot run: the message says which argument and what it takes (exit status 2).
class usage_error : public swatnn::value_error {
 public:
  using swatnn::value_error::value_error;
};

// --help / -h or --version: not an error; text() goes to stdout and the command exits 0.
class help_request : public std::exception {
 public:
  explicit help_request(std::string text) : text_(std::move(text)) {}
  const char* what() const noexcept override { return text_.c_str(); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

// The options of `search`, `cornn` and `compare` (each subcommand registers the ones it takes): the data, the
// latent search, the fine-tuning and the outputs.
struct arguments {
  std::string command;                     // the subcommand
  std::string cornn, train, test, model, json, header, dot, csv, markdown;
  std::string log;                         // search: the curve as CSV
  std::string plots;                       // search: a directory for the SVG pictures (gnuplot); empty: none
  bool allow_constant = false;             // search: exit 0 even when the pick is no better than the training mean
  bool universal = false;                  // search: the universal 1-7-input model even for 2 inputs
  std::string target = "-1";               // a column name, or a 0-based index (negative: from the end)
  std::vector<std::string> inputs;         // input columns (names or indices); empty: every column but the target
  std::vector<std::string> functions;      // CORNN functions (cornn, compare)
  bool all = false, fine_tune = true, quiet = false;
  int restarts = 4;
  int jobs = 0;                            // functions run at a time; 0 = one per hardware thread
  int max_parameters = 0;                  // 0: no budget
  int prune_to = 0;                        // > 0: candidates over it are pruned to it while they are fine-tuned
  std::string tune_method = "adam";        // fine-tuning of every candidate: adam, lm or adam+lm
  int tune_iterations = swatnn::fine_tune_options<>{}.max_iterations;  // Adam's
  int tune_patience = swatnn::fine_tune_options<>{}.patience;
  int lm_iterations = swatnn::levenberg_marquardt_options{}.max_iterations;  // Levenberg-Marquardt's
  int lm_patience = swatnn::levenberg_marquardt_options{}.patience;
  std::uint64_t iterations = 8001, seed = 0;
  double l0 = 1e-6, l1 = 1e-5, neuron_count = 1e-3, mask_separation = 0.4;
  double selection_tolerance = 0.05;       // the smallest network within (1 + this) x the best validation MSE
  double neuron_sharpness_start = 0;       // > 0: the neuron gate's sharpness ramps from this to 200 while annealing
};

// What `compare` adds to the arguments.
struct compare_settings {
  std::vector<std::string> methods = {"swat", "staged", "darts-admm"};
  std::vector<int> budgets = {10, 20, 30, 50};
  std::string plots;                       // directory for the SVG pictures; empty: none
  std::string summarize;                   // a compare CSV to summarize (markdown, plots) instead of running
  std::vector<int> staged_depths = {1, 2}, staged_widths = {4, 7};  // the staged grid
  int darts_iterations = 1000;             // darts_options::iterations
};

// train-autoencoder and evaluate-autoencoder.
struct autoencoder_arguments {
  std::string out, model, checkpoint, resume, curve, record, save_model, init;
  bool universal = false;                  // the universal family (1 to 7 inputs) instead of the paper's 2-input one
  std::string recipe = "swatnn";
  double minutes = 0;                      // 0: no time limit
  std::uint64_t steps = 60000, seed = 1, checkpoint_every = 1000;
  swatnn::reconstruction_options evaluation{};  // the held-out reconstruction report (networks, batch, points, seed)
};

// baseline: the dense reference network on CORNN functions.
struct baseline_arguments {
  std::vector<std::string> functions;      // empty: all 54 (unless --train)
  std::string train, test, target = "-1";  // --train: a data file instead of CORNN (1 to 7 inputs)
  std::vector<std::string> inputs;
  swatnn::baselines::dense_options options{};
  std::string csv;
};

struct command_line {
  std::string command;  // search, cornn, compare, train-autoencoder, evaluate-autoencoder or baseline
  arguments run;        // search, cornn, compare: the options of the one given
  compare_settings compare;
  autoencoder_arguments autoencoder;
  baseline_arguments baseline;
  // what the parser fills in for each of search, cornn and compare (their defaults may differ); parse copies the
  // one given to `run`
  arguments for_search, for_cornn, for_compare;
};

inline const std::vector<std::string>& command_names() {
  static const std::vector<std::string> names = {"search", "cornn", "compare", "train-autoencoder",
                                                 "evaluate-autoencoder", "baseline"};
  return names;
}

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

// "a,b,,c" -> {"a", "b", "c"}.
inline std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    const std::size_t end = std::min(list.find(',', begin), list.size());
    if (end > begin) out.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

namespace detail {

inline std::string shortest(double v) {
  char buffer[32];
  const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, r.ptr);
}

inline std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (std::size_t k = 0; k < items.size(); ++k) out += (k ? separator : "") + items[k];
  return out;
}

template <class T>
std::string join_numbers(const std::vector<T>& items) {
  std::vector<std::string> text;
  for (const T v : items) text.push_back(std::to_string(v));
  return join(text, ",");
}

// "adam, lm or adam+lm"
inline std::string alternatives(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t k = 0; k < choices.size(); ++k)
    out += (k == 0 ? "" : k + 1 == choices.size() ? " or " : ", ") + choices[k];
  return out;
}

template <class T>
std::string whole_range(T min, T max) {
  if (max == std::numeric_limits<T>::max())
    return "a whole number >= " + std::to_string(min) + " (at most " + std::to_string(max) + ")";
  return "a whole number in " + std::to_string(min) + ".." + std::to_string(max);
}

// `--name` from a CLI11 name list such as "-h,--help" (the long name, else the first).
inline std::string flag_of(const std::string& names) {
  for (const auto& n : split_list(names))
    if (n.rfind("--", 0) == 0) return n;
  return split_list(names).front();
}

}  // namespace detail

// Option declarations with our strict parsing; each shows its default (the target's value when declared).

// A whole number in [min, max] into `target` (an unsigned or a non-negative int).
template <class T>
CLI::Option* add_whole(CLI::App& app, const std::string& name, T& target, const std::string& help, T min = 0,
                       T max = std::numeric_limits<T>::max()) {
  static_assert(std::is_integral_v<T>);
  const std::string flag = detail::flag_of(name);
  auto* option = app.add_option_function<std::string>(
      name,
      [&target, flag, min, max](const std::string& text) {
        std::uint64_t v = 0;
        if (!strict_whole_number(text, static_cast<std::uint64_t>(max), v) || v < static_cast<std::uint64_t>(min))
          throw usage_error(flag + " takes " + detail::whole_range(min, max) + ", got '" + text + "'");
        target = static_cast<T>(v);
      },
      help);
  option->type_name("N")->default_str(std::to_string(target));
  return option;
}

// A finite number >= min into `target`.
inline CLI::Option* add_real(CLI::App& app, const std::string& name, double& target, const std::string& help,
                             double min = -std::numeric_limits<double>::infinity()) {
  const std::string flag = detail::flag_of(name);
  auto* option = app.add_option_function<std::string>(
      name,
      [&target, flag, min](const std::string& text) {
        double v = 0;
        if (!strict_number(text, v) || v < min)
          throw usage_error(flag + " takes a finite number" + (std::isfinite(min) ? " >= " + detail::shortest(min) : "") +
                            ", got '" + text + "'");
        target = v;
      },
      help);
  option->type_name("X")->default_str(detail::shortest(target));
  return option;
}

// A text (a file name, a column); `type` names it in the help.
inline CLI::Option* add_text(CLI::App& app, const std::string& name, std::string& target, const std::string& help,
                             const std::string& type = "FILE") {
  auto* option = app.add_option(name, target, help);
  option->type_name(type);
  if (!target.empty()) option->default_str(target);
  return option;
}

// One of `choices` into `target`.
inline CLI::Option* add_choice(CLI::App& app, const std::string& name, std::string& target,
                               const std::vector<std::string>& choices, const std::string& help) {
  const std::string flag = detail::flag_of(name);
  auto* option = app.add_option_function<std::string>(
      name,
      [&target, flag, choices](const std::string& text) {
        if (std::find(choices.begin(), choices.end(), text) == choices.end())
          throw usage_error(flag + " takes " + detail::alternatives(choices) + ", got '" + text + "'");
        target = text;
      },
      help);
  option->type_name(detail::join(choices, "|"))->default_str(target);
  return option;
}

// A comma-separated list of names (at least one), each one of `choices` when choices are given.
inline CLI::Option* add_names(CLI::App& app, const std::string& name, std::vector<std::string>& target,
                              const std::string& help, const std::string& type, std::vector<std::string> choices = {}) {
  const std::string flag = detail::flag_of(name);
  auto* option = app.add_option_function<std::string>(
      name,
      [&target, flag, choices](const std::string& text) {
        auto items = split_list(text);
        if (items.empty()) throw usage_error(flag + " needs at least one name, got '" + text + "'");
        for (const auto& item : items)
          if (!choices.empty() && std::find(choices.begin(), choices.end(), item) == choices.end())
            throw usage_error(flag + " takes a comma-separated list of " + detail::join(choices, ", ") + ", got '" +
                              item + "'");
        target = std::move(items);
      },
      help);
  option->type_name(type);
  if (!target.empty()) option->default_str(detail::join(target, ","));
  return option;
}

// A comma-separated list of whole numbers in [min, max] (at least one).
inline CLI::Option* add_whole_list(CLI::App& app, const std::string& name, std::vector<int>& target,
                                   const std::string& help, int min, int max) {
  const std::string flag = detail::flag_of(name);
  auto* option = app.add_option_function<std::string>(
      name,
      [&target, flag, min, max](const std::string& text) {
        std::vector<int> values;
        for (const auto& item : split_list(text)) {
          std::uint64_t v = 0;
          if (!strict_whole_number(item, static_cast<std::uint64_t>(max), v) || v < static_cast<std::uint64_t>(min))
            throw usage_error(flag + " takes a comma-separated list of whole numbers in " + std::to_string(min) + ".." +
                              std::to_string(max) + ", got '" + text + "'");
          values.push_back(static_cast<int>(v));
        }
        if (values.empty()) throw usage_error(flag + " needs at least one number");
        target = std::move(values);
      },
      help);
  option->type_name("N,N,...")->default_str(detail::join_numbers(target));
  return option;
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
      {"--json", &a.json}, {"--header", &a.header}, {"--dot", &a.dot}, {"--csv", &a.csv}, {"--markdown", &a.markdown},
      {"--log", &a.log}};
  for (const auto& [flag, path] : outputs)
    if (!path->empty()) check_output_path(flag, *path);
}

namespace detail {

// The help's closing line. `interruptible`: the subcommand stops at SIGINT and writes what it found (search, cornn);
// `any`: the top-level help, which says which ones do.
enum class on_sigint { not_handled, interruptible, any };
inline std::string exit_status_text(on_sigint sigint = on_sigint::not_handled) {
  std::string text = "Exit status: 0 done; 1 a run-time or data error (message on stderr); 2 a usage error (bad command line)";
  if (sigint == on_sigint::interruptible) text += "; 130 interrupted (SIGINT: what was found so far is written, marked partial)";
  if (sigint == on_sigint::any) text += "; 130 interrupted (search and cornn write what they found so far, marked partial)";
  return text + ".";
}

// The options every search-based subcommand takes (search, cornn, compare).
inline void add_search_options(CLI::App& sub, arguments& a, bool prune_and_no_tune) {
  add_text(sub, "--model", a.model,
           "the autoencoder (default: the shipped model of the data's family: models/swat_small.swt for 2 inputs, "
           "models/swat_small_universal.swt for 1 and 3..7)");
  add_whole(sub, "--restarts", a.restarts, "random latents per depth level", 1);
  add_whole(sub, "--iterations", a.iterations, "search iterations", std::uint64_t{1});
  add_whole(sub, "--seed", a.seed, prune_and_no_tune ? "seed of the search" : "seed of the search and of the baselines");
  add_real(sub, "--l0", a.l0, "weight of the smooth L0 penalty");
  add_real(sub, "--l1", a.l1, "weight of the L1 penalty");
  add_real(sub, "--neuron-count", a.neuron_count, "weight of the active-neuron penalty");
  add_real(sub, "--mask-separation", a.mask_separation, "weight of the mask-separation penalty");
  add_real(sub, "--neuron-sharpness-start", a.neuron_sharpness_start,
           "> 0: the neuron gate's sharpness ramps from this to 200 during the anneal (0: fixed at 200)", 0.0);
  add_whole(sub, "--max-parameters", a.max_parameters,
            "the search's budget: no extracted network with more nonzero parameters is kept (0: no budget)");
  add_real(sub, "--selection-tolerance", a.selection_tolerance,
           "the pick is the smallest network within (1 + this) x the best validation MSE", 0.0);
  if (prune_and_no_tune) {
    add_whole(sub, "--prune-to", a.prune_to,
              "a budget for fine-tuning: candidates over N nonzero parameters are pruned to N while tuned (0: none)");
    sub.add_flag_callback("--no-fine-tune", [&a] { a.fine_tune = false; },
                          "keep the search's own pick, without fine-tuning the candidates");
  }
  add_choice(sub, "--tune-method", a.tune_method, {"adam", "lm", "adam+lm"},
             "how every candidate is fine-tuned: Adam, Levenberg-Marquardt, or Adam then Levenberg-Marquardt");
  add_whole(sub, "--tune-iterations", a.tune_iterations, "Adam's fine-tuning updates at most");
  add_whole(sub, "--tune-patience", a.tune_patience, "Adam stops after this many updates without improvement (0: never)");
  add_whole(sub, "--lm-iterations", a.lm_iterations, "Levenberg-Marquardt steps at most");
  add_whole(sub, "--lm-patience", a.lm_patience,
            "Levenberg-Marquardt stops after this many steps without improvement (0: never)");
  sub.add_flag("--quiet", a.quiet, "no progress bar");
}

// --train / --test / --target / --inputs: the user's data.
inline void add_data_options(CLI::App& sub, arguments& a) {
  auto* train = add_text(sub, "--train", a.train,
                         "the training data: a CSV file, or a 2-D float32/float64 .npy array (by its extension)");
  add_text(sub, "--test", a.test, "a separate test file (default: 20 % of --train held out, seeded)")->needs(train);
  add_text(sub, "--target", a.target, "the target column: a name, or a 0-based index (negative: from the end)",
           "COLUMN")
      ->needs(train);
  auto* inputs = sub.add_option_function<std::string>(
      "--inputs", [&a](const std::string& text) {
        a.inputs = split_list(text);
        if (a.inputs.empty()) throw usage_error("--inputs needs at least one column, got '" + text + "'");
      },
      "the input columns, in order (names or indices; default: every column but the target)");
  inputs->type_name("COLUMN,...")->needs(train);
}

[[noreturn]] inline void explain(const CLI::App& app, const CLI::ParseError& e, const std::string& command,
                                 const std::vector<std::string>& words) {
  const std::string where = command.empty() ? "swatnn" : "swatnn " + command;
  const std::string hint = "; see " + where + " --help";
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    // the first argument the subcommand does not take: an option of another subcommand, unknown, or a stray value
    const CLI::App* sub = command.empty() ? nullptr : app.get_subcommand(command);
    bool after_command = command.empty();
    for (const auto& word : words) {
      if (!after_command) {
        after_command = word == command;
        continue;
      }
      if (word.size() < 2 || word[0] != '-' || std::isdigit(static_cast<unsigned char>(word[1])) || word[1] == '.')
        continue;  // a value (a file, a name, a negative number), not an option
      const std::string name = word.substr(0, word.find('='));
      if (sub != nullptr && sub->get_option_no_throw(name) != nullptr) continue;
      if (name == "--help" || name == "-h") continue;
      std::vector<std::string> owners;
      for (const auto& other : command_names())
        if (other != command && app.get_subcommand(other)->get_option_no_throw(name) != nullptr) owners.push_back(other);
      if (!owners.empty())
        throw usage_error(where + " has no option " + name + " (it is an option of " + alternatives(owners) + ")" + hint);
      throw usage_error("unknown option " + name + " for " + where + hint);
    }
  }
  std::string message = e.what();
  throw usage_error(message + hint);
}

}  // namespace detail

// Builds the command line's definition: `line` receives the values when `app` parses.
inline void define(CLI::App& app, command_line& line) {
  app.name("swatnn");
  app.description(
      "swatnn: finds a small sparse neural network for a regression dataset by gradient descent in the latent space "
      "of a trained autoencoder (SWAT-NN).");
  app.set_help_flag("-h,--help", "print this help and exit");
  app.set_version_flag("--version", std::string("swatnn ") + SWATNN_CLI_VERSION, "print the version and exit");
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // a repeated option: the last wins
  app.require_subcommand(1);
  app.footer(detail::exit_status_text(detail::on_sigint::any));
  app.get_formatter()->column_width(44);
  arguments& search_args = line.for_search;
  arguments& cornn_args = line.for_cornn;
  arguments& compare_args = line.for_compare;
  compare_args.tune_method = "adam+lm";  // compare's default: the search's documented best options

  auto* search = app.add_subcommand("search", "search a network for one dataset: a CORNN function or your data");
  search->add_option("--cornn", search_args.cornn, "a CORNN function (e.g. Sphere, Rastrigin)")->type_name("NAME");
  detail::add_data_options(*search, search_args);
  detail::add_search_options(*search, search_args, true);
  add_text(*search, "--json", search_args.json, "write the network as JSON");
  add_text(*search, "--header", search_args.header, "write the network as a standalone C++ header");
  add_text(*search, "--dot", search_args.dot, "write the network as a Graphviz DOT file");
  add_text(*search, "--log", search_args.log,
           "write the curve as CSV: phase, candidate, iteration, train and validation MSE (scaled and data units)");
  add_text(*search, "--plots", search_args.plots,
           "write SVG pictures (gnuplot; the network with Graphviz dot when installed) into this directory", "DIR");
  search->add_flag("--universal", search_args.universal,
                   "search with the universal model (1 to 7 inputs) even when the data has 2 inputs (1 and 3..7 "
                   "always use it)");
  search->add_flag("--allow-constant", search_args.allow_constant,
                   "exit 0 even when the pick is no better on validation than predicting the training mean");
  search->footer("Give exactly one of --cornn or --train. " + detail::exit_status_text(detail::on_sigint::interruptible));

  auto* cornn = app.add_subcommand("cornn", "search every CORNN function named, one thread each, and tabulate");
  cornn->add_flag("--all", cornn_args.all, "all 54 CORNN functions");
  add_names(*cornn, "--functions", cornn_args.functions, "the CORNN functions to run", "A,B,...");
  add_whole(*cornn, "--jobs", cornn_args.jobs, "functions run at a time, one thread each (0: one per hardware thread)");
  detail::add_search_options(*cornn, cornn_args, true);
  add_text(*cornn, "--csv", cornn_args.csv, "write one row per function as CSV");
  add_text(*cornn, "--markdown", cornn_args.markdown, "write the table as markdown");
  cornn->footer("Give --all or --functions. " + detail::exit_status_text(detail::on_sigint::interruptible));

  auto* compare = app.add_subcommand(
      "compare", "the search against the staged baselines (grid + pruning, DARTS + ADMM) at parameter budgets");
  compare->add_flag("--all", compare_args.all, "all 54 CORNN functions");
  add_names(*compare, "--functions", compare_args.functions, "the CORNN functions to run", "A,B,...");
  compare->add_option("--cornn", compare_args.cornn, "one CORNN function (as --functions NAME)")->type_name("NAME");
  detail::add_data_options(*compare, compare_args);
  add_names(*compare, "--methods", line.compare.methods, "the methods compared", "M,...", {"swat", "staged", "darts-admm"});
  add_whole_list(*compare, "--budgets", line.compare.budgets, "the parameter budgets", 1, 100000);
  add_text(*compare, "--plots", line.compare.plots, "write SVG pictures (gnuplot) into this directory", "DIR");
  add_text(*compare, "--summarize", line.compare.summarize,
           "no runs: the markdown and the pictures of an earlier run's --csv file", "CSV");
  add_whole_list(*compare, "--staged-depths", line.compare.staged_depths, "the staged grid's depths", 1, 100000);
  add_whole_list(*compare, "--staged-widths", line.compare.staged_widths, "the staged grid's widths", 1, 100000);
  add_whole(*compare, "--darts-iterations", line.compare.darts_iterations, "DARTS iterations", 1);
  add_whole(*compare, "--jobs", compare_args.jobs,
            "functions run at a time, one thread each (0: one per hardware thread)");
  detail::add_search_options(*compare, compare_args, false);
  add_text(*compare, "--csv", compare_args.csv, "write one row per function, method and budget as CSV");
  add_text(*compare, "--markdown", compare_args.markdown, "write the summary as markdown");
  compare->footer(std::string("Give --all, --functions, --cornn or --train (or --summarize CSV). ") +
                  detail::exit_status_text());

  auto& ae = line.autoencoder;
  auto* train = app.add_subcommand("train-autoencoder", "train the swat-small autoencoder from scratch, or resume a run");
  add_text(*train, "--out", ae.out, "write the trained model here")->required();
  add_real(*train, "--minutes", ae.minutes, "stop after this many minutes (0: no limit)", 0.0);
  add_whole(*train, "--steps", ae.steps, "training steps at most");
  add_choice(*train, "--recipe", ae.recipe, {"swatnn", "paper"},
             "swatnn: normalized loss, mixed depths, warm-up + cosine lr, clipping; paper: the paper's recipe");
  add_whole(*train, "--seed", ae.seed, "training seed");
  add_text(*train, "--checkpoint", ae.checkpoint, "write a checkpoint here (atomically) every --checkpoint-every steps");
  add_whole(*train, "--checkpoint-every", ae.checkpoint_every, "steps between checkpoints", std::uint64_t{1});
  add_text(*train, "--resume", ae.resume, "resume from this checkpoint");
  train->add_flag("--universal", ae.universal,
                  "train the universal model (networks of 1 to 7 inputs, one input count drawn per batch)");
  add_text(*train, "--init", ae.init,
           "start from this model's parameters (a model of either family: a warm start, e.g. the 2-input model "
           "for --universal)");
  add_text(*train, "--curve", ae.curve, "write the training curve as CSV");
  add_whole(*train, "--networks", ae.evaluation.networks, "held-out networks of the closing report");
  add_whole(*train, "--batch", ae.evaluation.batch, "networks per batch of the closing report", 1);
  add_whole(*train, "--points", ae.evaluation.points, "input points per batch of the closing report", 1);
  train->footer(detail::exit_status_text());

  auto* evaluate = app.add_subcommand("evaluate-autoencoder", "report a model's held-out reconstruction");
  add_text(*evaluate, "--model", ae.model,
           "the model (default: the shipped swat-small model, models/swat_small.swt, or with --universal "
           "models/swat_small_universal.swt)");
  evaluate->add_flag("--universal", ae.universal,
                     "a universal model (1 to 7 inputs): the report per input count, --networks networks each");
  add_whole(*evaluate, "--inputs", ae.evaluation.inputs, "with --universal: only networks of this many inputs (0: 1..7)",
            0, 7);
  add_whole(*evaluate, "--networks", ae.evaluation.networks, "held-out networks evaluated");
  add_whole(*evaluate, "--batch", ae.evaluation.batch, "networks per batch", 1);
  add_whole(*evaluate, "--points", ae.evaluation.points, "input points per batch", 1);
  add_whole(*evaluate, "--seed", ae.evaluation.seed, "evaluation seed (never a training seed)");
  add_text(*evaluate, "--record", ae.record, "write the figures a test reproduces (tests/autoencoder/shipped_model.cpp)");
  add_text(*evaluate, "--save-model", ae.save_model, "write the parameters alone (e.g. from a training checkpoint)");
  evaluate->footer(detail::exit_status_text());

  auto& b = line.baseline;
  auto* baseline = app.add_subcommand(
      "baseline", "train the dense reference network (one hidden layer) on CORNN functions, early-stopped");
  add_names(*baseline, "--functions", b.functions, "the CORNN functions (default: all 54)", "A,B,...");
  add_text(*baseline, "--train", b.train, "a training data file instead (CSV, or .npy by the extension; 1 to 7 inputs)");
  add_text(*baseline, "--test", b.test, "with --train: the test file (default: 20 % of the training rows)");
  add_text(*baseline, "--target", b.target, "with --train: the target column (name or index; -1: the last)");
  add_names(*baseline, "--inputs", b.inputs, "with --train: the input columns (default: all but the target)", "A,B,...");
  add_whole(*baseline, "--width", b.options.width, "hidden neurons", 1, 64);
  auto* method = baseline->add_option_function<std::string>(
      "--method",
      [&b](const std::string& text) {
        if (text == "adam") b.options.method = swatnn::fine_tuner::adam;
        else if (text == "lm") b.options.method = swatnn::fine_tuner::levenberg_marquardt;
        else if (text == "adam+lm") b.options.method = swatnn::fine_tuner::adam_then_levenberg_marquardt;
        else throw usage_error("--method takes adam, lm or adam+lm, got '" + text + "'");
      },
      "Adam, Levenberg-Marquardt, or Adam then Levenberg-Marquardt");
  method->type_name("adam|lm|adam+lm")
      ->default_str(b.options.method == swatnn::fine_tuner::adam                  ? "adam"
                    : b.options.method == swatnn::fine_tuner::levenberg_marquardt ? "lm"
                                                                                  : "adam+lm");
  add_whole(*baseline, "--iterations", b.options.max_iterations, "Adam updates at most");
  add_whole(*baseline, "--patience", b.options.patience, "Adam stops after this many updates without improvement");
  add_whole(*baseline, "--lm-iterations", b.options.lm.max_iterations, "Levenberg-Marquardt steps at most");
  add_whole(*baseline, "--lm-patience", b.options.lm.patience, "Levenberg-Marquardt stops after this many steps without improvement");
  add_real(*baseline, "--lr", b.options.optimizer.lr, "Adam's learning rate");
  add_whole(*baseline, "--batch", b.options.batch, "points per update (0: full batch)");
  std::vector<std::string> activations;
  for (const auto act : swatnn::all_activations) activations.emplace_back(swatnn::activation_name(act));
  auto* activation = baseline->add_option_function<std::string>(
      "--activation",
      [&b, activations](const std::string& text) {
        for (const auto act : swatnn::all_activations)
          if (swatnn::activation_name(act) == text) {
            b.options.hidden_activation = act;
            return;
          }
        throw usage_error("--activation takes " + detail::alternatives(activations) + ", got '" + text + "'");
      },
      "the hidden neurons' activation");
  activation->type_name(detail::join(activations, "|"))
      ->default_str(std::string(swatnn::activation_name(b.options.hidden_activation)));
  add_whole(*baseline, "--seed", b.options.seed, "seed of the initial weights");
  add_text(*baseline, "--csv", b.csv, "write one row per function as CSV");
  baseline->footer(detail::exit_status_text());
}

// The command line's parser: defines it once (about a millisecond: CLI11 builds every option) and parses any
// number of command lines with it, each from the defaults (the fuzz harness parses millions).
class parser {
 public:
  parser() {
    define(app_, line_);
    defaults_ = line_;
  }
  parser(const parser&) = delete;  // the options hold references into line_
  parser& operator=(const parser&) = delete;

  // Parses a command line (argv[0] is the program). Throws usage_error for a command line the command cannot run
  // and help_request for --help / -h (the help of the subcommand given, if any) and --version.
  command_line parse(int argc, const char* const* argv);

 private:
  CLI::App app_;
  command_line line_, defaults_;
};

inline command_line parser::parse(int argc, const char* const* argv) {
  std::vector<std::string> words;
  for (int i = 1; i < argc; ++i) words.emplace_back(argv[i]);
  const auto& names = command_names();
  std::string command;  // the first word that names a subcommand
  for (const auto& w : words)
    if (std::find(names.begin(), names.end(), w) != names.end()) {
      command = w;
      break;
    }
  const std::string list = detail::alternatives(names);
  if (words.empty()) throw usage_error("give a command: " + list + "; see swatnn --help");
  if (command.empty() && words.front().rfind("-", 0) != 0)
    throw usage_error("unknown command '" + words.front() + "'; the commands are " + list);

  line_ = defaults_;  // CLI11 clears its own results when it parses again
  CLI::App& app = app_;
  command_line& line = line_;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    throw help_request(app.help());
  } catch (const CLI::CallForAllHelp&) {
    throw help_request(app.help("", CLI::AppFormatMode::All));
  } catch (const CLI::CallForVersion& e) {
    throw help_request(std::string(e.what()) + "\n");
  } catch (const CLI::RequiredError& e) {
    if (app.get_subcommands().empty()) throw usage_error("give a command: " + list + "; see swatnn --help");
    detail::explain(app, e, command, words);
  } catch (const CLI::ParseError& e) {
    detail::explain(app, e, command, words);
  }
  line.command = app.get_subcommands().front()->get_name();
  if (line.command == "search") line.run = line.for_search;
  if (line.command == "cornn") line.run = line.for_cornn;
  if (line.command == "compare") line.run = line.for_compare;
  line.run.command = line.command;
  const auto& a = line.run;
  auto usage = [&](const std::string& why) { throw usage_error(why + "; see swatnn " + line.command + " --help"); };
  if (line.command == "search" || line.command == "cornn") {
    if (a.prune_to > 0 && !a.fine_tune) usage("--prune-to prunes while fine-tuning; it cannot go with --no-fine-tune");
  }
  if (line.command == "search" && a.cornn.empty() == a.train.empty()) usage("search needs exactly one of --cornn or --train");
  if (line.command == "cornn" && !a.all && a.functions.empty()) usage("cornn needs --all or --functions A,B,...");
  if (line.command == "compare") {
    const int given = int{a.all} + int{!a.functions.empty()} + int{!a.cornn.empty()} + int{!a.train.empty()};
    if (given > 1) usage("compare takes one of --all, --functions, --cornn or --train");
    if (given == 0 && line.compare.summarize.empty())
      usage("compare needs --all, --functions A,B,..., --cornn NAME or --train FILE (or --summarize CSV)");
  }
  return line;
}

// parser{}.parse(argc, argv).
inline command_line parse(int argc, const char* const* argv) {
  parser p;
  return p.parse(argc, argv);
}

// The subcommands other than search, cornn and compare (examples/swatnn.cpp): their own translation units of the
// command (examples/swatnn_autoencoder.cpp, swatnn_baseline.cpp), so each compiles on its own core. Each returns the
// exit status; errors are exceptions.
int train_autoencoder_command(const autoencoder_arguments& a);
int evaluate_autoencoder_command(const autoencoder_arguments& a);
int baseline_command(const baseline_arguments& a);

}  // namespace swatnn_cli
