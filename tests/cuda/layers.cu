// tests/cuda/layers.cu: whole-layer parity of swatnn::cuda with swatnn::cpu: linear, layer_norm, gelu,
// positional_embedding, attention, transformer_block and the transformer encoder (swat-small and paper scale) built on
// both backends with the same parameters (the cpu buffer's values uploaded), forward and backward on the same random
// inputs; outputs, input gradients and every parameter gradient compared.
#include <doctest/doctest.h>

#include "support.cuh"

#include <span>
#include <vector>

#include <swatnn/autoencoder/paper_scale.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>

using swatnn::cpu;
using swatnn::cuda;
namespace nn = swatnn::nn;
using namespace swatnn::cuda_test;

namespace {

// Builds the layer on both backends (make(buffer) returns it), gives the cuda one the cpu one's parameter values,
// runs forward(x) and backward(dy) on both and compares with `tolerance` (max-norm relative). Two rounds, so that
// gradients accumulated over two backward passes also agree.
template <class Make>
void check_parity(Make&& make, Eigen::Index rows, Eigen::Index in, Eigen::Index out, double tolerance, unsigned seed) {
  nn::parameter_buffer<float, cpu> pc;
  nn::parameter_buffer<float, cuda> pg;
  auto lc = make(pc);
  auto lg = make(pg);
  REQUIRE(pc.size() == pg.size());
  if (pc.size() > 0) pg.upload_values(pc.values());
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    const host_rows<float> x = random_rows(rows, in, seed + 10 * round), dy = random_rows(rows, out, seed + 10 * round + 1);
    const cuda::row_matrix<float> x_d = to_device(x), dy_d = to_device(dy);
    const host_rows<float> y = lc.forward(x);
    const host_rows<float> y_d = to_host(lg.forward(x_d));
    const double e_y = relative_error(y_d, y);
    const host_rows<float> dx = lc.backward(dy);
    const host_rows<float> dx_d = to_host(lg.backward(dy_d));
    const double e_dx = relative_error(dx_d, dx);
    double e_grad = 0;
    if (pc.size() > 0) {
      host_rows<float> g_d(1, static_cast<Eigen::Index>(pg.size()));
      pg.download_gradients(std::span<float>(g_d.data(), pg.size()));
      const auto gc = pc.gradients();
      host_rows<float> g_c(1, static_cast<Eigen::Index>(gc.size()));
      std::copy(gc.begin(), gc.end(), g_c.data());
      e_grad = relative_error(g_d, g_c);
    }
    MESSAGE("relative errors: output " << e_y << ", input gradient " << e_dx << ", parameter gradients " << e_grad);
    CHECK(e_y <= tolerance);
    CHECK(e_dx <= tolerance);
    if (pc.size() > 0) CHECK(e_grad <= tolerance);
  }
}

constexpr Eigen::Index swat_rows = 64 * 7;  // 64 networks of 7 tokens

}  // namespace

TEST_CASE("cuda layers: linear") {
  check_parity([](auto& p) { return nn::linear<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(
                                 p, {.in_features = 112, .out_features = 64, .name = "lin"}); },
               swat_rows, 112, 64, fp32_parity, 1);
}

TEST_CASE("cuda layers: layer_norm") {
  check_parity([](auto& p) { return nn::layer_norm<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(
                                 p, {.features = 64, .name = "ln"}); },
               swat_rows, 64, 64, fp32_parity, 2);
}

TEST_CASE("cuda layers: gelu") {
  check_parity([](auto& p) {
    (void)p;
    return nn::gelu<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(nn::gelu_options{.name = "act"});
  }, swat_rows, 256, 256, fp32_parity, 3);
}

TEST_CASE("cuda layers: positional_embedding") {
  check_parity([](auto& p) {
    return nn::positional_embedding<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(
        p, {.tokens = 7, .d_model = 64, .name = "pos"});
  }, swat_rows, 64, 64, fp32_parity, 4);
}

TEST_CASE("cuda layers: attention at swat-small and at paper scale") {
  check_parity([](auto& p) {
    return nn::attention<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(
        p, {.d_model = 64, .heads = 4, .tokens = 7, .name = "attn"});
  }, swat_rows, 64, 64, fp32_parity, 5);
  check_parity([](auto& p) {
    return nn::attention<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(
        p, {.d_model = 768, .heads = 12, .tokens = 7, .name = "attn"});
  }, 4 * 7, 768, 768, fp32_parity, 6);
}

TEST_CASE("cuda layers: transformer_block") {
  check_parity([](auto& p) {
    return nn::transformer_block<float, typename std::remove_cvref_t<decltype(p)>::backend_type>(
        p, {.d_model = 64, .heads = 4, .tokens = 7, .name = "block"});
  }, swat_rows, 64, 64, fp32_parity, 7);
}

namespace {

template <class Encoder>
struct encoder_maker {
  template <class Buffer>
  auto operator()(Buffer& p) const {
    using backend = typename Buffer::backend_type;
    return typename Encoder::template model<swatnn::paper_spec, float, backend>(p);
  }
};

inline constexpr swatnn::transformer_encoder_options swat_small_options{.dim = 64, .heads = 4, .blocks = 2};

}  // namespace

TEST_CASE("cuda layers: the transformer encoder at swat-small (64 networks)") {
  using layout = swatnn::token_layout<swatnn::paper_spec>;
  check_parity(encoder_maker<swatnn::transformer_encoder<swat_small_options>>{}, 64 * layout::tokens,
               layout::features, 64, fp32_parity, 8);
}

TEST_CASE("cuda layers: the transformer encoder at paper scale (2 networks, 12 blocks of d 768)") {
  using layout = swatnn::token_layout<swatnn::paper_spec>;
  // 12 blocks deep, about 100 products in sequence each way: fp32 rounding of two correct implementations
  // accumulates past the per-operation 1e-5, so the whole-model bound here is 1e-4 (docs/backends.md)
  check_parity(encoder_maker<swatnn::paper_scale_encoder>{}, 2 * layout::tokens, layout::features, 768, 1e-4, 9);
}
