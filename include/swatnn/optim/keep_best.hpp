// swatnn/optim/keep_best.hpp: a callback that keeps a copy of the best iterate by a metric (validation by
// default, or training loss), optionally only from a given iteration on (the latent search keeps the best
// after the temperature anneal: from_iteration = 3000). The copy is sized at begin; steps do not allocate.
// Because the step hook sees the parameters that produced the metric (see step_info), the copy and the
// metric always belong together.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn {

// Which number a metric-driven callback reads from the step info (lower is better).
enum class metric_source { validation, loss };

namespace detail {
template <class Info>
std::optional<double> read_metric(const Info& info, metric_source source) {
  if (source == metric_source::loss) return static_cast<double>(info.loss);
  if (info.validation) return static_cast<double>(*info.validation);
  return std::nullopt;
}
}  // namespace detail

struct keep_best_options {
  metric_source metric = metric_source::validation;  // iterations without this metric are skipped
  std::uint64_t from_iteration = 0;                  // ignore iterations before this one
};

template <class T>
class keep_best {
 public:
  explicit keep_best(keep_best_options options = {}) : options_(options) {}

  template <class Info>
  void begin(const Info& info) {
    std::size_t total = 0;
    for (const parameter_group<T>& g : info.groups) total += g.values.size();
    best_.assign(total, T(0));
    best_value_ = std::numeric_limits<double>::infinity();
    best_iteration_ = 0;
    found_ = false;
  }

  template <class Info>
  void step(const Info& info) {
    if (info.iteration < options_.from_iteration) return;
    const std::optional<double> value = detail::read_metric(info, options_.metric);
    if (!value || !std::isfinite(*value) || *value >= best_value_) return;
    std::size_t offset = 0;
    for (const parameter_group<T>& g : info.groups) {
      if (offset + g.values.size() > best_.size()) {
        throw shape_error("swatnn::keep_best: the parameter groups grew after begin(); keep_best copies the groups "
                          "it saw at begin");
      }
      std::copy(g.values.begin(), g.values.end(), best_.begin() + static_cast<std::ptrdiff_t>(offset));
      offset += g.values.size();
    }
    best_value_ = *value;
    best_iteration_ = info.iteration;
    found_ = true;
  }

  // True once an iteration (at or after from_iteration) had a finite metric.
  bool found() const noexcept { return found_; }
  double best_value() const noexcept { return best_value_; }
  std::uint64_t best_iteration() const noexcept { return best_iteration_; }
  // The best iterate, all groups concatenated in order.
  std::span<const T> parameters() const noexcept { return best_; }

  // Writes the best iterate back into the groups (same layout as at begin).
  void restore(std::type_identity_t<parameter_groups<T>> groups) const {
    if (!found_) {
      throw value_error(std::string("swatnn::keep_best::restore: no iteration had a finite ") +
                        (options_.metric == metric_source::validation ? "validation metric" : "loss") +
                        (options_.from_iteration > 0
                             ? " at or after iteration " + std::to_string(options_.from_iteration)
                             : std::string()) +
                        "; report a validation metric from the objective or use .metric = metric_source::loss");
    }
    std::size_t total = 0;
    for (const parameter_group<T>& g : groups) total += g.values.size();
    if (total != best_.size()) {
      throw shape_error("swatnn::keep_best::restore: the groups hold " + std::to_string(total) +
                        " parameters but the kept iterate has " + std::to_string(best_.size()));
    }
    std::size_t offset = 0;
    for (const parameter_group<T>& g : groups) {
      std::copy_n(best_.begin() + static_cast<std::ptrdiff_t>(offset), g.values.size(), g.values.begin());
      offset += g.values.size();
    }
  }
  void restore(const std::vector<parameter_group<T>>& groups) const { restore(parameter_groups<T>(groups)); }

 private:
  keep_best_options options_;
  std::vector<T> best_;
  double best_value_ = std::numeric_limits<double>::infinity();
  std::uint64_t best_iteration_ = 0;
  bool found_ = false;
};

}  // namespace swatnn
