// tests/cuda/laws.cu: the Backend law suite (tests/laws/backend_laws.hpp: every operation against swatnn::cpu on
// random inputs, crossing only with upload / download, and a whole transformer block forward and backward) run on
// swatnn::cuda, in double (1e-12) and in float (1e-5).
#include <doctest/doctest.h>

#include "laws/backend_laws.hpp"

#include <swatnn/backend/cuda.hpp>

TEST_CASE("cuda: the backend law suite holds in double and in float") {
  const auto exact = swatnn::test::check_backend_laws<swatnn::cuda, double>({.tolerance = 1e-12});
  INFO(exact.describe());
  CHECK(exact.errors.size() >= 20);
  CHECK(exact.all());
  const auto single = swatnn::test::check_backend_laws<swatnn::cuda, float>({.tolerance = 1e-5});
  INFO(single.describe());
  CHECK(single.errors.size() >= 20);
  CHECK(single.all());
}
