// swatnn/data/scaling.hpp: per-column min-max scaling to [-1, 1] (fitted or from given bounds), invertible.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/messages.hpp>
#include <swatnn/error.hpp>

namespace swatnn::data {

// Maps column c affinely so that lower(c) -> -1 and upper(c) -> +1:
//   v' = 2 (v - lo) / (hi - lo) - 1,   v = lo + (v' + 1) (hi - lo) / 2.
// The arithmetic is done in double in exactly this order (the CORNN scaling), the result is stored as the
// requested type (float by default). Values outside [lo, hi] map outside [-1, 1]: nothing is clamped.
class minmax_scaler {
 public:
  minmax_scaler() = default;  // zero columns

  // Bounds given (e.g. CORNN's nominal input domain). Each pair must be finite with lo < hi.
  static minmax_scaler from_bounds(std::vector<double> lower, std::vector<double> upper) {
    if (lower.size() != upper.size()) {
      throw shape_error("minmax_scaler::from_bounds: " + std::to_string(lower.size()) + " lower bounds but " +
                        std::to_string(upper.size()) + " upper bounds");
    }
    for (std::size_t c = 0; c < lower.size(); ++c) {
      if (!std::isfinite(lower[c]) || !std::isfinite(upper[c]) || !(lower[c] < upper[c])) {
        throw value_error("minmax_scaler::from_bounds: column " + std::to_string(c) + " has bounds [" +
                          detail::number(lower[c]) + ", " + detail::number(upper[c]) +
                          "]; expected finite bounds with lower < upper");
      }
    }
    minmax_scaler s;
    s.lower_ = std::move(lower);
    s.upper_ = std::move(upper);
    return s;
  }

  // Bounds = per-column min and max of `rows` (rows = points). `context` (e.g. a file name) and `names`
  // (column names) only improve the messages. A column that is constant or not finite cannot be scaled.
  template <class Derived>
  static minmax_scaler fit(const Eigen::MatrixBase<Derived>& rows, const std::string& context = "minmax_scaler::fit",
                           const std::vector<std::string>& names = {}) {
    if (rows.rows() == 0) throw data_error(context + ": cannot fit a min-max scaler on zero rows");
    minmax_scaler s;
    for (Eigen::Index c = 0; c < rows.cols(); ++c) {
      double lo = static_cast<double>(rows(0, c));
      double hi = lo;
      for (Eigen::Index r = 0; r < rows.rows(); ++r) {
        const double v = static_cast<double>(rows(r, c));
        if (!std::isfinite(v)) {
          throw data_error(context + ": row index " + std::to_string(r) + ", " +
                           detail::column_label(static_cast<std::size_t>(c), names) + ": value " + detail::number(v) +
                           " is not finite");
        }
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      if (!(lo < hi)) {
        throw data_error(context + ": " + detail::column_label(static_cast<std::size_t>(c), names) +
                         " is constant (" + detail::number(lo) + ") on the " + std::to_string(rows.rows()) +
                         " fitting rows; it cannot be min-max scaled (drop the column)");
      }
      s.lower_.push_back(lo);
      s.upper_.push_back(hi);
    }
    return s;
  }

  std::size_t columns() const { return lower_.size(); }
  double lower(std::size_t column) const { return lower_.at(column); }
  double upper(std::size_t column) const { return upper_.at(column); }

  double transform(double value, std::size_t column) const {
    const double lo = lower_.at(column), hi = upper_.at(column);
    return 2.0 * (value - lo) / (hi - lo) - 1.0;
  }
  double inverse(double scaled, std::size_t column) const {
    const double lo = lower_.at(column), hi = upper_.at(column);
    return lo + (scaled + 1.0) * (hi - lo) / 2.0;
  }

  // Scales every column of `raw` (rows = points); throws on a column-count mismatch or a non-finite value.
  template <class T = float, class Derived>
  cpu::matrix<T> transform(const Eigen::MatrixBase<Derived>& raw) const {
    check_columns(raw.cols(), "transform");
    cpu::matrix<T> out(raw.rows(), raw.cols());
    for (Eigen::Index c = 0; c < raw.cols(); ++c) {
      for (Eigen::Index r = 0; r < raw.rows(); ++r) {
        const double v = static_cast<double>(raw(r, c));
        if (!std::isfinite(v)) {
          throw value_error("minmax_scaler::transform: row index " + std::to_string(r) + ", column index " +
                            std::to_string(c) + ": value " + detail::number(v) + " is not finite");
        }
        out(r, c) = static_cast<T>(transform(v, static_cast<std::size_t>(c)));
      }
    }
    return out;
  }

  // Maps scaled values (e.g. predictions) back to original units, in double.
  template <class Derived>
  cpu::matrix<double> inverse(const Eigen::MatrixBase<Derived>& scaled) const {
    check_columns(scaled.cols(), "inverse");
    cpu::matrix<double> out(scaled.rows(), scaled.cols());
    for (Eigen::Index c = 0; c < scaled.cols(); ++c) {
      for (Eigen::Index r = 0; r < scaled.rows(); ++r) {
        out(r, c) = inverse(static_cast<double>(scaled(r, c)), static_cast<std::size_t>(c));
      }
    }
    return out;
  }

  friend bool operator==(const minmax_scaler&, const minmax_scaler&) = default;

 private:
  void check_columns(Eigen::Index cols, const char* what) const {
    if (static_cast<std::size_t>(cols) != columns()) {
      throw shape_error(std::string("minmax_scaler::") + what + ": got " + std::to_string(cols) +
                        " columns, the scaler was fitted on " + std::to_string(columns()));
    }
  }

  std::vector<double> lower_;
  std::vector<double> upper_;
};

}  // namespace swatnn::data
