// swatnn/io/checkpoint.hpp: versioned binary checkpoints of a training run: the model's configuration
// description, its flat parameters (float or double, tagged), optionally the optimizer state (flat moments +
// step count) and an RNG state string, protected by CRC-32 and written atomically (atomic_file.hpp).
//
// Format version 1, little-endian:
//   offset 0   8 bytes  magic "SWATNNCK"
//          8   u32      format version (1)
//         12   u64      total file size in bytes
//         20   u32      CRC-32 of bytes [0, 20)          (header checksum)
//         24   u8       scalar kind (1 = float32, 2 = float64), u8 flags (bit 0: optimizer state present),
//                       u16 + u32 reserved (0)
//         32   u64 n, n bytes                             configuration description (UTF-8)
//              u64 n, n scalars                           parameters
//              [u64 step, u64 n, n scalars]               optimizer step count and moments (flag bit 0)
//              u64 n, n bytes                             RNG state (e.g. std::mt19937_64's operator<<)
//   size - 4   u32      CRC-32 of bytes [0, size - 4)
// Every future version keeps the first 24 bytes and the trailing CRC, so any version can tell a truncated,
// corrupted or newer file apart. Loading checks, in this order: magic (foreign), header checksum
// (corrupted), version (newer), size (truncated), checksum (corrupted), configuration, scalar type; each
// failure raises checkpoint_load_error (a swatnn::checkpoint_error) naming the file, the problem, what was
// found and what was expected.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <locale>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/io/crc32.hpp>

namespace swatnn {

inline constexpr std::uint32_t checkpoint_format_version = 1;
inline constexpr std::string_view checkpoint_magic = "SWATNNCK";

// Why a checkpoint could not be loaded.
enum class checkpoint_problem { truncated, corrupted, foreign, newer_version, other_configuration, scalar_type };

inline const char* to_string(checkpoint_problem p) noexcept {
  switch (p) {
    case checkpoint_problem::truncated: return "truncated";
    case checkpoint_problem::corrupted: return "corrupted";
    case checkpoint_problem::foreign: return "foreign";
    case checkpoint_problem::newer_version: return "newer_version";
    case checkpoint_problem::other_configuration: return "other_configuration";
    case checkpoint_problem::scalar_type: return "scalar_type";
  }
  return "unknown";
}

// The checkpoint_error raised by load_checkpoint: what() is the full message; problem() and file() let a
// caller react (e.g. fall back to an older checkpoint when the newest is truncated).
class checkpoint_load_error : public checkpoint_error {
 public:
  checkpoint_load_error(checkpoint_problem problem, std::filesystem::path file, const std::string& message)
      : checkpoint_error(message), problem_(problem), file_(std::move(file)) {}
  checkpoint_problem problem() const noexcept { return problem_; }
  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  checkpoint_problem problem_;
  std::filesystem::path file_;
};

// Optimizer state as saved: the state's step_count() and its moments() (see resumable_optimizer_state).
template <class T>
struct optimizer_snapshot_view {
  std::uint64_t step = 0;
  std::span<const T> moments{};
};
template <class T>
struct optimizer_snapshot {
  std::uint64_t step = 0;
  std::vector<T> moments{};
};

// What save_checkpoint writes (views: nothing is copied).
template <class T>
struct checkpoint_view {
  std::string_view configuration{};  // the model's description of its configuration (load checks it)
  std::span<const T> parameters{};   // the flat parameter buffer
  std::optional<optimizer_snapshot_view<T>> optimizer{};  // absent: a parameters-only (model) file
  std::string_view rng_state{};      // e.g. rng_state_of(engine); may be empty
};

// What load_checkpoint returns.
template <class T>
struct checkpoint {
  std::uint32_t format_version = checkpoint_format_version;
  std::string configuration{};
  std::vector<T> parameters{};
  std::optional<optimizer_snapshot<T>> optimizer{};
  std::string rng_state{};
};

namespace detail {

template <class T>
constexpr std::uint8_t scalar_kind_of() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "swatnn checkpoints store float or double parameters");
  return std::is_same_v<T, float> ? 1 : 2;
}
inline const char* scalar_kind_name(std::uint8_t kind) {
  return kind == 1 ? "float32" : kind == 2 ? "float64" : "an unknown scalar type";
}

class checkpoint_writer {
 public:
  explicit checkpoint_writer(std::size_t size) { bytes_.reserve(size); }
  void raw(const void* p, std::size_t n) {
    if (n == 0) return;  // p may be null for an empty span
    const auto* b = static_cast<const std::byte*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  template <class U>
  void integer(U value) {
    static_assert(std::is_unsigned_v<U>);
    for (std::size_t i = 0; i < sizeof(U); ++i) bytes_.push_back(static_cast<std::byte>((value >> (8 * i)) & 0xFFu));
  }
  void text(std::string_view s) {
    integer<std::uint64_t>(s.size());
    raw(s.data(), s.size());
  }
  template <class T>
  void scalars(std::span<const T> values) {
    integer<std::uint64_t>(values.size());
    if constexpr (std::endian::native == std::endian::little) {
      raw(values.data(), values.size_bytes());
    } else {
      using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      for (const T v : values) integer(std::bit_cast<bits>(v));
    }
  }
  std::vector<std::byte>& bytes() { return bytes_; }

 private:
  std::vector<std::byte> bytes_;
};

class checkpoint_reader {
 public:
  checkpoint_reader(std::span<const std::byte> bytes, const std::filesystem::path& file) : bytes_(bytes), file_(file) {}
  template <class U>
  U integer(const char* field) {
    need(sizeof(U), field);
    U value = 0;
    for (std::size_t i = 0; i < sizeof(U); ++i) value |= static_cast<U>(std::to_integer<unsigned>(bytes_[pos_ + i])) << (8 * i);
    pos_ += sizeof(U);
    return value;
  }
  std::string text(const char* field) {
    const auto n = integer<std::uint64_t>(field);
    need(n, field);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(n));
    pos_ += static_cast<std::size_t>(n);
    return s;
  }
  template <class T>
  std::vector<T> scalars(const char* field) {
    const auto n = integer<std::uint64_t>(field);
    if (n > (bytes_.size() - pos_) / sizeof(T)) too_short(field, n * sizeof(T));
    std::vector<T> values(static_cast<std::size_t>(n));
    if constexpr (std::endian::native == std::endian::little) {
      if (!values.empty()) std::memcpy(values.data(), bytes_.data() + pos_, values.size() * sizeof(T));
      pos_ += values.size() * sizeof(T);
    } else {
      using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
      for (T& v : values) v = std::bit_cast<T>(integer<bits>(field));
    }
    return values;
  }
  std::size_t position() const noexcept { return pos_; }

 private:
  void need(std::uint64_t n, const char* field) {
    if (n > bytes_.size() - pos_) too_short(field, n);
  }
  [[noreturn]] void too_short(const char* field, std::uint64_t n) const {
    // Reached only when the checksum matched but a length field is inconsistent: a writer bug or a
    // deliberately forged file.
    throw checkpoint_load_error(checkpoint_problem::corrupted, file_,
                                "swatnn: checkpoint '" + file_.string() + "' is corrupted: field '" + field + "' needs " +
                                    std::to_string(n) + " bytes at offset " + std::to_string(pos_) + " but only " +
                                    std::to_string(bytes_.size() - pos_) + " remain before the checksum");
  }
  std::span<const std::byte> bytes_;
  const std::filesystem::path& file_;
  std::size_t pos_ = 0;
};

inline std::string hex_prefix(std::span<const std::byte> bytes, std::size_t n) {
  std::string out;
  char buf[4];
  for (std::size_t i = 0; i < std::min(n, bytes.size()); ++i) {
    std::snprintf(buf, sizeof buf, "%02x", std::to_integer<unsigned>(bytes[i]));
    if (!out.empty()) out += ' ';
    out += buf;
  }
  return out;
}

inline std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
  return buf;
}

inline constexpr std::size_t checkpoint_header_size = 24;

}  // namespace detail

// Writes a checkpoint atomically (temporary file in the same directory, fsync, rename): a crash or kill
// during the call leaves the previous file at `path` intact. Throws io_error when it cannot be written.
template <class T>
void save_checkpoint(const std::filesystem::path& path, const checkpoint_view<T>& c) {
  constexpr std::uint8_t kind = detail::scalar_kind_of<T>();
  std::size_t size = detail::checkpoint_header_size + 8 + 8 + c.configuration.size() + 8 + c.parameters.size_bytes() +
                     8 + c.rng_state.size() + 4;
  if (c.optimizer) size += 16 + c.optimizer->moments.size_bytes();

  detail::checkpoint_writer w(size);
  w.raw(checkpoint_magic.data(), checkpoint_magic.size());
  w.integer<std::uint32_t>(checkpoint_format_version);
  w.integer<std::uint64_t>(size);
  w.integer<std::uint32_t>(io::crc32_of(std::span<const std::byte>(w.bytes())));
  w.integer<std::uint8_t>(kind);
  w.integer<std::uint8_t>(c.optimizer ? 1 : 0);
  w.integer<std::uint16_t>(0);
  w.integer<std::uint32_t>(0);
  w.text(c.configuration);
  w.scalars(c.parameters);
  if (c.optimizer) {
    w.integer<std::uint64_t>(c.optimizer->step);
    w.scalars(c.optimizer->moments);
  }
  w.text(c.rng_state);
  w.integer<std::uint32_t>(io::crc32_of(std::span<const std::byte>(w.bytes())));
  io::write_file_atomically(path, w.bytes());
}

// Reads and validates a checkpoint saved for `expected_configuration` with scalar type T.
// Raises io_error when the file cannot be read, checkpoint_load_error (a checkpoint_error) when it is
// truncated, corrupted, foreign, of a newer format version, of another configuration or scalar type.
template <class T>
checkpoint<T> load_checkpoint(const std::filesystem::path& path, std::string_view expected_configuration) {
  constexpr std::uint8_t kind = detail::scalar_kind_of<T>();
  const std::string name = "swatnn: checkpoint '" + path.string() + "'";
  auto problem = [&](checkpoint_problem p, const std::string& what) {
    return checkpoint_load_error(p, path, name + " " + what);
  };

  std::vector<std::byte> bytes;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(name + " cannot be opened: " + std::strerror(errno) + "; check the path");
    in.seekg(0, std::ios::end);
    const std::streamoff length = in.tellg();
    in.seekg(0, std::ios::beg);
    if (length < 0) throw io_error(name + " cannot be read (cannot determine its size)");
    bytes.resize(static_cast<std::size_t>(length));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), length)) throw io_error(name + " cannot be read");
  }
  const std::span<const std::byte> all(bytes);
  const std::size_t actual = bytes.size();

  // 1. magic
  const std::size_t magic_len = std::min(actual, checkpoint_magic.size());
  if (magic_len > 0 && std::memcmp(bytes.data(), checkpoint_magic.data(), magic_len) != 0) {
    throw problem(checkpoint_problem::foreign,
                  "is not a swatnn checkpoint: it starts with the bytes " + detail::hex_prefix(all, 8) +
                      ", expected the magic \"SWATNNCK\"; pass a file written by swatnn::save_checkpoint");
  }
  if (actual < detail::checkpoint_header_size) {
    throw problem(checkpoint_problem::truncated, "is truncated: it has " + std::to_string(actual) +
                                                     " bytes, fewer than the " +
                                                     std::to_string(detail::checkpoint_header_size) +
                                                     "-byte header; it was not written completely");
  }
  // 2. header checksum
  detail::checkpoint_reader header(all.first(detail::checkpoint_header_size), path);
  (void)header.integer<std::uint64_t>("magic");
  const auto version = header.integer<std::uint32_t>("format version");
  const auto stored_size = header.integer<std::uint64_t>("file size");
  const auto header_crc = header.integer<std::uint32_t>("header checksum");
  const std::uint32_t header_actual = io::crc32_of(all.first(20));
  if (header_crc != header_actual) {
    throw problem(checkpoint_problem::corrupted, "is corrupted: the header checksum is " + detail::hex32(header_actual) +
                                                     ", the file records " + detail::hex32(header_crc) +
                                                     "; restore it from a copy");
  }
  // 3. version
  if (version > checkpoint_format_version) {
    throw problem(checkpoint_problem::newer_version,
                  "was written by a newer swatnn: format version " + std::to_string(version) +
                      ", this build reads format versions up to " + std::to_string(checkpoint_format_version) +
                      "; upgrade swatnn to load it");
  }
  if (version == 0) {
    throw problem(checkpoint_problem::corrupted, "is corrupted: format version 0 does not exist (expected 1 to " +
                                                     std::to_string(checkpoint_format_version) + ")");
  }
  // 4. size
  if (actual < stored_size) {
    throw problem(checkpoint_problem::truncated, "is truncated: its header says " + std::to_string(stored_size) +
                                                     " bytes but the file has " + std::to_string(actual) +
                                                     "; it was not written completely (use an earlier checkpoint)");
  }
  if (actual > stored_size) {
    throw problem(checkpoint_problem::corrupted, "is corrupted: it has " + std::to_string(actual) +
                                                     " bytes but its header says " + std::to_string(stored_size) +
                                                     " (data appended after the end)");
  }
  if (actual < detail::checkpoint_header_size + 4) {
    throw problem(checkpoint_problem::corrupted, "is corrupted: the header claims an impossible size of " +
                                                     std::to_string(stored_size) + " bytes");
  }
  // 5. checksum of everything
  {
    detail::checkpoint_reader tail(all.last(4), path);
    const auto stored_crc = tail.integer<std::uint32_t>("checksum");
    const std::uint32_t actual_crc = io::crc32_of(all.first(actual - 4));
    if (stored_crc != actual_crc) {
      throw problem(checkpoint_problem::corrupted, "is corrupted: the CRC-32 of its contents is " +
                                                       detail::hex32(actual_crc) + ", the file records " +
                                                       detail::hex32(stored_crc) + "; restore it from a copy");
    }
  }
  // 6. fields
  detail::checkpoint_reader r(all.subspan(detail::checkpoint_header_size, actual - detail::checkpoint_header_size - 4),
                              path);
  const auto stored_kind = r.integer<std::uint8_t>("scalar kind");
  const auto flags = r.integer<std::uint8_t>("flags");
  (void)r.integer<std::uint16_t>("reserved");
  (void)r.integer<std::uint32_t>("reserved");
  checkpoint<T> c;
  c.format_version = version;
  c.configuration = r.text("configuration");
  if (c.configuration != expected_configuration) {
    throw problem(checkpoint_problem::other_configuration,
                  "was saved for another model configuration: it describes \"" + c.configuration + "\", expected \"" +
                      std::string(expected_configuration) + "\"; load it with the model it was saved from");
  }
  if (stored_kind != kind) {
    throw problem(checkpoint_problem::scalar_type,
                  std::string("stores ") + detail::scalar_kind_name(stored_kind) + " parameters, expected " +
                      detail::scalar_kind_name(kind) + "; load it as load_checkpoint<" +
                      (stored_kind == 1 ? "float" : "double") + ">");
  }
  c.parameters = r.template scalars<T>("parameters");
  if (flags & 1u) {
    optimizer_snapshot<T> s;
    s.step = r.integer<std::uint64_t>("optimizer step");
    s.moments = r.template scalars<T>("optimizer moments");
    c.optimizer = std::move(s);
  }
  c.rng_state = r.text("rng state");
  return c;
}

// The state of a standard random engine as text (its operator<<), for checkpoint_view::rng_state.
template <class Engine>
std::string rng_state_of(const Engine& engine) {
  std::ostringstream out;
  out.imbue(std::locale::classic());
  out << engine;
  return out.str();
}

// Restores an engine from rng_state_of's text; checkpoint_error when the text does not parse.
template <class Engine>
void restore_rng_state(Engine& engine, std::string_view state) {
  std::istringstream in{std::string(state)};
  in.imbue(std::locale::classic());
  Engine restored;
  in >> restored;
  if (in.fail()) {
    throw checkpoint_error("swatnn: the RNG state stored in the checkpoint does not parse as this engine's state (" +
                           std::to_string(state.size()) + " characters); was it saved from another engine type?");
  }
  engine = restored;
}

}  // namespace swatnn
