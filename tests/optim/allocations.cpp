// The hot path allocates nothing after state creation: optimizer steps, clipping, schedules and the
// minimize loop with every callback of the library. This is the one translation unit of test_optim
// that defines the allocation counter.
#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include <unistd.h>

#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/clipping.hpp>
#include <swatnn/optim/csv_log.hpp>
#include <swatnn/optim/early_stop.hpp>
#include <swatnn/optim/keep_best.hpp>
#include <swatnn/optim/minimize.hpp>
#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/optim/schedules.hpp>
#include <swatnn/optim/sgd.hpp>
#include <swatnn/optim/stop_on_non_finite.hpp>

#include "support/alloc_counter.hpp"

SWATNN_TEST_DEFINE_ALLOCATION_COUNTER

using namespace swatnn;

namespace {
// A stream that discards what it gets without allocating.
struct null_buffer : std::streambuf {
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

struct problem {
  std::vector<float> z = std::vector<float>(7 * 64, 0.5f), gz = std::vector<float>(7 * 64);
  std::vector<float> t = std::vector<float>(4, 0.1f), gt = std::vector<float>(4);
  std::vector<parameter_group<float>> groups{{.values = z, .gradients = gz, .learning_rate = 0.1},
                                             {.values = t, .gradients = gt, .learning_rate = 0.001}};
  double operator()(parameter_groups<float> gs) const {
    double f = 0;
    for (const auto& g : gs) {
      for (std::size_t i = 0; i < g.values.size(); ++i) {
        f += double(g.values[i]) * g.values[i];
        g.gradients[i] = 2 * g.values[i];
      }
    }
    return f;
  }
};
}  // namespace

TEST_CASE("optimizer steps, clipping and schedules allocate nothing after make_state") {
  if (!test::allocation_counting_enabled) return;
  problem p;
  const adam adam_opt{.lr = 0.01, .weight_decay = 0.01};
  const sgd sgd_opt{.lr = 0.01, .momentum = 0.9, .nesterov = true};
  auto a = adam_opt.make_state<float>(p.groups);
  auto s = sgd_opt.make_state<float>(p.groups);
  const warmup_cosine_schedule schedule{.warmup_iterations = 10, .total_iterations = 100};
  double sink = 0;
  const std::size_t before = test::allocation_count();
  for (std::uint64_t k = 0; k < 100; ++k) {
    p(p.groups);
    sink += clip_gradient_norm(p.groups, 1.0);
    adam_opt.step(a, p.groups, schedule(k));
    sgd_opt.step(s, p.groups, step_decay_schedule{.every = 10}(k) * temperature_anneal{}(k));
  }
  a.reset();
  s.reset();
  CHECK(test::allocation_count() - before == 0);
  CHECK(sink > 0);
}

TEST_CASE("minimize with every callback: allocations do not grow with the number of iterations") {
  if (!test::allocation_counting_enabled) return;
  const auto csv = std::filesystem::temp_directory_path() / ("swatnn_alloc_" + std::to_string(::getpid()) + ".csv");
  const std::string csv_path = csv.string();
  null_buffer discard;
  std::ostream null_stream(&discard);
  auto allocations_for = [&](std::uint64_t iterations) {
    problem p;
    progress_bar bar{{.mode = progress_mode::always, .stream = &null_stream, .redraw_seconds = 0.0}};
    csv_log log{{.path = csv_path}};
    keep_best<float> best{{.metric = metric_source::loss}};
    early_stop stop{{.metric = metric_source::loss, .patience = 1000000}};
    stop_on_non_finite guard;
    const minimize_options<warmup_cosine_schedule> options{
        .max_iterations = iterations, .schedule = {.warmup_iterations = 5, .total_iterations = 1000},
        .max_gradient_norm = 10.0};
    const std::size_t before = test::allocation_count();
    const minimize_result r = minimize(p, p.groups, adam{}, options, bar, log, best, stop, guard);
    const std::size_t used = test::allocation_count() - before;
    CHECK(r.iterations == iterations);
    return used;
  };
  const std::size_t few = allocations_for(5);
  const std::size_t many = allocations_for(500);
  INFO("allocations: ", few, " for 5 iterations, ", many, " for 500");
  CHECK(few == many);
  CHECK(few > 0);  // state + keep_best copy + csv file: the counter does see them
  std::filesystem::remove(csv);
}
