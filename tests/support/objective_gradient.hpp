// tests/support/objective_gradient.hpp: the finite-difference check of an autoencoder's whole training objective
// with respect to its flat parameter buffer, shared by the autoencoder and encoder suites (and usable on a user's
// encoder or decoder composed into multiscale_autoencoder).
#pragma once

#include <cstddef>
#include <vector>

#include "support/gradient_check.hpp"

namespace swatnn::test {

// Runs forward + backward once for the analytic gradient, then compares it with central differences of
// ae.forward(batch) for every `stride`-th parameter. The autoencoder's scalar type should be double.
template <class AE, class Batch>
gradient_check_result check_objective_gradient(AE& ae, const Batch& batch, std::size_t stride = 1) {
  auto objective = [&] { return static_cast<double>(ae.forward(batch)); };
  objective();
  ae.parameters().zero_gradients();
  ae.backward(batch);
  const std::vector<double> analytic(ae.parameters().gradients().begin(), ae.parameters().gradients().end());
  return check_gradient(objective, ae.parameters().values(), analytic, 1e-6, stride);
}

}  // namespace swatnn::test
