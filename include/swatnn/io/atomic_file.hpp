// swatnn/io/atomic_file.hpp: write a file atomically (POSIX): the bytes go to a temporary file in the
// target's directory, which is fsync'ed and then renamed over the target, and the directory is fsync'ed.
// A crash or kill at any point leaves either the previous file or the complete new one, never a mix;
// an interrupted write may leave a stray "<name>.tmp-XXXXXX" file next to the target (safe to delete).
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <span>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <swatnn/error.hpp>

namespace swatnn::io {

class atomic_file_writer {
 public:
  // Creates the temporary file next to `target` (io_error naming it when that fails).
  explicit atomic_file_writer(std::filesystem::path target) : target_(std::move(target)) {
    std::filesystem::path dir = target_.parent_path();
    if (dir.empty()) dir = ".";
    std::string pattern = (dir / (target_.filename().string() + ".tmp-XXXXXX")).string();
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) {
      const int code = errno;
      fail("cannot create a temporary file in the directory '" + dir.string() + "'", code);
    }
    temp_ = pattern;
    ::fchmod(fd_, 0644);
  }
  atomic_file_writer(const atomic_file_writer&) = delete;
  atomic_file_writer& operator=(const atomic_file_writer&) = delete;

  // Not committed: the temporary file is removed and the target is untouched.
  ~atomic_file_writer() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
  }

  void write(std::span<const std::byte> bytes) {
    const std::byte* p = bytes.data();
    std::size_t left = bytes.size();
    while (left > 0) {
      const ::ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int code = errno;
        fail("cannot write the temporary file '" + temp_.string() + "'", code);
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  // fsync + close + rename over the target + fsync of the directory.
  void commit() {
    if (::fsync(fd_) != 0) {
      const int code = errno;
      fail("cannot flush the temporary file '" + temp_.string() + "' to disk", code);
    }
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) {
      const int code = errno;
      fail("cannot close the temporary file '" + temp_.string() + "'", code);
    }
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
      const int code = errno;
      fail("cannot rename '" + temp_.string() + "' to '" + target_.string() + "'", code);
    }
    committed_ = true;
    std::filesystem::path dir = target_.parent_path();
    if (dir.empty()) dir = ".";
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dir_fd >= 0) {  // best effort: the rename itself is already atomic
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }

  const std::filesystem::path& target() const noexcept { return target_; }
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

 private:
  // `code` is errno saved right after the failing call (building the message may change errno).
  [[noreturn]] void fail(const std::string& what, int code) const {
    throw io_error("swatnn: writing '" + target_.string() + "': " + what + ": " + std::strerror(code) +
                   "; check that the directory exists, is writable and has free space");
  }

  std::filesystem::path target_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool committed_ = false;
};

// Writes `bytes` to `target` atomically.
inline void write_file_atomically(const std::filesystem::path& target, std::span<const std::byte> bytes) {
  atomic_file_writer writer(target);
  writer.write(bytes);
  writer.commit();
}

}  // namespace swatnn::io
