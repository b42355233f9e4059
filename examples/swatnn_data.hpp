// examples/swatnn_data.hpp: the swatnn command's data files (--train, --test, --inputs, --target of `search`,
// `compare` and `baseline`) as a data::dataset: CSV, or a .npy array by the extension; columns by name or index.
#pragma once

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <swatnn/data/csv.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/data/npy.hpp>
#include <swatnn/data/table.hpp>

namespace swatnn_cli {

// A column given on the command line: a whole number (optionally negative) is an index, anything else a name.
inline swatnn::data::column_ref column_of(const std::string& text) {
  long long index = 0;
  const char* end = text.data() + text.size();
  const auto r = std::from_chars(text.data(), end, index);
  if (!text.empty() && r.ec == std::errc{} && r.ptr == end) return swatnn::data::column_ref(index);
  return swatnn::data::column_ref(text);
}

// A data file by its extension: .npy (any case) is a NumPy array, anything else CSV.
inline swatnn::data::table read_table(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".npy" ? swatnn::data::read_npy(path) : swatnn::data::read_csv(path);
}

// The dataset of a training file (and a test file, or 20 % of the training rows held out as test), with the input
// columns `inputs` (empty: every column but the target) and the target column.
inline swatnn::data::dataset file_dataset(const std::string& train_path, const std::string& test_path,
                                          const std::vector<std::string>& input_columns,
                                          const std::string& target_column) {
  std::vector<swatnn::data::column_ref> inputs;
  for (const auto& column : input_columns) inputs.push_back(column_of(column));
  const auto target = column_of(target_column);
  const auto train = swatnn::data::select_columns(read_table(train_path), inputs, target);
  return test_path.empty()
             ? swatnn::data::make_dataset(train, {.test_fraction = 0.2})
             : swatnn::data::make_dataset(train, swatnn::data::select_columns(read_table(test_path), inputs, target));
}

}  // namespace swatnn_cli
