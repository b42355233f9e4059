// Tests for searching data of k < S::inputs inputs with a universal-family autoencoder (universal_spec): the
// gradient of one search iteration on k-column points against finite differences (the masked first-layer rows
// included), that the mask makes the rows beyond k irrelevant, a whole run returning k-input networks, and
// fine-tuning / Levenberg-Marquardt / pruning on k-column splits.
#include <doctest/doctest.h>

#include <cmath>
#include <span>

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>
#include <swatnn/search/latent_search.hpp>
#include <swatnn/search/prune.hpp>

#include "support/alloc_counter.hpp"
#include "support/search_gradient.hpp"

using namespace swatnn;

namespace {
template <class T>
using universal_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                            transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu,
                                            universal_spec, T>;

// y = tanh(x1 - x2 + 0.5 x3) on [-1, 1]^3.
data::split three_input_split(int n, unsigned seed) {
  std::srand(seed);
  data::split s;
  s.x = cpu::matrix<float>::Random(n, 3);
  s.y.resize(n, 1);
  for (int i = 0; i < n; ++i) s.y(i, 0) = std::tanh(s.x(i, 0) - s.x(i, 1) + 0.5f * s.x(i, 2));
  return s;
}
}  // namespace

TEST_CASE("a search iteration on 3-input points: its gradient matches finite differences, masked rows included") {
  universal_ae<double> ae({.seed = 4});
  latent_search search(ae, paper_regularizers(), adam{}, {.restarts = 2, .weight_sharpness = 8, .neuron_sharpness = 6});
  search.initialize();
  search.thresholds()[1] = 0.3;
  cpu::matrix<double> x = cpu::matrix<double>::Random(12, 3);
  cpu::matrix<double> y = cpu::matrix<double>::Random(12, 1);
  test::check_search_gradient(search, x, y, 0.6, {0, 1}, /*thresholds=*/true);
}

TEST_CASE("the mask: on 3-input points the loss ignores what the decoders put in the first layer's rows 4..7") {
  universal_ae<double> ae({.seed = 5});
  latent_search search(ae, paper_regularizers(), adam{}, {.restarts = 1});
  search.initialize();
  cpu::matrix<double> x = cpu::matrix<double>::Random(20, 3);
  cpu::matrix<double> y = cpu::matrix<double>::Random(20, 1);
  // The same points padded with zero columns, but seen as 7-input data: the unmasked rows meet zeros in the data
  // term, not in the penalties, so the loss differs from the 3-input one exactly by what those rows add there.
  cpu::matrix<double> padded = cpu::matrix<double>::Zero(20, 7);
  padded.leftCols(3) = x;
  const double masked = search.loss_and_gradient(x, y, 0.5);
  const double unmasked = search.loss_and_gradient(padded, y, 0.5);
  CHECK(masked != unmasked);
  CHECK(search.loss_and_gradient(x, y, 0.5) == masked);  // deterministic, and the padding buffer is reused
  CHECK_THROWS_WITH_AS(search.loss_and_gradient(cpu::matrix<double>::Zero(20, 8), y, 0.5),
                       doctest::Contains("the autoencoder's networks take 1..7 inputs"), shape_error);
}

TEST_CASE("search iterations on 3-input points allocate nothing after the first (padding and mask buffers reused)") {
  if (!test::allocation_counting_enabled) return;
  universal_ae<float> ae({.seed = 6});
  latent_search search(ae, paper_regularizers(), adam{}, {.restarts = 2});
  search.initialize();
  cpu::matrix<float> x = cpu::matrix<float>::Random(100, 3);
  cpu::matrix<float> y = cpu::matrix<float>::Random(100, 1);
  search.loss_and_gradient(x, y, 0.5f);
  const auto before = test::allocation_count();
  for (int i = 0; i < 3; ++i) search.loss_and_gradient(x, y, 0.5f);
  CHECK(test::allocation_count() == before);
}

TEST_CASE("a search run on 3-input data returns 3-input networks that predict on 3-column points") {
  universal_ae<float> ae({.seed = 9});
  const auto train = three_input_split(200, 1), validation = three_input_split(60, 2);
  latent_search search(ae, paper_regularizers(), adam{},
                       {.restarts = 2, .iterations = 60, .seed = 3, .temperature = {.anneal_iterations = 30},
                        .select_after = 30, .validation_every = 10});
  const auto result = search.run(train, validation);
  REQUIRE(result.candidates.size() == 4);
  for (const auto& c : result.candidates) {
    if (!std::isfinite(c.validation_mse)) continue;
    CHECK(c.network.inputs == 3);
    c.network.validate();
    const cpu::matrix<float> pred = c.network.predict(validation.x);
    CHECK(static_cast<double>((pred - validation.y).squaredNorm()) / 60.0 == doctest::Approx(c.validation_mse));
  }
  data::split mixed = validation;
  mixed.x = cpu::matrix<float>::Random(60, 4);
  CHECK_THROWS_WITH_AS(search.run(train, mixed),
                       doctest::Contains("the validation split has 4 inputs, the train split 3"), shape_error);
}

TEST_CASE("fine-tuning, Levenberg-Marquardt and pruning take the k-column splits of a k-input network") {
  const auto train = three_input_split(300, 3), validation = three_input_split(80, 4);
  // a 3-4-1 tanh network of the universal family with every weight nonzero
  auto net = sparse_network<universal_spec>::zeros(1, 3);
  for (int j = 0; j < 4; ++j) {
    net.layers[0].active[j] = true;
    net.layers[0].activations[j] = activation::tanh;
    for (int i = 0; i < 3; ++i) net.layers[0].weights(i, j) = 0.3f * static_cast<float>(i - j) + 0.1f;
    net.output_weights(j, 0) = 0.5f - 0.2f * static_cast<float>(j);
  }
  const double before = static_cast<double>((net.predict(validation.x) - validation.y).squaredNorm()) / 80.0;
  const auto tuned =
      fine_tune(net, train, validation, fine_tune_options<adam>{.optimizer = {.lr = 1e-2}, .max_iterations = 300});
  CHECK(tuned.net.inputs == 3);
  CHECK(tuned.validation_mse < before);
  CHECK(tuned.net.layers[0].weights.bottomRows(4).isZero(0));
  const auto polished = fine_tune_lm(tuned.net, train, validation, {.max_iterations = 20});
  CHECK(polished.net.inputs == 3);
  CHECK(polished.validation_mse <= tuned.validation_mse);
  auto retune = [&](const sparse_network<universal_spec>& n) {
    return fine_tune(n, train, validation, fine_tune_options<adam>{.max_iterations = 50}).net;
  };
  auto pruned = prune_to_budget(polished.net, train.x, {.max_parameters = 8}, retune);
  CHECK(pruned.inputs == 3);
  CHECK(pruned.nonzero_parameters() <= 8);
  data::split wrong = train;
  wrong.x = cpu::matrix<float>::Random(300, 2);
  CHECK_THROWS_WITH_AS(fine_tune(net, wrong, validation),
                       doctest::Contains("x has 2 columns, the network has 3 inputs"), shape_error);
}
