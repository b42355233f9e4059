// swatnn/optim/progress_bar.hpp: a progress-bar callback on stderr (or a given stream) with iteration
// rate and ETA. In automatic mode it draws only when writing to stderr and stderr is a terminal
// (isatty), so logs and CI output stay clean; `mode` forces it on or off. Draws at most every
// `redraw_seconds` (using the loop's elapsed time), formats into a fixed buffer: no allocation per step.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include <unistd.h>

namespace swatnn {

enum class progress_mode { automatic, always, never };

struct progress_bar_options {
  progress_mode mode = progress_mode::automatic;  // automatic: only when stream is stderr and a terminal
  std::ostream* stream = nullptr;                 // nullptr: std::cerr
  int width = 30;                                 // characters of the bar itself
  double redraw_seconds = 0.2;                    // minimum time between two redraws
  std::string label{};                            // drawn first, e.g. the phase of a run ("search"); set_label
  std::string loss_name = "loss";                 // what the line calls info.loss (e.g. "train MSE")
};

class progress_bar {
 public:
  explicit progress_bar(progress_bar_options options = {}) : options_(options) {}

  // True when this bar draws (decided at begin()).
  bool enabled() const noexcept { return enabled_; }

  // Changes the label from the next redraw on (a run that goes through phases).
  void set_label(std::string label) { options_.label = std::move(label); }

  template <class Info>
  void begin(const Info&) {
    stream_ = options_.stream != nullptr ? options_.stream : &std::cerr;
    switch (options_.mode) {
      case progress_mode::always: enabled_ = true; break;
      case progress_mode::never: enabled_ = false; break;
      case progress_mode::automatic: enabled_ = options_.stream == nullptr && ::isatty(STDERR_FILENO) == 1; break;
    }
    last_draw_ = -1.0;
    drew_ = false;
  }

  template <class Info>
  void step(const Info& info) {
    if (!enabled_) return;
    const bool last = info.total_iterations != 0 && info.iteration + 1 >= info.total_iterations;
    if (drew_ && !last && info.elapsed_seconds - last_draw_ < options_.redraw_seconds) return;
    draw(info.iteration + 1, info.total_iterations, info.loss, info.validation, info.elapsed_seconds);
    last_draw_ = info.elapsed_seconds;
    drew_ = true;
  }

  template <class Info>
  void end(const Info& info) {
    if (!enabled_) return;
    if (drew_) {
      // Redraw the final state (the loop may have stopped early), then end the line.
      draw(last_done_, info.total_iterations, last_loss_, last_validation_, info.elapsed_seconds);
    }
    stream_->put('\n');
    stream_->flush();
  }

 private:
  template <class Validation>
  void draw(std::uint64_t done, std::uint64_t total, double loss, const Validation& validation, double elapsed) {
    last_done_ = done;
    last_loss_ = loss;
    last_validation_ = validation;
    char line[256];
    std::size_t n = 0;
    // Appends with a literal format; output beyond the buffer is cut, never overflows.
#define SWATNN_PROGRESS_APPEND(...)                                                     \
  do {                                                                                  \
    if (n < sizeof line - 1) {                                                          \
      const int k = std::snprintf(line + n, sizeof line - n, __VA_ARGS__);              \
      if (k > 0) n = std::min(n + static_cast<std::size_t>(k), sizeof line - 1);        \
    }                                                                                   \
  } while (false)
    const double rate = elapsed > 0.0 ? static_cast<double>(done) / elapsed : 0.0;
    SWATNN_PROGRESS_APPEND("%s", "\r");
    if (!options_.label.empty()) SWATNN_PROGRESS_APPEND("%s ", options_.label.c_str());
    if (total > 0) {
      const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
      const int width = std::clamp(options_.width, 1, 100);
      const int filled = static_cast<int>(fraction * width);
      SWATNN_PROGRESS_APPEND("%s", "[");
      for (int i = 0; i < width; ++i) SWATNN_PROGRESS_APPEND("%c", i < filled ? '#' : '.');
      SWATNN_PROGRESS_APPEND("] %3d%% %llu/%llu", static_cast<int>(fraction * 100.0),
                             static_cast<unsigned long long>(done), static_cast<unsigned long long>(total));
    } else {
      SWATNN_PROGRESS_APPEND("iteration %llu", static_cast<unsigned long long>(done));
    }
    SWATNN_PROGRESS_APPEND("  %s %.4g", options_.loss_name.c_str(), loss);
    if (validation) SWATNN_PROGRESS_APPEND("  val %.4g", static_cast<double>(*validation));
    SWATNN_PROGRESS_APPEND("  %.1f it/s", rate);
    if (total > 0 && rate > 0.0 && done <= total) {
      const auto eta = static_cast<long long>(std::ceil(static_cast<double>(total - done) / rate));
      SWATNN_PROGRESS_APPEND("  ETA %lld:%02lld:%02lld", eta / 3600, (eta / 60) % 60, eta % 60);
    }
    SWATNN_PROGRESS_APPEND("%s", "   ");  // clears the tail of a longer previous line
#undef SWATNN_PROGRESS_APPEND
    stream_->write(line, static_cast<std::streamsize>(n));
    stream_->flush();
  }

  progress_bar_options options_;
  std::ostream* stream_ = nullptr;
  bool enabled_ = false;
  bool drew_ = false;
  double last_draw_ = -1.0;
  std::uint64_t last_done_ = 0;
  double last_loss_ = 0.0;
  std::optional<double> last_validation_;
};

}  // namespace swatnn
