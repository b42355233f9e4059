// swatnn::regressor (include/swatnn/regressor.hpp) on the shipped swat-small model with very short searches (tens of
// iterations, one restart, short fine-tuning): it fits a 2-input function better than a constant, predicts in data
// units (the network's output through the scalers, and an MSE in data units that matches the summary), saves and
// loads bit-exactly, exports a header, fits on two threads at once with one shared model (each the same as alone),
// and refuses bad input with the library's errors.
#include <doctest/doctest.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include <swatnn/regressor.hpp>

// compiled once, in instance.cpp
extern template class swatnn::basic_regressor<>;

namespace {

namespace fs = std::filesystem;

// The shipped model, loaded once for every test here (what the facade is meant to share).
const std::shared_ptr<const swatnn::swat_small_autoencoder<>>& shared_model() {
  static const auto model = swatnn::load_shared_autoencoder();
  return model;
}

// y = sin(x0) * x1 on [-2, 2] x [-1, 3] (data units far from [-1, 1], so the scalers matter), seeded.
struct sample {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;
};
sample make_sample(int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u0(-2.0, 2.0), u1(-1.0, 3.0);
  sample s{Eigen::MatrixXd(rows, 2), Eigen::VectorXd(rows)};
  for (int r = 0; r < rows; ++r) {
    s.x(r, 0) = u0(rng);
    s.x(r, 1) = u1(rng);
    s.y(r) = std::sin(s.x(r, 0)) * s.x(r, 1);
  }
  return s;
}

// A search of 60 iterations on one restart per depth, 300 Adam updates per candidate: about a second.
swatnn::regressor_options short_options() {
  swatnn::regressor_options o;
  o.search.restarts = 1;
  o.search.iterations = 60;
  o.tuning.tune.max_iterations = 300;
  o.tuning.tune.patience = 100;
  return o;
}

double mse(const Eigen::VectorXd& a, const Eigen::VectorXd& b) { return (a - b).squaredNorm() / static_cast<double>(a.size()); }

double variance(const Eigen::VectorXd& y) { return (y.array() - y.mean()).square().mean(); }

class scratch_dir {
 public:
  scratch_dir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("swatnn_regressor_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~scratch_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  scratch_dir(const scratch_dir&) = delete;
  scratch_dir& operator=(const scratch_dir&) = delete;
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("regressor: fits a 2-input function and predicts in data units") {
  const sample s = make_sample(300, 1);
  swatnn::regressor r(short_options(), shared_model());
  CHECK_FALSE(r.fitted());
  r.fit(s.x, s.y);
  REQUIRE(r.fitted());
  CHECK(r.model() == shared_model());

  const auto& summary = r.summary();
  REQUIRE(summary.train.has_value());
  REQUIRE(summary.validation.has_value());
  CHECK_FALSE(summary.test.has_value());  // test_fraction 0
  CHECK(summary.nonzero_parameters == r.network().nonzero_parameters());
  CHECK(summary.depth == r.network().depth);
  CHECK(summary.nonzero_parameters > 0);

  // better than the best constant (the mean: MSE = the variance) by far, in data units
  const Eigen::VectorXd predicted = r.predict(s.x);
  REQUIRE(predicted.size() == s.y.size());
  const double fitted_mse = mse(predicted, s.y);
  MESSAGE("data MSE " << fitted_mse << " (variance " << variance(s.y) << "), " << summary.nonzero_parameters
                      << " parameters, depth " << summary.depth);
  CHECK(fitted_mse < 0.3 * variance(s.y));

  // the summary's data-unit MSEs are those of predict() on the training and validation rows (all rows here):
  // the row-weighted mean of the two is the MSE over all rows
  const double validation_rows = std::llround(0.2 * 300), train_rows = 300 - validation_rows;
  const double pooled = (train_rows * summary.train->data + validation_rows * summary.validation->data) / 300;
  CHECK(pooled == doctest::Approx(fitted_mse).epsilon(1e-4));
  // the label scaler was fitted on all rows (no test rows), and scaled MSE x ((max - min) / 2)^2 = data MSE
  const auto& labels = r.label_scaler();
  CHECK(labels.lower(0) == s.y.minCoeff());
  CHECK(labels.upper(0) == s.y.maxCoeff());
  const double half_range = (labels.upper(0) - labels.lower(0)) / 2;
  CHECK(summary.validation->data == doctest::Approx(summary.validation->scaled * half_range * half_range));
  CHECK(summary.validation->data != doctest::Approx(summary.validation->scaled));  // the units differ here
}

TEST_CASE("regressor: predict is the network's output, inputs scaled in and the output unscaled") {
  const sample s = make_sample(200, 2);
  swatnn::regressor r(short_options(), shared_model());
  r.fit(s.x, s.y);
  const sample fresh = make_sample(50, 3);
  const Eigen::VectorXd predicted = r.predict(fresh.x);

  // by hand: v' = 2 (v - lo) / (hi - lo) - 1 per input, the network in float, v = lo + (v' + 1) (hi - lo) / 2
  const auto& in = r.input_scaler();
  const auto& out = r.label_scaler();
  REQUIRE(in.columns() == 2);
  swatnn::cpu::matrix<float> scaled(fresh.x.rows(), 2);
  for (Eigen::Index i = 0; i < fresh.x.rows(); ++i)
    for (Eigen::Index c = 0; c < 2; ++c) {
      const double lo = in.lower(static_cast<std::size_t>(c)), hi = in.upper(static_cast<std::size_t>(c));
      scaled(i, c) = static_cast<float>(2.0 * (fresh.x(i, c) - lo) / (hi - lo) - 1.0);
    }
  const swatnn::cpu::matrix<float> net_out = r.network().predict(scaled);
  for (Eigen::Index i = 0; i < fresh.x.rows(); ++i) {
    const double expected = out.lower(0) + (static_cast<double>(net_out(i, 0)) + 1.0) * (out.upper(0) - out.lower(0)) / 2.0;
    CHECK(predicted(i) == expected);
  }
  // the input scaler was fitted on the data (not the identity): the inputs' ranges are those of the sample
  CHECK(in.lower(1) == doctest::Approx(s.x.col(1).minCoeff()));
  CHECK(in.upper(1) == doctest::Approx(s.x.col(1).maxCoeff()));

  // a float matrix and a one-column y matrix are accepted too
  const Eigen::MatrixXf xf = fresh.x.cast<float>();
  CHECK(r.predict(xf).size() == 50);
}

TEST_CASE("regressor: fit(dataset) uses the dataset's splits and scalers and scores its test split") {
  const sample s = make_sample(250, 4);
  swatnn::data::labelled rows;
  rows.source = "sample";
  rows.input_names = {"a", "b"};
  rows.target_name = "t";
  rows.x = s.x;
  rows.y = s.y;
  for (std::size_t i = 0; i < 250; ++i) rows.rows.push_back(i);
  const auto d = swatnn::data::make_dataset(rows, {.validation_fraction = 0.2, .test_fraction = 0.2, .seed = 7});
  swatnn::regressor r(short_options(), shared_model());
  r.fit(d);
  CHECK(r.input_scaler() == d.input_scaler);
  CHECK(r.label_scaler() == d.label_scaler);
  CHECK(r.input_names() == std::vector<std::string>{"a", "b"});
  CHECK(r.target_name() == "t");
  REQUIRE(r.summary().test.has_value());
  // the test MSE in data units is predict()'s on the test rows in data units
  const Eigen::MatrixXd test_x = d.inputs_to_original(d.test.x);
  const Eigen::VectorXd test_y = d.labels_to_original(d.test.y).col(0);
  CHECK(r.summary().test->data == doctest::Approx(mse(r.predict(test_x), test_y)).epsilon(1e-4));
}

TEST_CASE("regressor: save and load round trip, and export_cpp") {
  const sample s = make_sample(200, 5);
  swatnn::regressor r(short_options(), shared_model());
  r.fit(s.x, s.y);
  const scratch_dir dir;
  r.save(dir / "net.json");

  swatnn::regressor loaded;  // no model: predicting needs none
  loaded.load(dir / "net.json");
  REQUIRE(loaded.fitted());
  CHECK(loaded.model() == nullptr);
  const sample fresh = make_sample(40, 6);
  const Eigen::VectorXd a = r.predict(fresh.x), b = loaded.predict(fresh.x);
  for (Eigen::Index i = 0; i < a.size(); ++i) CHECK(a(i) == b(i));  // bit for bit
  CHECK(loaded.input_scaler() == r.input_scaler());
  CHECK(loaded.label_scaler() == r.label_scaler());
  CHECK(loaded.input_names() == r.input_names());
  CHECK(loaded.target_name() == r.target_name());
  CHECK(loaded.summary().nonzero_parameters == r.summary().nonzero_parameters);
  REQUIRE(loaded.summary().validation.has_value());
  CHECK(loaded.summary().validation->scaled == r.summary().validation->scaled);
  CHECK(loaded.summary().validation->data == doctest::Approx(r.summary().validation->data));

  r.export_cpp(dir / "net.hpp", {.namespace_name = "fitted_net"});
  const std::string header = read_text(dir / "net.hpp");
  CHECK(header.find("namespace fitted_net") != std::string::npos);
  CHECK(header.find("self_test") != std::string::npos);
  CHECK(header.find("#pragma once") != std::string::npos);
  // the fitted scalers are embedded: the header's predict is in data units like r.predict
  CHECK(header.find("inline void predict_scaled(") != std::string::npos);
  CHECK(header == swatnn::to_cpp_header(r.network(), {.namespace_name = "fitted_net",
                                                      .input_scaling = r.input_scaler(),
                                                      .label_scaling = r.label_scaler()}));

  // a network JSON without scalers cannot be a regressor
  swatnn::save_json(r.network(), dir / "bare.json");
  swatnn::regressor bare;
  CHECK_THROWS_WITH_AS(bare.load(dir / "bare.json"), doctest::Contains("has no input_scaling"), swatnn::data_error);
  CHECK_FALSE(bare.fitted());
  CHECK_THROWS_AS(bare.load(dir / "missing.json"), swatnn::io_error);
}

TEST_CASE("regressor: two regressors sharing one model fit on two threads at once, each as it would alone") {
  const sample s = make_sample(200, 8);
  const sample t = make_sample(200, 9);
  swatnn::regressor_options other = short_options();
  other.search.seed = 3;
  swatnn::regressor alone_a(short_options(), shared_model()), alone_b(other, shared_model());
  alone_a.fit(s.x, s.y);
  alone_b.fit(t.x, t.y);

  swatnn::regressor a(short_options(), shared_model()), b(other, shared_model());
  std::exception_ptr error_a, error_b;
  std::thread ta([&] {
    try {
      a.fit(s.x, s.y);
    } catch (...) {
      error_a = std::current_exception();
    }
  });
  std::thread tb([&] {
    try {
      b.fit(t.x, t.y);
    } catch (...) {
      error_b = std::current_exception();
    }
  });
  ta.join();
  tb.join();
  if (error_a) std::rethrow_exception(error_a);
  if (error_b) std::rethrow_exception(error_b);
  CHECK(a.model() == b.model());
  const sample fresh = make_sample(30, 10);
  const Eigen::VectorXd pa = a.predict(fresh.x), pb = b.predict(fresh.x);
  const Eigen::VectorXd qa = alone_a.predict(fresh.x), qb = alone_b.predict(fresh.x);
  for (Eigen::Index i = 0; i < pa.size(); ++i) {
    CHECK(pa(i) == qa(i));
    CHECK(pb(i) == qb(i));
  }
  CHECK(a.summary().nonzero_parameters == alone_a.summary().nonzero_parameters);
  CHECK(b.summary().nonzero_parameters == alone_b.summary().nonzero_parameters);
}

TEST_CASE("regressor: clear errors for bad input") {
  swatnn::regressor r(short_options(), shared_model());
  const sample s = make_sample(100, 11);

  // not fitted
  CHECK_THROWS_WITH_AS(r.predict(s.x), doctest::Contains("not fitted"), swatnn::value_error);
  CHECK_THROWS_WITH_AS(r.network(), doctest::Contains("not fitted"), swatnn::value_error);
  CHECK_THROWS_AS(r.save("never.json"), swatnn::value_error);
  CHECK_THROWS_AS(r.export_cpp("never.hpp"), swatnn::value_error);
  CHECK_FALSE(fs::exists("never.json"));

  // shapes
  const Eigen::MatrixXd three = Eigen::MatrixXd::Ones(10, 3);
  CHECK_THROWS_WITH_AS(r.fit(three, Eigen::VectorXd::Ones(10)), doctest::Contains("X has 3 columns"), swatnn::shape_error);
  CHECK_THROWS_WITH_AS(r.fit(s.x, Eigen::VectorXd::Ones(99)), doctest::Contains("but y has 99"), swatnn::shape_error);
  CHECK_THROWS_AS(r.fit(s.x, Eigen::MatrixXd::Ones(100, 2)), swatnn::shape_error);
  CHECK_THROWS_AS(r.fit(Eigen::MatrixXd(0, 2), Eigen::VectorXd(0)), swatnn::value_error);

  // non-finite values name the row and the column
  Eigen::MatrixXd bad_x = s.x;
  bad_x(7, 1) = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(r.fit(bad_x, s.y), doctest::Contains("X row 7, column 1"), swatnn::value_error);
  Eigen::VectorXd bad_y = s.y;
  bad_y(3) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(r.fit(s.x, bad_y), doctest::Contains("y row 3, column 0"), swatnn::value_error);
  CHECK_FALSE(r.fitted());  // a failed fit leaves nothing behind

  r.fit(s.x, s.y);
  CHECK_THROWS_WITH_AS(r.predict(three), doctest::Contains("X has 3 columns"), swatnn::shape_error);
  CHECK_THROWS_WITH_AS(r.predict(bad_x), doctest::Contains("X row 7, column 1"), swatnn::value_error);

  // options, checked when the regressor is made
  CHECK_THROWS_AS(swatnn::regressor({.threads = -1}), swatnn::value_error);
  swatnn::regressor_options zero_restarts;
  zero_restarts.search.restarts = 0;
  CHECK_THROWS_WITH_AS(swatnn::regressor{zero_restarts}, doctest::Contains("restarts"), swatnn::value_error);
  swatnn::regressor_options negative_penalty;
  negative_penalty.penalties.l1 = -1;
  CHECK_THROWS_WITH_AS(swatnn::regressor{negative_penalty}, doctest::Contains("penalties.l1"), swatnn::value_error);
  swatnn::regressor_options no_validation;
  no_validation.split.validation_fraction = 0;
  CHECK_THROWS_AS(swatnn::regressor{no_validation}, swatnn::value_error);

  // a model file that is not there fails at the first fit, with the checkpoint's own message
  swatnn::regressor_options missing_model = short_options();
  missing_model.model_path = "/nonexistent/swat_small.swt";
  swatnn::regressor no_model(missing_model);
  CHECK_THROWS_AS(no_model.fit(s.x, s.y), swatnn::error);
}
