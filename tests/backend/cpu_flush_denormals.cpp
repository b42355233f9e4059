// Tests for backend/cpu/flush_denormals.hpp: inside the scope a subnormal result is flushed to 0 and a subnormal
// operand reads as 0; outside (and after the scope, nested or not) the thread's mode is what it was.
#include <doctest/doctest.h>

#include <limits>

#include <swatnn/backend/cpu/flush_denormals.hpp>

using swatnn::flush_denormals;

namespace {
// volatile: the products must run on the thread's floating-point unit, not be folded by the compiler
float product(float a, float b) {
  volatile float x = a, y = b;
  return x * y;
}
constexpr float tiny = std::numeric_limits<float>::min();  // the smallest normal float, 1.2e-38
}  // namespace

TEST_CASE("flush_denormals flushes subnormal results and operands inside the scope only") {
  if (!flush_denormals::supported) return;  // no such control on this architecture: the scope does nothing
  const float subnormal = product(tiny, 0.25f);
  REQUIRE(subnormal > 0.0f);  // the default mode keeps gradual underflow
  REQUIRE(subnormal < tiny);
  {
    const flush_denormals outer;
    CHECK(product(tiny, 0.25f) == 0.0f);   // result flushed
    CHECK(product(subnormal, 4.0f) == 0.0f);  // operand read as 0 (it would be `tiny` otherwise)
    CHECK(product(tiny, 2.0f) == 2.0f * tiny);  // normal numbers are untouched
    {
      const flush_denormals inner;
      CHECK(product(tiny, 0.25f) == 0.0f);
    }
    CHECK(product(tiny, 0.25f) == 0.0f);  // the inner scope restored the outer one's mode
  }
  CHECK(product(tiny, 0.25f) == subnormal);  // and the outer scope restored the default
  CHECK(product(subnormal, 4.0f) == tiny);
}
