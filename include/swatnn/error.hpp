// swatnn/error.hpp: the exception hierarchy. Every bad input raises a swatnn::error subclass whose message
// names the file or argument, the field and what was expected, so the user knows the fix.
#pragma once

#include <stdexcept>
#include <string>

namespace swatnn {

// Base of every exception swatnn throws on bad input.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A tensor or matrix argument has the wrong shape (rows, columns, batch size, depth out of range).
class shape_error : public error {
 public:
  using error::error;
};

// A value is out of its valid range (NaN, Inf, negative count, unknown name, bad option).
class value_error : public error {
 public:
  using error::error;
};

// A file cannot be opened, read or written.
class io_error : public error {
 public:
  using error::error;
};

// A data file was read but its content is unusable (ragged rows, non-numeric cells, too few rows).
class data_error : public error {
 public:
  using error::error;
};

// A checkpoint or model file is truncated, corrupted, foreign or of another configuration.
class checkpoint_error : public error {
 public:
  using error::error;
};

// A run had to stop: the loss became non-finite, or a callback asked to stop with an error.
class training_error : public error {
 public:
  using error::error;
};

}  // namespace swatnn
