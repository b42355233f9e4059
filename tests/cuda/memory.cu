// tests/cuda/memory.cu: swatnn::cuda storage and the pool: upload / download round trips, resize reuses capacity,
// grow keeps the first elements and zeroes the rest, deep copies, views, zero cudaMalloc per repeated step after the
// first, and shape errors that name the operation.
#include <doctest/doctest.h>

#include "support.cuh"

#include <swatnn/backend/backend.hpp>

namespace c = swatnn::detail::backend_contract;
using swatnn::cuda;

// The contract's parts the CUDA backend provides today (the evaluators of decoded networks are not yet there, so
// backend_policy<cuda> is false and check_backend<cuda>() names exactly that part).
static_assert(c::has_storage<cuda, float> && c::has_memory<cuda, float> && c::has_products<cuda, float>);
static_assert(c::has_elementwise<cuda, float> && c::has_transformer_ops<cuda, float> && c::has_level_loop<cuda>);
static_assert(c::has_storage<cuda, double> && c::has_transformer_ops<cuda, double>);
static_assert(!cuda::host_accessible);

using namespace swatnn::cuda_test;

TEST_CASE("cuda storage: upload and download round-trip a row matrix and a vector") {
  const host_rows<float> h = random_rows(37, 19, 1);
  const cuda::row_matrix<float> d = to_device(h);
  CHECK(d.rows() == 37);
  CHECK(d.cols() == 19);
  CHECK(to_host(d) == h);
  Eigen::VectorXf hv = Eigen::VectorXf::LinSpaced(100, -3.0f, 5.0f);
  const cuda::vector<float> dv = to_device_vector(hv);
  CHECK(dv.size() == 100);
  CHECK(to_host(dv) == hv);
}

TEST_CASE("cuda storage: resize reallocates only to grow; copies are deep; moves steal") {
  cuda::row_matrix<float> m(10, 10);
  const float* first = m.data();
  m.resize(5, 20);  // same element count
  CHECK(m.data() == first);
  m.resize(3, 3);
  CHECK(m.data() == first);
  CHECK(m.capacity() == 100);
  const host_rows<float> h = random_rows(3, 3, 2);
  cuda::upload(h.data(), m.data(), 9);
  cuda::row_matrix<float> copy = m;
  CHECK(copy.data() != m.data());
  CHECK(to_host(copy) == h);
  cuda::row_matrix<float> moved = std::move(copy);
  CHECK(copy.data() == nullptr);
  CHECK(to_host(moved) == h);
  m.resize(20, 20);  // must grow
  CHECK(m.capacity() == 400);
}

TEST_CASE("cuda storage: grow keeps the first elements and zeroes the new ones") {
  Eigen::VectorXf h = Eigen::VectorXf::LinSpaced(10, 1.0f, 10.0f);
  cuda::vector<float> v = to_device_vector(h);
  cuda::grow(v, 1000);
  REQUIRE(v.size() == 1000);
  const Eigen::VectorXf back = to_host(v);
  CHECK(back.head(10) == h);
  CHECK(back.tail(990).cwiseAbs().maxCoeff() == 0.0f);
}

TEST_CASE("cuda storage: blocks view device memory; set_zero zeroes it") {
  const host_rows<float> h = random_rows(4, 6, 3);
  cuda::row_matrix<float> m = to_device(h);
  // the second and third rows as a 2 x 6 block
  cuda::block<float> b = cuda::make_block(m.data() + 6, 2, 6);
  CHECK(to_host(b) == h.middleRows(1, 2));
  const cuda::const_block<float> cb = cuda::make_const_block<float>(m.data(), 4, 6);
  CHECK(to_host(cb) == h);
  cuda::set_zero(b);
  host_rows<float> expected = h;
  expected.middleRows(1, 2).setZero();
  CHECK(to_host(m) == expected);
}

TEST_CASE("cuda pool: a repeated step of the same shapes makes no cudaMalloc after the first") {
  auto step = [] {
    cuda::row_matrix<float> a(448, 64), b(64, 192), c(448, 192);
    cuda::set_zero(a);
    cuda::set_zero(b);
    cuda::gemm(c, a, false, b, false, false);
    cuda::vector<float> v(448);
    cuda::set_zero(v);
  };
  step();
  const auto after_warm_up = cuda::allocation_count();
  for (int i = 0; i < 20; ++i) step();
  CHECK(cuda::allocation_count() == after_warm_up);
  CHECK(cuda::reserved_bytes() > 0);
  // a larger shape must allocate (the counter counts)
  cuda::row_matrix<float> big(4096, 4096);
  CHECK(cuda::allocation_count() > after_warm_up);
}

TEST_CASE("cuda errors: a shape mismatch names the operation and the shapes") {
  cuda::row_matrix<float> a(3, 4), b(5, 6), c(3, 6);
  CHECK_THROWS_WITH_AS(cuda::gemm(c, a, false, b, false, false),
                       doctest::Contains("swatnn::cuda::gemm: C is 3x6, op(A) is 3x4 and op(B) is 5x6"),
                       swatnn::shape_error);
  cuda::row_matrix<float> x(3, 4), y(4, 3);
  CHECK_THROWS_AS(cuda::add(x, x, y), swatnn::shape_error);
  CHECK_THROWS_AS(cuda::transpose(x, x), swatnn::shape_error);
}

TEST_CASE("cuda errors: a failing runtime call becomes swatnn::cuda_error naming the call") {
  // 2^36 floats = 256 GiB: more than any one GPU has
  const std::ptrdiff_t rows = std::ptrdiff_t{1} << 20, cols = std::ptrdiff_t{1} << 16;
  CHECK_THROWS_WITH_AS(cuda::row_matrix<float>(rows, cols), doctest::Contains("cudaMalloc"), swatnn::cuda_error);
  // the backend still works after the failure
  const host_rows<float> h = random_rows(2, 2, 4);
  CHECK(to_host(to_device(h)) == h);
}
