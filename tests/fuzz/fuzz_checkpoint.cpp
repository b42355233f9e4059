// libFuzzer harness: the checkpoint / model file loader (io/checkpoint.hpp, load_checkpoint, which
// autoencoder/model_file.hpp's load_model calls before its parameter-count check). The first input byte
// chooses the mode: bit 0 set = repair the file size and both CRC-32 fields of the rest before loading (so
// the fuzzer reaches the field parser behind the checksums), bit 1 = load as double instead of float. The
// rest is written to a file in $TMPDIR (or /dev/shm) and loaded. Any swatnn::error is a correct answer to
// bad input; anything else (another exception, a crash, a sanitizer report, a leak) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <swatnn/error.hpp>
#include <swatnn/io/checkpoint.hpp>
#include <swatnn/io/crc32.hpp>

namespace {
// The configuration string the seed corpus was written with (tests/fuzz/make_corpus.cpp).
constexpr const char* fuzz_configuration = "fuzz_model{dim=4};scales<1,2>";

std::filesystem::path scratch_file() {
  const char* dir = std::getenv("TMPDIR");
  std::filesystem::path base = dir && *dir ? dir : (std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp");
  return base / ("swatnn_fuzz_checkpoint_" + std::to_string(::getpid()) + ".ckpt");
}

void put32(std::vector<char>& b, std::size_t at, std::uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put64(std::vector<char>& b, std::size_t at, std::uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
std::uint32_t crc_of(const std::vector<char>& b, std::size_t n) {
  return swatnn::io::crc32_of(std::string_view(b.data(), n));
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const std::filesystem::path path = scratch_file();
  const std::uint8_t mode = data[0];
  std::vector<char> bytes(reinterpret_cast<const char*>(data) + 1, reinterpret_cast<const char*>(data) + size);
  if ((mode & 1) && bytes.size() >= 28) {  // header (24 bytes) + trailing CRC (4)
    put64(bytes, 12, bytes.size());
    put32(bytes, 20, crc_of(bytes, 20));
    put32(bytes, bytes.size() - 4, crc_of(bytes, bytes.size() - 4));
  }
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) std::abort();  // the harness itself cannot work: not a finding in the loader
  }
  try {
    if (mode & 2) {
      (void)swatnn::load_checkpoint<double>(path, fuzz_configuration);
    } else {
      (void)swatnn::load_checkpoint<float>(path, fuzz_configuration);
    }
  } catch (const swatnn::error&) {
  }
  return 0;
}
