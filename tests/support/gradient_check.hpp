// tests/support/gradient_check.hpp: central finite-difference gradient check in double precision.
// Every backward pass in swatnn is checked with it (directly or through a law suite in tests/laws/).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
#include <sstream>
#include <string>

namespace swatnn::test {

struct gradient_check_result {
  double max_error = 0.0;       // max over entries of |analytic - numeric| / max(1, |analytic|, |numeric|)
  std::size_t worst_index = 0;  // entry where it happened
  double analytic = 0.0;        // the two values at that entry
  double numeric = 0.0;
  std::size_t checked = 0;      // number of entries compared

  bool passed(double tolerance) const { return checked > 0 && max_error <= tolerance; }
  std::string describe() const {
    std::ostringstream s;
    s << "max error " << max_error << " at entry " << worst_index << " (analytic " << analytic << ", numeric "
      << numeric << ", " << checked << " entries checked)";
    return s.str();
  }
};

// Compares `analytic[i]` with (loss(p + eps e_i) - loss(p - eps e_i)) / (2 eps) for every entry of `params`
// (or every `stride`-th entry, to bound the cost on large tensors). `loss()` must read `params` each call.
// `params` is restored exactly after each probe.
template <class Loss>
gradient_check_result check_gradient(Loss&& loss, std::span<double> params, std::span<const double> analytic,
                                     double eps = 1e-6, std::size_t stride = 1) {
  gradient_check_result r;
  for (std::size_t i = 0; i < params.size(); i += std::max<std::size_t>(stride, 1)) {
    const double saved = params[i];
    params[i] = saved + eps;
    const double up = loss();
    params[i] = saved - eps;
    const double down = loss();
    params[i] = saved;
    const double numeric = (up - down) / (2.0 * eps);
    const double err = std::abs(analytic[i] - numeric) / std::max({1.0, std::abs(analytic[i]), std::abs(numeric)});
    if (err > r.max_error || r.checked == 0) {
      if (err >= r.max_error) {
        r.max_error = err;
        r.worst_index = i;
        r.analytic = analytic[i];
        r.numeric = numeric;
      }
    }
    ++r.checked;
  }
  return r;
}

}  // namespace swatnn::test
