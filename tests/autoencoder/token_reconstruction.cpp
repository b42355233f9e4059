// Tests for autoencoder/token_reconstruction.hpp: which cells count, its value by hand, and a finite-difference
// gradient check in double.
#include <doctest/doctest.h>

#include <span>

#include <swatnn/autoencoder/token_reconstruction.hpp>
#include <swatnn/network/generator.hpp>

#include "support/gradient_check.hpp"

using namespace swatnn;
using layout = token_layout<paper_spec>;

TEST_CASE("token reconstruction gradient matches finite differences") {
  network_generator<paper_spec, double> gen({.networks = 4, .points = 2, .mixed_depths = true}, 21);
  const auto batch = gen.next();
  for (int depth = 1; depth <= 4; ++depth) {
    CAPTURE(depth);
    cpu::row_matrix<double> decoded = cpu::row_matrix<double>::Random(4 * 7, layout::width(depth));
    cpu::row_matrix<double> grad;
    auto value = [&] {
      cpu::row_matrix<double> scratch;
      return 0.7 * token_reconstruction<paper_spec, double>(decoded, batch.tokens, batch.networks, depth, 0.7, scratch);
    };
    token_reconstruction<paper_spec, double>(decoded, batch.tokens, batch.networks, depth, 0.7, grad);
    const auto r = test::check_gradient(value, std::span<double>(decoded.data(), decoded.size()),
                                        std::span<const double>(grad.data(), grad.size()), 1e-6);
    INFO(r.describe());
    CHECK(r.passed(1e-7));
  }
}

TEST_CASE("a perfect copy leaves only the cross-entropy of the logits, which falls as they sharpen") {
  network_generator<paper_spec, double> gen({.networks = 2, .points = 2, .depth = 2}, 3);
  const auto batch = gen.next();
  cpu::row_matrix<double> decoded = batch.tokens.leftCols(layout::width(2));
  cpu::row_matrix<double> grad;
  const double soft = token_reconstruction<paper_spec, double>(decoded, batch.tokens, batch.networks, 2, 1.0, grad);
  for (int b = 0; b < 2; ++b) {
    network_view<paper_spec, double> view(decoded.data() + b * 7 * decoded.cols(), 2, decoded.cols());
    for (int l = 0; l < 2; ++l) {
      view.activation_logits(l) *= 30.0;
      view.mask_logits(l) = (view.mask_logits(l).array() * 60.0 - 30.0).matrix();
    }
  }
  const double sharp = token_reconstruction<paper_spec, double>(decoded, batch.tokens, batch.networks, 2, 1.0, grad);
  CHECK(soft > 0.1);
  CHECK(sharp < 1e-6);
  // weights of inactive neurons do not count: changing them leaves the value unchanged
  const auto& net = batch.networks[0];
  int inactive = -1;
  for (int j = 0; j < 7 && inactive < 0; ++j)
    if (!net.layers[0].active[j]) inactive = j;
  REQUIRE(inactive >= 0);
  network_view<paper_spec, double> view(decoded.data(), 2, decoded.cols());
  view.weights(0)(0, inactive) += 3.0;
  CHECK(token_reconstruction<paper_spec, double>(decoded, batch.tokens, batch.networks, 2, 1.0, grad) == sharp);
}
