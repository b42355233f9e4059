// swatnn/data/dataset.hpp: the dataset value type (scaled train / validation / test splits plus the scalers
// that map back to original units) and how one is assembled from raw rows with a seeded validation carve.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/messages.hpp>
#include <swatnn/data/scaling.hpp>
#include <swatnn/data/table.hpp>
#include <swatnn/error.hpp>

namespace swatnn::data {

// One split, scaled, stored as float32: rows = points.
struct split {
  cpu::matrix<float> x;             // rows x inputs, scaled
  cpu::matrix<float> y;             // rows x 1, scaled label
  std::vector<std::size_t> rows;    // index of each row in its source (file data row, or CORNN sample index)

  std::size_t size() const { return static_cast<std::size_t>(x.rows()); }
  bool empty() const { return size() == 0; }
};

// How the rows that are not test rows are split. The validation rows are chosen by a seeded shuffle of the
// training rows (portable: the same on every standard library); both splits keep their source order.
struct split_options {
  double validation_fraction = 0.2;   // share of the training rows moved to validation, in [0, 1)
  double test_fraction = 0.0;         // share of a single file held out as test, in [0, 1) (no separate test file)
  std::uint64_t seed = 0;             // seeds the shuffle that picks the test and validation rows
};

// A dataset: what a search or a training run consumes. The scalers were fitted on the training rows
// (train + validation, never test) and are kept so that predictions can be mapped back.
struct dataset {
  std::string name;                        // CORNN function name or source file name
  std::vector<std::string> input_names;
  std::string target_name;
  split train, validation, test;
  minmax_scaler input_scaler;              // inputs -> [-1, 1]
  minmax_scaler label_scaler;              // label  -> [-1, 1] on the training rows

  std::size_t inputs() const { return input_names.size(); }

  // Scaled predictions or labels (rows x 1) -> original units, in double.
  template <class Derived>
  cpu::matrix<double> labels_to_original(const Eigen::MatrixBase<Derived>& scaled) const {
    return label_scaler.inverse(scaled);
  }
  // Scaled inputs -> original units, in double.
  template <class Derived>
  cpu::matrix<double> inputs_to_original(const Eigen::MatrixBase<Derived>& scaled) const {
    return input_scaler.inverse(scaled);
  }
  // New raw inputs (rows x inputs, original units) -> scaled float32, ready for a model.
  template <class Derived>
  cpu::matrix<float> scale_inputs(const Eigen::MatrixBase<Derived>& raw) const {
    return input_scaler.transform<float>(raw);
  }
};

namespace detail {

// Uniform integer in [0, bound) from a 64-bit Mersenne Twister by rejection (portable, unbiased).
inline std::uint64_t bounded(std::mt19937_64& engine, std::uint64_t bound) {
  const std::uint64_t limit = std::uint64_t(-1) - std::uint64_t(-1) % bound;  // multiple of bound
  std::uint64_t draw = engine();
  while (draw >= limit) draw = engine();
  return draw % bound;
}

// Fisher-Yates permutation of 0..n-1 (std::shuffle is implementation-defined, so not used).
inline std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 engine(seed);
  for (std::size_t i = n; i > 1; --i) {
    const std::size_t j = static_cast<std::size_t>(bounded(engine, i));
    std::swap(order[i - 1], order[j]);
  }
  return order;
}

inline void check_fraction(double fraction, const char* field) {
  if (!(fraction >= 0.0 && fraction < 1.0)) {
    throw value_error(std::string("split_options.") + field + " = " + number(fraction) + "; expected a value in [0, 1)");
  }
}

// Rows `picked` of `source` (in the given order).
inline labelled take_rows(const labelled& source, const std::vector<std::size_t>& picked) {
  labelled out;
  out.source = source.source;
  out.input_names = source.input_names;
  out.target_name = source.target_name;
  out.x.resize(static_cast<Eigen::Index>(picked.size()), source.x.cols());
  out.y.resize(static_cast<Eigen::Index>(picked.size()));
  for (std::size_t i = 0; i < picked.size(); ++i) {
    const auto r = static_cast<Eigen::Index>(picked[i]);
    out.x.row(static_cast<Eigen::Index>(i)) = source.x.row(r);
    out.y(static_cast<Eigen::Index>(i)) = source.y(r);
    out.rows.push_back(source.rows.at(picked[i]));
  }
  return out;
}

// Splits 0..n-1 into (first `carved` of a seeded permutation, the rest), each sorted back to source order.
inline std::pair<std::vector<std::size_t>, std::vector<std::size_t>> carve(std::size_t n, std::size_t carved,
                                                                           std::uint64_t seed) {
  std::vector<char> is_carved(n, 0);
  const auto order = seeded_permutation(n, seed);
  for (std::size_t i = 0; i < carved; ++i) is_carved[order[i]] = 1;
  std::vector<std::size_t> kept, taken;
  for (std::size_t r = 0; r < n; ++r) (is_carved[r] ? taken : kept).push_back(r);
  return {std::move(kept), std::move(taken)};
}

inline std::size_t fraction_count(double fraction, std::size_t n) {
  return static_cast<std::size_t>(std::llround(fraction * static_cast<double>(n)));
}

inline split scale_split(const labelled& rows, const minmax_scaler& inputs, const minmax_scaler& labels) {
  split out;
  out.x = inputs.transform<float>(rows.x);
  out.y = labels.transform<float>(rows.y);
  out.rows = rows.rows;
  return out;
}

inline void check_same_columns(const labelled& pool, const labelled& test) {
  if (test.x.cols() != pool.x.cols() || test.input_names != pool.input_names || test.target_name != pool.target_name) {
    throw shape_error(test.source + ": test columns (inputs " + quoted_list(test.input_names) + ", target '" +
                      test.target_name + "') differ from the training columns in " + pool.source + " (inputs " +
                      quoted_list(pool.input_names) + ", target '" + pool.target_name + "')");
  }
}

}  // namespace detail

// Core assembly: `pool` are the training rows (validation is carved from them with options.seed), `test`
// the test rows (may be empty); both are scaled with the given scalers. options.test_fraction must be 0.
inline dataset assemble(std::string name, const labelled& pool, const labelled& test, minmax_scaler input_scaler,
                        minmax_scaler label_scaler, const split_options& options = {}) {
  detail::check_fraction(options.validation_fraction, "validation_fraction");
  if (options.test_fraction != 0.0) {
    throw value_error("split_options.test_fraction = " + detail::number(options.test_fraction) +
                      "; must be 0 when the test rows are given separately");
  }
  if (test.size() != 0) detail::check_same_columns(pool, test);
  const std::size_t n = pool.size();
  const std::size_t n_validation = detail::fraction_count(options.validation_fraction, n);
  if (n_validation >= n) {
    throw value_error(pool.source + ": split_options.validation_fraction = " +
                      detail::number(options.validation_fraction) + " leaves no training rows out of " +
                      std::to_string(n));
  }
  const auto [kept, taken] = detail::carve(n, n_validation, options.seed);

  dataset d;
  d.name = std::move(name);
  d.input_names = pool.input_names;
  d.target_name = pool.target_name;
  d.train = detail::scale_split(detail::take_rows(pool, kept), input_scaler, label_scaler);
  d.validation = detail::scale_split(detail::take_rows(pool, taken), input_scaler, label_scaler);
  if (test.size() != 0) {
    d.test = detail::scale_split(test, input_scaler, label_scaler);
  } else {
    d.test.x.resize(0, pool.x.cols());
    d.test.y.resize(0, 1);
  }
  d.input_scaler = std::move(input_scaler);
  d.label_scaler = std::move(label_scaler);
  return d;
}

// User data with a separate test file: scalers fitted on `pool` (all its rows), validation carved from it.
inline dataset make_dataset(const labelled& pool, const labelled& test, const split_options& options = {}) {
  detail::check_fraction(options.validation_fraction, "validation_fraction");
  if (test.size() != 0) detail::check_same_columns(pool, test);
  auto inputs = minmax_scaler::fit(pool.x, pool.source + " (training inputs)", pool.input_names);
  auto labels = minmax_scaler::fit(pool.y, pool.source + " (training labels)", {pool.target_name});
  return assemble(pool.source, pool, test, std::move(inputs), std::move(labels), options);
}

// User data from one file: options.test_fraction of the rows are held out as test (seeded), validation is
// carved from the rest, and the scalers are fitted on the non-test rows.
inline dataset make_dataset(const labelled& all, const split_options& options = {}) {
  detail::check_fraction(options.validation_fraction, "validation_fraction");
  detail::check_fraction(options.test_fraction, "test_fraction");
  const std::size_t n_test = detail::fraction_count(options.test_fraction, all.size());
  // A different stream than the validation carve, so the two choices are independent.
  const auto [pool_rows, test_rows] = detail::carve(all.size(), n_test, options.seed ^ 0x9e3779b97f4a7c15ULL);
  split_options rest = options;
  rest.test_fraction = 0.0;
  return make_dataset(detail::take_rows(all, pool_rows), detail::take_rows(all, test_rows), rest);
}

// Throws shape_error unless the dataset has `expected` inputs (e.g. a model's compile-time input count).
inline void require_inputs(const dataset& d, std::size_t expected) {
  if (d.inputs() != expected) {
    throw shape_error(d.name + ": the dataset has " + std::to_string(d.inputs()) + " input column(s) (" +
                      detail::quoted_list(d.input_names) + ") but the model expects " + std::to_string(expected) +
                      "; choose another target column or drop input columns");
  }
}

template <int Inputs>
void require_inputs(const dataset& d) {
  static_assert(Inputs > 0, "swatnn::data::require_inputs<Inputs>: a model has at least one input.");
  require_inputs(d, static_cast<std::size_t>(Inputs));
}

}  // namespace swatnn::data
