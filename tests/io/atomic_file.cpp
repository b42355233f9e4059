// Tests for swatnn/io/atomic_file.hpp on the files that are not plain files: device nodes and FIFOs this
// test makes itself in a temporary directory (never the system's), symbolic links, and full file systems
// (a full device node, and a small tmpfs mounted here when the test may mount one). A failed write is an
// io_error and leaves the previous file intact; a device node or FIFO is written in place, never replaced.
#include <doctest/doctest.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <swatnn/data/csv.hpp>
#include <swatnn/data/npy.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/io/checkpoint.hpp>

using namespace swatnn;
namespace fs = std::filesystem;

namespace {
struct scratch {
  fs::path path;
  explicit scratch(const std::string& name)
      : path(fs::temp_directory_path() / ("swatnn_atomic_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_text(const fs::path& p, const std::string& text) {
  io::write_file_atomically(p, std::as_bytes(std::span<const char>(text.data(), text.size())));
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const io_error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<wrong exception type> ") + e.what();
  }
  return "<no exception>";
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// A character device node with the null device's (1, 3) or the full device's (1, 7) numbers, made in `dir`.
fs::path make_device(const fs::path& dir, const std::string& name, unsigned minor) {
  const fs::path p = dir / name;
  if (::mknod(p.c_str(), S_IFCHR | 0666, ::makedev(1, minor)) != 0) return {};
  return p;
}
std::size_t files_in(const fs::path& dir) {
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}
}  // namespace

TEST_CASE("atomic write: a null device node is written in place and stays a device") {
  scratch dir("null");
  const fs::path null = make_device(dir.path, "null", 3);
  if (null.empty()) {
    FAIL_CHECK("mknod failed (" << std::strerror(errno) << "): these tests need root to make device nodes");
    return;
  }
  io::atomic_file_writer w(null);
  CHECK(w.in_place());
  CHECK(w.temp_path().empty());
  const std::string text(100000, 'x');
  w.write(std::as_bytes(std::span<const char>(text.data(), text.size())));
  w.commit();
  struct stat st;
  REQUIRE(::lstat(null.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(::major(st.st_rdev) == 1);
  CHECK(::minor(st.st_rdev) == 3);
  CHECK(files_in(dir.path) == 1);  // no temporary file left beside it
  // the exporters too: a CSV and an .npy to the null device
  cpu::matrix<double> m = cpu::matrix<double>::Constant(4, 2, 1.5);
  data::save_csv(null.string(), m);
  data::save_npy(null.string(), m);
  REQUIRE(::lstat(null.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
}

TEST_CASE("atomic write: a full device node gives an io_error naming the path and ENOSPC, and stays a device") {
  scratch dir("full");
  const fs::path full = make_device(dir.path, "full", 7);
  if (full.empty()) {
    FAIL_CHECK("mknod failed (" << std::strerror(errno) << "): these tests need root to make device nodes");
    return;
  }
  const auto msg = error_of([&] { write_text(full, "some bytes"); });
  CHECK(contains(msg, full.string()));
  CHECK(contains(msg, std::strerror(ENOSPC)));
  CHECK(contains(msg, "free space"));
  CHECK(!contains(msg, "swatnn: "));  // the CLI adds its own prefix once
  const std::vector<float> two{1.0f, 2.0f};
  const auto ckpt = error_of([&] { save_checkpoint<float>(full, {.configuration = "c", .parameters = two}); });
  CHECK(contains(ckpt, std::strerror(ENOSPC)));
  cpu::matrix<double> m = cpu::matrix<double>::Constant(4, 2, 1.5);
  CHECK(contains(error_of([&] { data::save_csv(full.string(), m); }), std::strerror(ENOSPC)));
  CHECK(contains(error_of([&] { data::save_npy(full.string(), m); }), std::strerror(ENOSPC)));
  struct stat st;
  REQUIRE(::lstat(full.c_str(), &st) == 0);
  CHECK(S_ISCHR(st.st_mode));
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("atomic write: a FIFO is written in place (a reader gets every byte) and stays a FIFO") {
  scratch dir("fifo");
  const fs::path fifo = dir.path / "pipe";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string received;
  std::thread reader([&] { received = read_all(fifo); });
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + '\n';  // more than a pipe buffer holds
  try {
    write_text(fifo, text);
  } catch (...) {
    const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);  // release the reader, then fail
    if (fd >= 0) ::close(fd);
    reader.join();
    throw;
  }
  reader.join();
  CHECK(received == text);
  struct stat st;
  REQUIRE(::lstat(fifo.c_str(), &st) == 0);
  CHECK(S_ISFIFO(st.st_mode));
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("atomic write: a symbolic link is followed; its target is replaced atomically, the link stays") {
  scratch dir("link");
  fs::create_directories(dir.path / "real");
  const fs::path target = dir.path / "real" / "model.json";
  write_text(target, "old");
  REQUIRE(::chmod(target.c_str(), 0600) == 0);
  fs::create_symlink("real/model.json", dir.path / "link.json");  // relative link
  fs::create_symlink(dir.path / "link.json", dir.path / "link2.json");  // a link to the link
  io::atomic_file_writer w(dir.path / "link2.json");
  CHECK(!w.in_place());
  CHECK(w.resolved_target() == dir.path / "real" / "model.json");
  CHECK(w.temp_path().parent_path() == dir.path / "real");  // same file system as the target: rename is atomic
  const std::string text = "new content";
  w.write(std::as_bytes(std::span<const char>(text.data(), text.size())));
  w.commit();
  CHECK(fs::is_symlink(dir.path / "link.json"));
  CHECK(fs::is_symlink(dir.path / "link2.json"));
  CHECK(fs::read_symlink(dir.path / "link.json") == "real/model.json");
  CHECK(read_all(target) == "new content");
  CHECK((fs::status(target).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));

  // a dangling link creates the file it names
  fs::create_symlink("real/new.json", dir.path / "dangling.json");
  write_text(dir.path / "dangling.json", "made");
  CHECK(fs::is_symlink(dir.path / "dangling.json"));
  CHECK(read_all(dir.path / "real" / "new.json") == "made");

  // a link loop is an io_error, not a hang
  fs::create_symlink("loop_b", dir.path / "loop_a");
  fs::create_symlink("loop_a", dir.path / "loop_b");
  const auto msg = error_of([&] { write_text(dir.path / "loop_a", "x"); });
  CHECK(contains(msg, "loop_a"));
  CHECK(contains(msg, std::strerror(ELOOP)));
  // a directory is refused
  CHECK(contains(error_of([&] { write_text(dir.path / "real", "x"); }), std::strerror(EISDIR)));
}

TEST_CASE("atomic write: disk full while writing a checkpoint or an export leaves the previous file intact") {
  scratch dir("tmpfs");
  const fs::path mnt = dir.path / "mnt";
  fs::create_directories(mnt);
  const bool mounted = ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k") == 0;
  fs::path target;
  if (mounted) {
    target = mnt / "state.ckpt";
  } else {
    MESSAGE("cannot mount a tmpfs here (" << std::strerror(errno) << "); a file size limit stands in for the full disk");
    target = dir.path / "state.ckpt";
  }
  const std::vector<float> small(1000, 0.5f), large(200000, 0.25f);  // 4 kB fits, 800 kB does not
  save_checkpoint<float>(target, {.configuration = "c", .parameters = small});
  const std::string before = read_all(target);

  std::string msg;
  if (mounted) {
    msg = error_of([&] { save_checkpoint<float>(target, {.configuration = "c", .parameters = large}); });
    cpu::matrix<double> m = cpu::matrix<double>::Constant(100000, 2, 1.0 / 3.0);
    const auto csv = error_of([&] { data::save_csv((mnt / "state.ckpt").string(), m); });
    CHECK(contains(csv, std::strerror(ENOSPC)));
    const auto npy = error_of([&] { data::save_npy((mnt / "state.ckpt").string(), m); });
    CHECK(contains(npy, std::strerror(ENOSPC)));
  } else {
    // a child with RLIMIT_FSIZE of 64 kB: the write fails with EFBIG (SIGXFSZ ignored)
    int pipe_fd[2];
    REQUIRE(::pipe(pipe_fd) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::signal(SIGXFSZ, SIG_IGN);
      rlimit limit{65536, 65536};
      ::setrlimit(RLIMIT_FSIZE, &limit);
      std::string m = error_of([&] { save_checkpoint<float>(target, {.configuration = "c", .parameters = large}); });
      (void)!::write(pipe_fd[1], m.data(), m.size());
      ::_exit(0);
    }
    ::close(pipe_fd[1]);
    char buffer[1024];
    for (::ssize_t n; (n = ::read(pipe_fd[0], buffer, sizeof buffer)) > 0;) msg.append(buffer, static_cast<std::size_t>(n));
    ::close(pipe_fd[0]);
    ::waitpid(child, nullptr, 0);
  }
  CHECK(contains(msg, target.string()));
  CHECK(contains(msg, std::strerror(mounted ? ENOSPC : EFBIG)));
  CHECK(read_all(target) == before);  // the previous checkpoint is intact
  CHECK(load_checkpoint<float>(target, "c").parameters == small);
  CHECK(files_in(target.parent_path()) == 1);  // the temporary file was removed
  if (mounted) ::umount(mnt.c_str());
}
