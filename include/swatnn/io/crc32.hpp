// swatnn/io/crc32.hpp: CRC-32 (IEEE 802.3 polynomial 0xEDB88320, reflected; the checksum of zlib, PNG and
// gzip), table-driven, incremental. crc32("123456789") == 0xCBF43926.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace swatnn::io {

namespace detail {
constexpr std::array<std::uint32_t, 256> make_crc32_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  return table;
}
inline constexpr std::array<std::uint32_t, 256> crc32_table = make_crc32_table();
}  // namespace detail

// Incremental CRC-32: update() with consecutive pieces, value() at any time.
class crc32 {
 public:
  constexpr crc32& update(std::span<const std::byte> bytes) noexcept {
    std::uint32_t c = state_;
    for (const std::byte b : bytes) c = detail::crc32_table[(c ^ static_cast<std::uint32_t>(b)) & 0xFFu] ^ (c >> 8);
    state_ = c;
    return *this;
  }
  constexpr std::uint32_t value() const noexcept { return state_ ^ 0xFFFFFFFFu; }

 private:
  std::uint32_t state_ = 0xFFFFFFFFu;
};

inline std::uint32_t crc32_of(std::span<const std::byte> bytes) noexcept { return crc32{}.update(bytes).value(); }
inline std::uint32_t crc32_of(std::string_view text) noexcept {
  return crc32_of(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace swatnn::io
