// swatnn/network/activation.hpp: the per-neuron activation choices of the searched family (sigmoid, tanh,
// leaky_relu with slope 0.01, as in SWAT-NN) with their values and derivatives.
#pragma once

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <string_view>

#include <swatnn/config.hpp>

namespace swatnn {

enum class activation : int { sigmoid = 0, tanh = 1, leaky_relu = 2 };

inline constexpr int activation_count = 3;
inline constexpr double leaky_relu_slope = 0.01;
inline constexpr std::array<activation, activation_count> all_activations{activation::sigmoid, activation::tanh,
                                                                           activation::leaky_relu};

constexpr std::string_view activation_name(activation a) {
  switch (a) {
    case activation::sigmoid: return "sigmoid";
    case activation::tanh: return "tanh";
    case activation::leaky_relu: return "leaky_relu";
  }
  return "unknown";
}

template <class T>
SWATNN_HOST_DEVICE inline T apply_activation(activation a, T x) {
  switch (a) {
    case activation::sigmoid: return T(1) / (T(1) + std::exp(-x));
    case activation::tanh: return std::tanh(x);
    case activation::leaky_relu: return x > T(0) ? x : T(leaky_relu_slope) * x;
  }
  return x;
}

// leaky_relu's derivative: 1 where x has its sign bit clear (so 1 at +0), else leaky_relu_slope. Written without a
// comparison so that loops over points vectorize under GCC's default -ftrapping-math (a `x > 0 ? 1 : slope`
// select keeps them scalar).
template <class T>
SWATNN_HOST_DEVICE inline T leaky_relu_gradient(T x) {
  static_assert(std::is_floating_point_v<T> && (sizeof(T) == 4 || sizeof(T) == 8));
  using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const T negative = static_cast<T>(std::bit_cast<bits>(x) >> (8 * sizeof(T) - 1));
  return T(1) - (T(1) - T(leaky_relu_slope)) * negative;
}

}  // namespace swatnn
