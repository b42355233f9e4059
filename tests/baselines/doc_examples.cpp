// The code example of docs/baselines.md' staged-baselines section, compiled here so the documentation cannot rot: the
// `// example: staged-baselines` region below must equal, line for line, the block after
// `<!-- example: staged-baselines -->` in docs/baselines.md. It is compiled, not run (a run takes minutes; the
// functions it calls are run on tiny data in staged.cpp and darts_admm.cpp).
#include <doctest/doctest.h>

#include <string>

#include <swatnn/baselines/darts_admm.hpp>
#include <swatnn/baselines/staged.hpp>
#include <swatnn/data/cornn.hpp>

#include "support/doc_examples.hpp"

namespace {
[[maybe_unused]] int staged_baselines_example() {
  // example: staged-baselines
  auto d = swatnn::cornn::load("Booth");
  auto staged = swatnn::baselines::run_staged<swatnn::paper_spec>(d, {10, 20}, {.depths = {1, 2}, .widths = {4, 7}});
  auto darts = swatnn::baselines::run_darts_admm<swatnn::paper_spec>(d, {10, 20}, {.darts = {.iterations = 1000}});
  // staged.picks[0].budget == 10; .tuned.net (nonzero_parameters() <= 10), .tuned.validation_mse, .test_mse, .seconds
  const auto& small = darts.picks[0].tuned.net;
  // end example: staged-baselines
  return small.nonzero_parameters() + staged.picks[0].tuned.net.nonzero_parameters();
}
}  // namespace

TEST_CASE("docs/baselines.md shows exactly the staged-baselines example compiled in this file") {
  namespace t = swatnn::test;
  const auto doc = t::lines_of(t::source_dir() / "docs" / "baselines.md");
  const auto self = t::lines_of(t::source_dir() / "tests" / "baselines" / "doc_examples.cpp");
  const auto in_code = t::code_region(self, "// example: staged-baselines", "// end example: staged-baselines");
  const t::doc_code_block in_doc = t::doc_code_block_after(doc, "<!-- example: staged-baselines -->");
  REQUIRE(in_doc.has_marker());
  CHECK(in_doc.fence_right_after_marker());
  CHECK(in_doc.closed);
  REQUIRE_FALSE(in_code.empty());
  CHECK(in_doc.code == in_code);
}
