// swatnn/backend/cuda/memory.cuh: device memory for the CUDA backend. A caching pool (one per process) serves every
// buffer: a freed block goes back to the pool and is handed out again for a request of about its size, so a
// training or search step allocates nothing after its first call for a shape (cudaMalloc is counted:
// memory_pool::allocation_count()). On top of it the owning storage types (row_matrix, matrix, vector) and the
// non-owning views (block, const_block), all in device memory: data() is a device pointer, never dereference it on
// the host; cross with upload() / download().
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/error.hpp>

namespace swatnn::backend_cuda {

using index = std::ptrdiff_t;

// Process-wide caching allocator. Blocks are rounded up to 512 bytes; a request reuses the smallest cached block
// of at least its size and at most twice its size. Thread-safe. Never destroyed (device memory is returned to the
// driver at process exit), so storage in static objects stays valid until the end.
class memory_pool {
 public:
  static memory_pool& instance() {
    static memory_pool* pool = new memory_pool();  // intentionally never deleted (static destruction order)
    return *pool;
  }

  void* allocate(std::size_t bytes) {
    if (bytes == 0) return nullptr;
    const std::size_t size = round_up(bytes);
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = free_.lower_bound(size);
    if (it != free_.end() && it->first <= 2 * size) {
      void* p = it->second;
      used_.emplace(p, it->first);
      cached_bytes_ -= it->first;
      free_.erase(it);
      return p;
    }
    void* p = nullptr;
    cudaError_t e = cudaMalloc(&p, size);
    if (e == cudaErrorMemoryAllocation && !free_.empty()) {
      (void)cudaGetLastError();
      release_cached_locked();  // give the cached blocks back and try once more
      e = cudaMalloc(&p, size);
    }
    if (e != cudaSuccess) {
      (void)cudaGetLastError();
      check(e, ("cudaMalloc(" + std::to_string(size) + " bytes)").c_str());
    }
    ++allocations_;
    reserved_bytes_ += size;
    used_.emplace(p, size);
    return p;
  }

  void deallocate(void* p) noexcept {
    if (p == nullptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = used_.find(p);
    if (it == used_.end()) return;  // not ours: never happens through the storage types
    free_.emplace(it->second, p);
    cached_bytes_ += it->second;
    used_.erase(it);
  }

  // cudaMalloc calls made by this pool since the process started.
  std::uint64_t allocation_count() const noexcept { return allocations_.load(); }
  // Device bytes held by the pool (in use + cached).
  std::size_t reserved_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return reserved_bytes_;
  }
  // Device bytes cached for reuse (not in use).
  std::size_t cached_bytes() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return cached_bytes_;
  }
  // Returns every cached (unused) block to the driver; blocks in use stay valid.
  void release_cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached_locked();
  }

 private:
  memory_pool() = default;
  static std::size_t round_up(std::size_t bytes) { return (bytes + 511) / 512 * 512; }
  void release_cached_locked() {
    for (auto& [size, p] : free_) {
      (void)cudaFree(p);
      reserved_bytes_ -= size;
    }
    free_.clear();
    cached_bytes_ = 0;
  }

  mutable std::mutex mutex_;
  std::multimap<std::size_t, void*> free_;
  std::unordered_map<void*, std::size_t> used_;
  std::atomic<std::uint64_t> allocations_{0};
  std::size_t reserved_bytes_ = 0;
  std::size_t cached_bytes_ = 0;
};

template <class T>
T* pool_allocate(std::size_t count) {
  return static_cast<T*>(memory_pool::instance().allocate(count * sizeof(T)));
}
inline void pool_deallocate(void* p) noexcept { memory_pool::instance().deallocate(p); }

inline void memcpy_checked(void* dst, const void* src, std::size_t bytes, cudaMemcpyKind kind, const char* call) {
  if (bytes > 0) check(cudaMemcpy(dst, src, bytes, kind), call);
}
inline void memset_zero(void* dst, std::size_t bytes, const char* call) {
  if (bytes > 0) check(cudaMemsetAsync(dst, 0, bytes, 0), call);
}

// A device buffer of `capacity` elements from the pool; grows, never shrinks (until destroyed).
template <class T>
class device_buffer {
 public:
  device_buffer() = default;
  ~device_buffer() { pool_deallocate(data_); }
  device_buffer(const device_buffer&) = delete;
  device_buffer& operator=(const device_buffer&) = delete;
  device_buffer(device_buffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), capacity_(std::exchange(o.capacity_, 0)) {}
  device_buffer& operator=(device_buffer&& o) noexcept {
    if (this != &o) {
      pool_deallocate(data_);
      data_ = std::exchange(o.data_, nullptr);
      capacity_ = std::exchange(o.capacity_, 0);
    }
    return *this;
  }

  // Makes room for n elements; the old contents are not kept when it must grow.
  void reserve_discard(std::size_t n) {
    if (n <= capacity_) return;
    T* fresh = pool_allocate<T>(n);
    pool_deallocate(data_);
    data_ = fresh;
    capacity_ = n;
  }
  // Makes room for n elements keeping the first `keep` ones.
  void reserve_keep(std::size_t n, std::size_t keep) {
    if (n <= capacity_) return;
    T* fresh = pool_allocate<T>(n);
    if (keep > 0) check(cudaMemcpy(fresh, data_, keep * sizeof(T), cudaMemcpyDeviceToDevice), "cudaMemcpy (grow)");
    pool_deallocate(data_);
    data_ = fresh;
    capacity_ = n;
  }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  T* data_ = nullptr;
  std::size_t capacity_ = 0;
};

enum class layout { row_major, column_major };

inline void require_nonnegative(index rows, index cols, const char* who) {
  if (rows < 0 || cols < 0) {
    throw shape_error(std::string("swatnn::cuda::") + who + ": negative shape " + std::to_string(rows) + "x" +
                      std::to_string(cols));
  }
}

// Owning dense device matrix (row- or column-major). resize() reallocates only when the capacity must grow; after a
// resize that changes the size the contents are unspecified (as Eigen's resize). Copies are deep (device to
// device); moves steal the buffer.
template <class T, layout L>
class dense_matrix {
 public:
  using Scalar = T;
  using value_type = T;
  static constexpr bool is_cuda_storage = true;
  static constexpr bool is_row_major = L == layout::row_major;

  dense_matrix() = default;
  dense_matrix(index rows, index cols) { resize(rows, cols); }
  dense_matrix(const dense_matrix& o) { *this = o; }
  dense_matrix& operator=(const dense_matrix& o) {
    if (this != &o) {
      resize(o.rows_, o.cols_);
      memcpy_checked(data(), o.data(), static_cast<std::size_t>(size()) * sizeof(T), cudaMemcpyDeviceToDevice,
                     "cudaMemcpy (matrix copy)");
    }
    return *this;
  }
  dense_matrix(dense_matrix&& o) noexcept
      : buffer_(std::move(o.buffer_)), rows_(std::exchange(o.rows_, 0)), cols_(std::exchange(o.cols_, 0)) {}
  dense_matrix& operator=(dense_matrix&& o) noexcept {
    buffer_ = std::move(o.buffer_);
    rows_ = std::exchange(o.rows_, 0);
    cols_ = std::exchange(o.cols_, 0);
    return *this;
  }

  void resize(index rows, index cols) {
    require_nonnegative(rows, cols, "matrix::resize");
    buffer_.reserve_discard(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols));
    rows_ = rows;
    cols_ = cols;
  }
  void set_zero() { memset_zero(data(), static_cast<std::size_t>(size()) * sizeof(T), "cudaMemsetAsync (set_zero)"); }
  void setZero() { set_zero(); }

  index rows() const noexcept { return rows_; }
  index cols() const noexcept { return cols_; }
  index size() const noexcept { return rows_ * cols_; }
  T* data() noexcept { return buffer_.data(); }
  const T* data() const noexcept { return buffer_.data(); }
  std::size_t capacity() const noexcept { return buffer_.capacity(); }

 private:
  device_buffer<T> buffer_;
  index rows_ = 0;
  index cols_ = 0;
};

template <class T>
using row_matrix = dense_matrix<T, layout::row_major>;
template <class T>
using col_matrix = dense_matrix<T, layout::column_major>;

// Owning contiguous device vector (a flat parameter or gradient buffer; per-row statistics).
template <class T>
class vector {
 public:
  using Scalar = T;
  using value_type = T;
  static constexpr bool is_cuda_storage = true;
  static constexpr bool is_row_major = true;

  vector() = default;
  explicit vector(index n) { resize(n); }
  vector(const vector& o) { *this = o; }
  vector& operator=(const vector& o) {
    if (this != &o) {
      resize(o.size_);
      memcpy_checked(data(), o.data(), static_cast<std::size_t>(size_) * sizeof(T), cudaMemcpyDeviceToDevice,
                     "cudaMemcpy (vector copy)");
    }
    return *this;
  }
  vector(vector&& o) noexcept : buffer_(std::move(o.buffer_)), size_(std::exchange(o.size_, 0)) {}
  vector& operator=(vector&& o) noexcept {
    buffer_ = std::move(o.buffer_);
    size_ = std::exchange(o.size_, 0);
    return *this;
  }

  // Contents unspecified after a resize that changes the size; grow() keeps them.
  void resize(index n) {
    require_nonnegative(n, 1, "vector::resize");
    buffer_.reserve_discard(static_cast<std::size_t>(n));
    size_ = n;
  }
  // n elements, the first ones kept, the new ones 0 (capacity at least doubles when it must grow).
  void grow(index n) {
    require_nonnegative(n, 1, "vector::grow");
    if (n <= size_) {
      size_ = n;
      return;
    }
    // geometric capacity: a parameter buffer grows block by block, and exact growth would allocate (and cache in
    // the pool) every intermediate size
    const std::size_t wanted = static_cast<std::size_t>(n);
    buffer_.reserve_keep(std::max(wanted, 2 * buffer_.capacity()), static_cast<std::size_t>(size_));
    memset_zero(buffer_.data() + size_, static_cast<std::size_t>(n - size_) * sizeof(T), "cudaMemsetAsync (grow)");
    size_ = n;
  }
  void set_zero() { memset_zero(data(), static_cast<std::size_t>(size_) * sizeof(T), "cudaMemsetAsync (set_zero)"); }
  void setZero() { set_zero(); }

  index size() const noexcept { return size_; }
  index rows() const noexcept { return size_; }
  index cols() const noexcept { return 1; }
  T* data() noexcept { return buffer_.data(); }
  const T* data() const noexcept { return buffer_.data(); }

 private:
  device_buffer<T> buffer_;
  index size_ = 0;
};

// Non-owning row-major view of rows x cols contiguous device elements.
template <class T>
class block {
 public:
  using Scalar = T;
  using value_type = T;
  static constexpr bool is_cuda_storage = true;
  static constexpr bool is_row_major = true;

  block() = default;
  block(T* data, index rows, index cols) : data_(data), rows_(rows), cols_(cols) {
    require_nonnegative(rows, cols, "make_block");
  }
  block(row_matrix<T>& m) : block(m.data(), m.rows(), m.cols()) {}  // NOLINT: a matrix is a view of itself

  index rows() const noexcept { return rows_; }
  index cols() const noexcept { return cols_; }
  index size() const noexcept { return rows_ * cols_; }
  T* data() const noexcept { return data_; }

 private:
  T* data_ = nullptr;
  index rows_ = 0;
  index cols_ = 0;
};

// The same, read-only.
template <class T>
class const_block {
 public:
  using Scalar = T;
  using value_type = T;
  static constexpr bool is_cuda_storage = true;
  static constexpr bool is_row_major = true;

  const_block() = default;
  const_block(const T* data, index rows, index cols) : data_(data), rows_(rows), cols_(cols) {
    require_nonnegative(rows, cols, "make_const_block");
  }
  const_block(block<T> b) : const_block(b.data(), b.rows(), b.cols()) {}      // NOLINT: implicit, as Eigen's Map
  const_block(const row_matrix<T>& m) : const_block(m.data(), m.rows(), m.cols()) {}  // NOLINT

  index rows() const noexcept { return rows_; }
  index cols() const noexcept { return cols_; }
  index size() const noexcept { return rows_ * cols_; }
  const T* data() const noexcept { return data_; }

 private:
  const T* data_ = nullptr;
  index rows_ = 0;
  index cols_ = 0;
};

// Device storage of the CUDA backend in row-major layout (row_matrix, vector, block, const_block).
template <class M>
concept row_major_storage = requires(const M& m) {
  requires std::remove_cvref_t<M>::is_cuda_storage;
  requires std::remove_cvref_t<M>::is_row_major;
  m.rows();
  m.cols();
  m.data();
};

// The same, writable (data() is a pointer to non-const).
template <class M>
concept writable_row_major_storage =
    row_major_storage<M> && requires(M& m) { { m.data() } -> std::same_as<typename std::remove_cvref_t<M>::Scalar*>; };

}  // namespace swatnn::backend_cuda
