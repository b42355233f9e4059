// tests/regularizers/contract.cpp: the regularizer concept accepts ours and rejects types missing a piece of
// the contract; bad options and mismatched depths throw swatnn errors naming the field; describe() for logs.
#include <doctest/doctest.h>

#include <limits>
#include <string>

#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/regularizers/sum.hpp>

namespace {

using S = swatnn::paper_spec;
using layout = swatnn::token_layout<S>;
using matrix = swatnn::cpu::row_matrix<double>;

struct no_apply {
  static std::string describe() { return "no_apply"; }
  template <swatnn::network_spec_type Sp, class T>
  T value(const swatnn::regularizer_input<Sp, T>&) const { return T(0); }
};
struct no_value {
  static std::string describe() { return "no_value"; }
  template <swatnn::network_spec_type Sp, class T>
  T apply(const swatnn::regularizer_input<Sp, T>&, const swatnn::regularizer_gradient<Sp, T>&) const { return T(0); }
};
struct no_describe {
  template <swatnn::network_spec_type Sp, class T>
  T value(const swatnn::regularizer_input<Sp, T>&) const { return T(0); }
  template <swatnn::network_spec_type Sp, class T>
  T apply(const swatnn::regularizer_input<Sp, T>&, const swatnn::regularizer_gradient<Sp, T>&) const { return T(0); }
};
struct non_const_apply {  // apply must be callable on a const regularizer
  static std::string describe() { return "non_const_apply"; }
  template <swatnn::network_spec_type Sp, class T>
  T value(const swatnn::regularizer_input<Sp, T>&) const { return T(0); }
  template <swatnn::network_spec_type Sp, class T>
  T apply(const swatnn::regularizer_input<Sp, T>&, const swatnn::regularizer_gradient<Sp, T>&) { return T(0); }
};
struct wrong_value_type {  // value returns something that is not a number
  static std::string describe() { return "wrong_value_type"; }
  template <swatnn::network_spec_type Sp, class T>
  std::string value(const swatnn::regularizer_input<Sp, T>&) const { return ""; }
  template <swatnn::network_spec_type Sp, class T>
  T apply(const swatnn::regularizer_input<Sp, T>&, const swatnn::regularizer_gradient<Sp, T>&) const { return T(0); }
};

static_assert(!swatnn::regularizer<no_apply, S, double>);
static_assert(!swatnn::regularizer<no_value, S, double>);
static_assert(!swatnn::regularizer<no_describe, S, double>);
static_assert(!swatnn::regularizer<non_const_apply, S, double>);
static_assert(!swatnn::regularizer<wrong_value_type, S, double>);
static_assert(!swatnn::regularizer<int, S, double>);
static_assert(!swatnn::regularizer<swatnn::l1, int, double>);  // S is not a network spec

static_assert(swatnn::check_regularizer<swatnn::smooth_l0, S, float>());
static_assert(swatnn::check_regularizer<swatnn::l1, S, double>());
static_assert(swatnn::check_regularizer<swatnn::hard_concrete_l0, S, double>());
static_assert(swatnn::check_regularizer<swatnn::neuron_count, S, float>());
static_assert(swatnn::check_regularizer<swatnn::mask_separation, S, double>());
static_assert(swatnn::check_regularizer<decltype(swatnn::paper_regularizers()), S, float>());
static_assert(swatnn::regularizer<swatnn::regularizer_sum<>, S, double>);
static_assert(std::is_same_v<decltype(swatnn::regularizers{swatnn::l1{}, swatnn::neuron_count{}}),
                             swatnn::regularizer_sum<swatnn::l1, swatnn::neuron_count>>);

swatnn::regularizer_input<S, double> input(const matrix& dec, int dd, const matrix& gat, int dg) {
  return {{dec.data(), dd, dec.cols()}, {gat.data(), dg, gat.cols()}, 0.1};
}

template <class R>
std::string value_error_message(const R& r) {
  const matrix m = matrix::Zero(layout::tokens, layout::width(1));
  try {
    (void)r.value(input(m, 1, m, 1));
  } catch (const swatnn::value_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("bad options throw value_error naming the option") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(value_error_message(swatnn::smooth_l0{.sharpness = 0}).find(".sharpness") != std::string::npos);
  CHECK(value_error_message(swatnn::smooth_l0{.weight = nan}).find(".weight") != std::string::npos);
  CHECK(value_error_message(swatnn::l1{.weight = std::numeric_limits<double>::infinity()}).find("l1: option .weight") !=
        std::string::npos);
  CHECK(value_error_message(swatnn::hard_concrete_l0{.gamma = 0.1}).find(".gamma") != std::string::npos);
  CHECK(value_error_message(swatnn::hard_concrete_l0{.zeta = 0.9}).find(".zeta") != std::string::npos);
  CHECK(value_error_message(swatnn::hard_concrete_l0{.beta = -1}).find(".beta") != std::string::npos);
  CHECK(value_error_message(swatnn::hard_concrete_l0{.scale = 0}).find(".scale") != std::string::npos);
  CHECK(value_error_message(swatnn::mask_separation{.epsilon = 0}).find(".epsilon") != std::string::npos);
  CHECK(value_error_message(swatnn::neuron_count{.weight = nan}).find("neuron_count") != std::string::npos);
  CHECK(value_error_message(swatnn::regularizers{swatnn::l1{}, swatnn::mask_separation{.epsilon = -1}})
            .find("mask_separation") != std::string::npos);
  CHECK(value_error_message(swatnn::paper_regularizers()).empty());
  using one_wide = swatnn::network_spec<1, 1, 2, 1>;
  const swatnn::cpu::row_matrix<double> m =
      swatnn::cpu::row_matrix<double>::Zero(1, swatnn::token_layout<one_wide>::width(1));
  const swatnn::regularizer_input<one_wide, double> in{{m.data(), 1, m.cols()}, {m.data(), 1, m.cols()}, 0.0};
  CHECK_THROWS_AS((void)swatnn::mask_separation{.sample = true}.value(in), swatnn::value_error);
  CHECK_NOTHROW((void)swatnn::mask_separation{}.value(in));
}

TEST_CASE("views of different depths throw shape_error") {
  const matrix m = matrix::Zero(layout::tokens, layout::width(S::max_depth));
  const auto bad = input(m, 2, m, 3);
  const auto p = swatnn::regularizers{swatnn::paper_regularizers(), swatnn::hard_concrete_l0{}};
  CHECK_THROWS_AS((void)p.value(bad), swatnn::shape_error);
  matrix gd = m, gg = m;
  double gt = 0;
  const swatnn::regularizer_gradient<S, double> g3{{gd.data(), 3, gd.cols()}, {gg.data(), 3, gg.cols()}, gt};
  CHECK_THROWS_AS((void)p.apply(input(m, 2, m, 2), g3), swatnn::shape_error);
  CHECK_NOTHROW((void)p.apply(input(m, 3, m, 3), g3));
}

TEST_CASE("describe() names each regularizer and its options") {
  CHECK(swatnn::smooth_l0{}.describe() == "smooth_l0{weight=1, sharpness=20}");
  CHECK(swatnn::hard_concrete_l0{}.describe() ==
        "hard_concrete_l0{weight=1, beta=0.666667, gamma=-0.1, zeta=1.1, scale=10}");
  CHECK(swatnn::mask_separation{.sample = true}.describe() == "mask_separation{weight=1, epsilon=1e-12, sample std}");
  CHECK(swatnn::paper_regularizers().describe() ==
        "smooth_l0{weight=1e-06, sharpness=20} + l1{weight=1e-05} + mask_separation{weight=0.4, epsilon=1e-12} + "
        "neuron_count{weight=0.001}");
  CHECK(swatnn::regularizer_sum<>{}.describe() == "no regularizer");
}
