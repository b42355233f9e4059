// swatnn/io/atomic_file.hpp: write a file atomically (POSIX): the bytes go to a temporary file in the
// target's directory, which is fsync'ed and then renamed over the target, and the directory is fsync'ed.
// A crash or kill at any point leaves either the previous file or the complete new one, never a mix;
// an interrupted write may leave a stray "<name>.tmp-XXXXXX" file next to the target (safe to delete).
// A symbolic link is followed: the file it points to is replaced, the link stays. A target that exists and
// is not a regular file (a character or block device such as the null device, a FIFO) is written in place,
// as a shell redirection would, and never replaced. Every failed write (ENOSPC, EIO, ...) is an io_error.
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

namespace detail {
// `path` with every symbolic link in its last component followed (the links' targets may be relative to
// the link's directory); a dangling link resolves to the missing file it names. ELOOP after 40 links.
inline std::filesystem::path follow_symlinks(std::filesystem::path path, int& error_code) {
  error_code = 0;
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    std::error_code ec;
    const std::filesystem::path link = std::filesystem::read_symlink(path, ec);
    if (ec) {
      error_code = ec.value();
      return path;
    }
    path = link.is_absolute() ? link : path.parent_path() / link;
  }
  error_code = ELOOP;
  return path;
}
}  // namespace detail

class atomic_file_writer {
 public:
  // Creates the temporary file next to `target` (next to the file a symbolic link points to), or opens a
  // device / FIFO for writing in place; io_error naming the path when that fails.
  explicit atomic_file_writer(std::filesystem::path target) : target_(std::move(target)) {
    int link_error = 0;
    resolved_ = detail::follow_symlinks(target_, link_error);
    if (link_error != 0) fail("cannot follow the symbolic link", link_error);
    struct stat st;
    const bool exists = ::stat(resolved_.c_str(), &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) fail("it is a directory", EISDIR);
    if (exists && !S_ISREG(st.st_mode)) {  // device, FIFO, socket: write in place, never replace it
      in_place_ = true;
      do {
        fd_ = ::open(resolved_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
      } while (fd_ < 0 && errno == EINTR);
      if (fd_ < 0) {
        const int code = errno;
        fail("cannot open it for writing", code);
      }
      return;
    }
    std::filesystem::path dir = resolved_.parent_path();
    if (dir.empty()) dir = ".";
    std::string pattern = (dir / (resolved_.filename().string() + ".tmp-XXXXXX")).string();
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) {
      const int code = errno;
      fail("cannot create a temporary file in the directory '" + dir.string() + "'", code);
    }
    temp_ = pattern;
    ::fchmod(fd_, exists ? (st.st_mode & 07777) : 0644);  // a replaced file keeps its permissions
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
        fail(in_place_ ? std::string("cannot write to it") : "cannot write the temporary file '" + temp_.string() + "'",
             code);
      }
      if (n == 0) fail("the write made no progress", EIO);
      p += n;
      left -= static_cast<std::size_t>(n);
    }
  }

  // Regular files: fsync + close + rename over the target + fsync of the directory. In place: close.
  void commit() {
    if (in_place_) {
      const int fd = std::exchange(fd_, -1);
      if (::close(fd) != 0 && errno != EINTR) {
        const int code = errno;
        fail("cannot finish writing to it", code);
      }
      committed_ = true;
      return;
    }
    if (::fsync(fd_) != 0) {
      const int code = errno;
      fail("cannot flush the temporary file '" + temp_.string() + "' to disk", code);
    }
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) {
      const int code = errno;
      fail("cannot close the temporary file '" + temp_.string() + "'", code);
    }
    if (::rename(temp_.c_str(), resolved_.c_str()) != 0) {
      const int code = errno;
      fail("cannot rename '" + temp_.string() + "' to '" + resolved_.string() + "'", code);
    }
    committed_ = true;
    std::filesystem::path dir = resolved_.parent_path();
    if (dir.empty()) dir = ".";
    const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {  // best effort: the rename itself is already atomic
      ::fsync(dir_fd);
      ::close(dir_fd);
    }
  }

  const std::filesystem::path& target() const noexcept { return target_; }
  // The file written: the target, or the file its symbolic link(s) point to.
  const std::filesystem::path& resolved_target() const noexcept { return resolved_; }
  // Empty when writing in place.
  const std::filesystem::path& temp_path() const noexcept { return temp_; }
  // True for a device, FIFO or other file that is not a regular file: no temporary file, no rename.
  bool in_place() const noexcept { return in_place_; }

 private:
  // `code` is errno saved right after the failing call (building the message may change errno).
  [[noreturn]] void fail(const std::string& what, int code) const {
    std::string name = "'" + target_.string() + "'";
    if (resolved_ != target_ && !resolved_.empty()) name += " (a link to '" + resolved_.string() + "')";
    std::string fix = "; check that the directory exists, is writable and has free space";
    if (code == ENOSPC || code == EDQUOT) fix = "; free space on that file system or write elsewhere";
    throw io_error("writing " + name + ": " + what + ": " + std::strerror(code) + fix);
  }

  std::filesystem::path target_;
  std::filesystem::path resolved_;
  std::filesystem::path temp_;
  int fd_ = -1;
  bool committed_ = false;
  bool in_place_ = false;
};

// Writes `bytes` to `target` atomically (in place for a device or FIFO).
inline void write_file_atomically(const std::filesystem::path& target, std::span<const std::byte> bytes) {
  atomic_file_writer writer(target);
  writer.write(bytes);
  writer.commit();
}

}  // namespace swatnn::io
