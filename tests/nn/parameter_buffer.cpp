// tests/nn/parameter_buffer.cpp: the flat parameter buffer (blocks, offsets, groups, views that survive
// growth, zero_gradients) and deterministic initialization (Xavier bounds and variance, truncated normal).
#include <swatnn/error.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

namespace nn = swatnn::nn;

TEST_CASE("parameter_buffer: blocks are contiguous, named, grouped, and handles survive growth") {
  nn::parameter_buffer<float> p;
  const auto a = p.add("a", 2, 3, nn::init_spec::constant(1.5), 0);
  p.value(a)(1, 2) = 7.0f;
  const auto b = p.add("b", 4, 1, nn::init_spec::zeros(), 3);
  // many more blocks so the storage surely moves
  for (int i = 0; i < 50; ++i) p.add("pad" + std::to_string(i), 16, 16);
  CHECK(p.size() == 6 + 4 + 50 * 256);
  CHECK(a.offset == 0);
  CHECK(b.offset == 6);
  CHECK(p.value(a)(1, 2) == 7.0f);              // row-major, resolved after growth
  CHECK(p.values()[1 * 3 + 2] == 7.0f);
  CHECK(p.value(a)(0, 0) == 1.5f);
  CHECK(p.block("b").group == 3);
  CHECK(p.block("b").offset == 6);
  CHECK(p.blocks().size() == 52);
  CHECK_THROWS_AS(p.block("nope"), swatnn::value_error);
  CHECK_THROWS_AS(p.add("a", 1, 1), swatnn::value_error);
  CHECK_THROWS_AS(p.add("empty", 0, 3), swatnn::shape_error);
  p.gradient(b)(2, 0) = 3.0f;
  CHECK(p.gradients()[6 + 2] == 3.0f);
  CHECK(std::all_of(p.gradients().begin(), p.gradients().begin() + 6, [](float g) { return g == 0.0f; }));
  p.zero_gradients();
  CHECK(std::all_of(p.gradients().begin(), p.gradients().end(), [](float g) { return g == 0.0f; }));
}

TEST_CASE("initialization is deterministic for a seed and differs between seeds and blocks") {
  auto build = [](std::uint64_t seed) {
    auto p = std::make_unique<nn::parameter_buffer<float>>(nn::parameter_buffer_options{.seed = seed});
    p->add("w1", 8, 8, nn::init_spec::xavier());
    p->add("w2", 8, 8, nn::init_spec::xavier());
    p->add("e", 3, 5, nn::init_spec::normal_truncated(0.02));
    return std::vector<float>(p->values().begin(), p->values().end());
  };
  const auto a = build(1), b = build(1), c = build(2);
  CHECK(a == b);
  CHECK(a != c);
  CHECK(!std::equal(a.begin(), a.begin() + 64, a.begin() + 64));  // two blocks, different streams
  nn::parameter_buffer<float> p({.seed = 1});
  p.add("w1", 8, 8, nn::init_spec::xavier());
  p.add("w2", 8, 8, nn::init_spec::xavier());
  p.add("e", 3, 5, nn::init_spec::normal_truncated(0.02));
  p.values()[0] = 100.0f;
  p.initialize(1);
  CHECK(std::vector<float>(p.values().begin(), p.values().end()) == a);
}

TEST_CASE("xavier_uniform: bounds and variance a^2/3") {
  std::vector<double> v(200000);
  nn::xavier_uniform<double>(v, 64, 256, 42);
  const double a = std::sqrt(6.0 / (64 + 256));
  CHECK(*std::max_element(v.begin(), v.end()) <= a);
  CHECK(*std::min_element(v.begin(), v.end()) >= -a);
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= v.size();
  CHECK(std::abs(mean) < 0.01 * a);
  CHECK(var == doctest::Approx(a * a / 3).epsilon(0.02));
}

TEST_CASE("truncated_normal: within +-2 sigma, std of the truncated distribution") {
  std::vector<double> v(200000);
  nn::truncated_normal<double>(v, 0.5, 9);
  CHECK(*std::max_element(v.begin(), v.end()) <= 1.0);
  CHECK(*std::min_element(v.begin(), v.end()) >= -1.0);
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / v.size();
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  var /= v.size();
  // N(0,1) truncated to [-2,2] has variance 1 - 2*2*phi(2)/(2*Phi(2)-1) = 0.7737
  CHECK(std::abs(mean) < 0.01);
  CHECK(var / 0.25 == doctest::Approx(0.7737).epsilon(0.02));
  CHECK_THROWS_AS(nn::truncated_normal<double>(v, -1.0, 9), swatnn::value_error);
}
