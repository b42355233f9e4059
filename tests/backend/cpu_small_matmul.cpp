// Tests for backend/cpu/small_matmul.hpp through backend/cpu/matmul.hpp: products with 1..8 rows on the left (the
// in-place kernel) equal Eigen's product for every row count, column tails that are not a multiple of the 16-column tile, strided
// blocks, accumulation, and in double; products with more rows and transposed operands keep the general path.
#include <doctest/doctest.h>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cpu/matmul.hpp>

using namespace swatnn;

namespace {
template <class T>
void check_shape(Eigen::Index m, Eigen::Index k, Eigen::Index n, bool accumulate, double tolerance) {
  CAPTURE(m);
  CAPTURE(k);
  CAPTURE(n);
  CAPTURE(accumulate);
  using rm = cpu::row_matrix<T>;
  const rm a = rm::Random(m, k), b = rm::Random(k, n), start = rm::Random(m, n);
  rm c = start;
  backend_cpu::matmul(c, a, b, accumulate);
  const rm expected = (accumulate ? start : rm::Zero(m, n)) + (a.template cast<double>() * b.template cast<double>()).template cast<T>();
  CHECK((c - expected).cwiseAbs().maxCoeff() <= tolerance * (1.0 + static_cast<double>(k)));
}
}  // namespace

TEST_CASE("small-row products equal Eigen's for every row count, tail and accumulation") {
  for (Eigen::Index m = 1; m <= 9; ++m)  // 9: the general path
    for (Eigen::Index n : {1, 15, 16, 17, 40, 192})
      for (bool acc : {false, true}) {
        check_shape<float>(m, 64, n, acc, 1e-6);
        check_shape<double>(m, 13, n, acc, 1e-14);
      }
}

TEST_CASE("small-row products read strided blocks in place") {
  using rm = cpu::row_matrix<float>;
  const rm big_a = rm::Random(10, 40), big_b = rm::Random(50, 60);
  rm big_c = rm::Zero(12, 70);
  const auto a = big_a.block(2, 3, 7, 30);   // outer stride 40
  const auto b = big_b.block(5, 7, 30, 33);  // outer stride 60
  backend_cpu::matmul(big_c.block(1, 4, 7, 33), a, b, false);
  const rm expected = a * b;
  CHECK((big_c.block(1, 4, 7, 33) - expected).cwiseAbs().maxCoeff() < 1e-5);
  big_c.block(1, 4, 7, 33).setZero();
  CHECK(big_c.cwiseAbs().maxCoeff() == 0.0f);  // nothing outside the destination block is written
  const rm bt = b.transpose();
  rm d(7, 33);
  backend_cpu::matmul(d, a, bt.transpose(), false);  // a transposed operand keeps Eigen's packed product
  CHECK((d - expected).cwiseAbs().maxCoeff() < 1e-5);
}
