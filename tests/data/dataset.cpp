// Tests for swatnn/data/table.hpp and swatnn/data/dataset.hpp: target and input selection, splits, scaling kept,
// option checks and the model-input check.
#include <doctest/doctest.h>

#include <cmath>
#include <set>
#include <string>

#include <swatnn/data/dataset.hpp>
#include <swatnn/data/table.hpp>

using namespace swatnn::data;

namespace {
// y = 3 a - b + 10 on 40 rows, columns a, b, y.
table make_table(std::size_t rows = 40) {
  table t;
  t.source = "mem.csv";
  t.columns = {"a", "b", "y"};
  t.values.resize(static_cast<Eigen::Index>(rows), 3);
  for (Eigen::Index r = 0; r < t.values.rows(); ++r) {
    const double a = std::sin(0.7 * static_cast<double>(r)) * 4.0;
    const double b = static_cast<double>(r) * 0.25 - 3.0;
    t.values.row(r) << a, b, 3 * a - b + 10;
  }
  return t;
}

template <class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const swatnn::error& e) {
    return e.what();
  }
  return "<no exception>";
}
}  // namespace

TEST_CASE("dataset: target chosen by name, index or from the end") {
  const auto t = make_table();
  const auto last = select_target(t);
  CHECK(last.target_name == "y");
  CHECK(last.input_names == std::vector<std::string>{"a", "b"});
  CHECK(last.x.col(1) == t.values.col(1));
  CHECK(last.y == t.values.col(2));
  const auto by_name = select_target(t, "a");
  CHECK(by_name.target_name == "a");
  CHECK(by_name.input_names == std::vector<std::string>{"b", "y"});
  CHECK(by_name.y == t.values.col(0));
  CHECK(select_target(t, 1).target_name == "b");
  CHECK(select_target(t, -3).target_name == "a");
  CHECK(select_target(t, std::string("b")).target_name == "b");
}

TEST_CASE("dataset: input columns chosen by name or index, in the order given (select_columns)") {
  table t = make_table();
  t.columns = {"a", "b", "y"};
  const auto picked = select_columns(t, {"b", 0}, "y");
  CHECK(picked.input_names == std::vector<std::string>{"b", "a"});
  CHECK(picked.target_name == "y");
  REQUIRE(picked.x.cols() == 2);
  CHECK(picked.x(5, 0) == t.values(5, 1));
  CHECK(picked.x(5, 1) == t.values(5, 0));
  CHECK(picked.y(7) == t.values(7, 2));
  const auto one = select_columns(t, {"a"}, -1);  // a column left out
  CHECK(one.input_names == std::vector<std::string>{"a"});
  CHECK(one.x.cols() == 1);
  CHECK(select_columns(t, {}, "a").input_names == std::vector<std::string>{"b", "y"});  // empty: all but the target
  CHECK(message_of([&] { (void)select_columns(t, {"a", "z"}, "y"); }).find("no column named 'z'") != std::string::npos);
  CHECK(message_of([&] { (void)select_columns(t, {5}, "y"); }).find("input column index 5 does not exist") !=
        std::string::npos);
  CHECK(message_of([&] { (void)select_columns(t, {"a", "y"}, "y"); })
            .find("column index 2 ('y') is chosen as an input and as the target") != std::string::npos);
  CHECK(message_of([&] { (void)select_columns(t, {"a", 0}, "y"); }).find("chosen twice") != std::string::npos);
  CHECK_THROWS_AS(select_columns(t, {"a", "a"}, "y"), swatnn::value_error);
  // only the chosen columns must be finite: a NaN in a column left out is not read
  t.values(3, 1) = NAN;
  CHECK_NOTHROW(select_columns(t, {"a"}, "y"));
  CHECK(message_of([&] { (void)select_columns(t, {"a", "b"}, "y"); }).find("column index 1 ('b')") != std::string::npos);
}

TEST_CASE("dataset: a target that does not exist names the file and the columns") {
  const auto t = make_table();
  const auto by_name = message_of([&] { (void)select_target(t, "z"); });
  CHECK(by_name.find("mem.csv") != std::string::npos);
  CHECK(by_name.find("'z'") != std::string::npos);
  CHECK(by_name.find("'a', 'b', 'y'") != std::string::npos);
  CHECK_THROWS_AS(select_target(t, "z"), swatnn::value_error);
  CHECK_THROWS_AS(select_target(t, 3), swatnn::value_error);
  CHECK_THROWS_AS(select_target(t, -4), swatnn::value_error);
  CHECK(message_of([&] { (void)select_target(t, 7); }).find("index 7") != std::string::npos);
}

TEST_CASE("dataset: table checks (rows, columns, finite values)") {
  CHECK_THROWS_AS(select_target(make_table(9)), swatnn::data_error);
  CHECK(message_of([] { (void)select_target(make_table(9)); }).find("9 data rows") != std::string::npos);
  CHECK_NOTHROW(select_target(make_table(10)));
  auto t = make_table();
  t.values(12, 1) = INFINITY;
  const auto msg = message_of([&] { (void)select_target(t); });
  CHECK(msg.find("mem.csv") != std::string::npos);
  CHECK(msg.find("row index 12") != std::string::npos);
  CHECK(msg.find("column index 1 ('b')") != std::string::npos);
  auto one = make_table();
  one.values = one.values.leftCols(1).eval();
  one.columns = {"a"};
  CHECK_THROWS_AS(select_target(one), swatnn::data_error);
  auto dup = make_table();
  dup.columns = {"a", "a", "y"};
  CHECK_THROWS_AS(select_target(dup), swatnn::data_error);
}

TEST_CASE("dataset: make_dataset from one file, scalers kept and invertible") {
  const auto rows = select_target(make_table(100));
  const auto d = make_dataset(rows, {.validation_fraction = 0.25, .test_fraction = 0.2, .seed = 5});
  CHECK(d.test.size() == 20);
  CHECK(d.validation.size() == 20);
  CHECK(d.train.size() == 60);
  CHECK(d.inputs() == 2);
  std::set<std::size_t> all;
  for (const auto* s : {&d.train, &d.validation, &d.test}) all.insert(s->rows.begin(), s->rows.end());
  CHECK(all.size() == 100);
  // scalers fitted on train + validation only: those rows span [-1, 1] exactly, per column
  for (int c = 0; c < 2; ++c) {
    const float lo = std::min(d.train.x.col(c).minCoeff(), d.validation.x.col(c).minCoeff());
    const float hi = std::max(d.train.x.col(c).maxCoeff(), d.validation.x.col(c).maxCoeff());
    CHECK(lo == -1.0f);
    CHECK(hi == 1.0f);
  }
  // map back
  const auto labels = d.labels_to_original(d.train.y);
  for (std::size_t i = 0; i < d.train.size(); ++i) {
    const auto src = static_cast<Eigen::Index>(d.train.rows[i]);
    CHECK(labels(static_cast<Eigen::Index>(i), 0) == doctest::Approx(rows.y(src)).epsilon(1e-6));
  }
  const auto again = d.scale_inputs(rows.x);
  CHECK(again.row(static_cast<Eigen::Index>(d.test.rows[0])) == d.test.x.row(0));
  // determinism
  const auto d2 = make_dataset(rows, {.validation_fraction = 0.25, .test_fraction = 0.2, .seed = 5});
  CHECK(d2.test.rows == d.test.rows);
  CHECK(d2.validation.rows == d.validation.rows);
  const auto d3 = make_dataset(rows, {.validation_fraction = 0.25, .test_fraction = 0.2, .seed = 6});
  CHECK(d3.test.rows != d.test.rows);
}

TEST_CASE("dataset: make_dataset with a separate test set") {
  const auto train = select_target(make_table(50));
  auto test_table = make_table(20);
  test_table.source = "test.csv";
  test_table.values.col(0).array() += 100.0;  // beyond the training range: scaled outside [-1, 1], not clamped
  const auto test = select_target(test_table);
  const auto d = make_dataset(train, test);
  CHECK(d.train.size() == 40);
  CHECK(d.validation.size() == 10);
  CHECK(d.test.size() == 20);
  CHECK(d.test.x.col(0).minCoeff() > 1.0f);
  CHECK_THROWS_AS(make_dataset(train, test, {.test_fraction = 0.1}), swatnn::value_error);
  const auto other_columns = select_target(test_table, "a");
  CHECK_THROWS_AS(make_dataset(train, other_columns), swatnn::shape_error);
}

TEST_CASE("dataset: options are validated, never clamped") {
  const auto rows = select_target(make_table());
  CHECK_THROWS_AS(make_dataset(rows, {.validation_fraction = 1.0}), swatnn::value_error);
  CHECK_THROWS_AS(make_dataset(rows, {.validation_fraction = -0.01}), swatnn::value_error);
  CHECK_THROWS_AS(make_dataset(rows, {.validation_fraction = NAN}), swatnn::value_error);
  CHECK_THROWS_AS(make_dataset(rows, {.test_fraction = 1.0}), swatnn::value_error);
  CHECK_THROWS_AS(make_dataset(rows, {.validation_fraction = 0.99}), swatnn::value_error);  // no rows left
  CHECK(make_dataset(rows, {.validation_fraction = 0.0}).validation.empty());
}

TEST_CASE("dataset: input count must match the model") {
  const auto d = make_dataset(select_target(make_table()));
  CHECK_NOTHROW(require_inputs<2>(d));
  CHECK_NOTHROW(require_inputs(d, 2));
  CHECK_THROWS_AS(require_inputs<3>(d), swatnn::shape_error);
  const auto msg = message_of([&] { require_inputs<1>(d); });
  CHECK(msg.find("mem.csv") != std::string::npos);
  CHECK(msg.find("2 input column(s)") != std::string::npos);
  CHECK(msg.find("expects 1") != std::string::npos);
}
