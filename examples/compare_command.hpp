// examples/compare_command.hpp: the `swatnn compare` subcommand (included by examples/swatnn.cpp, inside its
// anonymous namespace context: it uses the command's `arguments`, `run_search`, `tuning_options`, `mse`,
// `load_data` and `split_names`; its options are declared in examples/swatnn_args.hpp). It runs the joint search and the two staged baselines on the same functions,
// splits and seeds at every budget, so the comparison differs only in method:
//   swat        one latent search per function (the command's search options), then for every budget k all its
//               candidates are pruned to k and fine-tuned and the pick is made after tuning (fine_tune_candidates
//               with max_parameters = k: `swatnn search --prune-to k`); the search's time is shared equally among
//               the budgets;
//   staged      baselines/staged.hpp (grid, Adam, iterative magnitude pruning, the same fine-tuning and selection);
//   darts-admm  baselines/darts_admm.hpp (first-order DARTS, ADMM pruning, masked retraining, the same polish).
// All three fine-tune with the command's --tune-method (default here adam+lm) and its iteration options. Functions
// run in parallel (--jobs, one thread each, as `cornn`), which gives the same results for every J; under mpirun (a
// build with -DSWATNN_ENABLE_MPI=ON) they are dealt to the ranks round robin and rank 0 writes the outputs, the
// same as one process's (seconds aside: docs/distributed.md). Writes a CSV
// (--csv), a markdown summary (--markdown: wins and median test MSE per method per budget, then per-function
// tables) and, with --plots DIR, SVG pictures drawn by gnuplot (fronts.svg, wins.svg; scripts and data files
// stay in DIR).
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <swatnn/baselines/darts_admm.hpp>
#include <swatnn/baselines/staged.hpp>

namespace {

using swatnn_cli::compare_settings;  // --methods, --budgets, --plots, --summarize, the baselines' settings

struct compare_row {
  std::string function, method;
  int budget = 0, depth = 0, nonzeros = 0;
  double train = 0, validation = 0, test = 0, seconds = 0;
};

compare_row make_row(const std::string& function, const std::string& method, int budget,
                     const sparse_network<spec>& net, const data::dataset& d, double seconds) {
  return {.function = function, .method = method, .budget = budget, .depth = net.depth,
          .nonzeros = net.nonzero_parameters(), .train = mse(net, d.train), .validation = mse(net, d.validation),
          .test = d.test.empty() ? std::nan("") : mse(net, d.test), .seconds = seconds};
}

// All methods at all budgets on one dataset.
std::vector<compare_row> compare_one(ae_type* ae, const arguments& a, const compare_settings& c, const data::dataset& d) {
  std::vector<compare_row> rows;
  const auto budgets_count = static_cast<double>(c.budgets.size());
  auto since = [](auto t) { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(); };
  for (const auto& method : c.methods) {
    if (method == "swat") {
      const auto t = std::chrono::steady_clock::now();
      const auto result = run_search(*ae, a, d);
      const double search_seconds = since(t);
      for (int budget : c.budgets) {
        const auto tb = std::chrono::steady_clock::now();
        auto options = tuning_options(a);
        options.max_parameters = budget;
        const auto selection = fine_tune_candidates(result, d.train, d.validation, options);
        rows.push_back(make_row(d.name, method, budget, selection.best().tuned.net, d, since(tb) + search_seconds / budgets_count));
      }
    } else if (method == "staged") {
      baselines::staged_options options{.depths = c.staged_depths, .widths = c.staged_widths};
      options.seed = a.seed;
      options.tune = tuning_options(a);
      const auto r = baselines::run_staged<spec>(d, c.budgets, options);
      for (const auto& p : r.picks) rows.push_back(make_row(d.name, method, p.budget, p.tuned.net, d, p.seconds));
    } else {
      baselines::darts_admm_options options;
      options.darts.iterations = c.darts_iterations;
      options.darts.seed = a.seed;
      options.tune = tuning_options(a);
      const auto r = baselines::run_darts_admm<spec>(d, c.budgets, options);
      for (const auto& p : r.picks) rows.push_back(make_row(d.name, method, p.budget, p.tuned.net, d, p.seconds));
    }
  }
  return rows;
}

double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// wins[budget][method]: functions where the method's test MSE is the lowest of all methods at that budget (ties:
// every tied method counts a win).
std::map<int, std::map<std::string, int>> count_wins(const std::vector<compare_row>& rows, const compare_settings& c,
                                                     const std::vector<std::string>& functions) {
  std::map<int, std::map<std::string, int>> wins;
  for (int b : c.budgets) {
    for (const auto& m : c.methods) wins[b][m] = 0;
    for (const auto& f : functions) {
      double best = INFINITY;
      for (const auto& r : rows)
        if (r.function == f && r.budget == b && std::isfinite(r.test)) best = std::min(best, r.test);
      for (const auto& r : rows)
        if (r.function == f && r.budget == b && r.test == best) ++wins[b][r.method];
    }
  }
  return wins;
}

std::string format(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

void write_csv_row(std::ostream& csv, const compare_row& r) {
  csv.precision(6);
  csv << '"' << r.function << "\"," << r.method << ',' << r.budget << ',' << r.depth << ',' << r.nonzeros << ','
      << r.train << ',' << r.validation << ',' << r.test << ',' << r.seconds << '\n';
}

void write_compare_csv(const std::string& path, const std::vector<compare_row>& rows) {
  std::ofstream csv(path);
  if (!csv) throw io_error("compare: cannot write the CSV " + path + "; check the directory exists and is writable");
  csv << "function,method,budget,depth,nonzeros,train_mse,validation_mse,test_mse,seconds\n";
  for (const auto& r : rows) write_csv_row(csv, r);
}

void write_compare_markdown(const std::string& path, const std::vector<compare_row>& rows, const compare_settings& c,
                            const std::vector<std::string>& functions, double wall) {
  std::ofstream md(path);
  if (!md) throw io_error("compare: cannot write the markdown " + path + "; check the directory exists and is writable");
  const auto wins = count_wins(rows, c, functions);
  md << "## " << functions.size() << " functions";
  if (std::isfinite(wall)) md << ", wall time " << format(wall) << " s";
  md << "\n\n";
  md << "Wins: functions where the method has the lowest test MSE at the budget (ties count for each).\n\n| budget |";
  for (const auto& m : c.methods) md << ' ' << m << " wins |";
  for (const auto& m : c.methods) md << " median test MSE " << m << " |";
  for (const auto& m : c.methods) md << " median size " << m << " |";
  md << "\n|---|";
  for (std::size_t k = 0; k < 3 * c.methods.size(); ++k) md << "---|";
  md << '\n';
  for (int b : c.budgets) {
    md << "| " << b << " |";
    for (const auto& m : c.methods)
      md << ' ' << wins.at(b).at(m) << '/' << functions.size() << " |";
    for (const auto& m : c.methods) {
      std::vector<double> v;
      for (const auto& r : rows)
        if (r.budget == b && r.method == m) v.push_back(r.test);
      md << ' ' << format(median(v)) << " |";
    }
    for (const auto& m : c.methods) {
      std::vector<double> v;
      for (const auto& r : rows)
        if (r.budget == b && r.method == m) v.push_back(r.nonzeros);
      md << ' ' << format(median(v)) << " |";
    }
    md << '\n';
  }
  md << "\nSeconds per method (sum over functions and budgets, one thread each):";
  for (const auto& m : c.methods) {
    double s = 0;
    for (const auto& r : rows)
      if (r.method == m) s += r.seconds;
    md << ' ' << m << ' ' << format(s) << ';';
  }
  md << "\n";
  for (int b : c.budgets) {
    md << "\n### Budget " << b << ": test MSE (nonzero parameters)\n\n| function |";
    for (const auto& m : c.methods) md << ' ' << m << " |";
    md << "\n|---|";
    for (std::size_t k = 0; k < c.methods.size(); ++k) md << "---|";
    md << '\n';
    for (const auto& f : functions) {
      md << "| " << f << " |";
      double best = INFINITY;
      for (const auto& r : rows)
        if (r.function == f && r.budget == b) best = std::min(best, r.test);
      for (const auto& m : c.methods)
        for (const auto& r : rows)
          if (r.function == f && r.budget == b && r.method == m)
            md << ' ' << (r.test == best ? "**" : "") << format(r.test) << (r.test == best ? "**" : "") << " ("
               << r.nonzeros << ") |";
      md << '\n';
    }
  }
}

// Reads a CSV written by write_compare_csv. Keeps the rows of c.methods and c.budgets; the functions in order of
// appearance. Throws data_error on a malformed row.
std::pair<std::vector<compare_row>, std::vector<std::string>> read_compare_csv(const std::string& path,
                                                                               const compare_settings& c) {
  std::ifstream in(path);
  if (!in) throw io_error("compare: cannot read " + path + " (--summarize takes a CSV written by --csv)");
  std::string line;
  std::getline(in, line);
  if (line != "function,method,budget,depth,nonzeros,train_mse,validation_mse,test_mse,seconds")
    throw data_error(path + ": not a `swatnn compare --csv` file (its first line is '" + line + "')");
  std::vector<compare_row> rows;
  std::vector<std::string> functions;
  for (int number = 2; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    compare_row r;
    std::size_t at = 0;
    if (line[0] == '"') {
      const auto close = line.find('"', 1);
      if (close == std::string::npos) throw data_error(path + ":" + std::to_string(number) + ": unclosed quote");
      r.function = line.substr(1, close - 1);
      at = close + 2;
    } else {
      at = line.find(',') + 1;
      r.function = line.substr(0, at - 1);
    }
    std::vector<std::string> cells = split_names(line.substr(std::min(at, line.size())));
    if (cells.size() != 8) throw data_error(path + ":" + std::to_string(number) + ": expected 9 columns");
    try {
      r.method = cells[0];
      r.budget = std::stoi(cells[1]);
      r.depth = std::stoi(cells[2]);
      r.nonzeros = std::stoi(cells[3]);
      r.train = std::stod(cells[4]);
      r.validation = std::stod(cells[5]);
      r.test = std::stod(cells[6]);
      r.seconds = std::stod(cells[7]);
    } catch (const std::exception&) {
      throw data_error(path + ":" + std::to_string(number) + ": a cell is not a number");
    }
    if (std::find(c.methods.begin(), c.methods.end(), r.method) == c.methods.end() ||
        std::find(c.budgets.begin(), c.budgets.end(), r.budget) == c.budgets.end())
      continue;
    if (std::find(functions.begin(), functions.end(), r.function) == functions.end()) functions.push_back(r.function);
    rows.push_back(std::move(r));
  }
  return {rows, functions};
}

std::string gnuplot_string(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

// fronts.svg (test MSE vs nonzero parameters per function, one line per method over its budgets, log scale) and
// wins.svg (win rate per method per budget), drawn by gnuplot from generated scripts and data files in `dir`.
void write_plots(const std::filesystem::path& dir, const std::vector<compare_row>& rows, const compare_settings& c,
                 const std::vector<std::string>& functions) {
  std::filesystem::create_directories(dir);
  const auto abs = std::filesystem::absolute(dir);
  {
    std::ofstream data(abs / "fronts.dat");
    for (const auto& f : functions) {
      data << "# " << f << '\n';
      for (const auto& m : c.methods) {
        std::vector<std::pair<int, double>> points;
        for (const auto& r : rows)
          if (r.function == f && r.method == m) points.emplace_back(r.nonzeros, r.test);
        std::sort(points.begin(), points.end());
        for (const auto& [n, t] : points) data << n << ' ' << t << '\n';
        if (points.empty()) data << "NaN NaN\n";
        data << '\n';  // one block per method
      }
      data << '\n';  // two blank lines: the next function's data set (index)
    }
  }
  const std::size_t n = functions.size();
  const int cols = static_cast<int>(std::min<std::size_t>(n, 6));
  const int lines = static_cast<int>((n + static_cast<std::size_t>(cols) - 1) / static_cast<std::size_t>(cols));
  {
    std::ofstream gp(abs / "fronts.gp");
    gp << "set terminal svg size " << 300 * cols << ',' << 240 * lines + 60 << " font 'sans,9' background rgb 'white'\n"
       << "set output " << gnuplot_string((abs / "fronts.svg").string()) << '\n'
       << "array names[" << n << "]\n";
    for (std::size_t k = 0; k < n; ++k) gp << "names[" << k + 1 << "] = " << gnuplot_string(functions[k]) << '\n';
    gp << "set multiplot layout " << lines << ',' << cols
       << " title 'test MSE (log scale) vs nonzero parameters, one line per method over the budgets'\n"
       << "set logscale y\nset format y '%.0e'\nset xrange [0:*]\n"
       << "set mytics 1\nset ytics 100\nset xtics 10\n"  // no grid, no minor tics: a small SVG (about 7 KB per panel)
       << "do for [i=1:" << n << "] {\n  set title names[i]\n  if (i == 1) { set key top right } else { unset key }\n  plot ";
    const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a"};
    for (std::size_t m = 0; m < c.methods.size(); ++m)
      gp << (m ? ", " : "") << gnuplot_string((abs / "fronts.dat").string()) << " index (i-1) every :::" << m << "::" << m
         << " using 1:2 with linespoints pt 7 ps 0.5 lc rgb '" << colors[m % 4] << "' title " << gnuplot_string(c.methods[m]);
    gp << "\n}\nunset multiplot\n";
  }
  const auto wins = count_wins(rows, c, functions);
  {
    std::ofstream data(abs / "wins.dat");
    data << "budget";
    for (const auto& m : c.methods) data << ' ' << m;
    data << '\n';
    for (int b : c.budgets) {
      data << b;
      for (const auto& m : c.methods) data << ' ' << 100.0 * wins.at(b).at(m) / static_cast<double>(n);
      data << '\n';
    }
  }
  {
    std::ofstream gp(abs / "wins.gp");
    gp << "set terminal svg size 760,400 font 'sans,11' background rgb 'white'\n"
       << "set output " << gnuplot_string((abs / "wins.svg").string()) << '\n'
       << "set title 'functions where the method has the lowest test MSE (%, of " << n << ")'\n"
       << "set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.8 border -1\n"
       << "set yrange [0:100]\nset ylabel 'win rate (%)'\nset xlabel 'parameter budget'\nset key outside right top\n"
       << "set grid ytics\nset datafile columnheaders\nplot ";
    const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a"};
    for (std::size_t m = 0; m < c.methods.size(); ++m)
      gp << (m ? ", " : "") << gnuplot_string((abs / "wins.dat").string()) << " using " << m + 2
         << (m == 0 ? ":xtic(1)" : "") << " lc rgb '" << colors[m % 4] << "' title " << gnuplot_string(c.methods[m]);
    gp << '\n';
  }
  for (const char* script : {"fronts.gp", "wins.gp"}) {
    const std::string command = "gnuplot " + gnuplot_string((abs / script).string());
    if (std::system(command.c_str()) != 0)
      throw io_error("compare: `" + command + "` failed; --plots needs gnuplot (Debian: apt-get install gnuplot-nox, "
                     "or bash scripts/install-deps.sh)");
  }
}

#if SWATNN_HAS_MPI
// One function's label and rows as text for distributed::gather_items, doubles with round-trip digits, so rank 0
// summarizes exactly the numbers a one-process run holds: "label\n" then "function\tmethod\tbudget\t...\n" per row.
std::string pack_rows(const std::string& label, const std::vector<compare_row>& rows) {
  std::ostringstream out;
  out.precision(17);
  out << label << '\n';
  for (const auto& r : rows)
    out << r.function << '\t' << r.method << '\t' << r.budget << '\t' << r.depth << '\t' << r.nonzeros << '\t'
        << r.train << '\t' << r.validation << '\t' << r.test << '\t' << r.seconds << '\n';
  return out.str();
}

void unpack_rows(const std::string& text, std::string& label, std::vector<compare_row>& rows) {
  std::istringstream in(text);
  std::getline(in, label);
  rows.clear();
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> cells;
    std::istringstream fields(line);
    for (std::string cell; std::getline(fields, cell, '\t');) cells.push_back(cell);
    if (cells.size() != 9)
      throw distributed_error("compare: a gathered row has " + std::to_string(cells.size()) + " fields, expected 9");
    rows.push_back({.function = cells[0], .method = cells[1], .budget = std::stoi(cells[2]),
                    .depth = std::stoi(cells[3]), .nonzeros = std::stoi(cells[4]), .train = std::stod(cells[5]),
                    .validation = std::stod(cells[6]), .test = std::stod(cells[7]), .seconds = std::stod(cells[8])});
  }
}
#endif

int compare_command(const arguments& a, const compare_settings& c) {
  try {
    baselines::check_budgets<spec>(c.budgets, "--budgets");
  } catch (const value_error& e) {
    throw usage_error(e.what());  // a command-line error: exit status 2
  }
  swatnn_cli::check_outputs(a);  // a missing directory fails now, not after the runs
  if (!c.summarize.empty()) {   // no runs: the summary and the pictures of an earlier run's CSV
    const auto [rows, functions] = read_compare_csv(c.summarize, c);
    if (!a.markdown.empty()) write_compare_markdown(a.markdown, rows, c, functions, NAN);
    if (!c.plots.empty()) write_plots(c.plots, rows, c, functions);
    std::printf("%zu functions read from %s\n", functions.size(), c.summarize.c_str());
    return 0;
  }

  std::vector<std::string> names;
  if (!a.train.empty()) names = {""};  // the user's data: one dataset
  else if (!a.cornn.empty()) names = {a.cornn};
  else names = a.all ? cornn::names() : a.functions;
  for (const auto& name : names)
    if (!name.empty()) cornn::function(name);  // an unknown name fails before any work starts
  const bool swat = std::find(c.methods.begin(), c.methods.end(), "swat") != c.methods.end();
  const std::filesystem::path model = a.model.empty() ? default_model_path() : std::filesystem::path(a.model);
  const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
  const std::size_t jobs = std::min<std::size_t>(names.size(), a.jobs > 0 ? static_cast<std::size_t>(a.jobs) : hardware);
  const sweep_ranks ranks;  // under mpirun: function k is rank (k mod size)'s; rank 0 gathers and writes the outputs
  std::vector<std::unique_ptr<ae_type>> models;
  if (swat)
    for (std::size_t j = 0; j < jobs; ++j) {
      models.push_back(std::make_unique<ae_type>());
      load_model(*models.back(), model);
    }
  std::vector<std::vector<compare_row>> results(names.size());
  std::vector<std::string> labels(names.size());
  std::vector<std::exception_ptr> failures(names.size());
  std::atomic<std::size_t> next{0};
  std::mutex print;
  // The CSV grows as functions finish (a stopped run keeps what it did); it is rewritten in function order at the end.
  std::ofstream partial;
  if (!a.csv.empty() && ranks.writer()) {
    partial.open(a.csv);
    partial << "function,method,budget,depth,nonzeros,train_mse,validation_mse,test_mse,seconds\n";
  }
  const auto start = std::chrono::steady_clock::now();
  auto worker = [&](std::size_t j) {
#if defined(_OPENMP)
    omp_set_num_threads(1);
#endif
    for (std::size_t k; (k = next.fetch_add(1)) < names.size();) {
      if (!ranks.mine(k)) continue;  // another rank's (under mpirun)
      try {
        const auto d = load_data(a, names[k]);
        labels[k] = d.name;
        results[k] = compare_one(swat ? models[j].get() : nullptr, a, c, d);
      } catch (...) {
        failures[k] = std::current_exception();
        continue;
      }
      const std::lock_guard lock(print);
      if (partial.is_open()) {
        for (const auto& r : results[k]) write_csv_row(partial, r);
        partial.flush();
      }
      std::printf("%-18s", labels[k].c_str());
      for (const auto& r : results[k]) std::printf("  %s@%d %.3g (%d)", r.method.c_str(), r.budget, r.test, r.nonzeros);
      std::printf("\n");
      std::fflush(stdout);
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t j = 1; j < jobs; ++j) threads.emplace_back(worker, j);
  worker(0);
  for (auto& t : threads) t.join();
  for (const auto& f : failures)
    if (f) {
      ranks.end_job_on(f);
      std::rethrow_exception(f);
    }
#if SWATNN_HAS_MPI
  if (ranks.comm) {
    std::vector<std::string> packed(names.size());
    for (std::size_t k = 0; k < names.size(); ++k)
      if (ranks.mine(k)) packed[k] = pack_rows(labels[k], results[k]);
    packed = distributed::gather_items(*ranks.comm, packed);
    if (!ranks.writer()) return 0;
    for (std::size_t k = 0; k < names.size(); ++k) unpack_rows(packed[k], labels[k], results[k]);
  }
#endif
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::vector<compare_row> rows;
  for (const auto& r : results) rows.insert(rows.end(), r.begin(), r.end());
  std::printf("%zu functions x %zu methods x %zu budgets in %.1f s\n", names.size(), c.methods.size(), c.budgets.size(), wall);
  if (partial.is_open()) partial.close();
  if (!a.csv.empty()) write_compare_csv(a.csv, rows);
  if (!a.markdown.empty()) write_compare_markdown(a.markdown, rows, c, labels, wall);
  if (!c.plots.empty()) write_plots(c.plots, rows, c, labels);
  return 0;
}

}  // namespace
