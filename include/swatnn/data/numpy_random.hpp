// swatnn/data/numpy_random.hpp: numpy's legacy RandomState stream (MT19937 + random_sample), bit for bit.
#pragma once

#include <cstdint>
#include <random>

namespace swatnn::data {

// Reproduces numpy's legacy generator: `np.random.seed(s)` seeds MT19937 exactly like std::mt19937(s)
// (init_genrand), and `random_sample()` builds one double in [0, 1) from two consecutive 32-bit outputs
// a, b as ((a >> 5) * 2^26 + (b >> 6)) / 2^53. `uniform(lo, hi)` is numpy's lo + (hi - lo) * u.
class numpy_random {
 public:
  explicit numpy_random(std::uint32_t seed) : engine_(seed) {}

  double random_sample() {
    const std::uint32_t a = static_cast<std::uint32_t>(engine_()) >> 5;  // 27 bits
    const std::uint32_t b = static_cast<std::uint32_t>(engine_()) >> 6;  // 26 bits
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  double uniform(double lo, double hi) { return lo + (hi - lo) * random_sample(); }

  // The underlying Mersenne Twister (for tests against the published std::mt19937 reference output).
  std::mt19937& engine() { return engine_; }

 private:
  std::mt19937 engine_;
};

}  // namespace swatnn::data
