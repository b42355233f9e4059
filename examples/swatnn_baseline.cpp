// examples/swatnn_baseline.cpp: `swatnn baseline` (a translation unit of the swatnn command; its options are
// declared in swatnn_args.hpp): trains the dense reference
// network (one hidden layer, all neurons active, tanh by default; Adam on every weight and bias, or
// Levenberg-Marquardt: --method lm, or adam+lm: Adam then Levenberg-Marquardt), early-stopped on the validation
// split (baselines/dense.hpp), on CORNN functions or on a data file (--train, 1 to 7 inputs: the dense k-W-1
// network), and reports train / validation / test MSE in scaled units, one line per dataset, then the median test MSE.
// CSV columns (--csv): function,width,parameters,train_mse,validation_mse,test_mse,seconds
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <span>
#include <string>
#include <vector>

#include <swatnn/baselines/dense.hpp>
#include <swatnn/data/cornn.hpp>
#include <swatnn/io/atomic_file.hpp>

#include "swatnn_args.hpp"
#include "swatnn_data.hpp"

namespace swatnn_cli {
namespace {

struct baseline_row {
  std::string name;
  int width = 0, parameters = 0, iterations = 0, best_iteration = 0;
  double train = 0, validation = 0, test = 0, seconds = 0;
};

// The hidden width is runtime data; the spec's MaxWidth is compile-time: run in the narrowest of a few specs (CORNN's
// 2 inputs; a data file's 1 to 7 in the 7-input specs).
template <int MaxWidth, int Inputs>
baseline_row run_dense_in(const swatnn::data::dataset& d, const swatnn::baselines::dense_options& o) {
  const auto r = swatnn::baselines::train_dense<swatnn::baselines::dense_spec<MaxWidth, Inputs>>(d, o);
  return {d.name, r.width, r.parameters, r.iterations, r.best_iteration, r.train_mse, r.validation_mse, r.test_mse,
          r.seconds};
}

template <int Inputs>
baseline_row run_dense(const swatnn::data::dataset& d, const swatnn::baselines::dense_options& o) {
  constexpr int narrowest = Inputs <= 4 ? 4 : 8;  // a spec keeps its inputs on its neuron tokens: MaxWidth >= Inputs
  if (o.width <= narrowest) return run_dense_in<narrowest, Inputs>(d, o);
  if (o.width <= 8) return run_dense_in<8, Inputs>(d, o);
  if (o.width <= 10) return run_dense_in<10, Inputs>(d, o);
  if (o.width <= 16) return run_dense_in<16, Inputs>(d, o);
  if (o.width <= 32) return run_dense_in<32, Inputs>(d, o);
  return run_dense_in<64, Inputs>(d, o);
}

}  // namespace

int baseline_command(const baseline_arguments& a) {
  using swatnn::fine_tuner;
  if (!a.train.empty() && !a.functions.empty()) throw usage_error("give --functions or --train, not both");
  if (a.train.empty() && (!a.test.empty() || !a.inputs.empty() || a.target != "-1"))
    throw usage_error("--test, --inputs and --target go with --train");
  const auto names = !a.train.empty() ? std::vector<std::string>{} : a.functions.empty() ? swatnn::cornn::names() : a.functions;
  for (const auto& name : names) (void)swatnn::cornn::function(name);  // unknown names fail before any training
  if (!a.csv.empty()) check_output_path("--csv", a.csv);
  std::vector<swatnn::data::dataset> files;  // --train: the one dataset, read before anything is trained
  if (!a.train.empty()) {
    files.push_back(file_dataset(a.train, a.test, a.inputs, a.target));
    if (files.back().inputs() > 7) swatnn::data::require_inputs<7>(files.back());
  }
  const auto& o = a.options;
  const auto act = swatnn::activation_name(o.hidden_activation);
  const std::size_t inputs = files.empty() ? 2 : files.back().inputs();
  std::printf("dense %zu-%d-1 %.*s, seed %llu", inputs, o.width, static_cast<int>(act.size()), act.data(),
              static_cast<unsigned long long>(o.seed));
  if (o.method != fine_tuner::levenberg_marquardt)
    std::printf(", Adam lr %g, %s, at most %d updates, patience %d", o.optimizer.lr,
                o.batch == 0 ? "full batch" : ("batch " + std::to_string(o.batch)).c_str(), o.max_iterations,
                o.patience);
  if (o.method != fine_tuner::adam)
    std::printf(", %sLevenberg-Marquardt: at most %d steps, patience %d",
                o.method == fine_tuner::adam_then_levenberg_marquardt ? "then " : "", o.lm.max_iterations, o.lm.patience);
  std::printf("\n");
  std::vector<baseline_row> rows;
  std::vector<double> tests;
  const auto start = std::chrono::steady_clock::now();
  const std::size_t count = files.empty() ? names.size() : 1;
  for (std::size_t k = 0; k < count; ++k) {
    rows.push_back(files.empty() ? run_dense<2>(swatnn::cornn::load(names[k]), o) : run_dense<7>(files[0], o));
    const baseline_row& r = rows.back();
    tests.push_back(r.test);
    std::printf("%-18s params %3d  train %.4g  validation %.4g  test %.4g  best at %d of %d updates  %.1f s\n",
                r.name.c_str(), r.parameters, r.train, r.validation, r.test, r.best_iteration, r.iterations, r.seconds);
    std::fflush(stdout);
  }
  const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(tests.begin(), tests.end());
  const std::size_t n = tests.size();
  const double median = n % 2 == 1 ? tests[n / 2] : 0.5 * (tests[n / 2 - 1] + tests[n / 2]);
  std::printf("%zu %s in %.1f s; median test MSE %.4g\n", rows.size(), files.empty() ? "function(s)" : "dataset", total,
              median);
  if (!a.csv.empty()) {
    std::ostringstream csv;
    csv << "function,width,parameters,train_mse,validation_mse,test_mse,seconds\n";
    for (const auto& r : rows)
      csv << '"' << r.name << "\"," << r.width << ',' << r.parameters << ',' << r.train << ',' << r.validation << ','
          << r.test << ',' << r.seconds << '\n';
    const std::string text = csv.str();
    swatnn::io::write_file_atomically(a.csv, std::as_bytes(std::span<const char>(text.data(), text.size())));
  }
  return 0;
}

}  // namespace swatnn_cli
