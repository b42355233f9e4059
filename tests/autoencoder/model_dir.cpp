// Where the shipped model is looked for (swatnn::model_dir, autoencoder/model_file.hpp): the environment
// variable, then the directory beside the running program, then the compiled-in SWATNN_MODEL_DIR.
// tests/deploy checks the same order on a relocated install.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <swatnn/autoencoder/model_file.hpp>

namespace fs = std::filesystem;
using swatnn::detail::resolve_model_dir;

namespace {
// A fresh directory laid out like an install prefix: <root>/bin/program, and <root>/share/swatnn/models when
// `with_models`.
struct fake_prefix {
  fs::path root;
  explicit fake_prefix(bool with_models) {
    static std::atomic<int> counter{0};
    root = fs::temp_directory_path() /
           ("swatnn_model_dir_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(root / "bin");
    std::ofstream(root / "bin" / "program") << "not run";
    if (with_models) fs::create_directories(root / "share" / "swatnn" / "models");
  }
  ~fake_prefix() {
    std::error_code ec;
    fs::remove_all(root, ec);
  }
  fs::path program() const { return root / "bin" / "program"; }
  fs::path models() const { return root / "share" / "swatnn" / "models"; }
};
}  // namespace

TEST_CASE("model_dir: SWATNN_MODEL_DIR comes first, even with models beside the program") {
  const fake_prefix prefix(true);
  CHECK(resolve_model_dir("/somewhere/else", prefix.program()) == fs::path("/somewhere/else"));
  CHECK(resolve_model_dir("/somewhere/else", fs::path()) == fs::path("/somewhere/else"));
}

TEST_CASE("model_dir: an installed program finds <prefix>/share/swatnn/models beside it") {
  const fake_prefix prefix(true);
  CHECK(resolve_model_dir(nullptr, prefix.program()) == prefix.models());
  CHECK(resolve_model_dir("", prefix.program()) == prefix.models());  // set but empty: as if unset
  // moving the whole prefix keeps it found
  const fs::path moved = prefix.root.string() + "_moved";
  fs::rename(prefix.root, moved);
  CHECK(resolve_model_dir(nullptr, moved / "bin" / "program") == moved / "share" / "swatnn" / "models");
  fs::rename(moved, prefix.root);
}

TEST_CASE("model_dir: without models beside the program, the compiled-in SWATNN_MODEL_DIR") {
  const fake_prefix prefix(false);
  CHECK(resolve_model_dir(nullptr, prefix.program()) == fs::path(SWATNN_MODEL_DIR));
  CHECK(resolve_model_dir(nullptr, fs::path()) == fs::path(SWATNN_MODEL_DIR));
}

TEST_CASE("model_dir and default_model_path read the environment variable and the running program") {
  const char* saved = std::getenv("SWATNN_MODEL_DIR");
  const std::string kept = saved ? saved : "";
  ::setenv("SWATNN_MODEL_DIR", "/from/the/environment", 1);
  CHECK(swatnn::model_dir() == fs::path("/from/the/environment"));
  CHECK(swatnn::default_model_path() == fs::path("/from/the/environment/swat_small.swt"));
  ::unsetenv("SWATNN_MODEL_DIR");
  // this test program runs in the build tree, where nothing is installed beside it
  CHECK(swatnn::model_dir() == fs::path(SWATNN_MODEL_DIR));
  if (saved) ::setenv("SWATNN_MODEL_DIR", kept.c_str(), 1);
#if defined(__linux__)
  const auto self = swatnn::detail::executable_path();
  CHECK(fs::equivalent(self, "/proc/self/exe"));
#endif
}
