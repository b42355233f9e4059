// The shipped models load into the swat-small configuration of their family and reproduce the held-out
// reconstruction figures recorded when they were shipped: models/swat_small.swt (2 inputs; models/swat_small.record,
// written by `swatnn evaluate-autoencoder --model models/swat_small.swt --networks 32 --batch 8 --points 200
// --seed 2026 --record FILE`) and models/swat_small_universal.swt (1 to 7 inputs; swat_small_universal.record, the
// same with --universal --inputs 3). A model of one family warm-starts the other (load_model_of_other_inputs).
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/swat_small.hpp>

using namespace swatnn;

namespace {
// Loads `model` into AE and checks the figures of the record next to it (`record_name`).
template <class AE>
void check_record(const std::filesystem::path& model, const char* record_name) {
  std::ifstream in(model.parent_path() / record_name);
  REQUIRE_MESSAGE(in.good(), "missing " << (model.parent_path() / record_name).string());
  std::map<std::string, double> record;
  for (std::string key; in >> key;) in >> record[key];
  REQUIRE(record.count("median_nmse") == 1);

  AE ae;
  load_model(ae, model);
  const auto report = evaluate_reconstruction(ae, {.networks = static_cast<int>(record["networks"]),
                                                   .batch = static_cast<int>(record["batch"]),
                                                   .points = static_cast<int>(record["points"]),
                                                   .seed = static_cast<std::uint64_t>(record["seed"]),
                                                   .inputs = static_cast<int>(record["inputs"])});
  CHECK(report.median_nmse == doctest::Approx(record["median_nmse"]).epsilon(1e-4));
  CHECK(report.mean_nmse == doctest::Approx(record["mean_nmse"]).epsilon(1e-4));
  // and it is a trained model: far better than predicting zero
  CHECK(report.median_nmse < 0.5 * report.median_zero_nmse);
}
}  // namespace

TEST_CASE("the shipped model loads and reproduces its recorded held-out NMSE") {
  check_record<swat_small_autoencoder<>>(default_model_path(), "swat_small.record");
}

TEST_CASE("the shipped universal model loads and reproduces its recorded held-out NMSE on 3-input networks") {
  check_record<swat_small_universal_autoencoder<>>(universal_model_path(), "swat_small_universal.record");
}

TEST_CASE("a model of the 2-input family warm-starts the universal one, and not the other way round by accident") {
  swat_small_universal_autoencoder<> universal;
  CHECK_THROWS_AS(load_model(universal, default_model_path()), checkpoint_error);  // another family
  load_model_of_other_inputs(universal, default_model_path());
  swat_small_autoencoder<> paper;
  load_model(paper, default_model_path());
  const auto a = universal.parameters().values(), b = paper.parameters().values();
  REQUIRE(a.size() == b.size());
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
  using other = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2, 3, 4>, cpu,
                                       universal_spec>;
  other small;
  CHECK_THROWS_WITH_AS(load_model_of_other_inputs(small, default_model_path()),
                       doctest::Contains("for any input count"), checkpoint_error);
}

TEST_CASE("a model file of another configuration is refused with the reason") {
  using other = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2, 3, 4>>;
  other ae;
  CHECK_THROWS_AS(load_model(ae, default_model_path()), checkpoint_error);
}
