// Schedules (constant, warm-up + cosine, step decay, temperature anneal) and global gradient-norm clipping.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/optim/clipping.hpp>
#include <swatnn/optim/schedules.hpp>

using namespace swatnn;

static_assert(schedule<constant_schedule> && schedule<warmup_cosine_schedule> && schedule<step_decay_schedule> &&
              schedule<temperature_anneal>);

TEST_CASE("schedules: values at known iterations") {
  CHECK(constant_schedule{}(12345) == 1.0);
  CHECK(constant_schedule{.value = 0.3}(0) == 0.3);

  const warmup_cosine_schedule wc{.warmup_iterations = 10, .total_iterations = 110, .final_factor = 0.1};
  CHECK(wc(0) == doctest::Approx(0.1));
  CHECK(wc(4) == doctest::Approx(0.5));
  CHECK(wc(9) == doctest::Approx(1.0));
  CHECK(wc(10) == doctest::Approx(1.0));
  CHECK(wc(60) == doctest::Approx(0.1 + 0.9 * 0.5));  // half-way through the cosine
  CHECK(wc(110) == doctest::Approx(0.1));
  CHECK(wc(5000) == doctest::Approx(0.1));
  for (std::uint64_t it = 10; it < 110; ++it) CHECK(wc(it + 1) <= wc(it));  // decreasing after warm-up
  CHECK_THROWS_AS(((void)warmup_cosine_schedule{.warmup_iterations = 5, .total_iterations = 5}(0)), value_error);

  const step_decay_schedule sd{.every = 100, .gamma = 0.5};
  CHECK(sd(0) == 1.0);
  CHECK(sd(99) == 1.0);
  CHECK(sd(100) == 0.5);
  CHECK(sd(250) == 0.25);
  CHECK_THROWS_AS((void)step_decay_schedule{.every = 0}(3), value_error);
}

TEST_CASE("temperature anneal: T = max(T_min, 1 - it / anneal), as in the latent search") {
  const temperature_anneal anneal{};  // anneal 3000, T_min 0.01
  CHECK(anneal(0) == 1.0);
  CHECK(anneal(1500) == doctest::Approx(0.5));
  CHECK(anneal(2970) == doctest::Approx(0.01));
  CHECK(anneal(2999) == 0.01);  // 1 - 2999/3000 < 0.01
  CHECK(anneal(3000) == 0.01);
  CHECK(anneal(8000) == 0.01);
  const temperature_anneal fast{.anneal_iterations = 10, .minimum = 0.2};
  CHECK(fast(5) == doctest::Approx(0.5));
  CHECK(fast(9) == 0.2);
  CHECK_THROWS_AS((void)temperature_anneal{.anneal_iterations = 0}(1), value_error);
}

TEST_CASE("clipping: global norm over groups, scaled only above max_norm") {
  std::vector<double> a{0, 0}, ga{3.0, 0.0}, b{0}, gb{4.0};
  std::vector<parameter_group<double>> groups{{.values = a, .gradients = ga}, {.values = b, .gradients = gb}};
  CHECK(gradient_norm(groups) == doctest::Approx(5.0));
  CHECK(clip_gradient_norm(groups, 10.0) == doctest::Approx(5.0));
  CHECK(ga[0] == 3.0);  // below the limit: untouched
  CHECK(clip_gradient_norm(groups, 1.0) == doctest::Approx(5.0));
  CHECK(ga[0] == doctest::Approx(0.6));
  CHECK(gb[0] == doctest::Approx(0.8));
  CHECK(gradient_norm(groups) == doctest::Approx(1.0));
  CHECK_THROWS_AS(clip_gradient_norm(groups, 0.0), value_error);
  CHECK_THROWS_AS(clip_gradient_norm(groups, std::numeric_limits<double>::infinity()), value_error);

  std::vector<float> c{0}, gc{std::numeric_limits<float>::quiet_NaN()};
  std::vector<parameter_group<float>> nan_groups{{.values = c, .gradients = gc}};
  CHECK(std::isnan(clip_gradient_norm(nan_groups, 1.0)));  // reported, not hidden
  CHECK(std::isnan(gc[0]));
}
