// Tests for swatnn/data/csv.hpp: reading (header optional, target choice), every error with file / line /
// column in the message, and the writer's round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include <swatnn/data/csv.hpp>
#include <swatnn/data/dataset.hpp>

#include "temp_files.hpp"

using namespace swatnn::data;
using swatnn::test::contains;
using swatnn::test::error_message;
using swatnn::test::scratch_dir;

namespace {
// n rows "x1,x2,y" with y = x1 x2.
std::string body(int n, char delimiter = ',') {
  std::string text;
  for (int i = 0; i < n; ++i) {
    const double a = 0.5 * i, b = 1.0 - 0.25 * i;
    text += std::to_string(a) + delimiter + std::to_string(b) + delimiter + std::to_string(a * b) + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("csv: header row detected, target by name or index") {
  scratch_dir dir;
  const auto path = dir.write("with_header.csv", "x1, x2 ,y\n" + body(12));
  const auto t = read_csv(path);
  CHECK(t.columns == std::vector<std::string>{"x1", "x2", "y"});
  REQUIRE(t.values.rows() == 12);
  CHECK(t.values(3, 0) == 1.5);
  CHECK(t.values(3, 1) == 0.25);
  CHECK(t.source_lines.front() == 2);

  const auto last = load_csv(path);
  CHECK(last.target_name == "y");
  CHECK(last.x.cols() == 2);
  CHECK(last.y(4) == 2.0 * 0.0);
  CHECK(last.y(6) == 3.0 * -0.5);
  const auto named = load_csv(path, {.target = "x1"});
  CHECK(named.target_name == "x1");
  CHECK(named.input_names == std::vector<std::string>{"x2", "y"});
  const auto indexed = load_csv(path, {.target = 1});
  CHECK(indexed.target_name == "x2");
}

TEST_CASE("csv: no header, other delimiter, blank lines, CRLF, quotes and '+'") {
  scratch_dir dir;
  std::string text = body(11, ';');
  text.insert(text.find('\n') + 1, "\n  \n");
  text += "\"1.0\";+2;-3e-1\r\n";
  const auto path = dir.write("plain.csv", text);
  const auto t = read_csv(path, {.delimiter = ';'});
  CHECK(t.columns == std::vector<std::string>{"column 0", "column 1", "column 2"});
  REQUIRE(t.values.rows() == 12);
  CHECK(t.values(11, 0) == 1.0);
  CHECK(t.values(11, 1) == 2.0);
  CHECK(t.values(11, 2) == -0.3);
  CHECK(t.source_lines[1] == 4);  // blank lines 2 and 3 skipped, still counted
  // forcing a header on numeric data treats the first line as names
  const auto forced = read_csv(path, {.delimiter = ';', .header = header_row::present});
  CHECK(forced.values.rows() == 11);
  CHECK(forced.columns[0] == "0.000000");
}

TEST_CASE("csv: missing file") {
  scratch_dir dir;
  const auto path = dir.file("nope.csv");
  const auto msg = error_message<swatnn::io_error>([&] { (void)load_csv(path); });
  CHECK(contains(msg, path));
  CHECK(contains(msg, "no such file"));
  CHECK_THROWS_AS(load_csv(dir.file("")), swatnn::io_error);  // a directory
}

TEST_CASE("csv: empty file") {
  scratch_dir dir;
  const auto path = dir.write("empty.csv", "");
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(path); });
  CHECK(contains(msg, "empty.csv"));
  CHECK(contains(msg, "empty"));
  const auto blank = dir.write("blank.csv", "\n \n");
  CHECK_THROWS_AS(load_csv(blank), swatnn::data_error);
  const auto header_only = dir.write("header_only.csv", "a,b,y\n");
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)load_csv(header_only); }), "0 data rows"));
}

TEST_CASE("csv: ragged rows name the line") {
  scratch_dir dir;
  std::string text = "x1,x2,y\n" + body(12);
  text += "1,2\n";  // line 14
  const auto path = dir.write("ragged.csv", text);
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(path); });
  CHECK(contains(msg, "ragged.csv"));
  CHECK(contains(msg, "line 14"));
  CHECK(contains(msg, "2 cells, expected 3"));
}

TEST_CASE("csv: non-numeric cells name line and column") {
  scratch_dir dir;
  std::string text = "x1,x2,y\n" + body(12);
  text += "1.5,abc,3\n";  // line 14
  const auto path = dir.write("text.csv", text);
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(path); });
  CHECK(contains(msg, "text.csv"));
  CHECK(contains(msg, "line 14"));
  CHECK(contains(msg, "column index 1 ('x2')"));
  CHECK(contains(msg, "'abc'"));

  const auto partial = dir.write("partial.csv", body(12) + "1.5x,1,2\n");
  const auto m2 = error_message<swatnn::data_error>([&] { (void)load_csv(partial); });
  CHECK(contains(m2, "line 13"));
  CHECK(contains(m2, "column index 0"));
  const auto empty_cell = dir.write("empty_cell.csv", body(12) + "1,,2\n");
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)load_csv(empty_cell); }), "empty cell"));
  const auto mixed = dir.write("mixed.csv", "x1,2,y\n" + body(12));
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)load_csv(mixed); }), "line 1"));
}

TEST_CASE("csv: NaN and Inf are rejected with line and column") {
  scratch_dir dir;
  for (const std::string bad : {"nan", "NaN", "inf", "-inf", "1e999"}) {
    CAPTURE(bad);
    const auto path = dir.write("nan.csv", "x1,x2,y\n" + body(5) + "1," + bad + ",2\n" + body(6));
    const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(path); });
    CHECK(contains(msg, "nan.csv"));
    CHECK(contains(msg, "line 7"));
    CHECK(contains(msg, "column index 1 ('x2')"));
    CHECK(contains(msg, "not finite"));
  }
}

TEST_CASE("csv: fewer than 10 rows") {
  scratch_dir dir;
  const auto path = dir.write("short.csv", "a,b\n" + std::string("1,2\n2,3\n3,4\n"));
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(path); });
  CHECK(contains(msg, "short.csv"));
  CHECK(contains(msg, "3 data rows"));
  CHECK(contains(msg, "at least 10"));
}

TEST_CASE("csv: a target column that does not exist") {
  scratch_dir dir;
  const auto path = dir.write("cols.csv", "x1,x2,y\n" + body(12));
  const auto msg = error_message<swatnn::value_error>([&] { (void)load_csv(path, {.target = "target"}); });
  CHECK(contains(msg, "cols.csv"));
  CHECK(contains(msg, "'target'"));
  CHECK(contains(msg, "'x1', 'x2', 'y'"));
  CHECK(contains(error_message<swatnn::value_error>([&] { (void)load_csv(path, {.target = 5}); }), "index 5"));
}

TEST_CASE("csv: input count must match the model") {
  scratch_dir dir;
  const auto path = dir.write("three.csv", "x1,x2,y\n" + body(12));
  const auto d = make_dataset(load_csv(path));
  CHECK_NOTHROW(require_inputs<2>(d));
  const auto msg = error_message<swatnn::shape_error>([&] { require_inputs<4>(d); });
  CHECK(contains(msg, "three.csv"));
  CHECK(contains(msg, "expects 4"));
}

TEST_CASE("csv: save and reload round-trips exactly") {
  scratch_dir dir;
  swatnn::cpu::matrix<float> pred(13, 2);
  for (int r = 0; r < 13; ++r) pred.row(r) << 1.0f / (r + 3.0f), -1e-7f * r + 123456.7f;
  const auto path = dir.file("pred.csv");
  save_csv(path, pred, {"p", "q"});
  const auto t = read_csv(path);
  CHECK(t.columns == std::vector<std::string>{"p", "q"});
  CHECK(t.values.cast<float>() == pred);

  swatnn::cpu::matrix<double> exact(11, 1);
  for (int r = 0; r < 11; ++r) exact(r, 0) = std::sqrt(2.0 + r) * 1e-30;
  save_csv(dir.file("exact.csv"), exact);
  CHECK(read_csv(dir.file("exact.csv")).values == exact);

  CHECK_THROWS_AS(save_csv(path, pred, {"only one"}), swatnn::shape_error);
  const auto unwritable = dir.file("missing_dir/pred.csv");
  CHECK(contains(error_message<swatnn::io_error>([&] { save_csv(unwritable, pred); }), unwritable));
}
