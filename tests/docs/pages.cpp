// Every C++ block of every page (docs/**/*.md and README.md) is compiled in a test, shown as declared in a header,
// or marked as a fragment with a reason: the rule of tests/support/doc_examples.hpp (doc_page_problems), checked
// here on every page, and on small pages written here so that each way of breaking it is seen to fail.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "support/doc_examples.hpp"

namespace t = swatnn::test;
namespace fs = std::filesystem;

namespace {

// A throw-away source tree: tests/area/example.cpp with one marked region, include/swatnn/decl.hpp.
class scratch_tree {
 public:
  scratch_tree() {
    static std::atomic<int> counter{0};
    root_ = fs::temp_directory_path() /
            ("swatnn_docs_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    write("tests/area/example.cpp",
          "#include <x.hpp>\n"
          "// example: includes\n"
          "#include <swatnn/thing.hpp>\n"
          "// end example: includes\n"
          "void f() {\n"
          "  // example: body\n"
          "  int x = 1;\n"
          "  use(x);\n"
          "  // end example: body\n"
          "}\n");
    write("tests/support/helper.cpp", "// example: body\nint x = 1;\n// end example: body\n");
    write("include/swatnn/decl.hpp",
          "struct options {\n"
          "  int a = 1;  // the first\n"
          "  int b = 2;\n"
          "};\n");
  }
  ~scratch_tree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  scratch_tree(const scratch_tree&) = delete;
  scratch_tree& operator=(const scratch_tree&) = delete;

  const fs::path& root() const { return root_; }
  std::vector<std::string> problems(const std::vector<std::string>& page) const {
    return t::doc_page_problems(root_, "page.md", page);
  }

 private:
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << text;
  }
  fs::path root_;
};

std::string joined(const std::vector<std::string>& problems) {
  std::string s;
  for (const auto& p : problems) s += p + "\n";
  return s;
}

bool mentions(const std::vector<std::string>& problems, const std::string& text) {
  for (const auto& p : problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("the page rule accepts a compiled example, a declaration, a fragment and other languages") {
  const scratch_tree tree;
  const std::vector<std::string> page{
      "# Page", "<!-- example: body (tests/area/example.cpp) -->", "```cpp", "int x = 1;", "use(x);", "```", "",
      "<!-- example: includes + body (tests/area/example.cpp) -->", "```cpp", "#include <swatnn/thing.hpp>", "",
      "int x = 1;", "use(x);", "```",
      "<!-- declared in: include/swatnn/decl.hpp -->", "```cpp", "struct options {", "  int a = 1;", "};", "```",
      "<!-- fragment: the generated header does not exist at build time -->", "```c++", "model::predict(x, y);", "```",
      "```sh", "make", "```", "```text", "a -> b", "```",
      "  - in a list:", "    <!-- example: body (tests/area/example.cpp) -->", "    ```cpp", "    int x = 1;",
      "    use(x);", "    ```"};
  const auto problems = tree.problems(page);
  INFO(joined(problems));
  CHECK(problems.empty());
  const auto blocks = t::fenced_blocks(page);
  REQUIRE(blocks.size() == 7);
  CHECK(blocks[6].code == std::vector<std::string>{"int x = 1;", "use(x);"});
}

TEST_CASE("the page rule rejects a C++ block that is neither compiled nor marked") {
  const scratch_tree tree;
  for (const std::string language : {"cpp", "c++", "C++", "hpp", "cxx"}) {
    CAPTURE(language);
    const auto problems = tree.problems({"Text", "```" + language, "int x = 1;", "```"});
    INFO(joined(problems));
    REQUIRE(problems.size() == 1);
    CHECK(mentions(problems, "page.md:2: a C++ block without a marker"));
  }
  // a marker separated from its block by a blank line marks nothing
  const auto apart = tree.problems({"<!-- example: body (tests/area/example.cpp) -->", "", "```cpp", "int x = 1;", "```"});
  CHECK(mentions(apart, "not right above a fence"));
  CHECK(mentions(apart, "a C++ block without a marker"));
}

TEST_CASE("the page rule rejects a block that differs from its compiled example") {
  const scratch_tree tree;
  const auto changed =
      tree.problems({"<!-- example: body (tests/area/example.cpp) -->", "```cpp", "int x = 2;", "use(x);", "```"});
  INFO(joined(changed));
  REQUIRE(changed.size() == 1);
  CHECK(mentions(changed, "differs from tests/area/example.cpp at its line 1"));
  CHECK(mentions(changed, "int x = 2;"));
  const auto shorter = tree.problems({"<!-- example: body (tests/area/example.cpp) -->", "```cpp", "int x = 1;", "```"});
  CHECK(mentions(shorter, "at its line 2"));
  const auto order =
      tree.problems({"<!-- example: body + includes (tests/area/example.cpp) -->", "```cpp",
                     "#include <swatnn/thing.hpp>", "", "int x = 1;", "use(x);", "```"});
  CHECK(mentions(order, "differs"));
}

TEST_CASE("the page rule rejects examples whose source is missing or not compiled") {
  const scratch_tree tree;
  const std::vector<std::string> code{"```cpp", "int x = 1;", "```"};
  auto with = [&](const std::string& marker) {
    std::vector<std::string> page{marker};
    page.insert(page.end(), code.begin(), code.end());
    return tree.problems(page);
  };
  CHECK(mentions(with("<!-- example: nothing (tests/area/example.cpp) -->"), "no region '// example: nothing'"));
  CHECK(mentions(with("<!-- example: body (tests/area/missing.cpp) -->"), "must be a test source"));
  CHECK(mentions(with("<!-- example: body (tests/support/helper.cpp) -->"), "must be a test source"));
  CHECK(mentions(with("<!-- example: body -->"), "without a marker"));  // no source named: not a marker
}

TEST_CASE("the page rule checks declarations against their header and wants reasons for fragments") {
  const scratch_tree tree;
  const auto renamed = tree.problems(
      {"<!-- declared in: include/swatnn/decl.hpp -->", "```cpp", "struct options {", "  int c = 1;", "};", "```"});
  CHECK(mentions(renamed, "'int c = 1;' is not (in this order) a line of include/swatnn/decl.hpp"));
  const auto reordered = tree.problems(
      {"<!-- declared in: include/swatnn/decl.hpp -->", "```cpp", "int b = 2;", "int a = 1;", "```"});
  CHECK(mentions(reordered, "'int a = 1;' is not (in this order)"));
  const auto elsewhere = tree.problems({"<!-- declared in: src/decl.hpp -->", "```cpp", "int a = 1;", "```"});
  CHECK(mentions(elsewhere, "names no header under include/swatnn/"));
  const auto terse = tree.problems({"<!-- fragment: pseudo code -->", "```cpp", "f(x);", "```"});
  CHECK(mentions(terse, "a fragment needs a reason"));
}

TEST_CASE("the page rule wants every fence to name its language and every fence closed") {
  const scratch_tree tree;
  const auto unnamed = tree.problems({"```", "#include <swatnn/swatnn.hpp>", "```"});
  CHECK(mentions(unnamed, "page.md:1: the fence names no language"));
  const auto open = tree.problems({"```sh", "make"});
  CHECK(mentions(open, "never closed"));
  const auto stale = tree.problems({"<!-- example begin -->", "```cpp", "int x;", "```", "<!-- example end -->"});
  CHECK(mentions(stale, "page.md:5: a code marker that is not right above a fence"));
  CHECK(mentions(stale, "a C++ block without a marker"));
}

TEST_CASE("every page of docs/ and README.md: each C++ block is compiled in a test, declared or a marked fragment") {
  const fs::path root = t::source_dir();
  std::vector<std::string> pages{"README.md"};
  for (const auto& entry : fs::recursive_directory_iterator(root / "docs"))
    if (entry.is_regular_file() && entry.path().extension() == ".md")
      pages.push_back(fs::relative(entry.path(), root).generic_string());
  REQUIRE(pages.size() > 10);
  std::size_t compiled = 0, fragments = 0;
  for (const std::string& page : pages) {
    CAPTURE(page);
    const auto problems = t::doc_page_problems(root, page);
    INFO(joined(problems));
    CHECK(problems.empty());
    for (const auto& b : t::fenced_blocks(t::lines_of(root / page))) {
      if (!t::is_cpp_language(b.language)) continue;
      const auto m = t::parse_block_marker(b.marker);
      compiled += m.what == t::block_marker::kind::example;
      fragments += m.what == t::block_marker::kind::fragment;
    }
  }
  MESSAGE(compiled << " compiled C++ blocks, " << fragments << " fragments in " << pages.size() << " pages");
  CHECK(compiled >= 30);              // 36 of the 39 C++ blocks today: the rule is not met by exempting many
  CHECK(fragments * 10 <= compiled);  // exemptions stay few
}

TEST_CASE("the tutorial and the autoencoder page are compiled in tests") {
  const fs::path root = t::source_dir();
  for (const std::string page : {"docs/tutorial.md", "docs/autoencoder.md"}) {
    CAPTURE(page);
    std::size_t cpp = 0, compiled = 0;
    for (const auto& b : t::fenced_blocks(t::lines_of(root / page))) {
      if (!t::is_cpp_language(b.language)) continue;
      ++cpp;
      compiled += t::parse_block_marker(b.marker).what == t::block_marker::kind::example;
    }
    CHECK(cpp > 0);
    CHECK(compiled == cpp);
  }
}
