// The GNN encoder composed into multiscale_autoencoder: shapes, determinism and a finite-difference gradient
// check in double of the full training objective with respect to every parameter (encoder and decoders).
#include <doctest/doctest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/gnn_encoder.hpp>

#include "support/objective_gradient.hpp"

using namespace swatnn;

namespace {
template <class T>
using gnn_ae = multiscale_autoencoder<gnn_encoder<{.dim = 8, .hidden = 8, .rounds = 2}>,
                                      transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu, paper_spec, T>;
}

TEST_CASE("the GNN encoder composes into the multiscale autoencoder") {
  static_assert(encoder_policy<gnn_encoder<{.dim = 8, .hidden = 8, .rounds = 2}>, paper_spec, float, cpu>);
  gnn_ae<float> ae;
  network_generator<paper_spec, float> gen({.networks = 3, .points = 20, .mixed_depths = true}, 4);
  const auto batch = gen.next();
  const auto& z = ae.encode(batch.tokens);
  CHECK(z.rows() == 21);
  CHECK(z.cols() == 8);
  const gnn_ae<float>::row_matrix latent = z;
  CHECK(ae.decode<2>(latent).cols() == 32);
  const float a = ae.forward(batch);
  CHECK(std::isfinite(a));
  CHECK(ae.forward(batch) == a);
  gnn_ae<float> same;
  CHECK(same.forward(batch) == a);
  CHECK(gnn_ae<float>::describe().find("encoder=gnn_encoder(dim=8,hidden=8,rounds=2,ffn=16)") != std::string::npos);
  CHECK(ae.forward_flops(3, 20) > 0.0);
}

TEST_CASE("the GNN autoencoder's training objective has the finite-difference gradient for every parameter") {
  gnn_ae<double> ae({.seed = 7});
  network_generator<paper_spec, double> gen({.networks = 2, .points = 6, .mixed_depths = true}, 11);
  const auto batch = gen.next();
  const auto r = test::check_objective_gradient(ae, batch);
  INFO(r.describe());
  CHECK(r.passed(1e-5));
  CHECK(r.checked == ae.parameters().size());
  // the loss reaches the encoder: its blocks get gradient (left in the buffer by the check's backward)
  for (const auto& block : ae.parameters().blocks())
    if (block.name.rfind("encoder.gnn.round", 0) == 0 || block.name.rfind("encoder.gnn.embed", 0) == 0) {
      CAPTURE(block.name);
      CHECK(ae.parameters().gradient(block.handle()).cwiseAbs().maxCoeff() > 0.0);
    }
}

TEST_CASE("docs/encoders.md: the GNN encoder composes with the transformer decoders at every depth") {
  // example: gnn-autoencoder
  using ae = swatnn::multiscale_autoencoder<swatnn::gnn_encoder<{.dim = 64, .hidden = 64, .rounds = 3}>,
                                            swatnn::transformer_decoder<{.heads = 4, .blocks = 2}>,
                                            swatnn::scales<1, 2, 3, 4>>;
  // end example: gnn-autoencoder
  static_assert(ae::levels == 4);
  ae model;
  network_generator<paper_spec, float> gen({.networks = 2, .points = 16, .mixed_depths = true}, 3);
  const auto batch = gen.next();
  CHECK(model.encode(batch.tokens).cols() == 64);
  CHECK(std::isfinite(model.forward(batch)));
}
