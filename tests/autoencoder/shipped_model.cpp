// The shipped model (models/swat_small.swt) loads into the swat-small configuration and reproduces the held-out
// reconstruction figures recorded when it was shipped (models/swat_small.record, written by
// `swatnn evaluate-autoencoder --model models/swat_small.swt --networks 32 --batch 8 --points 200 --seed 2026 --record FILE`).
#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/swat_small.hpp>

using namespace swatnn;

TEST_CASE("the shipped model loads and reproduces its recorded held-out NMSE") {
  const auto model = default_model_path();
  std::ifstream in(model.parent_path() / "swat_small.record");
  REQUIRE_MESSAGE(in.good(), "missing " << (model.parent_path() / "swat_small.record").string());
  std::map<std::string, double> record;
  for (std::string key; in >> key;) in >> record[key];
  REQUIRE(record.count("median_nmse") == 1);

  swat_small_autoencoder<> ae;
  load_model(ae, model);
  const auto report = evaluate_reconstruction(ae, {.networks = static_cast<int>(record["networks"]),
                                                   .batch = static_cast<int>(record["batch"]),
                                                   .points = static_cast<int>(record["points"]),
                                                   .seed = static_cast<std::uint64_t>(record["seed"])});
  CHECK(report.median_nmse == doctest::Approx(record["median_nmse"]).epsilon(1e-4));
  CHECK(report.mean_nmse == doctest::Approx(record["mean_nmse"]).epsilon(1e-4));
  // and it is a trained model: far better than predicting zero
  CHECK(report.median_nmse < 0.5 * report.median_zero_nmse);
}

TEST_CASE("a model file of another configuration is refused with the reason") {
  using other = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2, 3, 4>>;
  other ae;
  CHECK_THROWS_AS(load_model(ae, default_model_path()), checkpoint_error);
}
