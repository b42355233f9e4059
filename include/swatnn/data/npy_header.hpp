// swatnn/data/npy_header.hpp: parse and check the header of a .npy file (format versions 1, 2 and 3) from its
// bytes, with every length and the data size (rows x columns x element size, overflow-checked) checked
// against the bytes actually present before anything is allocated; and build the header for a writer.
// The format: numpy.org/doc/stable/reference/generated/numpy.lib.format.html
#pragma once

#include <bit>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <swatnn/error.hpp>

namespace swatnn::data {

// Longest header we read (numpy itself refuses headers over 10000 bytes unless told otherwise).
inline constexpr std::size_t npy_max_header_bytes = 1u << 20;

// What a .npy header says about its array.
struct npy_header {
  unsigned major_version = 1;
  std::string descr;                 // as written, e.g. "<f8"
  std::size_t element_size = 0;      // 4 (float32) or 8 (float64)
  bool big_endian = false;           // '>' in descr
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;  // as written
  std::size_t data_offset = 0;       // first data byte
  std::size_t data_bytes = 0;        // product of shape x element_size (checked not to overflow)
};

namespace detail::npy {

inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ',';
  return s + ")";
}

// A cursor over the header dictionary text; every failure names the file and what was expected.
class dict_parser {
 public:
  dict_parser(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw data_error(source_ + ": not a valid .npy file: the header " + what + " (at byte " + std::to_string(pos_) +
                     " of the header '" + printable() + "'); write the file with numpy.save");
  }

  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }
  bool at(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c, const char* where) {
    if (!at(c)) fail(std::string("lacks '") + c + "' " + where);
    ++pos_;
  }
  bool accept(char c) {
    if (!at(c)) return false;
    ++pos_;
    return true;
  }
  bool accept_word(std::string_view word) {
    skip_space();
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  // A Python string literal in single or double quotes, without escapes (numpy writes none in these fields).
  std::string string_literal(const char* what) {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) fail(std::string("has no quoted ") + what);
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) fail(std::string("has an unterminated ") + what);
    std::string s(text_.substr(pos_, end - pos_));
    if (s.find('\\') != std::string::npos) fail(std::string("has an escape sequence in the ") + what);
    pos_ = end + 1;
    return s;
  }
  // A non-negative integer (Python 2's "3L" suffix accepted), overflow-checked in 64 bits.
  std::uint64_t integer(const char* what) {
    skip_space();
    std::uint64_t value = 0;
    const char* first = text_.data() + pos_;
    const char* last = text_.data() + text_.size();
    const auto result = std::from_chars(first, last, value);
    if (result.ec == std::errc::result_out_of_range) fail(std::string("has a ") + what + " larger than 2^64 - 1");
    if (result.ec != std::errc{} || result.ptr == first) fail(std::string("has no whole number >= 0 as ") + what);
    pos_ += static_cast<std::size_t>(result.ptr - first);
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
    return value;
  }
  bool done() {
    skip_space();
    return pos_ == text_.size();
  }

 private:
  std::string printable() const {
    std::string s;
    for (const char c : text_.substr(0, 200)) s += (c >= 0x20 && c < 0x7f) ? c : '?';
    if (text_.size() > 200) s += "...";
    return s;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  const std::string& source_;
};

inline std::uint64_t little_endian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (std::size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  return v;
}

}  // namespace detail::npy

// Parses the header at the start of `bytes` (the whole file, or at least its header: `file_size` is the
// real size of the file) and checks it describes a float32 / float64 array whose data fits in the file.
// data_error (naming `source`, the field and what is expected) on any problem; nothing is allocated from
// lengths read in the file before they are checked against `file_size`.
inline npy_header parse_npy_header(std::string_view bytes, std::uint64_t file_size, const std::string& source) {
  using detail::npy::dict_parser;
  static constexpr std::string_view magic = "\x93NUMPY";
  if (file_size < bytes.size()) file_size = bytes.size();
  auto invalid = [&](const std::string& what) { return data_error(source + ": not a valid .npy file: " + what); };
  if (bytes.size() < magic.size() || bytes.substr(0, magic.size()) != magic)
    throw invalid("it does not start with the magic bytes \\x93NUMPY; write it with numpy.save");
  if (bytes.size() < 8) throw invalid("truncated after the magic bytes (no format version)");
  npy_header h;
  h.major_version = static_cast<unsigned char>(bytes[6]);
  if (h.major_version < 1 || h.major_version > 3)
    throw invalid("format version " + std::to_string(h.major_version) + "." +
                  std::to_string(static_cast<unsigned char>(bytes[7])) + " is not supported (versions 1, 2 and 3 are)");
  const std::size_t length_bytes = h.major_version == 1 ? 2 : 4;
  const std::size_t prefix = 8 + length_bytes;
  if (bytes.size() < prefix)
    throw invalid("truncated: " + std::to_string(bytes.size()) + " bytes, fewer than the " + std::to_string(prefix) +
                  "-byte prefix of a version " + std::to_string(h.major_version) + " file");
  const std::uint64_t header_length = detail::npy::little_endian(bytes.substr(8, length_bytes));
  if (header_length > file_size - prefix) {
    throw invalid("the header length field says " + std::to_string(header_length) + " bytes, but only " +
                  std::to_string(file_size - prefix) + " bytes follow it in the file (truncated or corrupt)");
  }
  if (header_length > npy_max_header_bytes)
    throw invalid("the header length field says " + std::to_string(header_length) + " bytes, more than the " +
                  std::to_string(npy_max_header_bytes) + " this reader accepts");
  if (bytes.size() < prefix + header_length) throw invalid("truncated inside the header");
  if (header_length == 0) throw invalid("the header is empty (length 0); expected a dictionary with descr, fortran_order and shape");
  h.data_offset = prefix + static_cast<std::size_t>(header_length);

  dict_parser p(bytes.substr(prefix, static_cast<std::size_t>(header_length)), source);
  p.expect('{', "at its start (a Python dictionary)");
  bool have_descr = false, have_order = false, have_shape = false;
  while (!p.accept('}')) {
    const std::string key = p.string_literal("key");
    p.expect(':', ("after the key '" + key + "'").c_str());
    if (key == "descr") {
      if (have_descr) p.fail("repeats the key 'descr'");
      have_descr = true;
      h.descr = p.string_literal("descr value");
    } else if (key == "fortran_order") {
      if (have_order) p.fail("repeats the key 'fortran_order'");
      have_order = true;
      if (p.accept_word("True")) h.fortran_order = true;
      else if (p.accept_word("False")) h.fortran_order = false;
      else p.fail("has a fortran_order that is neither True nor False");
    } else if (key == "shape") {
      if (have_shape) p.fail("repeats the key 'shape'");
      have_shape = true;
      p.expect('(', "at the start of the shape tuple");
      while (!p.accept(')')) {
        if (h.shape.size() >= 32) p.fail("has a shape of more than 32 dimensions");
        h.shape.push_back(p.integer("shape entry"));
        if (!p.accept(',')) {
          p.expect(')', "after a shape entry");
          break;
        }
      }
    } else {
      p.fail("has the unknown key '" + key + "' (expected descr, fortran_order and shape)");
    }
    if (!p.accept(',')) {
      p.expect('}', "at the end of the dictionary");
      break;
    }
  }
  if (!p.done()) p.fail("has text after the dictionary");
  if (!have_descr || !have_order || !have_shape)
    p.fail(std::string("lacks the key '") + (!have_descr ? "descr" : !have_order ? "fortran_order" : "shape") + "'");

  // descr: a byte order ('<' little, '>' big, '=' this machine's, '|' not applicable) and f4 / f8
  const std::string& d = h.descr;
  const bool floating = d.size() == 3 && (d[0] == '<' || d[0] == '>' || d[0] == '=' || d[0] == '|') && d[1] == 'f' &&
                        (d[2] == '4' || d[2] == '8');
  if (!floating || d[0] == '|') {
    throw data_error(source + ": dtype '" + d +
                     "' is not supported; expected float32 ('<f4') or float64 ('<f8'), little- or big-endian "
                     "('>f4', '>f8'); convert with array.astype(numpy.float64)");
  }
  h.element_size = d[2] == '4' ? 4 : 8;
  h.big_endian = d[0] == '>' || (d[0] == '=' && std::endian::native == std::endian::big);

  // data size: every product checked for overflow, then against the bytes present
  std::uint64_t count = 1;
  bool overflow = false;
  for (const std::uint64_t n : h.shape) {
    if (n != 0 && count > UINT64_MAX / n) overflow = true;
    else count *= n;
  }
  if (overflow || count > UINT64_MAX / h.element_size) {
    throw data_error(source + ": not a valid .npy file: the shape " + detail::npy::shape_text(h.shape) +
                     " of " + std::to_string(h.element_size) + "-byte elements needs more than 2^64 bytes");
  }
  const std::uint64_t data_bytes = count * h.element_size;
  const std::uint64_t present = file_size - h.data_offset;
  if (data_bytes > present) {
    throw data_error(source + ": truncated .npy file: the shape " + detail::npy::shape_text(h.shape) + " needs " +
                     std::to_string(data_bytes) + " data bytes, " + std::to_string(present) + " are present");
  }
  if (data_bytes < present) {
    throw data_error(source + ": not a valid .npy file: " + std::to_string(present - data_bytes) +
                     " bytes follow the " + std::to_string(data_bytes) + " data bytes of the shape " +
                     detail::npy::shape_text(h.shape) + " (more than one array, or a corrupt header)");
  }
  h.data_bytes = static_cast<std::size_t>(data_bytes);
  return h;
}

// The bytes of a version 1.0 header for a C-order array of `rows` x `cols` elements of `descr`, padded
// with spaces to a multiple of 64 bytes as numpy writes it.
inline std::string npy_header_bytes(const std::string& descr, std::uint64_t rows, std::uint64_t cols) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                     std::to_string(cols) + "), }";
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  if (dict.size() > 0xffff) throw value_error("npy header too long for format version 1");
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  return out + dict;
}

}  // namespace swatnn::data
