// The swatnn command (CLI11; its command line is examples/swatnn_args.hpp, `swatnn --help` and
// `swatnn SUBCOMMAND --help` list every option with its default):
//   swatnn search --cornn NAME | --train FILE [--test FILE] [--target COL] [--inputs A,B] [options]
//   swatnn cornn --all | --functions A,B,... [--csv FILE] [--markdown FILE] [--jobs J] [options]
//   swatnn compare --all | --functions A,B,... | --train FILE ... [--methods ...] [--budgets ...] [options]
//   swatnn train-autoencoder --out MODEL [--steps N] [--minutes M] [--checkpoint FILE] [--resume FILE] ...
//   swatnn evaluate-autoencoder [--model MODEL] [--networks N] [--batch B] [--points P] [--seed S] ...
//   swatnn baseline [--functions A,B,...] [--width W] [--method adam|lm|adam+lm] [--csv FILE] ...
// Exit status: 0 done, 1 a run-time or data error, 2 a usage error, 130 interrupted; every message starts
// "swatnn: " once.
// With fine-tuning (the default) every candidate the search returns is fine-tuned and the pick is the smallest
// tuned network within --selection-tolerance of the best tuned validation MSE (search/tuned_selection.hpp);
// --no-fine-tune keeps the search's own pick. --tune-method lm fine-tunes by Levenberg-Marquardt
// (search/fine_tune_lm.hpp) instead of Adam, adam+lm by Adam and then Levenberg-Marquardt from Adam's best
// parameters. --max-parameters N is the search's budget: no extracted network with more nonzero parameters is kept.
// --prune-to N is a budget for fine-tuning: every candidate with more nonzero parameters is first pruned to N in
// rounds, fine-tuned between them (search/prune.hpp), so the search's best networks are not lost to the budget.
// `cornn` runs J functions at a time (default: one per hardware thread), each on ONE thread with its own copy of
// the autoencoder, so its results are the same for every J (the thread count of a product changes its rounding).
// Built with MPI (-DSWATNN_ENABLE_MPI=ON) and started by mpirun, `cornn` deals the functions to the ranks round
// robin and rank 0 writes the outputs, the same as one process writes (docs/distributed.md).
// `--train` reads a CSV file, or a .npy array (by the extension); `--inputs` chooses the input columns.
// Output paths are checked before any work; SIGINT stops the searches and the fine-tuning at their next
// iteration, writes what was found so far (marked partial) and exits 130 (docs/reliability.md).
#include <cctype>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <fstream>
#include <iostream>
#include <mutex>
#include <span>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/swatnn.hpp>
#if SWATNN_HAS_MPI
#include <optional>

#include <swatnn/distributed/sweep.hpp>
#endif

#include "swatnn_args.hpp"  // the command line (CLI11): arguments, parse, check_outputs

namespace {
using namespace swatnn;
using ae_type = swat_small_autoencoder<>;
using spec = paper_spec;

using swatnn_cli::arguments;
using swatnn_cli::usage_error;

// SIGINT: the first one stops the running searches and fine-tuning at their next iteration; what was found so far is
// written, marked partial, and the command exits 130. A second SIGINT ends the process at once.
std::atomic<bool> interrupted{false};
void on_interrupt(int) {
  interrupted.store(true);
  std::signal(SIGINT, SIG_DFL);
}
struct stop_on_interrupt {  // a search callback: stop when interrupted
  template <class Info>
  bool step(const Info&) const {
    return interrupted.load();
  }
};

// A column given on the command line: a whole number (optionally negative) is an index, anything else a name.
data::column_ref column_of(const std::string& text) {
  long long index = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, index);
  if (!text.empty() && r.ec == std::errc{} && r.ptr == end) return data::column_ref(index);
  return data::column_ref(text);
}

// A data file by its extension: .npy (any case) is a NumPy array, anything else CSV.
data::table read_table(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".npy" ? data::read_npy(path) : data::read_csv(path);
}

data::dataset load_data(const arguments& a, const std::string& cornn_name) {
  if (!cornn_name.empty()) return cornn::load(cornn_name);
  std::vector<data::column_ref> inputs;
  for (const auto& column : a.inputs) inputs.push_back(column_of(column));
  const auto target = column_of(a.target);
  const auto train = data::select_columns(read_table(a.train), inputs, target);
  data::dataset d = a.test.empty() ? data::make_dataset(train, {.test_fraction = 0.2})
                                   : data::make_dataset(train, data::select_columns(read_table(a.test), inputs, target));
  data::require_inputs<spec::inputs>(d);
  return d;
}

struct outcome {
  std::string name;
  bool partial = false;          // interrupted (SIGINT) in the search or in the fine-tuning
  bool fine_tuned = false;       // the candidates were fine-tuned (to the end, or until the interrupt)
  search_candidate<spec> found;  // the search's own pick, before fine-tuning
  double test_mse = 0, tuned_train = 0, tuned_validation = 0, tuned_test = 0, seconds = 0;
  sparse_network<spec> final_network;  // the fine-tuned pick (the search's pick with --no-fine-tune)
};

double mse(const sparse_network<spec>& net, const data::split& s) {
  return static_cast<double>((net.predict(s.x) - s.y).squaredNorm()) / static_cast<double>(s.y.size());
}

// The latent search with the command's options (shared by `search`, `cornn` and `compare`).
search_result<spec, float> run_search(ae_type& ae, const arguments& a, const data::dataset& d) {
  auto regs = regularizers{smooth_l0{.weight = a.l0, .sharpness = 20}, l1{.weight = a.l1},
                           mask_separation{.weight = a.mask_separation}, neuron_count{.weight = a.neuron_count}};
  latent_search search(ae, regs, adam{},
                       {.restarts = a.restarts, .iterations = a.iterations, .seed = a.seed,
                        .neuron_sharpness_start = a.neuron_sharpness_start,
                        .select_after = std::min<std::uint64_t>(3000, a.iterations / 2),
                        .selection_tolerance = a.selection_tolerance,
                        .max_parameters = a.max_parameters});
  progress_bar bar({.mode = a.quiet ? progress_mode::never : progress_mode::automatic});
  stop_on_interrupt stop;
  return search.run(d.train, d.validation, bar, stop);
}

// The fine-tuning and selection of the candidates with the command's options (no budget).
tuned_selection_options tuning_options(const arguments& a) {
  tuned_selection_options options{.tolerance = a.selection_tolerance};
  auto given = [](int value, int fallback) { return value >= 0 ? value : fallback; };
  options.tune.max_iterations = given(a.tune_iterations, options.tune.max_iterations);
  options.tune.patience = given(a.tune_patience, options.tune.patience);
  options.lm.max_iterations = given(a.lm_iterations, options.lm.max_iterations);
  options.lm.patience = given(a.lm_patience, options.lm.patience);
  if (a.tune_method == "lm") options.method = fine_tuner::levenberg_marquardt;
  if (a.tune_method == "adam+lm") options.method = fine_tuner::adam_then_levenberg_marquardt;
  return options;
}

outcome run_one(ae_type& ae, const arguments& a, const data::dataset& d) {
  const auto start = std::chrono::steady_clock::now();
  const auto result = run_search(ae, a, d);
  outcome o;
  o.name = d.name;
  o.found = result.best();
  o.test_mse = mse(o.found.network, d.test);
  o.final_network = o.found.network;
  o.partial = interrupted.load();
  if (a.fine_tune && !o.partial) {
    tuned_selection_options options = tuning_options(a);
    options.max_parameters = a.prune_to;
    options.tune.stop = options.lm.stop = &interrupted;  // SIGINT ends every candidate's tuning at its next update
    const auto selection = fine_tune_candidates(result, d.train, d.validation, options);
    o.final_network = selection.best().tuned.net;
    o.fine_tuned = true;
    o.partial = interrupted.load();
  }
  o.tuned_train = mse(o.final_network, d.train);
  o.tuned_validation = mse(o.final_network, d.validation);
  o.tuned_test = mse(o.final_network, d.test);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

std::string activations_of(const sparse_network<spec>& net) {
  std::string s;
  for (int l = 0; l < net.depth; ++l) {
    if (l) s += " | ";
    bool any = false;
    for (int j = 0; j < spec::max_width; ++j)
      if (net.layers[l].active[j]) {
        if (any) s += ' ';
        s += activation_name(net.layers[l].activations[j]);
        any = true;
      }
    if (!any) s += "(none)";
  }
  return s;
}

void print_summary(const outcome& o, bool fine_tuned) {
  const auto& net = o.final_network;
  const auto& searched = o.found.network;
  std::printf("\n%s: depth %d, %d active neurons, %d nonzero parameters (search and fine-tuning %.1f s)\n",
              o.name.c_str(), net.depth, net.active_neurons(), net.nonzero_parameters(), o.seconds);
  std::printf("  activations by layer: %s\n", activations_of(net).c_str());
  std::printf("  %-34s %-12s %-12s %-12s\n", "", "train MSE", "valid MSE", "test MSE");
  char label[64];
  std::snprintf(label, sizeof label, "search pick (depth %d, %d params)", searched.depth, searched.nonzero_parameters());
  std::printf("  %-34s %-12.4g %-12.4g %-12.4g\n", label, o.found.train_mse, o.found.validation_mse, o.test_mse);
  if (fine_tuned) {
    std::snprintf(label, sizeof label, "after fine-tuning (depth %d, %d)", net.depth, net.nonzero_parameters());
    std::printf("  %-34s %-12.4g %-12.4g %-12.4g\n", label, o.tuned_train, o.tuned_validation, o.tuned_test);
  }
}

void export_all(const outcome& o, const arguments& a, const data::dataset& d) {
  if (!a.json.empty()) {
    network_metadata meta;  // member by member: the metadata grows (-Wmissing-field-initializers)
    meta.name = o.partial ? o.name + " (partial: interrupted)" : o.name;
    meta.train_mse = o.tuned_train;
    meta.validation_mse = o.tuned_validation;
    meta.test_mse = o.tuned_test;
    meta.input_scaling = d.input_scaler;
    meta.label_scaling = d.label_scaler;
    meta.input_names = d.input_names;  // the dataset's columns (--inputs, --target)
    meta.target_names = {d.target_name};
    save_json(o.final_network, a.json, meta);
  }
  if (!a.header.empty()) export_cpp_header(o.final_network, a.header);
  if (!a.dot.empty()) {
    dot_options options;
    options.input_names = d.input_names;
    options.target_names = {d.target_name};
    export_dot(o.final_network, a.dot, options);
  }
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream s(list);
  for (std::string item; std::getline(s, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}
}  // namespace

#include "compare_command.hpp"  // swatnn compare: the search against the staged baselines

int search_command(const arguments& a) {
  swatnn_cli::check_outputs(a);  // an unwritable output fails now, not after the search
  std::signal(SIGINT, on_interrupt);
  ae_type ae;
  load_model(ae, a.model.empty() ? default_model_path() : std::filesystem::path(a.model));
  const auto d = load_data(a, a.cornn);
  const auto o = run_one(ae, a, d);
  print_summary(o, o.fine_tuned);
  export_all(o, a, d);
  if (o.partial) {
    std::fprintf(stderr, o.fine_tuned ? "swatnn: interrupted: the pick among the candidates as far as they were "
                                        "fine-tuned was written (partial)\n"
                                      : "swatnn: interrupted: the search's pick where it stopped was written "
                                        "(partial, not fine-tuned)\n");
    return 130;
  }
  return 0;
}

int cornn_command(const arguments& a) {
  swatnn_cli::check_outputs(a);  // an unwritable output fails now, not after the sweep
  const auto names = a.all ? cornn::names() : a.functions;
  for (const auto& name : names) cornn::function(name);  // an unknown name fails before any work starts
  std::signal(SIGINT, on_interrupt);
  const std::filesystem::path model = a.model.empty() ? default_model_path() : std::filesystem::path(a.model);
  ae_type ae;
  load_model(ae, model);
#if SWATNN_HAS_MPI
  std::optional<distributed::mpi_environment> mpi;
  std::optional<distributed::communicator> comm;
  if (distributed::launched_by_mpi()) {
    mpi.emplace();
    comm.emplace();
  }
  auto mine = [&comm](std::size_t k) { return !comm || distributed::owns_item(*comm, k); };
#else
  auto mine = [](std::size_t) { return true; };
#endif
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs = std::min<std::size_t>(names.size(), a.jobs > 0 ? static_cast<std::size_t>(a.jobs) : hardware);
  std::vector<outcome> outcomes(names.size());
  std::vector<std::exception_ptr> failures(names.size());
  std::vector<char> started(names.size(), 0);  // finished (or interrupted) searches
  std::atomic<std::size_t> next{0};
  std::mutex print;
  const auto start = std::chrono::steady_clock::now();
  // Each worker owns an autoencoder (its workspaces are per instance) and runs its searches on one thread.
  auto worker = [&](ae_type& model) {
#if defined(_OPENMP)
    omp_set_num_threads(1);
#endif
    for (std::size_t k; (k = next.fetch_add(1)) < names.size();) {
      if (interrupted.load()) break;  // functions not started are left out
      if (!mine(k)) continue;         // another rank's (under mpirun)
      try {
        outcomes[k] = run_one(model, a, cornn::load(names[k]));
      } catch (...) {
        failures[k] = std::current_exception();
        continue;
      }
      started[k] = 1;
      const auto& o = outcomes[k];
      const std::lock_guard lock(print);
      std::printf("%-18s depth %d  neurons %2d  params %3d  test MSE %.4g -> %.4g (fine-tuned)  %.1f s\n",
                  names[k].c_str(), o.final_network.depth, o.final_network.active_neurons(),
                  o.final_network.nonzero_parameters(), o.test_mse, o.tuned_test, o.seconds);
      std::fflush(stdout);
    }
  };
  if (jobs == 1) {
    worker(ae);
  } else {
    std::vector<std::unique_ptr<ae_type>> models;
    for (std::size_t j = 1; j < jobs; ++j) {
      models.push_back(std::make_unique<ae_type>());
      load_model(*models.back(), model);
    }
    std::vector<std::thread> threads;
    for (auto& m : models) threads.emplace_back(worker, std::ref(*m));
    worker(ae);
    for (auto& t : threads) t.join();
  }
  for (const auto& f : failures)
    if (f) {
#if SWATNN_HAS_MPI
      if (comm) {  // the other ranks wait for this one's results: end the job
        try {
          std::rethrow_exception(f);
        } catch (const std::exception& e) {
          std::fprintf(stderr, "swatnn: %s (rank %d of %d)\n", e.what(), comm->rank(), comm->size());
        }
        comm->abort(1);
      }
#endif
      std::rethrow_exception(f);
    }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::size_t finished = 0;
  for (std::size_t k = 0; k < names.size(); ++k) finished += started[k] && !outcomes[k].partial;
  // each function's CSV and markdown rows (empty: not started)
  std::vector<std::string> csv_rows(names.size()), md_rows(names.size());
  for (std::size_t k = 0; k < names.size(); ++k) {
    if (!started[k]) continue;
    const auto& o = outcomes[k];
    std::ostringstream csv, md;
    csv << '"' << o.name << "\"," << o.final_network.depth << ',' << o.final_network.active_neurons() << ','
        << o.final_network.nonzero_parameters() << ',' << o.found.network.depth << ','
        << o.found.network.nonzero_parameters() << ',' << o.found.train_mse << ',' << o.found.validation_mse << ','
        << o.test_mse << ',' << o.tuned_train << ',' << o.tuned_validation << ',' << o.tuned_test << ',' << o.seconds
        << ',' << (o.partial ? "partial" : "complete") << '\n';
    md << "| " << o.name << (o.partial ? " (partial)" : "") << " | " << o.final_network.depth << " | " << o.final_network.active_neurons() << " | "
       << o.final_network.nonzero_parameters() << " | " << o.test_mse << " | " << o.tuned_test << " |\n";
    csv_rows[k] = csv.str();
    md_rows[k] = md.str();
  }
  bool stopped = interrupted.load();
#if SWATNN_HAS_MPI
  if (comm) {  // rank 0 gathers every rank's rows and counts, and writes the outputs alone
    csv_rows = distributed::gather_items(*comm, csv_rows);
    md_rows = distributed::gather_items(*comm, md_rows);
    unsigned long long counts[2] = {finished, stopped ? 1ull : 0ull};
    distributed::check_mpi(MPI_Allreduce(MPI_IN_PLACE, counts, 2, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm->get()),
                           "summing the sweep's counts");
    finished = counts[0];
    stopped = counts[1] > 0;
    if (comm->rank() != 0) return stopped ? 130 : 0;
  }
#endif
  std::printf("%zu functions in %.1f s\n", finished, total);
  auto write = [](const std::string& path, const std::string& text) {
    io::write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
  };
  if (!a.csv.empty()) {
    std::ostringstream csv;
    // depth, active_neurons, nonzero_parameters and tuned_*: the final (fine-tuned) pick; search_*: the search's own
    // pick before fine-tuning (another network when the tuned selection chose another candidate)
    csv << "function,depth,active_neurons,nonzero_parameters,search_depth,search_parameters,search_train_mse,"
           "search_validation_mse,search_test_mse,tuned_train_mse,tuned_validation_mse,tuned_test_mse,seconds,status\n";
    for (const auto& row : csv_rows) csv << row;
    write(a.csv, csv.str());
  }
  if (!a.markdown.empty()) {
    std::ostringstream md;
    md << "| function | depth | neurons | params | test MSE (search) | test MSE (fine-tuned) |\n|---|---|---|---|---|---|\n";
    for (const auto& row : md_rows) md << row;
    write(a.markdown, md.str());
  }
  if (stopped) {
    std::fprintf(stderr, "swatnn: interrupted: %zu of %zu functions finished; the outputs hold them and the "
                         "interrupted ones (status partial)\n", finished, names.size());
    return 130;
  }
  return 0;
}

namespace {
// The one error prefix: "swatnn: " once, also when the message already starts with it.
void print_error(const std::string& what) {
  std::string message = what;
  while (message.rfind("swatnn: ", 0) == 0) message.erase(0, 8);
  std::fprintf(stderr, "swatnn: %s\n", message.c_str());
}
}  // namespace

int main(int argc, char** argv) {
  swatnn_cli::command_line line;
  try {
    line = swatnn_cli::parse(argc, argv);
  } catch (const swatnn_cli::help_request& help) {
    std::fputs(help.text().c_str(), stdout);
    return 0;
  } catch (const usage_error& e) {
    print_error(e.what());
    return 2;
  }
  try {
    if (line.command == "search") return search_command(line.run);
    if (line.command == "cornn") return cornn_command(line.run);
    if (line.command == "compare") return compare_command(line.run, line.compare);
    if (line.command == "train-autoencoder") return swatnn_cli::train_autoencoder_command(line.autoencoder);
    if (line.command == "evaluate-autoencoder") return swatnn_cli::evaluate_autoencoder_command(line.autoencoder);
    return swatnn_cli::baseline_command(line.baseline);
  } catch (const usage_error& e) {
    print_error(e.what());
    return 2;
  } catch (const std::exception& e) {
    print_error(e.what());
    return 1;
  }
}
