// swatnn/optim/stop_on_non_finite.hpp: a callback that ends the run when the loss, the validation metric
// or the gradient norm becomes NaN or infinite. By default it raises swatnn::training_error whose message
// names the iteration, the quantity and its value; with .action = non_finite_action::stop it returns
// callback_result::stop instead and keeps the message in message(). Either way the non-finite gradient
// is never applied (the step hook runs before the update), so the parameters stay the last finite ones.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include <swatnn/error.hpp>
#include <swatnn/optim/callbacks.hpp>

namespace swatnn {

enum class non_finite_action { raise, stop };

struct stop_on_non_finite_options {
  non_finite_action action = non_finite_action::raise;
};

class stop_on_non_finite {
 public:
  explicit stop_on_non_finite(stop_on_non_finite_options options = {}) : options_(options) {}

  template <class Info>
  void begin(const Info&) {
    triggered_ = false;
    message_.clear();
  }

  template <class Info>
  callback_result step(const Info& info) {
    if (!std::isfinite(info.loss)) return trigger(info.iteration, "loss", info.loss);
    if (info.validation && !std::isfinite(static_cast<double>(*info.validation))) {
      return trigger(info.iteration, "validation metric", static_cast<double>(*info.validation));
    }
    if (info.gradient_norm && !std::isfinite(static_cast<double>(*info.gradient_norm))) {
      return trigger(info.iteration, "gradient norm", static_cast<double>(*info.gradient_norm));
    }
    return callback_result::proceed;
  }

  bool triggered() const noexcept { return triggered_; }
  const std::string& message() const noexcept { return message_; }

 private:
  callback_result trigger(std::uint64_t iteration, const char* what, double value) {
    char number[32];
    std::snprintf(number, sizeof number, "%g", value);
    message_ = std::string("swatnn: training stopped at iteration ") + std::to_string(iteration) + ": the " + what +
               " is " + number +
               " (not finite); the parameters are those before this iteration's update. Lower the learning rate, "
               "clip gradients (max_gradient_norm) or check the data for NaN/Inf";
    triggered_ = true;
    if (options_.action == non_finite_action::raise) throw training_error(message_);
    return callback_result::stop;
  }

  stop_on_non_finite_options options_;
  bool triggered_ = false;
  std::string message_;
};

}  // namespace swatnn
