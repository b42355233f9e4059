// The code of docs/baselines.md, compiled here: the page shows the `// example: NAME` regions below, line for line
// (tests/docs/pages.cpp checks it). Both are compiled, not run: a run of either takes seconds to minutes, and the
// functions they call are run on small data in dense.cpp, staged.cpp and darts_admm.cpp. (Run inline in a test
// case here, GCC 12 -O3 reports false -Warray-bounds / -Wrestrict in the dense baseline's code.)
#include <doctest/doctest.h>

#include <swatnn/baselines/darts_admm.hpp>
#include <swatnn/baselines/staged.hpp>

// example: dense-includes
#include <swatnn/baselines/dense.hpp>
#include <swatnn/data/cornn.hpp>
// end example: dense-includes

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

[[maybe_unused]] int dense_baseline_example() {
  // example: dense-baseline
  auto d = swatnn::cornn::load("Rastrigin");
  auto r = swatnn::baselines::train_dense(d, {.width = 10, .max_iterations = 10000, .patience = 1000, .seed = 0});
  // r.net (sparse_network<dense_spec<10>>), r.parameters == 41, r.train_mse, r.validation_mse, r.test_mse, r.seconds
  // end example: dense-baseline
  return r.parameters;
}
}  // namespace

