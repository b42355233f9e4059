// swatnn/data/messages.hpp: small text helpers shared by the data headers' error messages.
#pragma once

#include <charconv>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace swatnn::data::detail {

// Shortest text that reads back to the same double (std::to_chars), e.g. "0.1", "1e+300", "nan".
inline std::string number(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

// 'a', 'b', 'c': a list of names for a message.
inline std::string quoted_list(const std::vector<std::string>& names) {
  std::string text;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) text += ", ";
    text += '\'';
    text += names[i];
    text += '\'';
  }
  return text;
}

// "column index 2 ('x2')": how messages name a column (indices are 0-based, as in the API).
inline std::string column_label(std::size_t index, const std::vector<std::string>& names) {
  std::string text = "column index " + std::to_string(index);
  if (index < names.size()) text += " ('" + names[index] + "')";
  return text;
}

}  // namespace swatnn::data::detail
