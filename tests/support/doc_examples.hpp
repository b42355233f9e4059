// tests/support/doc_examples.hpp: helpers for the tests that keep the code examples of docs/*.md honest. Such a
// test compiles and runs an example, marks it in its own source (e.g. `// example: NAME` ... `// end example: NAME`)
// and checks that the ```cpp block of the document is, line for line, that marked code. This header only reads
// and cuts lines; the assertions stay in the tests (no doctest here).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace swatnn::test {

// The root of the source tree: $SWATNN_SOURCE_DIR (ctest sets it), else the first directory above this header
// holding docs/ and include/swatnn/ (works whether __FILE__ is absolute or relative to the working directory).
inline std::filesystem::path source_dir() {
  namespace fs = std::filesystem;
  if (const char* env = std::getenv("SWATNN_SOURCE_DIR"); env != nullptr && *env != '\0') return env;
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(__FILE__), ec).parent_path();
  for (fs::path d = dir; !d.empty(); d = d.parent_path()) {
    if (fs::is_directory(d / "docs", ec) && fs::is_directory(d / "include" / "swatnn", ec)) return d;
    if (d == d.parent_path()) break;
  }
  return dir.parent_path().parent_path();  // tests/support/ -> root; the read that follows reports a wrong guess
}

// The lines of a text file (without their '\n'). Throws std::runtime_error when the file cannot be opened.
inline std::vector<std::string> lines_of(const std::filesystem::path& p) {
  std::ifstream in(p);
  if (!in.good()) throw std::runtime_error("cannot open " + p.string());
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

// `l` without its leading spaces.
inline std::string trim_left(const std::string& l) {
  const auto p = l.find_first_not_of(' ');
  return p == std::string::npos ? std::string() : l.substr(p);
}

// The lines strictly between the first line equal to `open` and the next line equal to `close` (marker lines
// compared without their leading spaces), as they are. Empty when either marker is missing.
inline std::vector<std::string> lines_between(const std::vector<std::string>& lines, const std::string& open,
                                              const std::string& close) {
  std::vector<std::string> out;
  bool inside = false;
  for (const std::string& l : lines) {
    if (!inside && trim_left(l) == open) {
      inside = true;
    } else if (inside && trim_left(l) == close) {
      return out;
    } else if (inside) {
      out.push_back(l);
    }
  }
  return {};
}

// Removes the common leading indentation (spaces) of the non-blank lines.
inline std::vector<std::string> dedent(std::vector<std::string> lines) {
  std::size_t indent = std::string::npos;
  for (const auto& l : lines) {
    if (l.find_first_not_of(' ') != std::string::npos) indent = std::min(indent, l.find_first_not_of(' '));
  }
  for (auto& l : lines) l = indent != std::string::npos && l.size() >= indent ? l.substr(indent) : l;
  return lines;
}

// A marked region of a source file, dedented: lines_between(lines, open, close) without the common indent.
inline std::vector<std::string> code_region(const std::vector<std::string>& lines, const std::string& open,
                                            const std::string& close) {
  return dedent(lines_between(lines, open, close));
}

// Drops the leading and trailing lines that are empty or whitespace only.
inline std::vector<std::string> without_blank_edge_lines(std::vector<std::string> lines) {
  const auto blank = [](const std::string& l) { return l.find_first_not_of(" \t\r\f\v") == std::string::npos; };
  while (!lines.empty() && blank(lines.back())) lines.pop_back();
  const auto first = std::find_if_not(lines.begin(), lines.end(), blank);
  lines.erase(lines.begin(), first);
  return lines;
}

// The two sides of a "the document shows exactly the example compiled here" check: the lines of `source` between
// the marker lines `open` and `close` (without blank edge lines), and the region of `doc` between
// "<!-- example begin -->" and "<!-- example end -->", which must be that code in a ```cpp fence.
struct marked_example {
  std::vector<std::string> code;    // from the source
  std::vector<std::string> fenced;  // the same code between "```cpp" and "```"
  std::vector<std::string> doc;     // from the document
};
inline marked_example marked_example_of(const std::filesystem::path& source, const std::string& open,
                                        const std::string& close, const std::filesystem::path& doc) {
  marked_example e;
  e.code = without_blank_edge_lines(lines_between(lines_of(source), open, close));
  e.fenced.push_back("```cpp");
  e.fenced.insert(e.fenced.end(), e.code.begin(), e.code.end());
  e.fenced.push_back("```");
  e.doc = without_blank_edge_lines(lines_between(lines_of(doc), "<!-- example begin -->", "<!-- example end -->"));
  return e;
}

// The ```cpp block of a Markdown document that follows a marker line.
struct doc_code_block {
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t marker_line = none;  // index of the first line equal to the marker; none when missing
  std::size_t fence_line = none;   // index of the first "```cpp" line after it; none when missing
  bool closed = false;             // a "```" line ends the block
  std::vector<std::string> code;   // the lines between the fences, as they are

  bool has_marker() const { return marker_line != none; }
  bool has_fence() const { return fence_line != none; }
  bool fence_right_after_marker() const { return has_marker() && has_fence() && fence_line == marker_line + 1; }
};

// Finds the first line equal to `marker`, then the first "```cpp" line after it, and returns the lines up to the
// closing "```" line. The caller checks where the fence is (fence_right_after_marker() for `<!-- example: NAME -->`
// markers) and that the block is closed.
inline doc_code_block doc_code_block_after(const std::vector<std::string>& lines, const std::string& marker) {
  doc_code_block b;
  const auto m = std::find(lines.begin(), lines.end(), marker);
  if (m == lines.end()) return b;
  b.marker_line = static_cast<std::size_t>(m - lines.begin());
  const auto f = std::find(m + 1, lines.end(), std::string("```cpp"));
  if (f == lines.end()) return b;
  b.fence_line = static_cast<std::size_t>(f - lines.begin());
  for (auto l = f + 1; l != lines.end(); ++l) {
    if (*l == "```") {
      b.closed = true;
      break;
    }
    b.code.push_back(*l);
  }
  return b;
}

}  // namespace swatnn::test
