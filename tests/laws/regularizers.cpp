// tests/laws/regularizers.cpp: the regularizer laws run on every regularizer of swatnn, on sums, on the
// user-written regularizer shown in docs/regularizers.md (the page shows the `// example: NAME` regions below,
// line for line; tests/docs/pages.cpp checks it), and
// on deliberately broken regularizers, which must fail the law they break.
#include "laws/regularizer_laws.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <swatnn/network/spec.hpp>
#include <swatnn/regularizers/regularizer.hpp>
#include <swatnn/regularizers/sum.hpp>

// example: user-regularizer
// weight * sum of the squared decoded biases (hidden layers and output layer): keeps the biases small.
struct bias_l2 {
  double weight = 1e-4;

  static std::string describe() { return "bias_l2"; }

  template <swatnn::network_spec_type S, class T>
  T value(const swatnn::regularizer_input<S, T>& in) const {
    T sum = in.decoded.output_bias().squaredNorm();
    for (int l = 0; l < in.decoded.depth(); ++l) sum += in.decoded.bias(l).squaredNorm();
    return static_cast<T>(weight) * sum;
  }

  template <swatnn::network_spec_type S, class T>
  T apply(const swatnn::regularizer_input<S, T>& in, const swatnn::regularizer_gradient<S, T>& g) const {
    const T two_w = 2 * static_cast<T>(weight);
    g.decoded.output_bias() += two_w * in.decoded.output_bias();  // add, never overwrite
    for (int l = 0; l < in.decoded.depth(); ++l) g.decoded.bias(l) += two_w * in.decoded.bias(l);
    return value(in);
  }
};
static_assert(swatnn::regularizer<bias_l2, swatnn::paper_spec, float>);
// end example: user-regularizer

namespace {

using swatnn::paper_spec;
using other_spec = swatnn::network_spec<3, 2, 3, 5>;  // two outputs, fan-in 3, width 5

template <class R>
void laws_for_both_specs(const R& r, const std::string& name) {
  swatnn::test::check_regularizer_laws<paper_spec>(r, {.name = name});
  swatnn::test::check_regularizer_laws<other_spec>(r, {.name = name + " (spec 3-2-3-5)", .seed = 5});
}

// Broken on purpose: each breaks one law.
struct overwriting_l1 {  // writes = instead of +=
  static std::string describe() { return "overwriting_l1"; }
  template <swatnn::network_spec_type S, class T>
  T value(const swatnn::regularizer_input<S, T>& in) const { return swatnn::l1{}.value(in); }
  template <swatnn::network_spec_type S, class T>
  T apply(const swatnn::regularizer_input<S, T>& in, const swatnn::regularizer_gradient<S, T>& g) const {
    for (int l = 0; l < in.gated.depth(); ++l) g.gated.weights(l) = in.gated.weights(l).cwiseSign();
    g.gated.output_weights() = in.gated.output_weights().cwiseSign();
    return value(in);
  }
};
struct padding_writer {  // also writes the padding row below layer 0's fan-in
  static std::string describe() { return "padding_writer"; }
  template <swatnn::network_spec_type S, class T>
  T value(const swatnn::regularizer_input<S, T>& in) const { return swatnn::l1{}.value(in); }
  template <swatnn::network_spec_type S, class T>
  T apply(const swatnn::regularizer_input<S, T>& in, const swatnn::regularizer_gradient<S, T>& g) const {
    g.gated.data()[S::inputs * g.gated.row_stride()] += T(1);  // row `inputs`, column 0: padding
    return swatnn::l1{}.apply(in, g);
  }
};
struct half_gradient {  // gradient of the wrong size; no threshold gradient although the value depends on t
  static std::string describe() { return "half_gradient"; }
  template <swatnn::network_spec_type S, class T>
  T value(const swatnn::regularizer_input<S, T>& in) const { return swatnn::smooth_l0{}.value(in); }
  template <swatnn::network_spec_type S, class T>
  T apply(const swatnn::regularizer_input<S, T>& in, const swatnn::regularizer_gradient<S, T>& g) const {
    T dt = 0;
    const swatnn::regularizer_gradient<S, T> mine{g.decoded, g.gated, dt};
    const T v = swatnn::smooth_l0{.weight = 0.5}.apply(in, mine);
    return 2 * v;
  }
};
struct padding_reader {  // reads a padding cell (the laws put NaN there)
  static std::string describe() { return "padding_reader"; }
  template <swatnn::network_spec_type S, class T>
  T value(const swatnn::regularizer_input<S, T>& in) const {
    return in.decoded.data()[S::inputs * in.decoded.row_stride()];
  }
  template <swatnn::network_spec_type S, class T>
  T apply(const swatnn::regularizer_input<S, T>& in, const swatnn::regularizer_gradient<S, T>&) const {
    return value(in);
  }
};

}  // namespace

TEST_CASE("regularizer laws: every swatnn regularizer, every depth, two network specs") {
  laws_for_both_specs(swatnn::smooth_l0{.weight = 0.7, .sharpness = 20}, "smooth_l0");
  laws_for_both_specs(swatnn::l1{.weight = 0.3}, "l1");
  laws_for_both_specs(swatnn::hard_concrete_l0{.weight = 0.5}, "hard_concrete_l0");
  laws_for_both_specs(swatnn::neuron_count{.weight = 2.0}, "neuron_count");
  laws_for_both_specs(swatnn::mask_separation{.weight = 1.5}, "mask_separation");
  laws_for_both_specs(swatnn::mask_separation{.weight = 1.5, .sample = true}, "mask_separation (sample std)");
}

TEST_CASE("regularizer laws: sums, nested sums and the paper's combination") {
  laws_for_both_specs(swatnn::paper_regularizers(), "paper_regularizers");
  laws_for_both_specs(swatnn::regularizers{swatnn::paper_regularizers(), swatnn::hard_concrete_l0{.weight = 0.2},
                                           bias_l2{.weight = 0.1}},
                      "nested sum");
  laws_for_both_specs(swatnn::regularizers{swatnn::l1{.weight = 1.0}, swatnn::l1{.weight = -0.5}}, "l1 + l1");
}

TEST_CASE("regularizer laws: the user-written bias_l2 of docs/regularizers.md") {
  laws_for_both_specs(bias_l2{.weight = 0.25}, "bias_l2");
}

TEST_CASE("regularizer laws catch broken regularizers") {
  const double tol = 1e-6;
  {
    const auto rep = swatnn::test::run_regularizer_laws<paper_spec>(overwriting_l1{}, {.name = "overwriting_l1"});
    CHECK_FALSE(rep.passed(tol));
    for (const auto& d : rep.depths) CHECK_FALSE(d.accumulates);
  }
  {
    const auto rep = swatnn::test::run_regularizer_laws<paper_spec>(padding_writer{}, {.name = "padding_writer"});
    CHECK_FALSE(rep.passed(tol));
    for (const auto& d : rep.depths) {
      CHECK_FALSE(d.padding_untouched);
      CHECK(d.gated_gradient.passed(tol));  // only the padding law breaks
    }
  }
  {
    const auto rep = swatnn::test::run_regularizer_laws<paper_spec>(half_gradient{}, {.name = "half_gradient"});
    CHECK_FALSE(rep.passed(tol));
    for (const auto& d : rep.depths) {
      CHECK_FALSE(d.gated_gradient.passed(tol));
      CHECK_FALSE(d.threshold_gradient.passed(tol));
    }
  }
  {
    const auto rep = swatnn::test::run_regularizer_laws<paper_spec>(padding_reader{}, {.name = "padding_reader"});
    CHECK_FALSE(rep.passed(tol));
    for (const auto& d : rep.depths) CHECK_FALSE(d.finite);
  }
}

TEST_CASE("docs/regularizers.md usage example: loss = MSE + penalties, gradients summed into one buffer") {
  using layout = swatnn::token_layout<swatnn::paper_spec>;
  const int depth = 2;
  swatnn::cpu::row_matrix<double> decoded = swatnn::cpu::row_matrix<double>::Random(layout::tokens, layout::width(depth));
  swatnn::cpu::row_matrix<double> gated = 0.5 * decoded;
  const double threshold = 0.1, mse = 0.25;
  // example: usage
  const auto penalties = swatnn::regularizers{swatnn::paper_regularizers(), bias_l2{.weight = 1e-4}};
  static_assert(swatnn::check_regularizer<decltype(penalties), swatnn::paper_spec, double>());

  // decoded, gated: tokens x width(depth) row-major matrices; their gradients start at zero.
  swatnn::cpu::row_matrix<double> d_decoded = swatnn::cpu::row_matrix<double>::Zero(decoded.rows(), decoded.cols());
  swatnn::cpu::row_matrix<double> d_gated = swatnn::cpu::row_matrix<double>::Zero(gated.rows(), gated.cols());
  double d_threshold = 0;
  const swatnn::regularizer_input<swatnn::paper_spec, double> in{
      {decoded.data(), depth, decoded.cols()}, {gated.data(), depth, gated.cols()}, threshold};
  const swatnn::regularizer_gradient<swatnn::paper_spec, double> grad{
      {d_decoded.data(), depth, d_decoded.cols()}, {d_gated.data(), depth, d_gated.cols()}, d_threshold};
  const double loss = mse + penalties.apply(in, grad);  // the MSE's gradient is added to d_gated etc. as well
  // end example: usage
  CHECK(loss == doctest::Approx(mse + penalties.value(in)).epsilon(1e-14));
  CHECK(penalties.describe() ==
        "smooth_l0{weight=1e-06, sharpness=20} + l1{weight=1e-05} + mask_separation{weight=0.4, epsilon=1e-12} + "
        "neuron_count{weight=0.001} + bias_l2");
  CHECK(d_threshold != 0.0);
  CHECK(d_gated.norm() > 0.0);
  CHECK(d_decoded.norm() > 0.0);
}
