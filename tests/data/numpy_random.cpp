// Tests for swatnn/data/numpy_random.hpp: the stream equals numpy's legacy RandomState.
#include <doctest/doctest.h>

#include <swatnn/data/numpy_random.hpp>

using swatnn::data::numpy_random;

TEST_CASE("numpy_random reproduces np.random.seed(0); np.random.random_sample()") {
  // Published values of np.random.seed(0); np.random.random_sample(5) (repr, i.e. exact doubles).
  numpy_random rng(0);
  CHECK(rng.random_sample() == 0.5488135039273248);
  CHECK(rng.random_sample() == 0.7151893663724195);
  CHECK(rng.random_sample() == 0.6027633760716439);
  CHECK(rng.random_sample() == 0.5448831829968969);
  CHECK(rng.random_sample() == 0.4236547993389047);
}

TEST_CASE("numpy_random draws two 32-bit words per double") {
  numpy_random a(0);
  std::mt19937 reference(0);
  for (int i = 0; i < 100; ++i) {
    const std::uint32_t hi = static_cast<std::uint32_t>(reference()) >> 5;
    const std::uint32_t lo = static_cast<std::uint32_t>(reference()) >> 6;
    const double expected = (static_cast<double>(hi) * 67108864.0 + lo) / 9007199254740992.0;
    REQUIRE(a.random_sample() == expected);
  }
  // The underlying engine is the standard MT19937 (the C++ standard fixes its 10000th output for seed 5489).
  numpy_random b(5489);
  b.engine().discard(9999);
  CHECK(b.engine()() == 4123659995u);
}

TEST_CASE("numpy_random values lie in [0, 1) and uniform maps to [lo, hi)") {
  numpy_random rng(123);
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.random_sample();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
  }
  numpy_random p(7), q(7);
  for (int i = 0; i < 100; ++i) {
    const double u = p.random_sample();
    CHECK(q.uniform(-5.0, 3.0) == -5.0 + 8.0 * u);
  }
}
