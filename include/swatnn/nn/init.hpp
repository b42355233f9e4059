// swatnn/nn/init.hpp: deterministic parameter initialization (Xavier/Glorot uniform, truncated normal,
// constants). The random stream is std::mt19937_64 (its output is fixed by the C++ standard) turned into
// uniforms and normals by our own code, so a seed gives the same parameters with every standard library.
// Xavier/Glorot: Glorot & Bengio, "Understanding the difficulty of training deep feedforward neural
// networks", AISTATS 2010: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).
#pragma once

#include <swatnn/error.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <span>
#include <string>

namespace swatnn::nn {

namespace detail {

// SplitMix64 step: used to derive independent per-block seeds from one model seed.
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniforms in [0, 1) from 53 random bits and standard normals by Box-Muller.
class init_random {
 public:
  explicit init_random(std::uint64_t seed) : engine_(seed) {}
  double uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  double normal() {
    const double u1 = 1.0 - uniform01();  // (0, 1]: log is finite
    const double u2 = uniform01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace detail

// Fills `out` with U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)).
template <class T>
void xavier_uniform(std::span<T> out, std::size_t fan_in, std::size_t fan_out, std::uint64_t seed,
                    double gain = 1.0) {
  if (fan_in + fan_out == 0) {
    throw value_error("swatnn::nn::xavier_uniform: fan_in + fan_out is 0; pass the layer's input and output sizes");
  }
  const double a = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  detail::init_random rng(seed);
  for (T& v : out) v = static_cast<T>(rng.uniform(-a, a));
}

// Fills `out` with N(mean, stddev^2) truncated to mean +- bound * stddev (values outside are redrawn).
template <class T>
void truncated_normal(std::span<T> out, double stddev, std::uint64_t seed, double mean = 0.0, double bound = 2.0) {
  if (!(stddev >= 0.0) || !(bound > 0.0)) {
    throw value_error("swatnn::nn::truncated_normal: stddev must be >= 0 and bound > 0 (got stddev " +
                      std::to_string(stddev) + ", bound " + std::to_string(bound) + ")");
  }
  detail::init_random rng(seed);
  for (T& v : out) {
    double z = rng.normal();
    while (std::abs(z) > bound) z = rng.normal();
    v = static_cast<T>(mean + stddev * z);
  }
}

// How a parameter block is initialized; stored with the block so the whole buffer can be re-initialized.
// Xavier takes fan_in = block rows and fan_out = block columns (weights are stored in_features x out_features).
struct init_spec {
  enum class kind { constant, xavier_uniform, truncated_normal };
  kind what = kind::constant;
  double value = 0.0;   // constant: the value; xavier_uniform: the gain; truncated_normal: the stddev
  double bound = 2.0;   // truncated_normal: truncation at +- bound * stddev

  static constexpr init_spec zeros() { return {kind::constant, 0.0, 2.0}; }
  static constexpr init_spec ones() { return {kind::constant, 1.0, 2.0}; }
  static constexpr init_spec constant(double v) { return {kind::constant, v, 2.0}; }
  static constexpr init_spec xavier(double gain = 1.0) { return {kind::xavier_uniform, gain, 2.0}; }
  static constexpr init_spec normal_truncated(double stddev = 0.02, double bound = 2.0) {
    return {kind::truncated_normal, stddev, bound};
  }
};

// Applies `spec` to a rows x cols block stored in `out`.
template <class T>
void apply_init(const init_spec& spec, std::span<T> out, std::size_t rows, std::size_t cols, std::uint64_t seed) {
  switch (spec.what) {
    case init_spec::kind::constant:
      for (T& v : out) v = static_cast<T>(spec.value);
      return;
    case init_spec::kind::xavier_uniform:
      xavier_uniform(out, rows, cols, seed, spec.value);
      return;
    case init_spec::kind::truncated_normal:
      truncated_normal(out, spec.value, seed, 0.0, spec.bound);
      return;
  }
}

}  // namespace swatnn::nn
