// dense_baseline: trains the dense reference network (one hidden layer, all neurons active, tanh by default,
// Adam on every weight and bias, or Levenberg-Marquardt (--method lm, or adam+lm: Adam then Levenberg-Marquardt),
// early-stopped on the validation split;
// baselines/dense.hpp) on CORNN functions and reports train / validation / test MSE in scaled units, one line per
// function, then the median test MSE.
// Usage: dense_baseline [--functions A,B,...] [--width W (10)] [--method adam|lm|adam+lm (adam)]
//                       [--iterations N (10000)] [--patience P (1000)] [--lm-iterations N (500)] [--lm-patience P (50)]
//                       [--lr X (1e-2)] [--batch B (0 = full batch)] [--activation tanh|sigmoid|leaky_relu]
//                       [--seed S (0)] [--csv FILE]
// CSV columns: function,width,parameters,train_mse,validation_mse,test_mse,seconds
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <swatnn/baselines/dense.hpp>
#include <swatnn/data/cornn.hpp>

namespace {
using namespace swatnn;
using namespace swatnn::baselines;

struct arguments {
  std::vector<std::string> functions;  // empty: all 54
  dense_options options;
  std::string csv;
};

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "dense_baseline: %s\n"
               "usage: dense_baseline [--functions A,B,...] [--width W (10)] [--method adam|lm|adam+lm (adam)]\n"
               "                      [--iterations N (10000)] [--patience P (1000)] [--lm-iterations N (500)] [--lm-patience P (50)]\n"
               "                      [--lr X (1e-2)] [--batch B (0 = full batch)]\n"
               "                      [--activation tanh|sigmoid|leaky_relu] [--seed S (0)] [--csv FILE]\n",
               why.c_str());
  std::exit(2);
}

std::vector<std::string> split_names(const std::string& list) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  while (begin <= list.size()) {
    const std::size_t end = std::min(list.find(',', begin), list.size());
    if (end > begin) out.push_back(list.substr(begin, end - begin));
    begin = end + 1;
  }
  return out;
}

arguments parse(int argc, char** argv) {
  arguments a;
  a.options = dense_options{};
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage("missing value after " + flag);
      return argv[++i];
    };
    auto integer = [&]() -> long long {
      const std::string v = value();
      std::size_t used = 0;
      long long out = 0;
      try {
        out = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty()) usage(flag + " takes an integer, got '" + v + "'");
      return out;
    };
    auto real = [&]() -> double {
      const std::string v = value();
      std::size_t used = 0;
      double out = 0;
      try {
        out = std::stod(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty()) usage(flag + " takes a number, got '" + v + "'");
      return out;
    };
    auto count = [&]() -> int {  // a non-negative int
      const long long v = integer();
      if (v < 0 || v > std::numeric_limits<int>::max()) usage(flag + " takes a non-negative integer");
      return static_cast<int>(v);
    };
    if (flag == "--functions") a.functions = split_names(value());
    else if (flag == "--width") a.options.width = count();
    else if (flag == "--iterations") a.options.max_iterations = count();
    else if (flag == "--patience") a.options.patience = count();
    else if (flag == "--lm-iterations") a.options.lm.max_iterations = count();
    else if (flag == "--lm-patience") a.options.lm.patience = count();
    else if (flag == "--method") {
      const std::string v = value();
      if (v == "lm") a.options.method = fine_tuner::levenberg_marquardt;
      else if (v == "adam+lm") a.options.method = fine_tuner::adam_then_levenberg_marquardt;
      else if (v != "adam") usage("--method takes adam, lm or adam+lm, got '" + v + "'");
    }
    else if (flag == "--lr") a.options.optimizer.lr = real();
    else if (flag == "--batch") a.options.batch = count();
    else if (flag == "--seed") a.options.seed = static_cast<std::uint64_t>(count());
    else if (flag == "--csv") a.csv = value();
    else if (flag == "--activation") {
      const std::string v = value();
      bool found = false;
      for (activation act : all_activations)
        if (activation_name(act) == v) {
          a.options.hidden_activation = act;
          found = true;
        }
      if (!found) usage("--activation takes tanh, sigmoid or leaky_relu, got '" + v + "'");
    } else if (flag == "--help" || flag == "-h") usage("help");
    else usage("unknown option " + flag);
  }
  if (a.options.width < 1 || a.options.width > 64) usage("--width takes 1..64");
  return a;
}

struct row {
  std::string name;
  int width = 0, parameters = 0, iterations = 0, best_iteration = 0;
  double train = 0, validation = 0, test = 0, seconds = 0;
};

// The hidden width is runtime data; the spec's MaxWidth is compile-time: run in the narrowest of a few specs.
template <int MaxWidth>
row run_in(const data::dataset& d, const dense_options& o) {
  const auto r = train_dense<dense_spec<MaxWidth>>(d, o);
  return {d.name, r.width, r.parameters, r.iterations, r.best_iteration, r.train_mse, r.validation_mse, r.test_mse,
          r.seconds};
}

row run_one(const data::dataset& d, const dense_options& o) {
  if (o.width <= 4) return run_in<4>(d, o);
  if (o.width <= 8) return run_in<8>(d, o);
  if (o.width <= 10) return run_in<10>(d, o);
  if (o.width <= 16) return run_in<16>(d, o);
  if (o.width <= 32) return run_in<32>(d, o);
  return run_in<64>(d, o);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
}  // namespace

int main(int argc, char** argv) try {
  const arguments a = parse(argc, argv);
  const auto names = a.functions.empty() ? cornn::names() : a.functions;
  if (names.empty()) usage("--functions names no function");
  for (const auto& name : names) (void)cornn::function(name);  // unknown names fail before any training
  const auto& o = a.options;
  const auto act = activation_name(o.hidden_activation);
  std::printf("dense 2-%d-1 %.*s, seed %llu", o.width, static_cast<int>(act.size()), act.data(),
              static_cast<unsigned long long>(o.seed));
  if (o.method != fine_tuner::levenberg_marquardt)
    std::printf(", Adam lr %g, %s, at most %d updates, patience %d", o.optimizer.lr,
                o.batch == 0 ? "full batch" : ("batch " + std::to_string(o.batch)).c_str(), o.max_iterations,
                o.patience);
  if (o.method != fine_tuner::adam)
    std::printf(", %sLevenberg-Marquardt: at most %d steps, patience %d",
                o.method == fine_tuner::adam_then_levenberg_marquardt ? "then " : "", o.lm.max_iterations, o.lm.patience);
  std::printf("\n");
  std::vector<row> rows;
  std::vector<double> tests;
  const auto start = std::chrono::steady_clock::now();
  for (const auto& name : names) {
    rows.push_back(run_one(cornn::load(name), o));
    const row& r = rows.back();
    tests.push_back(r.test);
    std::printf("%-18s params %3d  train %.4g  validation %.4g  test %.4g  best at %d of %d updates  %.1f s\n",
                r.name.c_str(), r.parameters, r.train, r.validation, r.test, r.best_iteration, r.iterations, r.seconds);
    std::fflush(stdout);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%zu function(s) in %.1f s; median test MSE %.4g\n", rows.size(), total, median(tests));
  if (!a.csv.empty()) {
    std::ofstream csv(a.csv);
    if (!csv) throw io_error("dense_baseline: cannot open '" + a.csv + "' for writing");
    csv << "function,width,parameters,train_mse,validation_mse,test_mse,seconds\n";
    for (const auto& r : rows)
      csv << '"' << r.name << "\"," << r.width << ',' << r.parameters << ',' << r.train << ',' << r.validation << ','
          << r.test << ',' << r.seconds << '\n';
    if (!csv) throw io_error("dense_baseline: writing '" + a.csv + "' failed");
  }
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "dense_baseline: %s\n", e.what());
  return 1;
}
