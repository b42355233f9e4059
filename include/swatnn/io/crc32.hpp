// swatnn/io/crc32.hpp: CRC-32 (IEEE 802.3 polynomial 0x04C11DB7, reflected, initial value and final xor
// 0xFFFFFFFF; the checksum of zlib, PNG and gzip), incremental, computed by Boost.CRC (boost::crc_32_type).
// crc32("123456789") == 0xCBF43926.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <boost/crc.hpp>

namespace swatnn::io {

// Incremental CRC-32: update() with consecutive pieces, value() at any time.
class crc32 {
 public:
  crc32& update(std::span<const std::byte> bytes) noexcept {
    state_.process_bytes(bytes.data(), bytes.size());
    return *this;
  }
  std::uint32_t value() const noexcept { return static_cast<std::uint32_t>(state_.checksum()); }

 private:
  boost::crc_32_type state_;
};

inline std::uint32_t crc32_of(std::span<const std::byte> bytes) noexcept { return crc32{}.update(bytes).value(); }
inline std::uint32_t crc32_of(std::string_view text) noexcept {
  return crc32_of(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

}  // namespace swatnn::io
