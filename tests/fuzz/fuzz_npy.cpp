// libFuzzer harness: the .npy reader (data/npy_header.hpp, data/npy.hpp) on a whole file's bytes, then the
// table checks (select_target). Any swatnn::error is a correct answer to bad input; anything else (another
// exception, a crash, a sanitizer report, a leak, a hang, an allocation beyond the input's size) is a finding.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <swatnn/data/npy.hpp>
#include <swatnn/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swatnn::data;
  try {
    const table t = parse_npy(std::string_view(reinterpret_cast<const char*>(data), size), "<fuzz input>");
    (void)select_target(t);
  } catch (const swatnn::error&) {
  }
  return 0;
}
