// Tests for autoencoder/multiscale_autoencoder.hpp: shapes, determinism, a finite-difference gradient check in
// double of the whole training objective with respect to every parameter, the latent's gradient, the same results
// on 1 and 2 threads (levels in parallel), and errors.
#include <doctest/doctest.h>

#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>

#include "support/gradient_check.hpp"
#include "support/objective_gradient.hpp"

using namespace swatnn;

namespace {
template <class T>
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 3>, cpu, paper_spec, T>;
}

TEST_CASE("the multiscale autoencoder has the documented shapes and is deterministic") {
  tiny_ae<float> ae;
  network_generator<paper_spec, float> gen({.networks = 3, .points = 20}, 4);
  const auto batch = gen.next();
  const auto& z = ae.encode(batch.tokens);
  CHECK(z.rows() == 21);
  CHECK(z.cols() == 8);
  const tiny_ae<float>::row_matrix latent = z;
  CHECK(ae.decode<1>(latent).cols() == 20);
  CHECK(ae.decode<3>(latent).cols() == 44);
  const float a = ae.forward(batch);
  const float b = ae.forward(batch);
  CHECK(a == b);
  CHECK(std::isfinite(a));
  tiny_ae<float> same;
  CHECK(same.forward(batch) == a);
  tiny_ae<float> other({.seed = 2});
  CHECK(other.forward(batch) != a);
  CHECK(tiny_ae<float>::describe().find("scales=1,3") != std::string::npos);
}

TEST_CASE("the parameters are laid out encoder first, then the levels deepest first, whatever the compiler") {
  // A model file is the flat buffer: its meaning must not depend on which compiler built the reader. (The levels
  // were once constructed as constructor arguments, whose evaluation order GCC and Clang take in opposite
  // directions: a Clang build read the shipped model's decoders in the wrong order.)
  using ae_type = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                         transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2, 4>, cpu,
                                         paper_spec, float>;
  ae_type ae;
  const auto first_offset = [&](const std::string& prefix) {
    std::size_t first = ae.parameters().size();
    for (const auto& block : ae.parameters().blocks())
      if (block.name.starts_with(prefix)) first = std::min(first, block.offset);
    return first;
  };
  const auto last_end = [&](const std::string& prefix) {
    std::size_t end = 0;
    for (const auto& block : ae.parameters().blocks())
      if (block.name.starts_with(prefix)) end = std::max(end, block.offset + block.size());
    return end;
  };
  REQUIRE(last_end("decoder1.") > 0);
  CHECK(first_offset("encoder") == 0);
  CHECK(last_end("encoder") <= first_offset("decoder4."));
  CHECK(last_end("decoder4.") <= first_offset("decoder2."));
  CHECK(last_end("decoder2.") <= first_offset("decoder1."));
  CHECK(last_end("decoder1.") == ae.parameters().size());
}

TEST_CASE("the training objective's gradient matches finite differences for every parameter") {
  for (functional_loss_options loss : {functional_loss_options{},
                                       functional_loss_options{.normalize = true, .soft_min_temperature = 0.2}}) {
    CAPTURE(loss.normalize);
    tiny_ae<double> ae({.seed = 7, .loss = loss, .reconstruction_weight = loss.normalize ? 0.3 : 0.0});
    network_generator<paper_spec, double> gen({.networks = 3, .points = 6, .mixed_depths = true}, 11);
    const auto batch = gen.next();
    const auto r = test::check_objective_gradient(ae, batch, 7);
    INFO(r.describe());
    CHECK(r.passed(1e-5));
    CHECK(r.checked > 100);
    if (loss.normalize) CHECK(ae.reconstruction() > 0);
  }
}

TEST_CASE("decode_backward gives the latent's gradient (what the search needs)") {
  tiny_ae<double> ae({.seed = 3});
  network_generator<paper_spec, double> gen({.networks = 1, .points = 4}, 2);
  tiny_ae<double>::row_matrix latent = ae.encode(gen.next().tokens);
  tiny_ae<double>::row_matrix weights = tiny_ae<double>::row_matrix::Random(7, 44);
  auto objective = [&] { return (ae.decode<3>(latent).array() * weights.array()).sum(); };
  objective();
  const tiny_ae<double>::row_matrix grad = ae.decode_backward<3>(weights);
  const auto r = test::check_gradient(objective, std::span<double>(latent.data(), latent.size()),
                                      std::span<const double>(grad.data(), grad.size()), 1e-6);
  INFO(r.describe());
  CHECK(r.passed(1e-6));
}

TEST_CASE("the levels run in parallel with the loss and every gradient of a one-thread run") {
#if defined(_OPENMP)
  using ae_type = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                         transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2, 3, 4>>;
  ae_type ae({.seed = 5, .loss = {.normalize = true, .own_depth_weight = 1.0}});  // two levels reached per network
  network_generator<paper_spec, float> gen({.networks = 6, .points = 40, .mixed_depths = true}, 9);
  const auto batch = gen.next();
  auto run = [&](int threads) {
    omp_set_num_threads(threads);
    ae.parameters().zero_gradients();
    const float loss = ae.forward(batch);
    ae.backward(batch);
    const auto g = ae.parameters().gradients();
    return std::pair{loss, std::vector<float>(g.begin(), g.end())};
  };
  const int threads_before = omp_get_max_threads();
  const auto one = run(1);
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto two = run(2);
    CHECK(two.first == one.first);
    CHECK(two.second == one.second);
  }
  omp_set_num_threads(threads_before);
  CHECK(std::any_of(one.second.begin(), one.second.end(), [](float v) { return v != 0.0f; }));
#endif
}

TEST_CASE("an error inside a level reaches the caller") {
  tiny_ae<float> ae;
  network_generator<paper_spec, float> gen({.networks = 2, .points = 10}, 3);
  auto batch = gen.next();
  batch.inputs = tiny_ae<float>::matrix::Zero(10, 3);  // three inputs for two-input networks
  CHECK_THROWS_WITH_AS(ae.forward(batch), doctest::Contains("expected N x 2"), shape_error);
}

TEST_CASE("the autoencoder rejects tokens and latents of the wrong shape") {
  tiny_ae<float> ae;
  tiny_ae<float>::row_matrix bad(7, 100);
  CHECK_THROWS_WITH_AS(ae.encode(bad), doctest::Contains("expected (networks * 7) x 112"), shape_error);
  tiny_ae<float>::row_matrix latent(10, 8);
  CHECK_THROWS_AS(ae.decode<1>(latent), shape_error);
}
