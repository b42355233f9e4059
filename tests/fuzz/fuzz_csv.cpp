// libFuzzer harness: the CSV reader (data/csv.hpp) and the checks every loaded table passes (select_target,
// make_dataset). Any swatnn::error is a correct answer to bad input; anything else (another exception, a
// crash, a sanitizer report, a leak, a hang) is a finding. Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include <swatnn/data/csv.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace swatnn::data;
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const table t = read_csv(in, "<fuzz input>");
    const labelled l = select_target(t);
    (void)make_dataset(l, {.test_fraction = 0.2});
  } catch (const swatnn::error&) {
  }
  return 0;
}
