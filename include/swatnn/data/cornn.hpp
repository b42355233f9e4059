// swatnn/data/cornn.hpp: regenerates the CORNN regression datasets bit-exactly (MT19937 seeded 0, numpy's
// random_sample, 3750 train + 1250 test rows) and scales them as the benchmark does (shared/spec/cornn.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/cornn_functions.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/data/numpy_random.hpp>
#include <swatnn/data/scaling.hpp>
#include <swatnn/data/table.hpp>

namespace swatnn::cornn {

inline constexpr std::size_t sample_count = 5000;   // points per function
inline constexpr std::size_t train_count = 3750;    // rows 0..3749 train, 3750..4999 test

// The unscaled samples of one function, in double and in generation order.
struct raw_samples {
  cpu::matrix<double> x;   // sample_count x 2 (columns x, y)
  cpu::vector<double> y;   // f(x, y)
};

// Seeds MT19937 with 0, draws 10000 numpy doubles u: x_i from u[i], y_i from u[5000 + i], then evaluates f.
inline raw_samples generate(const function_info& f) {
  data::numpy_random rng(0);
  raw_samples s;
  s.x.resize(sample_count, 2);
  s.y.resize(sample_count);
  for (std::size_t i = 0; i < sample_count; ++i) s.x(static_cast<Eigen::Index>(i), 0) = rng.uniform(f.bounds.x_lo, f.bounds.x_hi);
  for (std::size_t i = 0; i < sample_count; ++i) s.x(static_cast<Eigen::Index>(i), 1) = rng.uniform(f.bounds.y_lo, f.bounds.y_hi);
  for (Eigen::Index i = 0; i < s.x.rows(); ++i) s.y(i) = f(s.x(i, 0), s.x(i, 1));
  return s;
}

struct options {
  double validation_fraction = 0.2;   // share of the 3750 training rows moved to validation, in [0, 1)
  std::uint64_t validation_seed = 0;  // seeds the choice of validation rows
};

// The CORNN input scaler: each input by its nominal domain (the same for train and test).
inline data::minmax_scaler input_scaler(const function_info& f) {
  return data::minmax_scaler::from_bounds({f.bounds.x_lo, f.bounds.y_lo}, {f.bounds.x_hi, f.bounds.y_hi});
}

// The dataset for one function: inputs scaled by the domain, labels by the min and max of the 3750 raw
// training labels (test labels may fall slightly outside [-1, 1]); arithmetic in double, stored as float32.
// Validation rows are carved from the training rows only; the test rows are fixed and used for nothing else.
inline data::dataset load(std::string_view name, const options& opts = {}) {
  const function_info& f = function(name);
  const raw_samples s = generate(f);
  const auto n_train = static_cast<Eigen::Index>(train_count);
  const auto n_test = static_cast<Eigen::Index>(sample_count - train_count);
  const std::string source = "cornn '" + std::string(f.name) + "'";

  auto rows = [&](Eigen::Index first, Eigen::Index count) {
    data::labelled part;
    part.source = source;
    part.input_names = {"x", "y"};
    part.target_name = "f";
    part.x = s.x.middleRows(first, count);
    part.y = s.y.segment(first, count);
    for (Eigen::Index i = 0; i < count; ++i) part.rows.push_back(static_cast<std::size_t>(first + i));
    return part;
  };
  const data::labelled train = rows(0, n_train);
  const data::labelled test = rows(n_train, n_test);

  auto labels = data::minmax_scaler::fit(train.y, source + " (training labels)", {"f"});
  return data::assemble(std::string(f.name), train, test, input_scaler(f), std::move(labels),
                        {.validation_fraction = opts.validation_fraction, .test_fraction = 0.0,
                         .seed = opts.validation_seed});
}

}  // namespace swatnn::cornn
