// swatnn/nn/parameter_buffer.hpp: one flat buffer of parameter values and one of gradients per model.
// Layers register named blocks (rows x cols, an init rule and a parameter group) and keep only handles
// (offset + shape); they resolve a handle to a view (Backend::block) on every access, because registering more
// blocks may grow (and move) the storage. The storage is the backend's (Backend::vector); on a host backend
// optimizers, checkpoints and gradient clipping see two contiguous spans, and every backend copies the values to
// and from host memory (download_values / upload_values) at the API boundary.
#pragma once

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/nn/init.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace swatnn::nn {

// Parameter group: optimizers may give each group its own learning rate (e.g. latent vs threshold).
using group_id = std::uint32_t;

// Where a block lives in the flat buffer. Cheap to copy; valid for the buffer that returned it.
struct parameter_handle {
  std::size_t offset = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t size() const { return rows * cols; }
};

// A registered block: its name, place, shape (row-major inside the flat buffer), group and init rule.
struct parameter_block {
  std::string name;
  std::size_t offset = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  group_id group = 0;
  init_spec init{};
  std::size_t size() const { return rows * cols; }
  parameter_handle handle() const { return {offset, rows, cols}; }
};

struct parameter_buffer_options {
  std::uint64_t seed = 0x5EED;  // block i is initialized with a seed derived from (seed, i)
};

// Owns the values and gradients of a model. Layers keep a pointer to it, so it is neither copyable nor
// movable: create it first, then the layers, and keep it alive as long as they are.
template <class T = float, class Backend = cpu>
class parameter_buffer {
 public:
  using scalar_type = T;
  using backend_type = Backend;
  using storage_type = typename Backend::template vector<T>;
  using map_type = typename Backend::template block<T>;
  using const_map_type = typename Backend::template const_block<T>;

  explicit parameter_buffer(parameter_buffer_options options = {}) : options_(options) {}
  parameter_buffer(const parameter_buffer&) = delete;
  parameter_buffer& operator=(const parameter_buffer&) = delete;

  // Registers a rows x cols block, initializes its values with `init` and zeroes its gradients.
  // Invalidates spans and maps obtained before (the storage may move); handles stay valid.
  parameter_handle add(std::string name, std::size_t rows, std::size_t cols, init_spec init = init_spec::zeros(),
                       group_id group = 0) {
    if (rows == 0 || cols == 0) {
      throw shape_error("swatnn::nn::parameter_buffer::add: block '" + name + "' has shape " + std::to_string(rows) +
                        "x" + std::to_string(cols) + "; expected at least 1x1");
    }
    for (const auto& b : blocks_) {
      if (b.name == name) {
        throw value_error("swatnn::nn::parameter_buffer::add: a block named '" + name +
                          "' is already registered; give each layer a unique name option");
      }
    }
    const std::size_t offset = size();
    Backend::grow(values_, offset + rows * cols);
    Backend::grow(gradients_, offset + rows * cols);  // the new gradients are 0
    blocks_.push_back({std::move(name), offset, rows, cols, group, init});
    initialize_block(blocks_.size() - 1, options_.seed);
    return blocks_.back().handle();
  }

  std::size_t size() const { return static_cast<std::size_t>(values_.size()); }
  // The flat buffers as host spans (host backends only; others copy with download_* / upload_values).
  std::span<T> values() requires Backend::host_accessible { return {values_.data(), size()}; }
  std::span<const T> values() const requires Backend::host_accessible { return {values_.data(), size()}; }
  std::span<T> gradients() requires Backend::host_accessible { return {gradients_.data(), size()}; }
  std::span<const T> gradients() const requires Backend::host_accessible { return {gradients_.data(), size()}; }
  // The flat buffers where the backend keeps them (device memory on a device backend).
  T* values_data() { return values_.data(); }
  const T* values_data() const { return values_.data(); }
  T* gradients_data() { return gradients_.data(); }
  const T* gradients_data() const { return gradients_.data(); }
  void zero_gradients() { Backend::set_zero(gradients_); }

  // Copies between the flat buffers and host memory of size() elements (any backend).
  void download_values(std::span<T> host) const { Backend::download(values_.data(), checked(host).data(), size()); }
  void download_gradients(std::span<T> host) const {
    Backend::download(gradients_.data(), checked(host).data(), size());
  }
  void upload_values(std::span<const T> host) { Backend::upload(checked(host).data(), values_.data(), size()); }

  // When disabled, layers skip accumulating parameter gradients in backward (input gradients are still
  // computed): a frozen model, e.g. the autoencoder during a latent search, saves that work.
  bool gradients_enabled() const { return gradients_enabled_; }
  void set_gradients_enabled(bool enabled) { gradients_enabled_ = enabled; }

  // Frozen values: between freeze_values() and thaw_values() the caller promises not to change any value, so
  // layers may keep data derived from them (linear keeps W^T for its small backward products). Each freeze starts
  // a new generation, so what a layer derived under an earlier one is rebuilt. Use frozen_scope (below).
  bool values_frozen() const { return values_frozen_; }
  std::uint64_t freeze_generation() const { return freeze_generation_; }
  void freeze_values() {
    if (!values_frozen_) ++freeze_generation_;
    values_frozen_ = true;
  }
  void thaw_values() { values_frozen_ = false; }

  std::span<const parameter_block> blocks() const { return blocks_; }
  // The block called `name`; throws value_error naming the missing block.
  const parameter_block& block(std::string_view name) const {
    for (const auto& b : blocks_) {
      if (b.name == name) return b;
    }
    throw value_error("swatnn::nn::parameter_buffer::block: no block named '" + std::string(name) + "' (" +
                      std::to_string(blocks_.size()) + " blocks registered)");
  }

  // Views of one block as a row-major rows x cols matrix.
  map_type value(parameter_handle h) { return Backend::make_block(values_.data() + h.offset, rows_of(h), cols_of(h)); }
  const_map_type value(parameter_handle h) const {
    return Backend::make_const_block(static_cast<const T*>(values_.data()) + h.offset, rows_of(h), cols_of(h));
  }
  map_type gradient(parameter_handle h) {
    return Backend::make_block(gradients_.data() + h.offset, rows_of(h), cols_of(h));
  }
  const_map_type gradient(parameter_handle h) const {
    return Backend::make_const_block(static_cast<const T*>(gradients_.data()) + h.offset, rows_of(h), cols_of(h));
  }

  // Re-initializes every block with its init rule, block i from a seed derived from (seed, i).
  void initialize(std::uint64_t seed) {
    options_.seed = seed;
    for (std::size_t i = 0; i < blocks_.size(); ++i) initialize_block(i, seed);
  }
  std::uint64_t seed() const { return options_.seed; }

 private:
  static std::ptrdiff_t rows_of(parameter_handle h) { return static_cast<std::ptrdiff_t>(h.rows); }
  static std::ptrdiff_t cols_of(parameter_handle h) { return static_cast<std::ptrdiff_t>(h.cols); }
  template <class Span>
  Span checked(Span host) const {
    if (host.size() != size())
      throw shape_error("swatnn::nn::parameter_buffer: a host copy needs " + std::to_string(size()) +
                        " elements, got " + std::to_string(host.size()));
    return host;
  }
  // The init rule runs on the host; a device backend gets the block uploaded.
  void initialize_block(std::size_t i, std::uint64_t seed) {
    const auto& b = blocks_[i];
    if constexpr (Backend::host_accessible) {
      apply_init<T>(b.init, std::span<T>(values_.data() + b.offset, b.size()), b.rows, b.cols,
                    detail::mix_seed(seed, i));
    } else {
      std::vector<T> host(b.size());
      apply_init<T>(b.init, std::span<T>(host), b.rows, b.cols, detail::mix_seed(seed, i));
      Backend::upload(host.data(), values_.data() + b.offset, b.size());
    }
  }

  parameter_buffer_options options_;
  storage_type values_;
  storage_type gradients_;
  std::vector<parameter_block> blocks_;
  bool gradients_enabled_ = true;
  bool values_frozen_ = false;
  std::uint64_t freeze_generation_ = 0;
};

// A model used as a fixed function for a scope (the autoencoder during a latent search): parameter gradients
// disabled and values frozen; the previous state comes back when the scope ends.
template <class T, class Backend>
class frozen_scope {
 public:
  explicit frozen_scope(parameter_buffer<T, Backend>& params)
      : params_(params), gradients_were_(params.gradients_enabled()), values_were_(params.values_frozen()) {
    params_.set_gradients_enabled(false);
    params_.freeze_values();
  }
  frozen_scope(const frozen_scope&) = delete;
  frozen_scope& operator=(const frozen_scope&) = delete;
  ~frozen_scope() {
    params_.set_gradients_enabled(gradients_were_);
    if (!values_were_) params_.thaw_values();
  }

 private:
  parameter_buffer<T, Backend>& params_;
  bool gradients_were_, values_were_;
};

}  // namespace swatnn::nn
