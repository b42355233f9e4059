// libFuzzer harness: the network JSON loader (network/export_json.hpp, from_json: nlohmann-json's parser, our SAX
// handler and schema walk) for the paper's network family. Any swatnn::error while loading is a correct answer to
// bad input. A model that loads is written back, with and without its metadata, and must load again to the same
// network and metadata: there any exception, or a difference, is a finding (as are crashes and sanitizer reports).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>

#include <swatnn/error.hpp>
#include <swatnn/network/export_json.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swatnn;
  std::optional<json_model<paper_spec, float>> model;
  try {
    model = from_json<paper_spec, float>(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const swatnn::error&) {
    return 0;
  }
  const std::string again = to_json(model->network);
  const auto reloaded = from_json<paper_spec, float>(again, "<written back>");
  if (to_json(reloaded.network) != again) std::abort();  // written, it must read back to the same network
  const std::string with_metadata = to_json(model->network, model->metadata);
  const auto reloaded_with_metadata = from_json<paper_spec, float>(with_metadata, "<written back with metadata>");
  if (!(reloaded_with_metadata.metadata == model->metadata) || to_json(reloaded_with_metadata.network) != again)
    std::abort();
  return 0;
}
