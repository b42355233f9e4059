// Adam, AdamW and SGD against hand-computed values; per-group rates; state layout, reset, restore; errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/optimizer.hpp>
#include <swatnn/optim/sgd.hpp>

using namespace swatnn;

namespace {
// One scalar parameter driven by a prescribed gradient sequence.
template <class T>
struct scalar_param {
  std::vector<T> value{T(1)}, gradient{T(0)};
  std::vector<parameter_group<T>> groups{{.values = value, .gradients = gradient}};
};

bool near(double a, double b, double rel) { return std::abs(a - b) <= rel * std::max(1.0, std::abs(b)); }
}  // namespace

static_assert(optimizer<adam, float> && optimizer<adam, double>);
static_assert(optimizer<sgd, float> && optimizer<sgd, double>);
static_assert(resumable_optimizer_state<adam_state<float>, float>);
static_assert(resumable_optimizer_state<sgd_state<double>, double>);
static_assert(!optimizer<int, float>);

TEST_CASE("adam: first steps match hand-computed values (bias correction)") {
  // p0 = 1, gradients 1, -2, 0.5, lr 0.1, beta1 0.9, beta2 0.999, eps 1e-8 (computed with 50-digit decimals):
  // t=1: m=0.1, v=0.001, m_hat=1, v_hat=1 -> p = 1 - 0.1 / (1 + 1e-8) = 0.900000001 (without bias correction
  // the step would be 0.1 * 0.1 / sqrt(0.001) = 0.316).
  const double expected[] = {0.90000000099999999000, 0.93661035347207508821, 0.95027941967382172559};
  const double gradients[] = {1.0, -2.0, 0.5};
  scalar_param<double> p;
  const adam opt{.lr = 0.1};
  auto state = opt.make_state<double>(p.groups);
  for (int t = 0; t < 3; ++t) {
    p.gradient[0] = gradients[t];
    opt.step(state, p.groups);
    CAPTURE(t);
    CHECK(near(p.value[0], expected[t], 1e-14));
  }
  CHECK(state.step_count() == 3);
  CHECK(near(state.first_moment()[0], -0.049, 1e-14));
  CHECK(near(state.second_moment()[0], 0.005244001, 1e-14));
  CHECK(state.moments().size() == 2);

  scalar_param<float> f;
  auto fstate = opt.make_state<float>(f.groups);
  for (int t = 0; t < 3; ++t) {
    f.gradient[0] = static_cast<float>(gradients[t]);
    opt.step(fstate, f.groups);
    CHECK(near(f.value[0], expected[t], 1e-6));
  }
}

TEST_CASE("adamw: decoupled weight decay multiplies by (1 - lr wd) before the Adam step") {
  scalar_param<double> p;
  const adam opt{.lr = 0.1, .weight_decay = 0.1};
  auto state = opt.make_state<double>(p.groups);
  // Zero gradient: the Adam step is 0 and only the decay acts: p = 0.99^n.
  for (int n = 1; n <= 5; ++n) {
    opt.step(state, p.groups);
    CHECK(near(p.value[0], std::pow(0.99, n), 1e-15));
  }
  // With gradient 1 from a fresh state: p = 1 * 0.99 - 0.1 / (1 + 1e-8).
  scalar_param<double> q;
  q.gradient[0] = 1.0;
  auto qs = opt.make_state<double>(q.groups);
  opt.step(qs, q.groups);
  CHECK(near(q.value[0], 0.99 - 0.1 / (1.0 + 1e-8), 1e-15));
  // A group can switch decay off (e.g. thresholds, biases) and use its own rate.
  std::vector<double> a{1.0}, ga{0.0}, b{1.0}, gb{0.0};
  std::vector<parameter_group<double>> groups{{.values = a, .gradients = ga, .weight_decay = 0.0},
                                              {.values = b, .gradients = gb, .learning_rate = 0.5}};
  auto gs = opt.make_state<double>(groups);
  opt.step(gs, groups);
  CHECK(a[0] == 1.0);
  CHECK(near(b[0], 1.0 - 0.5 * 0.1, 1e-15));
  // Plain Adam (weight_decay 0) does not decay.
  scalar_param<double> r;
  const adam plain{.lr = 0.1};
  auto rs = plain.make_state<double>(r.groups);
  plain.step(rs, r.groups);
  CHECK(r.value[0] == 1.0);
}

TEST_CASE("adam: per-group learning rates (latent lr 0.1, thresholds lr 0.001) and the lr multiplier") {
  std::vector<float> z(4, 1.0f), gz(4, 1.0f), t(2, 1.0f), gt(2, 1.0f);
  std::vector<parameter_group<float>> groups{{.values = z, .gradients = gz, .learning_rate = 0.1},
                                             {.values = t, .gradients = gt, .learning_rate = 0.001}};
  const adam opt{};  // default lr 1e-3 is overridden by both groups
  auto state = opt.make_state<float>(groups);
  opt.step(state, groups, 0.5);
  // First Adam step moves by lr * multiplier * g / (|g| + eps).
  CHECK(near(z[0], 1.0 - 0.05 / (1 + 1e-8), 1e-6));
  CHECK(near(t[1], 1.0 - 0.0005 / (1 + 1e-8), 1e-7));
  CHECK(state.parameter_count() == 6);
}

TEST_CASE("sgd: plain, momentum, nesterov and L2 weight decay match hand-computed values") {
  const double gradients[] = {1.0, -2.0, 0.5};
  const double momentum_expected[] = {0.9, 1.01, 1.059};   // b = 0.9 b + g; p -= 0.1 b
  const double nesterov_expected[] = {0.81, 1.109, 1.1031};  // b = 0.9 b + g; p -= 0.1 (g + 0.9 b)
  scalar_param<double> plain, heavy, nest;
  const sgd o_plain{.lr = 0.1}, o_heavy{.lr = 0.1, .momentum = 0.9}, o_nest{.lr = 0.1, .momentum = 0.9, .nesterov = true};
  auto s_plain = o_plain.make_state<double>(plain.groups);
  auto s_heavy = o_heavy.make_state<double>(heavy.groups);
  auto s_nest = o_nest.make_state<double>(nest.groups);
  double expected_plain = 1.0;
  for (int t = 0; t < 3; ++t) {
    plain.gradient[0] = heavy.gradient[0] = nest.gradient[0] = gradients[t];
    o_plain.step(s_plain, plain.groups);
    o_heavy.step(s_heavy, heavy.groups);
    o_nest.step(s_nest, nest.groups);
    expected_plain -= 0.1 * gradients[t];
    CAPTURE(t);
    CHECK(near(plain.value[0], expected_plain, 1e-15));
    CHECK(near(heavy.value[0], momentum_expected[t], 1e-15));
    CHECK(near(nest.value[0], nesterov_expected[t], 1e-15));
  }
  scalar_param<double> decayed;  // gradient 0, wd 0.5: p -= lr * wd * p
  const sgd o_decay{.lr = 0.1, .weight_decay = 0.5};
  auto s_decay = o_decay.make_state<double>(decayed.groups);
  o_decay.step(s_decay, decayed.groups);
  CHECK(near(decayed.value[0], 0.95, 1e-15));
}

TEST_CASE("optimizer state: reset zeroes moments, restore resumes bit for bit, shapes are checked") {
  std::vector<double> x{1.0, -2.0, 3.0}, g(3);
  std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
  const adam opt{.lr = 0.05};
  auto grad = [&] { for (int i = 0; i < 3; ++i) g[i] = 2 * x[i] + 0.1 * i; };
  auto state = opt.make_state<double>(groups);
  for (int k = 0; k < 5; ++k) { grad(); opt.step(state, groups); }
  const std::vector<double> saved_moments(state.moments().begin(), state.moments().end());
  const std::vector<double> saved_x = x;
  for (int k = 0; k < 5; ++k) { grad(); opt.step(state, groups); }
  const std::vector<double> straight = x;

  std::copy(saved_x.begin(), saved_x.end(), x.begin());  // in place: the group views x
  auto resumed = opt.make_state<double>(groups);
  resumed.restore(5, saved_moments);
  CHECK(resumed.step_count() == 5);
  for (int k = 0; k < 5; ++k) { grad(); opt.step(resumed, groups); }
  CHECK(x == straight);

  state.reset();
  CHECK(state.step_count() == 0);
  for (double m : state.moments()) CHECK(m == 0.0);

  CHECK_THROWS_AS(resumed.restore(1, std::vector<double>(5)), shape_error);
  std::vector<double> y{1.0}, gy{1.0};
  std::vector<parameter_group<double>> other{{.values = y, .gradients = gy}};
  CHECK_THROWS_WITH_AS(opt.step(state, other), doctest::Contains("created for 3"), shape_error);
  std::vector<parameter_group<double>> two{{.values = x, .gradients = g}, {.values = y, .gradients = gy}};
  CHECK_THROWS_WITH_AS(opt.step(state, two), doctest::Contains("got 2 parameter groups"), shape_error);
  std::vector<double> short_g(2);
  std::vector<parameter_group<double>> ragged{{.values = x, .gradients = short_g}};
  CHECK_THROWS_WITH_AS((void)opt.make_state<double>(ragged), doctest::Contains("3 values but 2 gradients"), shape_error);
}

TEST_CASE("optimizers reject invalid hyperparameters with the field name") {
  std::vector<double> x{1.0}, g{1.0};
  std::vector<parameter_group<double>> groups{{.values = x, .gradients = g}};
  CHECK_THROWS_WITH_AS((void)adam{.lr = -1}.make_state<double>(groups), doctest::Contains("lr"), value_error);
  CHECK_THROWS_WITH_AS((void)adam{.beta1 = 1.0}.make_state<double>(groups), doctest::Contains("beta1"), value_error);
  CHECK_THROWS_WITH_AS((void)adam{.beta2 = -0.1}.make_state<double>(groups), doctest::Contains("beta2"), value_error);
  CHECK_THROWS_WITH_AS((void)adam{.epsilon = 0}.make_state<double>(groups), doctest::Contains("epsilon"), value_error);
  CHECK_THROWS_WITH_AS((void)sgd{.nesterov = true}.make_state<double>(groups), doctest::Contains("nesterov"),
                       value_error);
  CHECK_THROWS_WITH_AS((void)sgd{.momentum = 1.0}.make_state<double>(groups), doctest::Contains("momentum"),
                       value_error);
  auto state = adam{}.make_state<double>(groups);
  CHECK_THROWS_WITH_AS(adam{}.step(state, groups, std::nan("")), doctest::Contains("lr_multiplier"), value_error);
  std::vector<parameter_group<double>> bad{{.values = x, .gradients = g, .learning_rate = -0.1}};
  CHECK_THROWS_WITH_AS(adam{}.step(state, bad), doctest::Contains("parameter group 0 has learning_rate"), value_error);
  CHECK(x[0] == 1.0);  // nothing was applied
}
