// Tests for swatnn/data/npy_header.hpp through read_npy: the inputs a fuzzer found to break the former
// xtensor-based reader (unbounded loops, 4 GB allocations, sign-extended header lengths, empty fields) and
// every other header check (versions, byte orders, keys, sizes), each with its message.
#include <doctest/doctest.h>

#include <bit>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <swatnn/data/npy.hpp>

#include "temp_files.hpp"

using namespace swatnn::data;
using swatnn::test::contains;
using swatnn::test::error_message;
using swatnn::test::scratch_dir;

namespace {
// magic, version, little-endian header length of `length_bytes` bytes, then the header text as given
std::string npy_with_header(unsigned major, const std::string& header, std::size_t length_bytes = 0) {
  if (length_bytes == 0) length_bytes = major == 1 ? 2 : 4;
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\x00';
  for (std::size_t i = 0; i < length_bytes; ++i) out += static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return out + header;
}

// the header dictionary padded with spaces (and a final newline) to `total` bytes of header text
std::string padded_dict(const std::string& dict, std::size_t total) {
  std::string h = dict;
  while (h.size() + 1 < total) h += ' ';
  return h + '\n';
}

std::string doubles(const std::vector<double>& v) {
  std::string out(v.size() * 8, '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

std::vector<double> ramp(std::size_t n) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = 0.25 * static_cast<double>(i) - 1.0;
  return v;
}

std::string dict(const std::string& descr, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
}

// read_npy on `bytes` must throw data_error; returns the message (with a marker when it does not throw)
std::string npy_error(const scratch_dir& dir, const std::string& name, const std::string& bytes) {
  const auto path = dir.write(name, bytes);
  return error_message<swatnn::data_error>([&] { (void)read_npy(path); });
}
}  // namespace

TEST_CASE("npy header: a shape with zero elements but a huge column count fails fast (fuzzer finding)") {
  scratch_dir dir;
  // the 81-byte file: 0 x 1e11 elements = 0 data bytes, so a size check alone passes it
  const std::string bytes = npy_with_header(1, padded_dict(dict("<f8", "(0, 100000000000)"), 71));
  REQUIRE(bytes.size() == 81);
  const auto start = std::chrono::steady_clock::now();
  const auto msg = npy_error(dir, "zero_rows.npy", bytes);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(contains(msg, "zero_rows.npy"));
  CHECK(contains(msg, "(0, 100000000000)"));
  CHECK(contains(msg, "holds no values"));
  CHECK(seconds < 5.0);  // the former reader was still looping after 10 s at 3 GB

  // one row but more columns than a table may have (and the data to go with them)
  const std::string wide = npy_with_header(1, padded_dict(dict("<f4", "(1, 70000)"), 118)) + std::string(280000, '\0');
  const auto m2 = npy_error(dir, "wide.npy", wide);
  CHECK(contains(m2, "70000 columns"));
  CHECK(contains(m2, std::to_string(maximum_columns)));
}

TEST_CASE("npy header: rows x cols x element size that overflows 64 bits is refused (fuzzer finding)") {
  scratch_dir dir;
  // (1, 2^61) float64: 2^64 bytes, which wraps to 0
  const auto msg = npy_error(dir, "wrap.npy", npy_with_header(1, padded_dict(dict("<f8", "(1, 2305843009213693952)"), 118)));
  CHECK(contains(msg, "wrap.npy"));
  CHECK(contains(msg, "more than 2^64 bytes"));
  // the product of the shape itself overflows
  const auto m2 = npy_error(dir, "wrap2.npy",
                            npy_with_header(1, padded_dict(dict("<f4", "(4294967296, 4294967296)"), 118)));
  CHECK(contains(m2, "more than 2^64 bytes"));
  // a shape entry beyond 2^64 - 1
  const auto m3 = npy_error(dir, "huge.npy", npy_with_header(1, padded_dict(dict("<f4", "(99999999999999999999, 1)"), 118)));
  CHECK(contains(m3, "larger than 2^64 - 1"));
}

TEST_CASE("npy header: a header length beyond the file is refused before anything is allocated (fuzzer finding)") {
  scratch_dir dir;
  // 12-byte version 2 file whose header length field is 0xffffffff
  std::string bytes = "\x93NUMPY";
  bytes += '\x02';
  bytes += '\x00';
  bytes += std::string(4, '\xff');
  REQUIRE(bytes.size() == 12);
  const auto msg = npy_error(dir, "long_header.npy", bytes);
  CHECK(contains(msg, "long_header.npy"));
  CHECK(contains(msg, "header length field says 4294967295 bytes"));
  CHECK(contains(msg, "only 0 bytes follow"));
  // shorter than the prefix of its version
  CHECK(contains(npy_error(dir, "short_v2.npy", bytes.substr(0, 10)), "fewer than the 12-byte prefix"));
  const std::string short_v1 = std::string("\x93NUMPY\x01\x00", 8) + '\x05';
  CHECK(contains(npy_error(dir, "short_v1.npy", short_v1), "fewer than the 10-byte prefix"));
  CHECK(contains(npy_error(dir, "magic_only.npy", bytes.substr(0, 6)), "no format version"));
}

TEST_CASE("npy header: header lengths with bytes >= 0x80 are read unsigned: a valid 182-byte header loads (fuzzer finding)") {
  scratch_dir dir;
  const auto values = ramp(12 * 2);
  const std::string header = padded_dict(dict("<f8", "(12, 2)"), 182);
  const std::string bytes = npy_with_header(1, header) + doubles(values);
  REQUIRE(static_cast<unsigned char>(bytes[8]) == 182);  // 0xb6: negative as a signed char
  REQUIRE((bytes.size() - values.size() * 8) % 64 == 0);   // aligned as numpy aligns it
  const auto path = dir.write("long_header_ok.npy", bytes);
  const auto t = read_npy(path);
  REQUIRE(t.values.rows() == 12);
  REQUIRE(t.values.cols() == 2);
  for (int r = 0; r < 12; ++r)
    for (int c = 0; c < 2; ++c) CHECK(t.values(r, c) == values[static_cast<std::size_t>(r * 2 + c)]);
  // and a version 2 file whose 4-byte length has its high byte set in the second byte (length 0x80c0)
  const std::string header2 = padded_dict(dict("<f8", "(12, 2)"), 0x80c0);
  const auto t2 = read_npy(dir.write("v2.npy", npy_with_header(2, header2) + doubles(values)));
  CHECK(t2.values == t.values);
}

TEST_CASE("npy header: empty header, empty or malformed fields (fuzzer finding: the former reader called back() on an empty string)") {
  scratch_dir dir;
  const auto empty = npy_error(dir, "empty_header.npy", npy_with_header(1, ""));
  CHECK(contains(empty, "empty_header.npy"));
  CHECK(contains(empty, "header is empty"));
  CHECK(contains(npy_error(dir, "empty_shape.npy",
                           npy_with_header(1, padded_dict("{'descr': '<f8', 'fortran_order': False, 'shape': , }", 118))),
                 "lacks '(' at the start of the shape tuple"));
  CHECK(contains(npy_error(dir, "unit_shape.npy", npy_with_header(1, padded_dict(dict("<f8", "()"), 118)) + doubles({1.0})),
                 "array of shape (); expected a 2-D array"));
  CHECK(contains(npy_error(dir, "empty_descr.npy", npy_with_header(1, padded_dict(dict("", "(12, 2)"), 118))),
                 "dtype '' is not supported"));
  CHECK(contains(npy_error(dir, "no_dict.npy", npy_with_header(1, padded_dict("descr", 118))), "lacks '{' at its start"));
  CHECK(contains(npy_error(dir, "unterminated.npy", npy_with_header(1, "{'descr")), "unterminated key"));
  CHECK(contains(npy_error(dir, "no_shape.npy",
                           npy_with_header(1, padded_dict("{'descr': '<f8', 'fortran_order': False}", 118))),
                 "lacks the key 'shape'"));
  CHECK(contains(npy_error(dir, "twice.npy",
                           npy_with_header(1, padded_dict("{'descr': '<f8', 'descr': '<f8'}", 118))),
                 "repeats the key 'descr'"));
  CHECK(contains(npy_error(dir, "unknown.npy",
                           npy_with_header(1, padded_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (12, 2), "
                                                          "'extra': 1}", 118))),
                 "unknown key 'extra'"));
  CHECK(contains(npy_error(dir, "order.npy",
                           npy_with_header(1, padded_dict("{'descr': '<f8', 'fortran_order': 0, 'shape': (12, 2)}", 118))),
                 "neither True nor False"));
  CHECK(contains(npy_error(dir, "after.npy", npy_with_header(1, padded_dict(dict("<f8", "(1, 2)") + " x", 118)) +
                                                 doubles({1, 2})),
                 "text after the dictionary"));
  CHECK(contains(npy_error(dir, "negative.npy", npy_with_header(1, padded_dict(dict("<f8", "(-1, 2)"), 118))),
                 "no whole number >= 0"));
}

TEST_CASE("npy header: versions, byte orders and sizes") {
  scratch_dir dir;
  const auto values = ramp(10 * 3);
  const auto expected = read_npy(dir.write("v1.npy", npy_with_header(1, padded_dict(dict("<f8", "(10, 3)"), 118)) + doubles(values)));
  // version 3 (UTF-8 header) and '=' (this machine's byte order) read the same
  CHECK(read_npy(dir.write("v3.npy", npy_with_header(3, padded_dict(dict("<f8", "(10, 3)"), 116)) + doubles(values))).values ==
        expected.values);
  if constexpr (std::endian::native == std::endian::little) {
    CHECK(read_npy(dir.write("native.npy", npy_with_header(1, padded_dict(dict("=f8", "(10, 3)"), 118)) + doubles(values)))
              .values == expected.values);
  }
  // big-endian float64 and float32
  std::string big;
  for (const double v : values) {
    std::uint64_t bits = std::bit_cast<std::uint64_t>(v);
    for (int i = 7; i >= 0; --i) big += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  CHECK(read_npy(dir.write("big.npy", npy_with_header(1, padded_dict(dict(">f8", "(10, 3)"), 118)) + big)).values ==
        expected.values);
  std::string big4;
  for (const double v : values) {
    std::uint32_t bits = std::bit_cast<std::uint32_t>(static_cast<float>(v));
    for (int i = 3; i >= 0; --i) big4 += static_cast<char>((bits >> (8 * i)) & 0xff);
  }
  CHECK(read_npy(dir.write("big4.npy", npy_with_header(1, padded_dict(dict(">f4", "(10, 3)"), 118)) + big4)).values ==
        expected.values);  // the ramp's values are exact in float32

  CHECK(contains(npy_error(dir, "v4.npy", npy_with_header(4, padded_dict(dict("<f8", "(10, 3)"), 116)) + doubles(values)),
                 "format version 4.0 is not supported"));
  CHECK(contains(npy_error(dir, "v0.npy", npy_with_header(0, padded_dict(dict("<f8", "(10, 3)"), 118)) + doubles(values)),
                 "format version 0.0 is not supported"));
  CHECK(contains(npy_error(dir, "pipe.npy", npy_with_header(1, padded_dict(dict("|f8", "(10, 3)"), 118)) + doubles(values)),
                 "dtype '|f8' is not supported"));
  CHECK(contains(npy_error(dir, "f2.npy", npy_with_header(1, padded_dict(dict("<f2", "(10, 3)"), 118)) + doubles(values)),
                 "dtype '<f2' is not supported"));
  const auto trailing = npy_error(dir, "trailing.npy",
                                  npy_with_header(1, padded_dict(dict("<f8", "(10, 3)"), 118)) + doubles(values) + "xyz");
  CHECK(contains(trailing, "3 bytes follow the 240 data bytes"));
  const auto truncated = npy_error(dir, "truncated.npy",
                                   npy_with_header(1, padded_dict(dict("<f8", "(10, 3)"), 118)) + doubles(ramp(29)));
  CHECK(contains(truncated, "truncated"));
  CHECK(contains(truncated, "needs 240 data bytes, 232 are present"));
  CHECK(contains(npy_error(dir, "too_long.npy", npy_with_header(2, std::string(npy_max_header_bytes + 1, ' '))),
                 "more than the 1048576 this reader accepts"));
}

TEST_CASE("npy: parse_npy reads bytes in memory, and default_column_names is bounded") {
  const auto values = ramp(10 * 2);
  const std::string bytes = npy_with_header(1, padded_dict(dict("<f8", "(10, 2)"), 118)) + doubles(values);
  const auto t = parse_npy(bytes, "<memory>");
  CHECK(t.values(9, 1) == values[19]);
  CHECK(t.source == "<memory>");
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(detail::default_column_names(std::size_t{1} << 40), swatnn::value_error);
  CHECK(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < 1.0);
  CHECK(detail::default_column_names(3) == std::vector<std::string>{"column 0", "column 1", "column 2"});
}
