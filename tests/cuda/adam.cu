// tests/cuda/adam.cu: the CUDA Adam update on device-resident parameters against swatnn::adam::step on the host
// (optim/adam.hpp), step after step, with and without decoupled weight decay.
#include <doctest/doctest.h>

#include "support.cuh"

#include <cmath>
#include <vector>

#include <swatnn/optim/adam.hpp>

using swatnn::cuda;
using namespace swatnn::cuda_test;

TEST_CASE("cuda adam_update: ten steps agree with swatnn::adam on the host") {
  for (const double wd : {0.0, 0.01}) {
    CAPTURE(wd);
    const std::size_t n = 10000;
    const swatnn::adam opt{.lr = 3e-3, .beta1 = 0.9, .beta2 = 0.999, .epsilon = 1e-8, .weight_decay = wd};
    host_rows<float> values = random_rows(1, static_cast<Eigen::Index>(n), 91);
    std::vector<float> p(values.data(), values.data() + n), g(n);
    const swatnn::parameter_group<float> group{.values = p, .gradients = g};
    auto state = opt.make_state<float>(std::span<const swatnn::parameter_group<float>>(&group, 1));

    cuda::vector<float> p_d(static_cast<Eigen::Index>(n)), g_d(static_cast<Eigen::Index>(n)),
        m_d(static_cast<Eigen::Index>(n)), v_d(static_cast<Eigen::Index>(n));
    cuda::upload(p.data(), p_d.data(), n);
    cuda::set_zero(m_d);
    cuda::set_zero(v_d);
    for (int t = 1; t <= 10; ++t) {
      const host_rows<float> grad = random_rows(1, static_cast<Eigen::Index>(n), 100 + t);
      std::copy(grad.data(), grad.data() + n, g.begin());
      cuda::upload(g.data(), g_d.data(), n);
      opt.step(state, std::span<const swatnn::parameter_group<float>>(&group, 1));
      // the scalars exactly as adam::step forms them
      const double c1 = 1.0 - std::pow(opt.beta1, t), c2 = 1.0 - std::pow(opt.beta2, t);
      cuda::adam_update<float>(p_d.data(), g_d.data(), m_d.data(), v_d.data(), n, static_cast<float>(opt.lr / c1),
                               opt.beta1, opt.beta2, static_cast<float>(1.0 / std::sqrt(c2)),
                               static_cast<float>(opt.epsilon), static_cast<float>(1.0 - opt.lr * wd), wd != 0.0);
    }
    host_rows<float> got(1, static_cast<Eigen::Index>(n)), expected(1, static_cast<Eigen::Index>(n));
    cuda::download(p_d.data(), got.data(), n);
    std::copy(p.begin(), p.end(), expected.data());
    CHECK(relative_error(got, expected) <= fp32_parity);
    CHECK((expected - values).cwiseAbs().maxCoeff() > 1e-3f);  // the parameters moved
    host_rows<float> m_host(1, static_cast<Eigen::Index>(n)), m_expected(1, static_cast<Eigen::Index>(n));
    cuda::download(m_d.data(), m_host.data(), n);
    const auto first = state.first_moment();
    std::copy(first.begin(), first.end(), m_expected.data());
    CHECK(relative_error(m_host, m_expected) <= fp32_parity);
  }
}
