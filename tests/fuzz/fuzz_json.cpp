// libFuzzer harness: the network JSON loader (network/export_json.hpp, from_json) for the paper's network
// family; a model that loads is written back and must load again to the same network. Any swatnn::error is a
// correct answer to bad input; anything else (another exception, a crash, a sanitizer report) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <swatnn/error.hpp>
#include <swatnn/network/export_json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swatnn;
  try {
    const auto model = from_json<paper_spec, float>(std::string_view(reinterpret_cast<const char*>(data), size));
    const std::string again = to_json(model.network);
    const auto reloaded = from_json<paper_spec, float>(again, "<written back>");
    if (to_json(reloaded.network) != again) std::abort();  // written, it must read back to the same network
  } catch (const swatnn::error&) {
  }
  return 0;
}
