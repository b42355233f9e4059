// Callback hook detection and dispatch, the concrete callbacks, and the minimize / train_loop driver.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include <unistd.h>

#include <swatnn/error.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/csv_log.hpp>
#include <swatnn/optim/early_stop.hpp>
#include <swatnn/optim/keep_best.hpp>
#include <swatnn/optim/minimize.hpp>
#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/optim/sgd.hpp>
#include <swatnn/optim/stop_on_non_finite.hpp>

using namespace swatnn;
using info_t = step_info<double>;

namespace {
struct only_begin { void begin(const info_t&) {} };
struct only_step_bool { bool step(const info_t&) { return false; } };
struct generic_end { template <class Info> callback_result end(const Info&) { return callback_result::proceed; } };
struct no_hooks { void on_step(const info_t&) {} };
struct bad_return { int step(const info_t&) { return 1; } };
struct const_only_hook_called_on_const { void step(const info_t&) const {} };

static_assert(callback<only_begin, info_t> && callback<only_step_bool, info_t> && callback<generic_end, info_t>);
static_assert(!callback<no_hooks, info_t>, "an object without begin/step/end is not a callback");
static_assert(!callback<bad_return, info_t>, "a hook returning int is rejected");
static_assert(callback<const_only_hook_called_on_const, info_t>);
static_assert(callback<progress_bar, info_t> && callback<csv_log, info_t> && callback<keep_best<double>, info_t> &&
              callback<early_stop, info_t> && callback<stop_on_non_finite, info_t>);

// Records the hooks it sees; asks to stop at a given iteration.
struct recorder {
  std::vector<std::string>* log;
  std::string name;
  std::uint64_t stop_at = std::numeric_limits<std::uint64_t>::max();
  void begin(const info_t&) { log->push_back(name + ":begin"); }
  bool step(const info_t& i) {
    log->push_back(name + ":step" + std::to_string(i.iteration));
    return i.iteration == stop_at;
  }
  void end(const info_t&) { log->push_back(name + ":end"); }
};

// 1-D quadratic (x - 3)^2 with gradient 2 (x - 3).
struct quadratic {
  std::vector<double> x{0.0}, g{0.0};
  std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
  double operator()(parameter_groups<double> gs) const {
    const double d = gs[0].values[0] - 3.0;
    gs[0].gradients[0] = 2 * d;
    return d * d;
  }
};

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("swatnn_test_" + std::to_string(::getpid()) + "_" + name);
}
std::vector<std::string> read_lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}
}  // namespace

TEST_CASE("callbacks: dispatch calls every present hook in order and or-s the stop requests") {
  std::vector<std::string> log;
  recorder a{&log, "a", 1}, b{&log, "b"};
  only_begin c;
  auto cbs = std::tie(a, c, b);
  info_t info;
  CHECK_FALSE(callbacks::begin(cbs, info));
  info.iteration = 0;
  CHECK_FALSE(callbacks::step(cbs, info));
  info.iteration = 1;
  CHECK(callbacks::step(cbs, info));  // a asks to stop; b is still called
  callbacks::end(cbs, info);
  CHECK(log == std::vector<std::string>{"a:begin", "b:begin", "a:step0", "b:step0", "a:step1", "b:step1", "a:end",
                                        "b:end"});
  std::tuple<> none;
  CHECK_FALSE(callbacks::step(none, info));
}

TEST_CASE("minimize: converges, calls hooks around each iteration, resumes with train_loop") {
  std::vector<std::string> log;
  recorder r{&log, "r"};
  quadratic q;
  const minimize_result res = minimize(q, q.groups, sgd{.lr = 0.1}, minimize_options{.max_iterations = 3}, r);
  CHECK(res.iterations == 3);
  CHECK_FALSE(res.stopped_by_callback);
  CHECK(log == std::vector<std::string>{"r:begin", "r:step0", "r:step1", "r:step2", "r:end"});
  CHECK(q.x[0] == doctest::Approx(3.0 * (1 - std::pow(0.8, 3))));  // x_{k+1} = x_k - 0.2 (x_k - 3)

  // 10 + 10 iterations through a kept state equal 20 straight ones (also with a schedule).
  const minimize_options<step_decay_schedule> opts{.max_iterations = 20, .schedule = {.every = 5, .gamma = 0.5}};
  quadratic straight, split;
  minimize(straight, straight.groups, adam{.lr = 0.1}, opts);
  auto state = adam{.lr = 0.1}.make_state<double>(split.groups);
  train_loop(split, split.groups, adam{.lr = 0.1}, state,
             minimize_options<step_decay_schedule>{.max_iterations = 10, .schedule = opts.schedule});
  CHECK(state.step_count() == 10);
  const minimize_result rest = train_loop(split, split.groups, adam{.lr = 0.1}, state, opts);
  CHECK(rest.iterations == 20);
  CHECK(split.x[0] == straight.x[0]);
}

TEST_CASE("minimize: gradient clipping and the info passed to hooks") {
  struct probe {
    std::vector<double> norms, multipliers;
    void step(const info_t& i) {
      norms.push_back(i.gradient_norm.value_or(-1));
      multipliers.push_back(i.learning_rate_multiplier);
    }
  } p;
  quadratic q;  // gradient at x = 0 is -6
  minimize(q, q.groups, sgd{.lr = 0.1},
           minimize_options<constant_schedule>{.max_iterations = 1, .schedule = {.value = 0.5}, .max_gradient_norm = 1.0},
           p);
  CHECK(p.norms == std::vector<double>{6.0});
  CHECK(p.multipliers == std::vector<double>{0.5});
  CHECK(q.x[0] == doctest::Approx(0.1 * 0.5 * 1.0));  // clipped gradient -1, lr 0.1 x 0.5
  CHECK_THROWS_AS(minimize(q, q.groups, sgd{}, minimize_options{.max_gradient_norm = -1.0}), value_error);
}

TEST_CASE("keep_best: keeps the iterate that produced the best metric, optionally from an iteration on") {
  // The objective reports a scripted validation metric; the iterate is x itself.
  const double metric[] = {5, 3, 4, 1, 2, 0.5, 6};
  auto objective = [&metric](parameter_groups<double> g) {
    const auto k = static_cast<std::size_t>(g[0].values[0]);  // x counts the iterations
    g[0].gradients[0] = -1.0;                                  // sgd lr 1: x += 1 per step
    return evaluation{.loss = 10.0 - static_cast<double>(k), .validation = metric[k]};
  };
  std::vector<double> x{0.0}, g{0.0};
  std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
  keep_best<double> best;                                   // by validation
  keep_best<double> late{{.metric = metric_source::validation, .from_iteration = 4}};
  keep_best<double> by_loss{{.metric = metric_source::loss}};
  minimize(objective, groups, sgd{.lr = 1.0}, minimize_options{.max_iterations = 7}, best, late, by_loss);
  REQUIRE(best.found());
  CHECK(best.best_value() == 0.5);
  CHECK(best.best_iteration() == 5);
  CHECK(best.parameters()[0] == 5.0);  // the parameters that produced metric[5], not those after the update
  CHECK(late.best_iteration() == 5);
  CHECK(by_loss.best_iteration() == 6);
  CHECK(by_loss.parameters()[0] == 6.0);

  keep_best<double> only_late{{.metric = metric_source::validation, .from_iteration = 6}};
  x[0] = 0;
  minimize(objective, groups, sgd{.lr = 1.0}, minimize_options{.max_iterations = 7}, only_late);
  CHECK(only_late.best_iteration() == 6);  // metric 6 is worse than earlier ones but they are before iteration 6
  best.restore(groups);
  CHECK(x[0] == 5.0);

  keep_best<double> never;
  quadratic q;  // reports no validation metric
  minimize(q, q.groups, sgd{}, minimize_options{.max_iterations = 3}, never);
  CHECK_FALSE(never.found());
  CHECK_THROWS_WITH_AS(never.restore(q.groups), doctest::Contains("no iteration had a finite validation metric"),
                       value_error);
}

TEST_CASE("early_stop: stops after `patience` evaluations without an improvement larger than min_delta") {
  const double metric[] = {5, 4, 4.05, 3.999, 4.5, 1, 1, 1, 1, 1};
  auto run = [&metric](early_stop& stop) {
    std::vector<double> x{0.0}, g{-1.0};
    std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
    auto objective = [&metric](parameter_groups<double> gs) {
      const auto k = static_cast<std::size_t>(gs[0].values[0]);
      std::optional<double> v;
      if (k % 2 == 0) v = metric[k / 2];  // validation every other iteration
      return evaluation{.loss = 1.0, .validation = v};
    };
    return minimize(objective, groups, sgd{.lr = 1.0}, minimize_options{.max_iterations = 20}, stop);
  };
  early_stop strict{{.patience = 2, .min_delta = 0.01}};
  const minimize_result r = run(strict);
  // Evaluations 5, 4 (better), 4.05, 3.999 (not better by > 0.01): 2 without improvement -> stop at the
  // 4th evaluation, iteration 6 (evaluations are on even iterations).
  CHECK(r.stopped_by_callback);
  CHECK(strict.stopped_at() == std::optional<std::uint64_t>(6));
  CHECK(r.iterations == 6);
  CHECK(strict.best_value() == 4.0);

  early_stop lenient{{.patience = 3}};
  run(lenient);
  CHECK(lenient.stopped_at() == std::optional<std::uint64_t>(16));  // best 1 at eval 5; evals 6,7,8 do not improve
}

TEST_CASE("stop_on_non_finite: raises training_error naming the iteration and value, or stops") {
  auto objective = [](parameter_groups<double> g) {
    g[0].gradients[0] = 1.0;
    const double x = g[0].values[0];
    return x < -0.25 ? std::numeric_limits<double>::quiet_NaN() : x;  // sgd lr 0.1: NaN at iteration 3
  };
  std::vector<double> x{0.0}, g{0.0};
  std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
  stop_on_non_finite guard;
  CHECK_THROWS_WITH_AS(minimize(objective, groups, sgd{.lr = 0.1}, minimize_options{.max_iterations = 10}, guard),
                       doctest::Contains("iteration 3: the loss is nan"), training_error);
  CHECK(x[0] == doctest::Approx(-0.3));  // the update of iteration 3 was never applied

  x[0] = 0.0;
  stop_on_non_finite soft{{.action = non_finite_action::stop}};
  const minimize_result r =
      minimize(objective, groups, sgd{.lr = 0.1}, minimize_options{.max_iterations = 10}, soft);
  CHECK(r.stopped_by_callback);
  CHECK(r.iterations == 3);
  CHECK(soft.triggered());
  CHECK(soft.message().find("iteration 3") != std::string::npos);

  // A non-finite gradient norm (with clipping on) is caught before it reaches the parameters.
  auto bad_gradient = [](parameter_groups<double> gs) {
    gs[0].gradients[0] = std::numeric_limits<double>::infinity();
    return 1.0;
  };
  x[0] = 2.0;
  CHECK_THROWS_WITH_AS(minimize(bad_gradient, groups, adam{},
                                minimize_options{.max_iterations = 5, .max_gradient_norm = 1.0}, guard),
                       doctest::Contains("iteration 0: the gradient norm is inf"), training_error);
  CHECK(x[0] == 2.0);
}

TEST_CASE("csv_log: header, one row per logged iteration, empty validation cells, io_error naming the path") {
  const auto path = temp_file("loss.csv");
  std::vector<double> x{0.0}, g{-1.0};
  std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
  auto objective = [](parameter_groups<double> gs) {
    const double k = gs[0].values[0];
    std::optional<double> v;
    if (k == 4.0) v = 0.25;
    return evaluation{.loss = 10.0 - k, .validation = v};
  };
  csv_log log{{.path = path, .every = 3}};
  minimize(objective, groups, sgd{.lr = 1.0}, minimize_options{.max_iterations = 7}, log);
  const auto lines = read_lines(path);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0] == "step,loss,validation,elapsed_seconds");
  CHECK(lines[1].rfind("0,10,,", 0) == 0);
  CHECK(lines[2].rfind("3,7,,", 0) == 0);
  CHECK(lines[3].rfind("4,6,0.25,", 0) == 0);  // logged because it has a validation metric
  CHECK(lines[4].rfind("6,4,,", 0) == 0);
  std::filesystem::remove(path);

  csv_log bad{{.path = "/nonexistent-dir-swatnn/loss.csv"}};
  CHECK_THROWS_WITH_AS(minimize(objective, groups, sgd{}, minimize_options{.max_iterations = 1}, bad),
                       doctest::Contains("/nonexistent-dir-swatnn/loss.csv"), io_error);
}

TEST_CASE("progress_bar: draws bar, rate and ETA when forced on; silent when off or not a terminal") {
  std::ostringstream out;
  progress_bar bar{{.mode = progress_mode::always, .stream = &out, .redraw_seconds = 0.0}};
  quadratic q;
  minimize(q, q.groups, sgd{.lr = 0.1}, minimize_options{.max_iterations = 50}, bar);
  const std::string text = out.str();
  CHECK(bar.enabled());
  CHECK(text.find("100% 50/50") != std::string::npos);
  CHECK(text.find("it/s") != std::string::npos);
  CHECK(text.find("ETA 0:00:00") != std::string::npos);
  CHECK(text.find("loss ") != std::string::npos);
  CHECK(text.back() == '\n');

  std::ostringstream quiet;
  progress_bar off{{.mode = progress_mode::never, .stream = &quiet}};
  minimize(q, q.groups, sgd{}, minimize_options{.max_iterations = 5}, off);
  CHECK(quiet.str().empty());

  // Automatic: on only for stderr attached to a terminal.
  progress_bar automatic_custom{{.stream = &quiet}};
  minimize(q, q.groups, sgd{}, minimize_options{.max_iterations = 5}, automatic_custom);
  CHECK_FALSE(automatic_custom.enabled());
  CHECK(quiet.str().empty());
  progress_bar automatic{{.mode = progress_mode::never}};
  automatic = progress_bar{};
  automatic.begin(info_t{});
  CHECK(automatic.enabled() == (::isatty(STDERR_FILENO) == 1));
}
