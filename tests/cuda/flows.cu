// tests/cuda/flows.cu: the two whole steps on swatnn::cuda against swatnn::cpu with the same parameters: one
// autoencoder training step of swat-small (forward loss and every parameter gradient, on a generated batch of mixed
// depths) and one latent-search iteration (loss_and_gradient: total loss, every level's latent gradient and the
// thresholds' gradients), <= 1e-5 relative in fp32.
#include <doctest/doctest.h>

#include "support.cuh"

#include <cmath>
#include <span>
#include <vector>

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/scales.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/search/latent_search.hpp>

using swatnn::cpu;
using swatnn::cuda;
using namespace swatnn::cuda_test;

namespace {

// swat-small (autoencoder/swat_small.hpp) with its options named: nvcc's front end does not parse the braced
// class-type template arguments that header writes
inline constexpr swatnn::transformer_encoder_options swat_small_encoder{.dim = 64, .heads = 4, .blocks = 2};
inline constexpr swatnn::transformer_decoder_options swat_small_decoder{.heads = 4, .blocks = 2};
template <class Backend>
using swat_small = swatnn::multiscale_autoencoder<swatnn::transformer_encoder<swat_small_encoder>,
                                                  swatnn::transformer_decoder<swat_small_decoder>,
                                                  swatnn::scales<1, 2, 3, 4>, Backend, swatnn::paper_spec, float>;
using ae_cpu = swat_small<cpu>;
using ae_cuda = swat_small<cuda>;

// The cuda autoencoder with the cpu one's parameter values.
void copy_parameters(ae_cpu& from, ae_cuda& to) {
  REQUIRE(from.parameters().size() == to.parameters().size());
  const auto values = from.parameters().values();
  to.parameters().upload_values(std::span<const float>(values.data(), values.size()));
}

host_rows<float> gradients_of(ae_cpu& ae) {
  const auto g = ae.parameters().gradients();
  host_rows<float> h(1, static_cast<Eigen::Index>(g.size()));
  std::copy(g.begin(), g.end(), h.data());
  return h;
}

host_rows<float> gradients_of(ae_cuda& ae) {
  host_rows<float> h(1, static_cast<Eigen::Index>(ae.parameters().size()));
  ae.parameters().download_gradients(std::span<float>(h.data(), ae.parameters().size()));
  return h;
}

cuda::matrix<float> to_device_cols(const cpu::matrix<float>& h) {
  cuda::matrix<float> d(h.rows(), h.cols());
  cuda::upload(h.data(), d.data(), static_cast<std::size_t>(h.size()));
  return d;
}

}  // namespace

TEST_CASE("cuda autoencoder: one training step (forward loss, every parameter gradient) agrees with cpu") {
  ae_cpu a({.seed = 3});
  ae_cuda b({.seed = 3});
  copy_parameters(a, b);
  swatnn::network_generator<swatnn::paper_spec, float> gen({.networks = 8, .points = 200, .mixed_depths = true}, 5);
  for (int round = 0; round < 2; ++round) {  // the second reuses every workspace
    CAPTURE(round);
    const auto batch = gen.next();
    a.parameters().zero_gradients();
    b.parameters().zero_gradients();
    const float loss_cpu = a.forward(batch);
    const float loss_gpu = b.forward(batch);
    a.backward(batch);
    b.backward(batch);
    const double e_loss = std::abs(static_cast<double>(loss_gpu) - loss_cpu) / std::abs(static_cast<double>(loss_cpu));
    const double e_grad = relative_error(gradients_of(b), gradients_of(a));
    MESSAGE("relative errors: loss " << e_loss << ", parameter gradients " << e_grad);
    CHECK(std::isfinite(loss_cpu));
    CHECK(e_loss <= fp32_parity);
    CHECK(e_grad <= fp32_parity);
  }
}

TEST_CASE("cuda latent search: one iteration (loss, latent and threshold gradients) agrees with cpu") {
  ae_cpu a({.seed = 4});
  ae_cuda b({.seed = 4});
  copy_parameters(a, b);
  const swatnn::latent_search_options options{.restarts = 3, .seed = 9};
  swatnn::latent_search<ae_cpu> sa(a, swatnn::paper_regularizers(), swatnn::adam{}, options);
  swatnn::latent_search<ae_cuda> sb(b, swatnn::paper_regularizers(), swatnn::adam{}, options);
  sa.initialize();
  sb.initialize();  // the same draws (made on the host, then uploaded)
  for (int i = 0; i < ae_cpu::levels; ++i) CHECK(to_host(sb.latent(i)) == host_rows<float>(sa.latent(i)));
  for (std::size_t k = 0; k < sa.thresholds().size(); ++k)  // thresholds off 0, so the weight gates matter
    sa.thresholds()[k] = sb.thresholds()[k] = 0.05f * static_cast<float>(k % 5);

  // a smooth target on 300 points: x in [-1, 1]^2, y = sin(x0) + x1^2 / 2
  const host_rows<float> p = random_rows(300, 2, 77);
  cpu::matrix<float> x = p, y(300, 1);
  for (Eigen::Index i = 0; i < 300; ++i) y(i, 0) = std::sin(x(i, 0)) + 0.5f * x(i, 1) * x(i, 1);
  const cuda::matrix<float> x_d = to_device_cols(x), y_d = to_device_cols(y);

  for (const float temperature : {1.0f, 0.05f}) {
    CAPTURE(temperature);
    const double total_cpu = sa.loss_and_gradient(x, y, temperature);
    const double total_gpu = sb.loss_and_gradient(x_d, y_d, temperature);
    CHECK(std::isfinite(total_cpu));
    CHECK(std::abs(total_gpu - total_cpu) <= fp32_parity * std::abs(total_cpu));
    for (int i = 0; i < ae_cpu::levels; ++i) {
      CAPTURE(i);
      const double e = relative_error(to_host(sb.latent_gradient(i)), host_rows<float>(sa.latent_gradient(i)));
      MESSAGE("level " << i << ": latent gradient relative error " << e);
      CHECK(e <= fp32_parity);
    }
    const auto& gt_cpu = sa.threshold_gradients();
    const auto& gt_gpu = sb.threshold_gradients();
    REQUIRE(gt_cpu.size() == gt_gpu.size());
    double diff = 0, scale = 0;
    for (std::size_t k = 0; k < gt_cpu.size(); ++k) {
      diff = std::max(diff, std::abs(static_cast<double>(gt_gpu[k]) - gt_cpu[k]));
      scale = std::max(scale, std::abs(static_cast<double>(gt_cpu[k])));
    }
    REQUIRE(scale > 0);
    CHECK(diff / scale <= fp32_parity);
  }
}
