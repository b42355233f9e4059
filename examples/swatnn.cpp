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
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
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
#include "swatnn_data.hpp"  // --train, --test, --inputs, --target as a dataset

namespace {
using namespace swatnn;
using ae_type = swat_small_autoencoder<>;

// The ranks of a sweep (`cornn`, `compare`): under mpirun (a build with -DSWATNN_ENABLE_MPI=ON) item k is rank
// (k mod size)'s and rank 0 writes the outputs; otherwise one process owns every item.
struct sweep_ranks {
#if SWATNN_HAS_MPI
  std::optional<distributed::mpi_environment> mpi;
  std::optional<distributed::communicator> comm;
  sweep_ranks() {
    if (distributed::launched_by_mpi()) {
      mpi.emplace();
      comm.emplace();
    }
  }
  bool mine(std::size_t k) const { return !comm || distributed::owns_item(*comm, k); }
  bool writer() const { return !comm || comm->rank() == 0; }
  // An item failed on this rank: the other ranks wait for its results, so print why and end the job.
  void end_job_on(const std::exception_ptr& failure) const {
    if (!comm) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "swatnn: %s (rank %d of %d)\n", e.what(), comm->rank(), comm->size());
    }
    comm->abort(1);
  }
#else
  bool mine(std::size_t) const { return true; }
  bool writer() const { return true; }
  void end_job_on(const std::exception_ptr&) const {}
#endif
};
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

data::dataset load_data(const arguments& a, const std::string& cornn_name) {
  if (!cornn_name.empty()) return cornn::load(cornn_name);
  data::dataset d = swatnn_cli::file_dataset(a.train, a.test, a.inputs, a.target);
  if (a.command != "search") data::require_inputs<spec::inputs>(d);  // search: 1..7 (search_command chooses the model)
  return d;
}

// The run's curve and progress line (search: --log, --plots, the progress bar): the search's steps, then every
// update of every candidate's fine-tuning (from several threads at once with OpenMP). MSEs are recorded in scaled
// units; `to_data` converts them to data units (the label's min-max map is affine: times ((upper - lower) / 2)^2).
struct curve_point {
  int round = -1;  // -1: the search; 0: a candidate's fine-tuning; k > 0: its tuning after pruning round k
  bool levenberg_marquardt = false;
  std::size_t candidate = 0;  // the fine-tuned candidate (index into the search result's candidates)
  std::uint64_t iteration = 0;
  double train = 0, validation = std::numeric_limits<double>::quiet_NaN();  // scaled units; NaN: not scored yet
};

std::string phase_of(const curve_point& p) {
  if (p.round < 0) return "search";
  return (p.round == 0 ? std::string("fine-tune") : "prune round " + std::to_string(p.round)) +
         (p.levenberg_marquardt ? " (lm)" : " (adam)");
}

class run_monitor {
 public:
  run_monitor(double to_data, bool quiet, bool record)
      : to_data_(to_data), record_(record),
        bar_({.mode = quiet ? progress_mode::never : progress_mode::automatic, .label = "search",
              .loss_name = "train MSE"}) {}

  // latent_search callbacks: the progress line in data units, the curve in scaled units
  template <class Info>
  void begin(const Info& info) {
    bar_.begin(info);
  }
  template <class Info>
  void step(const Info& info) {
    if (info.validation) search_validation_ = static_cast<double>(*info.validation);  // set after each scoring
    if (record_) {
      curve_point p;
      p.iteration = info.iteration;
      p.train = info.train_mse;
      p.validation = search_validation_;
      points_.push_back(p);
    }
    if (!bar_.enabled()) return;
    step_info<float> shown;
    shown.iteration = info.iteration;
    shown.total_iterations = info.total_iterations;
    shown.loss = to_data_ * info.train_mse;
    if (std::isfinite(search_validation_)) shown.validation = to_data_ * search_validation_;
    shown.elapsed_seconds = info.elapsed_seconds;
    bar_.step(shown);
  }
  template <class Info>
  void end(const Info& info) {
    bar_.end(info);
  }

  // tuned_selection_options::on_step for every candidate's fine-tuning (thread-safe)
  std::function<void(const tuning_step&)> tuning_observer() {
    return [this](const tuning_step& t) {
      const std::lock_guard lock(mutex_);
      curve_point p;
      p.round = t.round;
      p.levenberg_marquardt = t.levenberg_marquardt;
      p.candidate = t.candidate;
      p.iteration = t.iteration;
      p.train = t.train_mse;
      p.validation = t.validation_mse;
      if (record_) points_.push_back(p);
      if (!bar_.enabled()) return;
      step_info<float> shown;
      shown.iteration = updates_++;
      shown.loss = to_data_ * t.train_mse;
      shown.validation = to_data_ * t.validation_mse;
      shown.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tuning_start_).count();
      bar_.set_label(phase_of(p) + ", candidate " + std::to_string(t.candidate) + ":");
      bar_.step(shown);
    };
  }
  void begin_tuning() {  // a fresh line for the fine-tuning (shown updates of all candidates together)
    tuning_start_ = std::chrono::steady_clock::now();
    bar_.begin(step_info<float>{});
    bar_.set_label("fine-tune");
  }
  void end_tuning() {
    step_info<float> last;
    last.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tuning_start_).count();
    bar_.end(last);
  }

  const std::vector<curve_point>& points() const { return points_; }
  double to_data() const { return to_data_; }

 private:
  double to_data_;
  bool record_;
  progress_bar bar_;
  std::mutex mutex_;
  std::uint64_t updates_ = 0;
  double search_validation_ = std::numeric_limits<double>::quiet_NaN();  // the search's lowest so far (scaled)
  std::chrono::steady_clock::time_point tuning_start_{};
  std::vector<curve_point> points_;
};

// A candidate as the Pareto plot shows it: the search's extracted network, or the same one fine-tuned.
struct candidate_point {
  std::size_t candidate = 0;
  int parameters = 0;
  double validation = 0;  // scaled units
};

template <class S = spec>  // the network family: the paper's 2-input one, or universal_spec (search, 1 to 7 inputs)
struct outcome {
  std::string name;
  bool partial = false;          // interrupted (SIGINT) in the search or in the fine-tuning
  bool fine_tuned = false;       // the candidates were fine-tuned (to the end, or until the interrupt)
  search_candidate<S> found;     // the search's own pick, before fine-tuning
  double test_mse = 0, tuned_train = 0, tuned_validation = 0, tuned_test = 0, seconds = 0;
  sparse_network<S> final_network;  // the fine-tuned pick (the search's pick with --no-fine-tune)
  std::size_t picked_candidate = 0;    // the candidate the final network comes from
  std::vector<candidate_point> searched, tuned;  // every candidate before and after fine-tuning (--plots)
};

template <class S>
double mse(const sparse_network<S>& net, const data::split& s) {
  return static_cast<double>((net.predict(s.x) - s.y).squaredNorm()) / static_cast<double>(s.y.size());
}

// The latent search with the command's options (shared by `search`, `cornn` and `compare`).
template <class AE>
search_result<typename AE::spec, float> run_search(AE& ae, const arguments& a, const data::dataset& d,
                                                   run_monitor* monitor = nullptr) {
  auto regs = regularizers{smooth_l0{.weight = a.l0, .sharpness = 20}, l1{.weight = a.l1},
                           mask_separation{.weight = a.mask_separation}, neuron_count{.weight = a.neuron_count}};
  latent_search search(ae, regs, adam{},
                       {.restarts = a.restarts, .iterations = a.iterations, .seed = a.seed,
                        .neuron_sharpness_start = a.neuron_sharpness_start,
                        .select_after = std::min<std::uint64_t>(3000, a.iterations / 2),
                        .selection_tolerance = a.selection_tolerance,
                        .max_parameters = a.max_parameters});
  stop_on_interrupt stop;
  if (monitor != nullptr) return search.run(d.train, d.validation, *monitor, stop);
  progress_bar bar({.mode = a.quiet ? progress_mode::never : progress_mode::automatic});
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

template <class AE>
outcome<typename AE::spec> run_one(AE& ae, const arguments& a, const data::dataset& d, run_monitor* monitor = nullptr) {
  const auto start = std::chrono::steady_clock::now();
  const auto result = run_search(ae, a, d, monitor);
  outcome<typename AE::spec> o;
  o.name = d.name;
  o.found = result.best();
  o.picked_candidate = result.chosen;
  for (std::size_t k = 0; k < result.candidates.size(); ++k)
    if (std::isfinite(result.candidates[k].validation_mse))
      o.searched.push_back({k, result.candidates[k].nonzero_parameters, result.candidates[k].validation_mse});
  o.test_mse = mse(o.found.network, d.test);
  o.final_network = o.found.network;
  o.partial = interrupted.load();
  if (a.fine_tune && !o.partial) {
    tuned_selection_options options = tuning_options(a);
    options.max_parameters = a.prune_to;
    options.tune.stop = options.lm.stop = &interrupted;  // SIGINT ends every candidate's tuning at its next update
    if (monitor != nullptr) {
      options.on_step = monitor->tuning_observer();
      monitor->begin_tuning();
    }
    const auto selection = fine_tune_candidates(result, d.train, d.validation, options);
    if (monitor != nullptr) monitor->end_tuning();
    o.final_network = selection.best().tuned.net;
    o.picked_candidate = selection.best().candidate;
    for (const auto& t : selection.tuned)
      o.tuned.push_back({t.candidate, t.tuned.net.nonzero_parameters(), t.tuned.validation_mse});
    o.fine_tuned = true;
    o.partial = interrupted.load();
  }
  o.tuned_train = mse(o.final_network, d.train);
  o.tuned_validation = mse(o.final_network, d.validation);
  o.tuned_test = mse(o.final_network, d.test);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return o;
}

template <class S>
std::string activations_of(const sparse_network<S>& net) {
  std::string s;
  for (int l = 0; l < net.depth; ++l) {
    if (l) s += " | ";
    bool any = false;
    for (int j = 0; j < S::max_width; ++j)
      if (net.layers[l].active[j]) {
        if (any) s += ' ';
        s += activation_name(net.layers[l].activations[j]);
        any = true;
      }
    if (!any) s += "(none)";
  }
  return s;
}

template <class S>
void print_summary(const outcome<S>& o, bool fine_tuned, const data::dataset& d) {
  const auto& net = o.final_network;
  const auto& searched = o.found.network;
  std::printf("\n%s: depth %d, %d input%s, %d active neurons, %d nonzero parameters (search and fine-tuning %.1f s)\n",
              o.name.c_str(), net.depth, net.inputs, net.inputs == 1 ? "" : "s", net.active_neurons(),
              net.nonzero_parameters(), o.seconds);
  std::printf("  activations by layer: %s\n", activations_of(net).c_str());
  std::printf("  %-34s %-12s %-12s %-12s\n", "MSE (scaled: target in [-1, 1])", "train", "valid", "test");
  char label[64];
  std::snprintf(label, sizeof label, "search pick (depth %d, %d params)", searched.depth, searched.nonzero_parameters());
  std::printf("  %-34s %-12.4g %-12.4g %-12.4g\n", label, o.found.train_mse, o.found.validation_mse, o.test_mse);
  if (fine_tuned) {
    std::snprintf(label, sizeof label, "after fine-tuning (depth %d, %d)", net.depth, net.nonzero_parameters());
    std::printf("  %-34s %-12.4g %-12.4g %-12.4g\n", label, o.tuned_train, o.tuned_validation, o.tuned_test);
  }
  // The label's min-max map is affine: an MSE in data units is the scaled one times ((upper - lower) / 2)^2.
  const double half_range = 0.5 * (d.label_scaler.upper(0) - d.label_scaler.lower(0));
  const double to_data = half_range * half_range;
  std::printf("  MSE in data units (%s in [%.6g, %.6g]): train %.4g, valid %.4g, test %.4g (the %s)\n",
              d.target_name.c_str(), d.label_scaler.lower(0), d.label_scaler.upper(0), to_data * o.tuned_train,
              to_data * o.tuned_validation, to_data * o.tuned_test, fine_tuned ? "fine-tuned pick" : "search pick");
}

template <class S>
void export_all(const outcome<S>& o, const arguments& a, const data::dataset& d) {
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
  if (!a.header.empty()) {
    cpp_export_options options;  // predict in data units: the dataset's scalers embedded
    options.input_scaling = d.input_scaler;
    options.label_scaling = d.label_scaler;
    export_cpp_header(o.final_network, a.header, options);
  }
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

namespace {

// The MSE on `s` of the constant predictor that predicts the training mean (scaled units): a pick no better than
// this has learned nothing from the inputs.
double constant_mse(const data::split& train, const data::split& s) {
  const Eigen::RowVectorXf mean = train.y.colwise().mean();
  return static_cast<double>((s.y.rowwise() - mean).squaredNorm()) / static_cast<double>(s.y.size());
}

// --log: the run's curve as CSV, one row per search iteration and per fine-tuning update of every candidate.
void write_log(const std::string& path, const run_monitor& monitor) {
  std::ostringstream csv;
  csv.precision(9);
  csv << "phase,candidate,iteration,train_mse_scaled,validation_mse_scaled,train_mse,validation_mse\n";
  for (const auto& p : monitor.points()) {
    csv << phase_of(p) << ',';
    if (p.round >= 0) csv << p.candidate;
    csv << ',' << p.iteration << ',' << p.train << ',';
    if (std::isfinite(p.validation)) csv << p.validation;
    csv << ',' << monitor.to_data() * p.train << ',';
    if (std::isfinite(p.validation)) csv << monitor.to_data() * p.validation;
    csv << '\n';
  }
  const std::string text = csv.str();
  io::write_file_atomically(path, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

bool program_found(const char* probe) { return std::system(probe) == 0; }

// --plots DIR, before any long work: the directory can be created and written, and gnuplot runs.
void check_plots(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir))
    throw io_error("--plots " + dir + ": the directory cannot be created" + (ec ? ": " + ec.message() : std::string()));
  swatnn_cli::check_output_path("--plots", (std::filesystem::path(dir) / "loss.svg").string());
  if (!program_found("gnuplot --version >/dev/null 2>&1"))
    throw io_error("--plots needs gnuplot, which was not found (Debian: apt-get install gnuplot-nox, or bash "
                   "scripts/install-deps.sh)");
}

void run_gnuplot(const std::filesystem::path& script) {
  const std::string command = "gnuplot " + gnuplot_string(script.string());
  const int status = std::system(command.c_str());
  if (status != 0)
    throw io_error("--plots: `" + command + "` failed (exit status " + std::to_string(status) + ")");
}

// --plots DIR: loss.svg (the curve, log scale), pareto.svg (validation MSE vs nonzero parameters of every
// candidate, the pick marked), predictions.svg (prediction vs truth on the test split) and, when Graphviz' dot is
// installed, network.svg; gnuplot's scripts and data files stay next to them. Everything in data units.
template <class S>
void write_search_plots(const std::filesystem::path& dir, const outcome<S>& o, const run_monitor& monitor,
                        const data::dataset& d) {
  const auto abs = std::filesystem::absolute(dir);
  const double to_data = monitor.to_data();
  auto path = [&](const char* name) { return gnuplot_string((abs / name).string()); };
  {  // the search's steps, then the picked candidate's fine-tuning (pruning rounds first), one x axis
    std::ofstream data(abs / "loss.dat");
    data.precision(9);
    data << "# iteration train_mse validation_mse (data units); block 0: search, block 1: the pick's fine-tuning\n";
    std::uint64_t x = 0;
    for (const auto& p : monitor.points())
      if (p.round < 0) {
        x = p.iteration;
        data << x << ' ' << to_data * p.train << ' ';
        if (std::isfinite(p.validation)) data << to_data * p.validation; else data << "NaN";
        data << '\n';
      }
    data << "\n\n";
    bool any = false;
    for (const auto& p : monitor.points())
      if (p.round >= 0 && p.candidate == o.picked_candidate) {
        data << ++x << ' ' << to_data * p.train << ' ' << to_data * p.validation << '\n';
        any = true;
      }
    if (!any) data << "NaN NaN NaN\n";
  }
  {
    std::ofstream gp(abs / "loss.gp");
    gp << "set terminal svg size 800,480 font 'sans,11' background rgb 'white'\nset output " << path("loss.svg") << '\n'
       << "set title " << gnuplot_string("training curve of " + o.name + " (MSE in data units, log scale)") << '\n'
       << "set logscale y\nset format y '%.0e'\nset xlabel 'iteration (search, then the pick''s fine-tuning)'\n"
       << "set ylabel 'MSE'\nset key top right\nset grid\n"
       << "plot " << path("loss.dat") << " index 0 using 1:2 with lines lw 1.5 lc rgb '#1b9e77' title 'search: train MSE (soft, best latent)', \\\n"
       << "  '' index 0 using 1:3 with lines lw 1.5 lc rgb '#d95f02' title 'search: best validation MSE so far', \\\n"
       << "  '' index 1 using 1:2 with lines lw 1.5 lc rgb '#7570b3' title 'fine-tuning: train MSE', \\\n"
       << "  '' index 1 using 1:3 with lines lw 1.5 lc rgb '#e7298a' title 'fine-tuning: validation MSE'\n";
  }
  {
    std::ofstream data(abs / "pareto.dat");
    data.precision(9);
    data << "# nonzero_parameters validation_mse candidate (data units); block 0: as searched, 1: fine-tuned, 2: the pick\n";
    for (const auto& c : o.searched) data << c.parameters << ' ' << to_data * c.validation << ' ' << c.candidate << '\n';
    if (o.searched.empty()) data << "NaN NaN NaN\n";
    data << "\n\n";
    for (const auto& c : o.tuned) data << c.parameters << ' ' << to_data * c.validation << ' ' << c.candidate << '\n';
    if (o.tuned.empty()) data << "NaN NaN NaN\n";
    data << "\n\n"
         << o.final_network.nonzero_parameters() << ' ' << to_data * o.tuned_validation << ' ' << o.picked_candidate << '\n';
  }
  {
    std::ofstream gp(abs / "pareto.gp");
    gp << "set terminal svg size 800,480 font 'sans,11' background rgb 'white'\nset output " << path("pareto.svg") << '\n'
       << "set title " << gnuplot_string("candidates of " + o.name + ": validation MSE (data units) vs size") << '\n'
       << "set logscale y\nset format y '%.0e'\nset xlabel 'nonzero parameters'\nset ylabel 'validation MSE'\n"
       << "set key top right\nset grid\nset xrange [0:*]\nset offsets 1, 1, 0, 0\n"
       << "plot " << path("pareto.dat") << " index 0 using 1:2 with points pt 6 ps 1 lc rgb '#999999' title 'as searched', \\\n"
       << "  '' index 1 using 1:2 with points pt 7 ps 0.8 lc rgb '#1b9e77' title 'fine-tuned', \\\n"
       << "  '' index 2 using 1:2 with points pt 3 ps 3 lw 2 lc rgb '#d95f02' title 'the pick'\n";
  }
  {
    const cpu::matrix<float> predicted = o.final_network.predict(d.test.x);
    std::ofstream data(abs / "predictions.dat");
    data.precision(9);
    data << "# truth prediction (data units), the test split\n";
    for (Eigen::Index r = 0; r < d.test.y.rows(); ++r)
      data << d.label_scaler.inverse(d.test.y(r, 0), 0) << ' ' << d.label_scaler.inverse(predicted(r, 0), 0) << '\n';
  }
  {
    std::ofstream gp(abs / "predictions.gp");
    gp << "set terminal svg size 560,560 font 'sans,11' background rgb 'white'\nset output " << path("predictions.svg") << '\n'
       << "set title " << gnuplot_string(o.name + ": prediction vs truth on the test split") << '\n'
       << "set xlabel " << gnuplot_string("true " + d.target_name) << "\nset ylabel "
       << gnuplot_string("predicted " + d.target_name) << "\nset size square\nset key top left\nset grid\n"
       << "plot " << path("predictions.dat") << " using 1:2 with points pt 7 ps 0.4 lc rgb '#1b9e77' title 'test points', \\\n"
       << "  x with lines lc rgb '#d95f02' title 'prediction = truth'\n";
  }
  for (const char* script : {"loss.gp", "pareto.gp", "predictions.gp"}) run_gnuplot(abs / script);
  if (program_found("dot -V >/dev/null 2>&1")) {
    dot_options options;
    options.input_names = d.input_names;
    options.target_names = {d.target_name};
    export_dot(o.final_network, (abs / "network.dot").string(), options);
    const std::string command = "dot -Tsvg " + gnuplot_string((abs / "network.dot").string()) + " -o " +
                                gnuplot_string((abs / "network.svg").string());
    if (std::system(command.c_str()) != 0) throw io_error("--plots: `" + command + "` failed");
  } else {
    std::fprintf(stderr, "swatnn: note: Graphviz' dot was not found: no network.svg in %s\n", dir.c_str());
  }
}

}  // namespace

// The search on a dataset with the model of its family (AE: swat_small_autoencoder of paper_spec or universal_spec).
template <class AE>
int search_with(const arguments& a, const data::dataset& d, const std::filesystem::path& model) {
  AE ae;
  load_model(ae, model);
  const double half_range = 0.5 * (d.label_scaler.upper(0) - d.label_scaler.lower(0));
  run_monitor monitor(half_range * half_range, a.quiet, !a.log.empty() || !a.plots.empty());
  const auto o = run_one(ae, a, d, &monitor);
  print_summary(o, o.fine_tuned, d);
  export_all(o, a, d);
  if (!a.log.empty()) write_log(a.log, monitor);
  if (!a.plots.empty()) write_search_plots(a.plots, o, monitor, d);
  // no silent bad result: a pick that does not beat the training mean on validation has learned nothing
  const double constant = constant_mse(d.train, d.validation);
  const bool degenerate = !(o.tuned_validation < constant);
  if (degenerate)
    std::fprintf(stderr,
                 "swatnn: WARNING: the pick (%d nonzero parameters) is no better on validation than predicting the "
                 "training mean (validation MSE %.4g, the constant's %.4g, data units); it was written anyway%s\n",
                 o.final_network.nonzero_parameters(), half_range * half_range * o.tuned_validation,
                 half_range * half_range * constant,
                 a.allow_constant ? " (--allow-constant)" : "; exit status 1 (give --allow-constant to accept it)");
  if (!degenerate && o.fine_tuned && o.tuned_validation > 2 * o.found.validation_mse)
    std::fprintf(stderr,
                 "swatnn: note: the pick's validation MSE is %.3gx that of the search's own pick (%d nonzero "
                 "parameters%s)\n",
                 o.tuned_validation / o.found.validation_mse, o.found.network.nonzero_parameters(),
                 a.prune_to > 0 && o.found.network.nonzero_parameters() > a.prune_to ? ", over the --prune-to budget"
                                                                                     : "");
  if (o.partial) {
    std::fprintf(stderr, o.fine_tuned ? "swatnn: interrupted: the pick among the candidates as far as they were "
                                        "fine-tuned was written (partial)\n"
                                      : "swatnn: interrupted: the search's pick where it stopped was written "
                                        "(partial, not fine-tuned)\n");
    return 130;
  }
  return degenerate && !a.allow_constant ? 1 : 0;
}

int search_command(const arguments& a) {
  swatnn_cli::check_outputs(a);  // an unwritable output fails now, not after the search
  if (!a.plots.empty()) check_plots(a.plots);  // and a missing gnuplot
  std::signal(SIGINT, on_interrupt);
  const auto d = load_data(a, a.cornn);
  // The model by the data's input count: 2 -> the 2-input family's swat_small.swt (as always), 1 or 3..7 (or 2 with
  // --universal) -> the universal family's swat_small_universal.swt; --model replaces the file, not the family.
  const int k = static_cast<int>(d.inputs());
  if (k < 1 || k > universal_spec::inputs)
    throw shape_error(d.name + ": the dataset has " + std::to_string(k) + " input columns (" +
                      data::detail::quoted_list(d.input_names) + "); the models take 1 to " +
                      std::to_string(universal_spec::inputs) + " (choose them with --inputs)");
  const bool universal = a.universal || k != spec::inputs;
  const std::filesystem::path model =
      !a.model.empty() ? std::filesystem::path(a.model) : universal ? universal_model_path() : default_model_path();
  std::printf("%s: %d input%s (%s), model %s (%s family)\n", d.name.c_str(), k, k == 1 ? "" : "s",
                data::detail::quoted_list(d.input_names).c_str(), model.string().c_str(),
                universal ? "universal 1-7-input" : "2-input");
  return universal ? search_with<swat_small_universal_autoencoder<>>(a, d, model)
                   : search_with<ae_type>(a, d, model);
}

int cornn_command(const arguments& a) {
  swatnn_cli::check_outputs(a);  // an unwritable output fails now, not after the sweep
  const auto names = a.all ? cornn::names() : a.functions;
  for (const auto& name : names) cornn::function(name);  // an unknown name fails before any work starts
  std::signal(SIGINT, on_interrupt);
  const std::filesystem::path model = a.model.empty() ? default_model_path() : std::filesystem::path(a.model);
  ae_type ae;
  load_model(ae, model);
  const sweep_ranks ranks;
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs = std::min<std::size_t>(names.size(), a.jobs > 0 ? static_cast<std::size_t>(a.jobs) : hardware);
  std::vector<outcome<>> outcomes(names.size());
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
      if (!ranks.mine(k)) continue;   // another rank's (under mpirun)
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
      ranks.end_job_on(f);
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
  if (const auto& comm = ranks.comm) {  // rank 0 gathers every rank's rows and counts, and writes the outputs alone
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
