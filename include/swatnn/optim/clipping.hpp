// swatnn/optim/clipping.hpp: global gradient-norm clipping over parameter groups (Pascanu et al. 2013,
// "On the difficulty of training recurrent neural networks"): when the L2 norm of all gradients together
// exceeds max_norm, every gradient is scaled by max_norm / norm. Allocation-free.
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn {

// L2 norm of the gradients of all groups together, accumulated in double.
template <class T>
double gradient_norm(std::type_identity_t<parameter_groups<T>> groups) noexcept {
  double sum = 0.0;
  for (const parameter_group<T>& group : groups) {
    for (const T g : group.gradients) sum += static_cast<double>(g) * static_cast<double>(g);
  }
  return std::sqrt(sum);
}

template <class T>
double gradient_norm(const std::vector<parameter_group<T>>& groups) noexcept {
  return gradient_norm<T>(parameter_groups<T>(groups));
}

// Scales all gradients by max_norm / norm when norm > max_norm; returns the norm before clipping.
// A non-finite norm is returned as is and the gradients are left untouched (nothing is hidden: check the
// returned value, or let stop_on_non_finite see it through step_info::gradient_norm).
template <class T>
double clip_gradient_norm(std::type_identity_t<parameter_groups<T>> groups, double max_norm) {
  detail::require(std::isfinite(max_norm) && max_norm > 0.0, "swatnn::clip_gradient_norm", "max_norm", max_norm,
                  "a finite value > 0");
  const double norm = gradient_norm<T>(groups);
  if (std::isfinite(norm) && norm > max_norm) {
    const T scale = static_cast<T>(max_norm / norm);
    for (const parameter_group<T>& group : groups) {
      for (T& g : group.gradients) g *= scale;
    }
  }
  return norm;
}

template <class T>
double clip_gradient_norm(const std::vector<parameter_group<T>>& groups, double max_norm) {
  return clip_gradient_norm<T>(parameter_groups<T>(groups), max_norm);
}

}  // namespace swatnn
