// swatnn/optim/csv_log.hpp: a callback that writes the loss curve as CSV: one row per logged iteration,
// columns step,loss,validation,elapsed_seconds (validation empty when not computed that iteration).
// The file is created (truncated) at begin and closed at end; a failure raises io_error naming the path.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <swatnn/error.hpp>

namespace swatnn {

struct csv_log_options {
  std::filesystem::path path{};  // the CSV file to write (overwritten)
  std::uint64_t every = 1;     // log iterations that are multiples of `every`, and every iteration with validation
};

class csv_log {
 public:
  explicit csv_log(csv_log_options options) : options_(std::move(options)) {}

  template <class Info>
  void begin(const Info&) {
    file_.reset(std::fopen(options_.path.c_str(), "w"));
    if (!file_) fail("cannot be created");
    if (std::fputs("step,loss,validation,elapsed_seconds\n", file_.get()) < 0) fail("cannot be written");
  }

  template <class Info>
  void step(const Info& info) {
    if (!file_) return;
    const bool has_validation = static_cast<bool>(info.validation);
    if (!has_validation && options_.every > 1 && info.iteration % options_.every != 0) return;
    int written;
    if (has_validation) {
      written = std::fprintf(file_.get(), "%llu,%.10g,%.10g,%.6f\n", static_cast<unsigned long long>(info.iteration),
                             info.loss, static_cast<double>(*info.validation), info.elapsed_seconds);
    } else {
      written = std::fprintf(file_.get(), "%llu,%.10g,,%.6f\n", static_cast<unsigned long long>(info.iteration),
                             info.loss, info.elapsed_seconds);
    }
    if (written < 0) fail("cannot be written");
  }

  template <class Info>
  void end(const Info&) {
    if (!file_) return;
    const bool failed = std::fflush(file_.get()) != 0 || std::ferror(file_.get()) != 0;
    std::FILE* f = file_.release();
    if (std::fclose(f) != 0 || failed) fail("could not be written completely");
  }

  const std::filesystem::path& path() const noexcept { return options_.path; }

 private:
  [[noreturn]] void fail(const char* what) {
    const int code = errno;
    file_.reset();
    throw io_error("swatnn::csv_log: the loss log '" + options_.path.string() + "' " + what + ": " +
                   std::strerror(code) + "; check that the directory exists and is writable");
  }

  struct closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  csv_log_options options_;
  std::unique_ptr<std::FILE, closer> file_;
};

}  // namespace swatnn
