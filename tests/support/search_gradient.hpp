// tests/support/search_gradient.hpp: one latent search iteration's gradient (search.loss_and_gradient on x, y at a
// temperature) against central finite differences, for the latents of the given levels and, when asked, the
// thresholds. Used by tests/search/latent_search.cpp and input_counts.cpp.
#pragma once

#include <initializer_list>
#include <span>
#include <vector>

#include <doctest/doctest.h>

#include "support/gradient_check.hpp"

namespace swatnn::test {

template <class Search, class Matrix>
void check_search_gradient(Search& search, const Matrix& x, const Matrix& y, double temperature,
                           std::initializer_list<int> levels, bool thresholds) {
  auto loss = [&] { return search.loss_and_gradient(x, y, temperature); };
  for (const int level : levels) {
    loss();
    const auto grad = search.latent_gradient(level);  // a copy: the probes overwrite it
    auto& z = search.latent(level);
    const auto r = check_gradient(loss, std::span<double>(z.data(), z.size()),
                                  std::span<const double>(grad.data(), grad.size()), 1e-6);
    INFO("level " << level << ": " << r.describe());
    CHECK(r.passed(1e-5));
  }
  if (!thresholds) return;
  loss();
  const std::vector<double> grad_t = search.threshold_gradients();
  const auto rt = check_gradient(loss, std::span<double>(search.thresholds()), std::span<const double>(grad_t), 1e-6);
  INFO("thresholds: " << rt.describe());
  CHECK(rt.passed(1e-5));
}

}  // namespace swatnn::test
