// The code of docs/data.md, compiled and run here: the page shows the `// example: NAME` regions below, line for
// line (tests/docs/pages.cpp checks it). It runs in a scratch directory holding a measurements.csv; the labels it
// maps back are checked against the file's values.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "data/temp_files.hpp"
#include "support/doc_examples.hpp"

// example: data-includes
#include <swatnn/data/cornn.hpp>
#include <swatnn/data/csv.hpp>
#include <swatnn/data/npy.hpp>
using namespace swatnn;
// end example: data-includes

TEST_CASE("docs/data.md: CORNN, a CSV file of one's own, scaling back and saving") {
  const test::scratch_dir dir;
  std::string csv = "temperature,pressure,yield\n";
  for (int i = 0; i < 100; ++i)
    csv += std::to_string(20 + i % 13) + "," + std::to_string(1.0 + 0.01 * i) + "," + std::to_string(5.0 + 0.5 * i) + "\n";
  dir.write("measurements.csv", csv);
  const test::working_directory in(std::filesystem::path(dir.file("measurements.csv")).parent_path());

  // example: data-usage
  // CORNN: bit-exact regeneration, scaled as in the paper; 3000 train / 750 validation / 1250 test rows.
  data::dataset rastrigin = cornn::load("Rastrigin");                         // default: 20 % validation, seed 0
  data::dataset other     = cornn::load("Rastrigin", {.validation_fraction = 0.1, .validation_seed = 3});
  // rastrigin.train.x : cpu::matrix<float> 3000 x 2 (scaled), rastrigin.train.y : 3000 x 1 (scaled label)

  // User data: target by name or index, validation carved from the training rows, test optional.
  data::dataset mine = data::make_dataset(data::load_csv("measurements.csv", {.target = "yield"}),
                                          {.validation_fraction = 0.2, .test_fraction = 0.1, .seed = 1});
  data::require_inputs<2>(mine);   // shape_error unless the file has exactly 2 input columns

  cpu::matrix<float> prediction = mine.test.y;   // stands for a model's output on mine.test.x (scaled units)
  cpu::matrix<double> in_units = mine.labels_to_original(prediction);   // back to the file's units
  data::save_csv("prediction.csv", in_units, {"yield"});
  data::save_npy("prediction.npy", in_units);
  // end example: data-usage

  CHECK(rastrigin.train.x.rows() == 3000);
  CHECK(rastrigin.validation.x.rows() == 750);
  CHECK(rastrigin.test.x.rows() == 1250);
  CHECK(rastrigin.train.x.cols() == 2);
  CHECK(other.validation.x.rows() == 375);
  REQUIRE(mine.test.x.rows() == 10);
  // the test labels back in the file's units: yields 5.0 + 0.5 i, all within the file's range
  for (Eigen::Index r = 0; r < in_units.rows(); ++r) {
    CHECK(in_units(r, 0) >= 5.0 - 1e-4);
    CHECK(in_units(r, 0) <= 54.5 + 1e-4);
    const double steps = (in_units(r, 0) - 5.0) / 0.5;
    CHECK(std::abs(steps - std::round(steps)) < 1e-3);
  }
  CHECK(std::filesystem::is_regular_file("prediction.csv"));
  CHECK(std::filesystem::is_regular_file("prediction.npy"));
}
