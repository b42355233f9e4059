// swatnn/optim/schedules.hpp: schedules, i.e. policies mapping the iteration index (0-based) to a factor.
// Learning-rate schedules return the multiplier passed to Optimizer::step (constant, linear warm-up +
// cosine decay (Loshchilov & Hutter 2017, "SGDR"), step decay); temperature_anneal returns the activation
// temperature of the latent search, T = max(T_min, 1 - it / anneal) (SWAT-NN released code: T_min = 0.01,
// anneal = 3000). Each is an aggregate with designated initializers; invalid fields raise value_error.
#pragma once

#include <algorithm>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <numbers>

#include <swatnn/error.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn {

// Contract: `s(iteration)` returns a finite double for every iteration >= 0 and is pure (same input,
// same output), so runs are reproducible and can resume from a checkpoint at any iteration.
template <class S>
concept schedule = requires(const S& s, std::uint64_t iteration) {
  { s(iteration) } -> std::convertible_to<double>;
};

// The same factor at every iteration.
struct constant_schedule {
  double value = 1.0;
  double operator()(std::uint64_t) const noexcept { return value; }
};

// Linear warm-up from 1/warmup to 1 over the first `warmup_iterations`, then cosine decay from 1 to
// `final_factor` at `total_iterations`; after total_iterations it stays at final_factor.
struct warmup_cosine_schedule {
  std::uint64_t warmup_iterations = 0;
  std::uint64_t total_iterations = 1000;  // must exceed warmup_iterations
  double final_factor = 0.0;

  double operator()(std::uint64_t it) const {
    detail::require(total_iterations > warmup_iterations, "swatnn::warmup_cosine_schedule", "total_iterations",
                    static_cast<double>(total_iterations), "a value > warmup_iterations");
    if (it < warmup_iterations) {
      return static_cast<double>(it + 1) / static_cast<double>(warmup_iterations);
    }
    const double progress = std::min(
        1.0, static_cast<double>(it - warmup_iterations) / static_cast<double>(total_iterations - warmup_iterations));
    return final_factor + (1.0 - final_factor) * 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  }
};

// gamma^(floor(it / every)): multiplies the factor by gamma every `every` iterations.
struct step_decay_schedule {
  std::uint64_t every = 1000;  // > 0
  double gamma = 0.1;

  double operator()(std::uint64_t it) const {
    detail::require(every > 0, "swatnn::step_decay_schedule", "every", 0.0, "a value > 0");
    return std::pow(gamma, static_cast<double>(it / every));
  }
};

// Activation temperature of the latent search: T = max(minimum, 1 - it / anneal_iterations).
struct temperature_anneal {
  std::uint64_t anneal_iterations = 3000;  // > 0
  double minimum = 0.01;                   // T_min

  double operator()(std::uint64_t it) const {
    detail::require(anneal_iterations > 0, "swatnn::temperature_anneal", "anneal_iterations", 0.0, "a value > 0");
    return std::max(minimum, 1.0 - static_cast<double>(it) / static_cast<double>(anneal_iterations));
  }
};

}  // namespace swatnn
