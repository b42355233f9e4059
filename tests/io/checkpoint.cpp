// Checkpoints: round trip, resume equivalence, files written before CRC-32 moved to Boost.CRC (fixtures and the
// shipped model), and every failure mode (truncated, bit flip anywhere, foreign, newer version, other configuration,
// scalar type), plus atomic replacement under SIGKILL.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/io/checkpoint.hpp>
#include <swatnn/io/crc32.hpp>
#include <swatnn/optim/adam.hpp>

#include "support/doc_examples.hpp"

using namespace swatnn;
namespace fs = std::filesystem;

namespace {
struct temp_dir {
  fs::path path;
  explicit temp_dir(const std::string& name)
      : path(fs::temp_directory_path() / ("swatnn_io_" + std::to_string(::getpid()) + "_" + name)) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_dir() { fs::remove_all(path); }
};

std::vector<char> read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
void write_bytes(const fs::path& p, const std::vector<char>& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// The problem() of the checkpoint_load_error that loading raises, or nullopt when it loads.
template <class T = float>
std::optional<checkpoint_problem> load_problem(const fs::path& p, std::string_view config, std::string* message = nullptr) {
  try {
    (void)load_checkpoint<T>(p, config);
    return std::nullopt;
  } catch (const checkpoint_load_error& e) {
    if (message) *message = e.what();
    return e.problem();
  }
}

const std::string config = "transformer_encoder{dim=64,heads=4,blocks=2};scales<1,2,3,4>";

std::vector<float> sample_parameters(std::size_t n, float offset = 0.0f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = offset + 0.001f * static_cast<float>(i) - 0.5f;
  return v;
}
}  // namespace

TEST_CASE("crc32: standard check value") {
  CHECK(io::crc32_of(std::string_view("123456789")) == 0xCBF43926u);
  CHECK(io::crc32_of(std::string_view("")) == 0u);
  io::crc32 incremental;
  incremental.update(std::as_bytes(std::span("1234", 4))).update(std::as_bytes(std::span("56789", 5)));
  CHECK(incremental.value() == 0xCBF43926u);
}

TEST_CASE("crc32: Boost.CRC equals the bitwise definition (reflected 0xEDB88320), whole and in pieces") {
  auto reference = [](const std::vector<char>& bytes) {
    std::uint32_t c = 0xFFFFFFFFu;
    for (const char b : bytes) {
      c ^= static_cast<unsigned char>(b);
      for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
  };
  std::mt19937 rng(3);
  for (std::size_t n : {0, 1, 2, 3, 7, 8, 255, 256, 1000, 4099}) {
    std::vector<char> bytes(n);
    for (char& b : bytes) b = static_cast<char>(rng());
    const auto all = std::as_bytes(std::span<const char>(bytes));
    CHECK(io::crc32_of(all) == reference(bytes));
    const std::size_t cut = n / 3;
    CHECK(io::crc32{}.update(all.first(cut)).update(all.subspan(cut)).value() == reference(bytes));
  }
}

namespace {
// The configuration text of a checkpoint file (offset 32: u64 length, then the bytes; little-endian).
std::string configuration_of(const fs::path& p) {
  const std::vector<char> bytes = read_bytes(p);
  REQUIRE(bytes.size() >= 40);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[32 + static_cast<std::size_t>(i)]);
  REQUIRE(n <= bytes.size() - 40);
  return std::string(bytes.data() + 40, static_cast<std::size_t>(n));
}
}  // namespace

TEST_CASE("checkpoint: files written with the former table-driven CRC-32 load, and saving them again gives the same bytes") {
  const fs::path data = test::source_dir() / "tests" / "io" / "data";  // written before Boost.CRC
  temp_dir dir("old_files");
  {
    const fs::path old = data / "v1_float_adam.ckpt";
    const std::string config_text = "fixture_model{dim=8};scales<1,2>";
    const checkpoint<float> c = load_checkpoint<float>(old, config_text);
    std::vector<float> params, moments;
    for (int i = 0; i < 257; ++i) {
      volatile float product = 0.001f * static_cast<float>(i);  // the generator's rounding (no fused multiply-add)
      params.push_back(product - 0.125f);
    }
    for (int i = 0; i < 514; ++i) moments.push_back(0.5f / static_cast<float>(i + 1));
    CHECK(c.parameters == params);
    REQUIRE(c.optimizer.has_value());
    CHECK(c.optimizer->step == 42);
    CHECK(c.optimizer->moments == moments);
    CHECK(c.rng_state == "5489 1 2 3");
    save_checkpoint<float>(dir.path / "again.ckpt",
                           {.configuration = c.configuration, .parameters = c.parameters,
                            .optimizer = optimizer_snapshot_view<float>{.step = c.optimizer->step, .moments = c.optimizer->moments},
                            .rng_state = c.rng_state});
    CHECK(read_bytes(dir.path / "again.ckpt") == read_bytes(old));
  }
  {
    const fs::path old = data / "v1_double.ckpt";
    const checkpoint<double> c = load_checkpoint<double>(old, "fixture_model{dim=2}");
    CHECK(c.parameters == std::vector<double>{1.0 / 3.0, -2.5, 1e-300, 7.0});
    CHECK_FALSE(c.optimizer.has_value());
    save_checkpoint<double>(dir.path / "again_double.ckpt", {.configuration = c.configuration, .parameters = c.parameters});
    CHECK(read_bytes(dir.path / "again_double.ckpt") == read_bytes(old));
  }
  {
    // the shipped autoencoder (models/swat_small.swt, written by the former CRC-32): checksums verified on load
    const fs::path model = test::source_dir() / "models" / "swat_small.swt";
    const checkpoint<float> c = load_checkpoint<float>(model, configuration_of(model));
    CHECK(c.parameters.size() > 100000);
    REQUIRE_FALSE(c.optimizer.has_value());
    save_checkpoint<float>(dir.path / "model.swt",
                           {.configuration = c.configuration, .parameters = c.parameters, .rng_state = c.rng_state});
    CHECK(read_bytes(dir.path / "model.swt") == read_bytes(model));
  }
}

TEST_CASE("checkpoint: round trip of parameters, optimizer state and RNG state, float and double") {
  temp_dir dir("roundtrip");
  const auto params = sample_parameters(1000);
  const std::vector<float> moments = sample_parameters(2000, 3.0f);
  std::mt19937_64 rng(42);
  rng.discard(17);
  const std::string rng_text = rng_state_of(rng);
  save_checkpoint<float>(dir.path / "a.ckpt", {.configuration = config,
                                               .parameters = params,
                                               .optimizer = optimizer_snapshot_view<float>{.step = 1234, .moments = moments},
                                               .rng_state = rng_text});
  const checkpoint<float> c = load_checkpoint<float>(dir.path / "a.ckpt", config);
  CHECK(c.format_version == checkpoint_format_version);
  CHECK(c.configuration == config);
  CHECK(c.parameters == params);
  REQUIRE(c.optimizer.has_value());
  CHECK(c.optimizer->step == 1234);
  CHECK(c.optimizer->moments == moments);
  std::mt19937_64 restored;
  restore_rng_state(restored, c.rng_state);
  CHECK(restored() == rng());
  CHECK_THROWS_AS(restore_rng_state(restored, "not an engine state"), checkpoint_error);

  const std::vector<double> d{1.0 / 3.0, -0.0, 1e300, std::numeric_limits<double>::denorm_min()};
  save_checkpoint<double>(dir.path / "d.ckpt", {.configuration = "tiny", .parameters = d});
  const checkpoint<double> cd = load_checkpoint<double>(dir.path / "d.ckpt", "tiny");
  CHECK(std::memcmp(cd.parameters.data(), d.data(), d.size() * sizeof(double)) == 0);
  CHECK_FALSE(cd.optimizer.has_value());
  CHECK(cd.rng_state.empty());
  // Overwriting replaces the file (atomically) and leaves no temporary file behind.
  save_checkpoint<double>(dir.path / "d.ckpt", {.configuration = "tiny", .parameters = std::vector<double>{2.0}});
  CHECK(load_checkpoint<double>(dir.path / "d.ckpt", "tiny").parameters == std::vector<double>{2.0});
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 2);
}

TEST_CASE("checkpoint: resuming Adam from a checkpoint continues bit for bit") {
  temp_dir dir("resume");
  std::vector<float> x = sample_parameters(50), g(50);
  std::vector<parameter_group<float>> groups{{.values = std::span(x).first(40), .gradients = std::span(g).first(40), .learning_rate = 0.05},
                                             {.values = std::span(x).last(10), .gradients = std::span(g).last(10), .learning_rate = 0.001}};
  const adam opt{.weight_decay = 0.01};
  auto gradient = [&] { for (std::size_t i = 0; i < x.size(); ++i) g[i] = 2 * x[i] + std::sin(static_cast<float>(i)); };
  auto state = opt.make_state<float>(groups);
  for (int k = 0; k < 10; ++k) { gradient(); opt.step(state, groups); }
  save_checkpoint<float>(dir.path / "run.ckpt",
                         {.configuration = "demo", .parameters = x,
                          .optimizer = optimizer_snapshot_view<float>{.step = state.step_count(), .moments = state.moments()}});
  for (int k = 0; k < 10; ++k) { gradient(); opt.step(state, groups); }
  const std::vector<float> straight = x;

  const checkpoint<float> c = load_checkpoint<float>(dir.path / "run.ckpt", "demo");
  std::copy(c.parameters.begin(), c.parameters.end(), x.begin());
  auto resumed = opt.make_state<float>(groups);
  resumed.restore(c.optimizer->step, c.optimizer->moments);
  for (int k = 0; k < 10; ++k) { gradient(); opt.step(resumed, groups); }
  CHECK(resumed.step_count() == 20);
  CHECK(std::memcmp(x.data(), straight.data(), x.size() * sizeof(float)) == 0);
}

TEST_CASE("checkpoint: truncated files are reported as truncated, naming the file") {
  temp_dir dir("truncated");
  const fs::path p = dir.path / "t.ckpt";
  save_checkpoint<float>(p, {.configuration = config, .parameters = sample_parameters(100)});
  const auto full = read_bytes(p);
  for (std::size_t length : {std::size_t(0), std::size_t(5), std::size_t(8), std::size_t(23), std::size_t(24),
                             std::size_t(100), full.size() / 2, full.size() - 4, full.size() - 1}) {
    CAPTURE(length);
    write_bytes(p, std::vector<char>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length)));
    std::string message;
    CHECK(load_problem(p, config, &message) == checkpoint_problem::truncated);
    CHECK(message.find(p.string()) != std::string::npos);
    CHECK(message.find("truncated") != std::string::npos);
  }
  write_bytes(p, std::vector<char>(full.begin(), full.end() - 1));
  std::string message;
  load_problem(p, config, &message);
  CHECK(message.find("header says " + std::to_string(full.size()) + " bytes but the file has " +
                     std::to_string(full.size() - 1)) != std::string::npos);
  // Appended bytes are not silently ignored.
  auto longer = full;
  longer.push_back('x');
  write_bytes(p, longer);
  CHECK(load_problem(p, config) == checkpoint_problem::corrupted);
}

TEST_CASE("checkpoint: a single bit flip anywhere is detected (foreign in the magic, corrupted elsewhere)") {
  temp_dir dir("bitflip");
  const fs::path p = dir.path / "b.ckpt";
  const std::vector<float> moments{1, 2, 3, 4};
  save_checkpoint<float>(p, {.configuration = "cfg", .parameters = sample_parameters(3),
                             .optimizer = optimizer_snapshot_view<float>{.step = 9, .moments = moments},
                             .rng_state = "12 34"});
  const auto original = read_bytes(p);
  REQUIRE(load_problem(p, "cfg") == std::nullopt);
  std::size_t undetected = 0, wrong_kind = 0;
  for (std::size_t byte = 0; byte < original.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      auto flipped = original;
      flipped[byte] = static_cast<char>(flipped[byte] ^ (1 << bit));
      write_bytes(p, flipped);
      const auto problem = load_problem(p, "cfg");
      if (!problem) ++undetected;
      else if (*problem != (byte < 8 ? checkpoint_problem::foreign : checkpoint_problem::corrupted)) ++wrong_kind;
    }
  }
  INFO(original.size() * 8, " single-bit flips tried");
  CHECK(undetected == 0);
  CHECK(wrong_kind == 0);
  auto flipped = original;
  flipped[40] = static_cast<char>(flipped[40] ^ 4);
  write_bytes(p, flipped);
  std::string message;
  load_problem(p, "cfg", &message);
  CHECK(message.find("corrupted: the CRC-32 of its contents is 0x") != std::string::npos);
}

TEST_CASE("checkpoint: foreign, newer-version, other-configuration and other-scalar files") {
  temp_dir dir("kinds");
  const fs::path p = dir.path / "k.ckpt";
  std::string message;

  write_bytes(p, {'\x7f', 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(load_problem(p, config, &message) == checkpoint_problem::foreign);
  CHECK(message.find("is not a swatnn checkpoint: it starts with the bytes 7f 45 4c 46") != std::string::npos);
  CHECK(message.find("expected the magic \"SWATNNCK\"") != std::string::npos);
  write_bytes(p, {'h', 'i'});
  CHECK(load_problem(p, config) == checkpoint_problem::foreign);

  // Version 2 with a consistent header checksum: a file from a newer swatnn.
  save_checkpoint<float>(p, {.configuration = config, .parameters = sample_parameters(10)});
  auto bytes = read_bytes(p);
  bytes[8] = 2;
  const std::uint32_t header_crc = io::crc32_of(std::as_bytes(std::span(bytes.data(), 20)));
  for (int i = 0; i < 4; ++i) bytes[20 + i] = static_cast<char>((header_crc >> (8 * i)) & 0xFF);
  write_bytes(p, bytes);
  CHECK(load_problem(p, config, &message) == checkpoint_problem::newer_version);
  CHECK(message.find("format version 2, this build reads format versions up to 1") != std::string::npos);

  save_checkpoint<float>(p, {.configuration = config, .parameters = sample_parameters(10)});
  CHECK(load_problem(p, "gnn_encoder{dim=32}", &message) == checkpoint_problem::other_configuration);
  CHECK(message.find(p.string()) != std::string::npos);
  CHECK(message.find("describes \"" + config + "\", expected \"gnn_encoder{dim=32}\"") != std::string::npos);

  CHECK(load_problem<double>(p, config, &message) == checkpoint_problem::scalar_type);
  CHECK(message.find("stores float32 parameters, expected float64") != std::string::npos);

  // All of them are swatnn::checkpoint_error; a missing file is an io_error.
  CHECK_THROWS_AS((void)load_checkpoint<float>(p, "other"), checkpoint_error);
  CHECK_THROWS_WITH_AS((void)load_checkpoint<float>(dir.path / "missing.ckpt", config),
                       doctest::Contains("missing.ckpt"), io_error);
  CHECK_THROWS_AS(save_checkpoint<float>(dir.path / "no-such-dir" / "x.ckpt", {.configuration = "c"}), io_error);
}

TEST_CASE("atomic write: an uncommitted writer leaves the target untouched and removes its temporary file") {
  temp_dir dir("uncommitted");
  const fs::path p = dir.path / "f.ckpt";
  save_checkpoint<float>(p, {.configuration = "old", .parameters = sample_parameters(5)});
  {
    io::atomic_file_writer writer(p);
    const std::vector<std::byte> junk(100, std::byte{0x55});
    writer.write(junk);
    CHECK(fs::exists(writer.temp_path()));
    CHECK(writer.temp_path().parent_path() == p.parent_path());
  }  // e.g. an exception before commit()
  CHECK(load_checkpoint<float>(p, "old").parameters == sample_parameters(5));
  CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("atomic write: a process SIGKILLed in the middle of writing leaves the previous checkpoint intact") {
  temp_dir dir("killed");
  const fs::path p = dir.path / "model.ckpt";
  const auto old_params = sample_parameters(1000);
  save_checkpoint<float>(p, {.configuration = config, .parameters = old_params});

  // Deterministic: the child has written half of the new file into the temporary file when it is killed.
  int ready[2];
  REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ::close(ready[0]);
    try {
      io::atomic_file_writer writer(p);
      const std::vector<std::byte> half(4096, std::byte{0x42});
      writer.write(half);
      const char byte = 1;
      (void)!::write(ready[1], &byte, 1);
      for (;;) ::pause();  // killed here, before commit()
    } catch (...) {
      ::_exit(3);  // never return into the test runner from the child
    }
  }
  ::close(ready[1]);
  char byte = 0;
  REQUIRE(::read(ready[0], &byte, 1) == 1);
  ::close(ready[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  std::size_t stray = 0;
  for (const auto& entry : fs::directory_iterator(dir.path)) {
    if (entry.path().filename().string().rfind("model.ckpt.tmp-", 0) == 0) ++stray;
  }
  CHECK(stray == 1);  // the half-written temporary file is there: the kill did happen mid-write
  CHECK(load_checkpoint<float>(p, config).parameters == old_params);

  // Real saves killed at varying moments: the file always loads, with the old or the new content.
  const auto new_params = sample_parameters(2'000'000, 1.0f);  // 8 MB per save
  int loaded_old = 0, loaded_new = 0;
  for (int round = 0; round < 6; ++round) {
    const pid_t writer = ::fork();
    REQUIRE(writer >= 0);
    if (writer == 0) {
      try {
        for (;;) {
          save_checkpoint<float>(p, {.configuration = config, .parameters = new_params});
          save_checkpoint<float>(p, {.configuration = config, .parameters = old_params});
        }
      } catch (...) {
        ::_exit(3);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + 17 * round));
    ::kill(writer, SIGKILL);
    ::waitpid(writer, &status, 0);
    CHECK(WIFSIGNALED(status));  // killed, not failed
    const checkpoint<float> c = load_checkpoint<float>(p, config);  // never truncated or corrupted
    if (c.parameters == old_params) ++loaded_old;
    else if (c.parameters == new_params) ++loaded_new;
  }
  CHECK(loaded_old + loaded_new == 6);
}
