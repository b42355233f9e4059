// The swatnn command: finds a small sparse network for a dataset with the shipped autoencoder.
//   swatnn search --cornn NAME [options]
//   swatnn search --train FILE [--test FILE] --target COL [options]
//   swatnn cornn --all [--functions A,B,...] [--csv results.csv] [--markdown results.md] [--jobs J] [options]
// Options: --model PATH, --restarts R, --iterations N, --seed S, --no-fine-tune, --l0 W, --l1 W,
//          --neuron-count W, --mask-separation W, --max-parameters N, --prune-to N, --selection-tolerance F,
//          --tune-method adam|lm|adam+lm, --tune-iterations N, --tune-patience N, --lm-iterations N, --lm-patience N,
//          --json OUT, --header OUT, --dot OUT, --quiet
// With fine-tuning (the default) every candidate the search returns is fine-tuned and the pick is the smallest
// tuned network within 5 % (--selection-tolerance 0.05) of the best tuned validation MSE (search/tuned_selection.hpp); --no-fine-tune keeps the
// search's own pick. --tune-method lm fine-tunes by Levenberg-Marquardt (search/fine_tune_lm.hpp) instead of Adam,
// adam+lm by Adam and then Levenberg-Marquardt from Adam's best parameters.
// --max-parameters N is the search's budget: no extracted network with more nonzero parameters is kept.
// --prune-to N is a budget for fine-tuning: every candidate with more nonzero parameters is first pruned to N in
// rounds, fine-tuned between them (search/prune.hpp), so the search's best networks are not lost to the budget.
// `cornn` runs J functions at a time (default: one per hardware thread), each on ONE thread with its own copy of
// the autoencoder, so its results are the same for every J (the thread count of a product changes its rounding).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/swatnn.hpp>

namespace {
using namespace swatnn;
using ae_type = swat_small_autoencoder<>;
using spec = paper_spec;

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

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "swatnn: %s\n"
               "usage: swatnn search --cornn NAME [options]\n"
               "       swatnn search --train FILE [--test FILE] --target COLUMN [options]\n"
               "       swatnn cornn --all [--functions A,B,...] [--csv FILE] [--markdown FILE] [--jobs J] [options]\n"
               "       swatnn compare --all|--functions A,B,...|--train FILE --target COLUMN [--methods swat,staged,darts-admm]\n"
               "              [--budgets 10,20,30,50] [--plots DIR] [--staged-depths 1,2] [--staged-widths 4,7]\n"
               "              [--darts-iterations 1000] [--csv FILE] [--markdown FILE] [--jobs J] [options]\n"
               "       swatnn compare --summarize CSV [--markdown FILE] [--plots DIR] [--methods ...] [--budgets ...]\n"
               "options: --model PATH (default: the shipped swat-small model)  --restarts R (4)  --iterations N (8001)\n"
               "         --seed S (0)  --no-fine-tune  --l0 W (1e-6)  --l1 W (1e-5)  --neuron-count W (1e-3)\n"
               "         --mask-separation W (0.4)  --max-parameters N (0: no budget)  --prune-to N (0: no budget)\n"
               "         --selection-tolerance F (0.05)\n"
               "         --tune-method adam|lm|adam+lm (adam)  --tune-iterations N (2000)  --tune-patience N (200)\n"
               "         --lm-iterations N (500)  --lm-patience N (50)  --json FILE  --header FILE  --dot FILE  --quiet\n",
               why.c_str());
  std::exit(2);
}

arguments parse(int argc, char** argv) {
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
      try {
        out = std::stod(v);
      } catch (const std::exception&) {
        usage(flag + " takes a number, got '" + v + "'");
      }
    };
    auto integer = [&](auto& out) {
      const std::string v = value();
      std::size_t used = 0;
      long long parsed = 0;
      try {
        parsed = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || parsed < 0) usage(flag + " takes a whole number >= 0, got '" + v + "'");
      out = static_cast<std::remove_reference_t<decltype(out)>>(parsed);
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

data::dataset load_data(const arguments& a, const std::string& cornn_name) {
  if (!cornn_name.empty()) return cornn::load(cornn_name);
  const bool digits = !a.target.empty() && a.target.find_first_not_of("-0123456789") == std::string::npos;
  const data::column_ref target = digits ? data::column_ref(std::stoi(a.target)) : data::column_ref(a.target);
  const auto train = data::load_csv(a.train, {.target = target});
  data::dataset d = a.test.empty() ? data::make_dataset(train, {.test_fraction = 0.2})
                                   : data::make_dataset(train, data::load_csv(a.test, {.target = target}));
  data::require_inputs<spec::inputs>(d);
  return d;
}

struct outcome {
  std::string name;
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
  return search.run(d.train, d.validation, bar);
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
  if (a.fine_tune) {
    tuned_selection_options options = tuning_options(a);
    options.max_parameters = a.prune_to;
    const auto selection = fine_tune_candidates(result, d.train, d.validation, options);
    o.final_network = selection.best().tuned.net;
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
  if (!a.json.empty())
    save_json(o.final_network, a.json,
              network_metadata{.name = o.name, .train_mse = o.tuned_train, .validation_mse = o.tuned_validation,
                               .test_mse = o.tuned_test, .input_scaling = d.input_scaler, .label_scaling = d.label_scaler});
  if (!a.header.empty()) export_cpp_header(o.final_network, a.header);
  if (!a.dot.empty()) export_dot(o.final_network, a.dot);
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

int main(int argc, char** argv) try {
  if (argc >= 2 && std::string(argv[1]) == "compare") return compare_main(argc, argv);
  const arguments a = parse(argc, argv);
  const std::filesystem::path model = a.model.empty() ? default_model_path() : std::filesystem::path(a.model);
  ae_type ae;
  load_model(ae, model);

  if (a.command == "search") {
    const auto d = load_data(a, a.cornn);
    const auto o = run_one(ae, a, d);
    print_summary(o, a.fine_tune);
    export_all(o, a, d);
    return 0;
  }

  const auto names = a.all ? cornn::names() : split_names(a.functions);
  for (const auto& name : names) cornn::function(name);  // an unknown name fails before any work starts
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs = std::min<std::size_t>(names.size(), a.jobs > 0 ? static_cast<std::size_t>(a.jobs) : hardware);
  std::vector<outcome> outcomes(names.size());
  std::vector<std::exception_ptr> failures(names.size());
  std::atomic<std::size_t> next{0};
  std::mutex print;
  const auto start = std::chrono::steady_clock::now();
  // Each worker owns an autoencoder (its workspaces are per instance) and runs its searches on one thread.
  auto worker = [&](ae_type& model) {
#if defined(_OPENMP)
    omp_set_num_threads(1);
#endif
    for (std::size_t k; (k = next.fetch_add(1)) < names.size();) {
      try {
        outcomes[k] = run_one(model, a, cornn::load(names[k]));
      } catch (...) {
        failures[k] = std::current_exception();
        continue;
      }
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
    if (f) std::rethrow_exception(f);
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu functions in %.1f s\n", outcomes.size(), total);
  if (!a.csv.empty()) {
    std::ofstream csv(a.csv);
    // depth, active_neurons, nonzero_parameters and tuned_*: the final (fine-tuned) pick; search_*: the search's own
    // pick before fine-tuning (another network when the tuned selection chose another candidate)
    csv << "function,depth,active_neurons,nonzero_parameters,search_depth,search_parameters,search_train_mse,"
           "search_validation_mse,search_test_mse,tuned_train_mse,tuned_validation_mse,tuned_test_mse,seconds\n";
    for (const auto& o : outcomes)
      csv << '"' << o.name << "\"," << o.final_network.depth << ',' << o.final_network.active_neurons() << ','
          << o.final_network.nonzero_parameters() << ',' << o.found.network.depth << ','
          << o.found.network.nonzero_parameters() << ',' << o.found.train_mse << ',' << o.found.validation_mse << ','
          << o.test_mse << ',' << o.tuned_train << ',' << o.tuned_validation << ',' << o.tuned_test << ',' << o.seconds
          << '\n';
  }
  if (!a.markdown.empty()) {
    std::ofstream md(a.markdown);
    md << "| function | depth | neurons | params | test MSE (search) | test MSE (fine-tuned) |\n|---|---|---|---|---|---|\n";
    for (const auto& o : outcomes)
      md << "| " << o.name << " | " << o.final_network.depth << " | " << o.final_network.active_neurons() << " | "
         << o.final_network.nonzero_parameters() << " | " << o.test_mse << " | " << o.tuned_test << " |\n";
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "swatnn: %s\n", e.what());
  return 1;
}
