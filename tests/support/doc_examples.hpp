// tests/support/doc_examples.hpp: the rule that keeps the code blocks of docs/*.md and README.md honest, and the
// line helpers it is made of. A test compiles (and where cheap, runs) an example, marks it in its own source
// (`// example: NAME` ... `// end example: NAME`), and the page names that region above its ```cpp block; every C++
// block of every page is checked by tests/docs/pages.cpp (doc_page_problems below states the rule). This header
// only reads and cuts lines; the assertions stay in the tests (no doctest here).
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

// Makes `dir` the working directory for the object's lifetime, then returns to the previous one (also when a check
// throws): for examples that read and write files by relative names, as the pages show them.
class working_directory {
 public:
  explicit working_directory(const std::filesystem::path& dir) : previous_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~working_directory() {
    std::error_code ec;
    std::filesystem::current_path(previous_, ec);
  }
  working_directory(const working_directory&) = delete;
  working_directory& operator=(const working_directory&) = delete;

 private:
  std::filesystem::path previous_;
};

// ---- The code blocks of a Markdown page and the rule every C++ block obeys ----
//
// Every C++ block (```cpp, ```c++, ```cxx, ```cc, ```c, ```h, ```hpp, ```hxx) of a page in docs/ (or README.md)
// sits right under one marker line, which says how the block is kept true:
//
//   <!-- example: NAME (tests/AREA/FILE.cpp) -->          the block is, line for line, the region of FILE between
//   <!-- example: NAME1 + NAME2 (tests/AREA/FILE.cpp) -->  `// example: NAME` and `// end example: NAME` (dedented;
//                                                          several names: their regions one after the other, a
//                                                          blank line between two, e.g. the includes at file scope,
//                                                          then statements in a test)
//   <!-- declared in: include/swatnn/PATH.hpp -->          a declaration shown as written: every code line of the
//                                                          block is, in order, a line of that header (comments and
//                                                          indentation aside)
//   <!-- fragment: REASON -->                              not compiled; REASON says why (three words at least)
//
// FILE must be in a test area (tests/<area>/*.cpp, every one compiled into test_<area> by tests/CMakeLists.txt;
// not support/, deploy/, fuzz/ or cuda/). Every fence names its language (```text for plain text), so C++ cannot hide
// in an unnamed block; a marker that is not right above a fence is reported too.

// One fenced block of a Markdown page.
struct fenced_block {
  std::size_t open_line = 0;      // 0-based index of the opening fence
  std::string language;           // the first word of the info string ("" when the fence names none)
  std::string marker;             // the line right above the fence, without its leading spaces ("" when blank)
  std::vector<std::string> code;  // the lines between the fences, without the fence's indentation
  bool closed = false;            // a closing fence ends it
};

namespace detail {
inline std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}
inline bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}
// A fence line: ``` or ~~~ (three or more) after up to any indentation; returns the fence characters or "".
inline std::string fence_of(const std::string& line) {
  const std::string t = trim_left(line);
  for (const char c : {'`', '~'}) {
    std::size_t n = 0;
    while (n < t.size() && t[n] == c) ++n;
    if (n >= 3) return t.substr(0, n);
  }
  return {};
}
}  // namespace detail

// The fenced blocks of a page, in order.
inline std::vector<fenced_block> fenced_blocks(const std::vector<std::string>& lines) {
  std::vector<fenced_block> blocks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string fence = detail::fence_of(lines[i]);
    if (fence.empty()) continue;
    fenced_block b;
    b.open_line = i;
    const std::size_t indent = lines[i].find_first_not_of(' ');
    const std::string info = detail::trim(trim_left(lines[i]).substr(fence.size()));
    b.language = info.substr(0, info.find_first_of(" \t{"));
    b.marker = i > 0 ? detail::trim(lines[i - 1]) : std::string();
    for (++i; i < lines.size(); ++i) {
      const std::string t = detail::trim(lines[i]);
      if (detail::starts_with(t, fence) && t.find_first_not_of(fence[0]) == std::string::npos) {
        b.closed = true;
        break;
      }
      const std::size_t strip = std::min(indent, lines[i].find_first_not_of(' ') == std::string::npos
                                                     ? lines[i].size()
                                                     : lines[i].find_first_not_of(' '));
      b.code.push_back(lines[i].substr(strip));
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

inline bool is_cpp_language(const std::string& language) {
  const std::string l = detail::lower(language);
  return l == "cpp" || l == "c++" || l == "cxx" || l == "cc" || l == "c" || l == "h" || l == "hpp" || l == "hxx";
}

// The parsed marker above a C++ block.
struct block_marker {
  enum class kind { none, example, declared_in, fragment };
  kind what = kind::none;
  std::vector<std::string> names;  // example: the region names, in order
  std::string path;                // example: the test source; declared_in: the header
  std::string reason;              // fragment: why it is not compiled
};

inline block_marker parse_block_marker(const std::string& line) {
  block_marker m;
  if (!detail::starts_with(line, "<!--") || line.size() < 7 || line.substr(line.size() - 3) != "-->") return m;
  const std::string body = detail::trim(line.substr(4, line.size() - 7));
  auto after = [&](const std::string& key) { return detail::trim(body.substr(key.size())); };
  if (detail::starts_with(body, "example:")) {
    const std::string rest = after("example:");
    const auto open = rest.rfind('(');
    if (open == std::string::npos || rest.back() != ')') return m;
    m.path = detail::trim(rest.substr(open + 1, rest.size() - open - 2));
    std::string names = rest.substr(0, open);
    for (std::size_t p = 0; p <= names.size();) {
      const std::size_t q = std::min(names.find('+', p), names.size());
      const std::string name = detail::trim(names.substr(p, q - p));
      if (name.empty()) return {};
      m.names.push_back(name);
      p = q + 1;
    }
    m.what = block_marker::kind::example;
  } else if (detail::starts_with(body, "declared in:")) {
    m.path = after("declared in:");
    m.what = block_marker::kind::declared_in;
  } else if (detail::starts_with(body, "fragment:")) {
    m.reason = after("fragment:");
    m.what = block_marker::kind::fragment;
  }
  return m;
}

// The code of the named regions of `source`, one after the other with a blank line between two (each dedented,
// without blank edge lines). An
// unknown name, an empty region or a name marked twice in the file is a problem (added to `problems`).
inline std::vector<std::string> example_code(const std::vector<std::string>& source, const std::vector<std::string>& names,
                                             const std::string& where, std::vector<std::string>& problems) {
  std::vector<std::string> code;
  for (const std::string& name : names) {
    const std::string open = "// example: " + name, close = "// end example: " + name;
    if (std::count_if(source.begin(), source.end(), [&](const std::string& l) { return trim_left(l) == open; }) > 1)
      problems.push_back(where + ": the region '" + name + "' is marked more than once");
    const auto region = without_blank_edge_lines(code_region(source, open, close));
    if (region.empty()) problems.push_back(where + ": no region '" + open + "' ... '" + close + "' (or it is empty)");
    if (!code.empty()) code.emplace_back();  // one blank line between two regions
    code.insert(code.end(), region.begin(), region.end());
  }
  return code;
}

namespace detail {
// A code line without its `//` comment and surrounding blanks.
inline std::string code_only(const std::string& line) { return trim(line.substr(0, line.find("//"))); }
}  // namespace detail

// What is wrong with one page (empty: nothing): `lines` are the page's lines, `page` its name in the messages and
// `root` the source tree the markers' paths are relative to.
inline std::vector<std::string> doc_page_problems(const std::filesystem::path& root, const std::string& page,
                                                  const std::vector<std::string>& lines) {
  namespace fs = std::filesystem;
  std::vector<std::string> problems;
  const auto blocks = fenced_blocks(lines);
  auto at = [&](std::size_t line) { return page + ":" + std::to_string(line + 1); };
  std::vector<std::size_t> fences;
  for (const fenced_block& b : blocks) fences.push_back(b.open_line);
  // markers must sit right above a fence
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (parse_block_marker(detail::trim(lines[i])).what == block_marker::kind::none &&
        !detail::starts_with(detail::trim(lines[i]), "<!-- example"))
      continue;
    if (std::find(fences.begin(), fences.end(), i + 1) == fences.end())
      problems.push_back(at(i) + ": a code marker that is not right above a fence: " + detail::trim(lines[i]));
  }
  for (const fenced_block& b : blocks) {
    if (!b.closed) problems.push_back(at(b.open_line) + ": the fence is never closed");
    if (b.language.empty()) {
      problems.push_back(at(b.open_line) + ": the fence names no language (```cpp, ```sh, ```text for plain text)");
      continue;
    }
    if (!is_cpp_language(b.language)) continue;
    const block_marker m = parse_block_marker(b.marker);
    const std::vector<std::string> shown = without_blank_edge_lines(b.code);
    switch (m.what) {
      case block_marker::kind::none:
        problems.push_back(at(b.open_line) +
                           ": a C++ block without a marker right above it: compile it in a test and mark it "
                           "<!-- example: NAME (tests/AREA/FILE.cpp) -->, or mark it <!-- declared in: HEADER --> or "
                           "<!-- fragment: REASON -->");
        break;
      case block_marker::kind::fragment: {
        std::size_t words = 0;
        bool in_word = false;
        for (const char c : m.reason) {
          const bool blank = c == ' ' || c == '\t';
          if (!blank && !in_word) ++words;
          in_word = !blank;
        }
        if (words < 3) problems.push_back(at(b.open_line) + ": a fragment needs a reason (three words at least)");
        break;
      }
      case block_marker::kind::declared_in: {
        if (!detail::starts_with(m.path, "include/swatnn/") || !fs::is_regular_file(root / m.path)) {
          problems.push_back(at(b.open_line) + ": 'declared in' names no header under include/swatnn/: " + m.path);
          break;
        }
        const auto header = lines_of(root / m.path);
        std::size_t h = 0;
        for (const std::string& l : shown) {
          const std::string want = detail::code_only(l);
          if (want.empty()) continue;
          while (h < header.size() && detail::code_only(header[h]) != want) ++h;
          if (h == header.size()) {
            problems.push_back(at(b.open_line) + ": '" + want + "' is not (in this order) a line of " + m.path);
            break;
          }
          ++h;
        }
        break;
      }
      case block_marker::kind::example: {
        const fs::path rel(m.path);
        std::vector<std::string> parts;
        for (const auto& part : rel) parts.push_back(part.string());
        const bool in_area = parts.size() == 3 && parts[0] == "tests" && rel.extension() == ".cpp" &&
                             parts[1] != "support" && parts[1] != "deploy" && parts[1] != "fuzz" && parts[1] != "cuda";
        if (!in_area || !fs::is_regular_file(root / rel)) {
          problems.push_back(at(b.open_line) + ": the example's source must be a test source tests/AREA/FILE.cpp: " +
                             m.path);
          break;
        }
        const auto code = example_code(lines_of(root / rel), m.names, m.path, problems);
        if (code.empty()) break;
        if (code != shown) {
          std::size_t k = 0;
          while (k < code.size() && k < shown.size() && code[k] == shown[k]) ++k;
          problems.push_back(at(b.open_line) + ": the block differs from " + m.path + " at its line " +
                             std::to_string(k + 1) + ": the page shows '" + (k < shown.size() ? shown[k] : "(end)") +
                             "', the test compiles '" + (k < code.size() ? code[k] : "(end)") + "'");
        }
        break;
      }
    }
  }
  return problems;
}

inline std::vector<std::string> doc_page_problems(const std::filesystem::path& root, const std::string& page) {
  return doc_page_problems(root, page, lines_of(root / page));
}

}  // namespace swatnn::test
