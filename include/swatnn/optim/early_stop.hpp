// swatnn/optim/early_stop.hpp: a callback that stops the run when a metric (validation by default) has
// not improved by more than min_delta for `patience` evaluations. Iterations without the metric (e.g.
// validation computed every 100 iterations) do not count.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/keep_best.hpp>

namespace swatnn {

struct early_stop_options {
  metric_source metric = metric_source::validation;
  std::uint64_t patience = 10;  // evaluations without improvement before stopping
  double min_delta = 0.0;       // an improvement must lower the best value by more than this
};

class early_stop {
 public:
  explicit early_stop(early_stop_options options = {}) : options_(options) {}

  template <class Info>
  void begin(const Info&) {
    best_ = std::numeric_limits<double>::infinity();
    since_best_ = 0;
    stopped_at_.reset();
  }

  template <class Info>
  callback_result step(const Info& info) {
    const std::optional<double> value = detail::read_metric(info, options_.metric);
    if (!value) return callback_result::proceed;
    if (std::isfinite(*value) && *value < best_ - options_.min_delta) {
      best_ = *value;
      since_best_ = 0;
      return callback_result::proceed;
    }
    if (++since_best_ >= options_.patience) {
      stopped_at_ = info.iteration;
      return callback_result::stop;
    }
    return callback_result::proceed;
  }

  double best_value() const noexcept { return best_; }
  // The iteration at which it asked to stop, if it did.
  std::optional<std::uint64_t> stopped_at() const noexcept { return stopped_at_; }

 private:
  early_stop_options options_;
  double best_ = std::numeric_limits<double>::infinity();
  std::uint64_t since_best_ = 0;
  std::optional<std::uint64_t> stopped_at_;
};

}  // namespace swatnn
