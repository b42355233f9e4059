// tests/cuda/ops.cu: parity of the CUDA backend's products and element-wise operations with swatnn::cpu on random
// inputs (<= 1e-5 relative in exact fp32), plus the products against a double-precision host loop, TF32 off by
// default, and strided-batched products against one product per batch entry.
#include <doctest/doctest.h>

#include "support.cuh"

using swatnn::cpu;
using swatnn::cuda;
using namespace swatnn::cuda_test;

namespace {

// op(A) op(B) in double on the host.
host_rows<double> reference_product(const host_rows<float>& a, bool ta, const host_rows<float>& b, bool tb) {
  const host_rows<double> ad = a.cast<double>(), bd = b.cast<double>();
  const host_rows<double> oa = ta ? host_rows<double>(ad.transpose()) : ad;
  const host_rows<double> ob = tb ? host_rows<double>(bd.transpose()) : bd;
  host_rows<double> c = host_rows<double>::Zero(oa.rows(), ob.cols());
  for (Eigen::Index i = 0; i < oa.rows(); ++i)
    for (Eigen::Index k = 0; k < oa.cols(); ++k)
      for (Eigen::Index j = 0; j < ob.cols(); ++j) c(i, j) += oa(i, k) * ob(k, j);
  return c;
}

}  // namespace

TEST_CASE("cuda gemm: every transpose combination, overwrite and accumulate, against cpu and a double loop") {
  struct shape {
    Eigen::Index m, n, k;
  };
  for (const shape s : {shape{448, 192, 64}, shape{7, 64, 64}, shape{33, 17, 129}, shape{1, 768, 3072}}) {
    for (int variant = 0; variant < 4; ++variant) {
      const bool ta = variant & 1, tb = variant & 2;
      CAPTURE(s.m);
      CAPTURE(s.n);
      CAPTURE(s.k);
      CAPTURE(ta);
      CAPTURE(tb);
      const unsigned seed = static_cast<unsigned>(10 * variant + s.m);
      const host_rows<float> a = ta ? random_rows(s.k, s.m, seed) : random_rows(s.m, s.k, seed);
      const host_rows<float> b = tb ? random_rows(s.n, s.k, seed + 1) : random_rows(s.k, s.n, seed + 1);
      const host_rows<float> c0 = random_rows(s.m, s.n, seed + 2);
      for (const bool accumulate : {false, true}) {
        CAPTURE(accumulate);
        host_rows<float> c_cpu = c0;
        cpu::gemm(c_cpu, a, ta, b, tb, accumulate);
        cuda::row_matrix<float> c_dev = to_device(c0);
        const cuda::row_matrix<float> a_dev = to_device(a);
        const cuda::row_matrix<float> b_dev = to_device(b);
        cuda::gemm(c_dev, a_dev, ta, cuda::const_block<float>(b_dev), tb, accumulate);
        const host_rows<float> c_gpu = to_host(c_dev);
        CHECK(relative_error(c_gpu, c_cpu) <= fp32_parity);
        host_rows<double> expected = reference_product(a, ta, b, tb);
        if (accumulate) expected += c0.cast<double>();
        CHECK(relative_error(c_gpu.cast<double>(), expected) <= fp32_parity);
      }
    }
  }
}

TEST_CASE("cuda gemm: TF32 is off by default; the default keeps fp32 precision where TF32 would not") {
  CHECK_FALSE(cuda::options().allow_tf32);
  // values 1 + e with e < 1e-3 mostly below TF32's 10-bit mantissa: TF32 would lose e (about 5e-4 relative),
  // exact fp32 keeps it to about 1e-7
  host_rows<float> a(64, 64), b(64, 64);
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    a.data()[i] = 1.0f + static_cast<float>((i * 7919) % 1021) / 1048576.0f;
    b.data()[i] = 1.0f - static_cast<float>((i * 104729) % 1019) / 1048576.0f;
  }
  const host_rows<double> expected = reference_product(a, false, b, false);
  cuda::row_matrix<float> c(64, 64);
  const cuda::row_matrix<float> a_dev = to_device(a), b_dev = to_device(b);
  cuda::gemm(c, a_dev, false, b_dev, false, false);
  CHECK(relative_error(to_host(c).cast<double>(), expected) <= 1e-6);
  cuda::options().allow_tf32 = true;
  cuda::gemm(c, a_dev, false, b_dev, false, false);
  cuda::options().allow_tf32 = false;
  MESSAGE("the same product with allow_tf32: relative error " << relative_error(to_host(c).cast<double>(), expected));
}

TEST_CASE("cuda gemm_strided_batched: equals one product per batch entry") {
  const Eigen::Index batch = 4, m = 7, n = 12, k = 16;
  const host_rows<float> a = random_rows(batch * m, k, 21);   // batch blocks of m x k
  const host_rows<float> b = random_rows(batch * n, k, 22);   // batch blocks of n x k (used transposed)
  cuda::row_matrix<float> c(batch * m, n);
  const cuda::row_matrix<float> a_dev = to_device(a), b_dev = to_device(b);
  cuda::gemm_strided_batched<float>(false, true, m, n, k, a_dev.data(), k, m * k, b_dev.data(), k, n * k, c.data(), n,
                                    m * n, batch, false);
  const host_rows<float> got = to_host(c);
  for (Eigen::Index i = 0; i < batch; ++i) {
    CAPTURE(i);
    const host_rows<float> ai = a.middleRows(i * m, m), bi = b.middleRows(i * n, n);
    host_rows<float> expected(m, n);
    cpu::gemm(expected, ai, false, bi, true, false);
    CHECK(relative_error(host_rows<float>(got.middleRows(i * m, m)), expected) <= fp32_parity);
  }
}

TEST_CASE("cuda element-wise operations: parity with cpu") {
  const Eigen::Index rows = 448, cols = 96, period = 7;
  const host_rows<float> x = random_rows(rows, cols, 31), y = random_rows(rows, cols, 32);
  const host_rows<float> v = random_rows(1, cols, 33), p = random_rows(period, cols, 34);
  const cuda::row_matrix<float> x_dev = to_device(x), y_dev = to_device(y), v_dev = to_device(v),
                                p_dev = to_device(p);

  SUBCASE("add_row_vector") {
    host_rows<float> m = x;
    cpu::add_row_vector(m, cpu::const_block<float>(v.data(), 1, cols));
    cuda::row_matrix<float> m_dev = x_dev;
    cuda::add_row_vector(m_dev, cuda::const_block<float>(v_dev));
    CHECK(relative_error(to_host(m_dev), m) <= fp32_parity);
  }
  SUBCASE("accumulate_column_sums") {
    host_rows<float> s = v;
    cpu::accumulate_column_sums(cpu::block<float>(s.data(), 1, cols), x);
    cuda::row_matrix<float> s_dev = v_dev;
    cuda::accumulate_column_sums(cuda::block<float>(s_dev), x_dev);
    CHECK(relative_error(to_host(s_dev), s) <= fp32_parity);
  }
  SUBCASE("add, also in place") {
    host_rows<float> z(rows, cols);
    cpu::add(z, x, y);
    cuda::row_matrix<float> z_dev(rows, cols);
    cuda::add(z_dev, x_dev, y_dev);
    CHECK(relative_error(to_host(z_dev), z) <= fp32_parity);
    cuda::add(z_dev, z_dev, y_dev);
    CHECK(relative_error(to_host(z_dev), host_rows<float>(z + y)) <= fp32_parity);
  }
  SUBCASE("add_periodic_rows") {
    host_rows<float> z(rows, cols);
    cpu::add_periodic_rows(z, x, cpu::const_block<float>(p.data(), period, cols));
    cuda::row_matrix<float> z_dev(rows, cols);
    cuda::add_periodic_rows(z_dev, x_dev, cuda::const_block<float>(p_dev));
    CHECK(relative_error(to_host(z_dev), z) <= fp32_parity);
  }
  SUBCASE("accumulate_periodic_rows") {
    host_rows<float> q = p;
    cpu::accumulate_periodic_rows(cpu::block<float>(q.data(), period, cols), x);
    cuda::row_matrix<float> q_dev = p_dev;
    cuda::accumulate_periodic_rows(cuda::block<float>(q_dev), x_dev);
    CHECK(relative_error(to_host(q_dev), q) <= fp32_parity);
  }
  SUBCASE("copy") {
    cuda::row_matrix<float> z_dev(rows, cols);
    cuda::copy(z_dev, x_dev);
    CHECK(to_host(z_dev) == x);
  }
  SUBCASE("transpose, square and ragged tiles") {
    for (const Eigen::Index r : {Eigen::Index{448}, Eigen::Index{33}, Eigen::Index{1}}) {
      const host_rows<float> a = random_rows(r, 45, 35);
      host_rows<float> t(45, r);
      cpu::transpose(t, cpu::const_block<float>(a.data(), r, 45));
      cuda::row_matrix<float> t_dev(45, r);
      cuda::transpose(t_dev, cuda::const_block<float>(to_device(a)));
      CHECK(to_host(t_dev) == t);
    }
  }
  SUBCASE("set_zero") {
    cuda::row_matrix<float> z_dev = x_dev;
    cuda::set_zero(z_dev);
    CHECK(to_host(z_dev).cwiseAbs().maxCoeff() == 0.0f);
    CHECK(x.cwiseAbs().maxCoeff() > 0.0f);
  }
}

TEST_CASE("cuda for_each_level: runs the task once for every level in order") {
  int seen[4] = {0, 0, 0, 0};
  int order = 0;
  cuda::for_each_level<4>([&](int i) { seen[i] = ++order; });
  CHECK(seen[0] == 1);
  CHECK(seen[1] == 2);
  CHECK(seen[2] == 3);
  CHECK(seen[3] == 4);
}
