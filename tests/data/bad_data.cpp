// Bad and unusual data through the CSV reader and make_dataset, each with the message (or the result) a user
// gets: constant target, duplicated rows, the fewest rows per split, values near the float limits, NaN only in
// the test file, a byte order mark and CRLF line endings, UTF-8 column names, and 10^6 rows (time and memory
// measured and bounded). More inputs than the model has: tests/data/csv.cpp and dataset.cpp ("input count").
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <sys/resource.h>

#include <swatnn/data/csv.hpp>
#include <swatnn/data/dataset.hpp>

#include "temp_files.hpp"

using namespace swatnn::data;
using swatnn::test::contains;
using swatnn::test::error_message;
using swatnn::test::scratch_dir;

namespace {
std::string number(double v) { return swatnn::data::detail::number(v); }

// "x1,x2,y" and `rows` rows from f(row) -> {x1, x2, y}, numbers in shortest round-trip form
template <class F>
std::string csv_of(int rows, F&& f, const std::string& header = "x1,x2,y\n", const std::string& eol = "\n") {
  std::string text = header;
  for (int r = 0; r < rows; ++r) {
    const auto [a, b, y] = f(r);
    text += number(a) + "," + number(b) + "," + number(y) + eol;
  }
  return text;
}

long peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}
}  // namespace

TEST_CASE("bad data: a constant target names the column and the fix") {
  scratch_dir dir;
  const auto path = dir.write("constant.csv", csv_of(20, [](int r) { return std::tuple{0.1 * r, 1.0 - r, 3.0}; }));
  const auto msg = error_message<swatnn::data_error>([&] { (void)make_dataset(load_csv(path)); });
  CHECK(contains(msg, "constant.csv"));
  CHECK(contains(msg, "('y') is constant (3)"));
  CHECK(contains(msg, "drop the column"));
  // a constant input column too
  const auto p2 = dir.write("constant_x.csv", csv_of(20, [](int r) { return std::tuple{2.0, 1.0 - r, 0.5 * r}; }));
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)make_dataset(load_csv(p2)); }), "('x1') is constant (2)"));
}

TEST_CASE("bad data: duplicated rows are data (kept, every copy counted); all rows identical is a constant column") {
  scratch_dir dir;
  const auto path = dir.write("dup.csv", csv_of(40, [](int r) { return std::tuple{0.5 * (r / 2), 1.0 * (r % 7), 1.0 * (r / 2)}; }));
  const auto d = make_dataset(load_csv(path), {.validation_fraction = 0.25, .test_fraction = 0.25});
  CHECK(d.train.size() + d.validation.size() + d.test.size() == 40);
  CHECK(d.test.size() == 10);
  CHECK(d.validation.size() == 8);
  const auto same = dir.write("same.csv", csv_of(15, [](int) { return std::tuple{1.0, 2.0, 3.0}; }));
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)make_dataset(load_csv(same)); }), "is constant"));
}

TEST_CASE("bad data: the fewest rows: 10 rows give one validation and one test row; 9 rows are refused") {
  scratch_dir dir;
  const auto ten = dir.write("ten.csv", csv_of(10, [](int r) { return std::tuple{0.1 * r, r * r * 0.01, std::sin(r)}; }));
  const auto d = make_dataset(load_csv(ten), {.validation_fraction = 0.1, .test_fraction = 0.1});
  CHECK(d.test.size() == 1);
  CHECK(d.validation.size() == 1);
  CHECK(d.train.size() == 8);
  for (const auto* s : {&d.train, &d.validation, &d.test}) {
    CHECK(s->x.allFinite());
    CHECK(s->y.allFinite());
  }
  const auto nine = dir.write("nine.csv", csv_of(9, [](int r) { return std::tuple{0.1 * r, 1.0 * r, 2.0 * r}; }));
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(nine); });
  CHECK(contains(msg, "nine.csv"));
  CHECK(contains(msg, "9 data rows; at least 10 are needed"));
  // a test file of one row is refused the same way (every file needs 10 rows)
  const auto one = dir.write("one.csv", csv_of(1, [](int) { return std::tuple{0.0, 1.0, 2.0}; }));
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)load_csv(one); }), "1 data rows"));
}

TEST_CASE("bad data: values near the float limits (1e30, 1e-30) scale to [-1, 1] and map back") {
  scratch_dir dir;
  const auto path = dir.write("limits.csv", csv_of(30, [](int r) {
    return std::tuple{1e30 * (r - 15), 1e-30 * (r % 7), 3e38 * std::cos(r)};  // y up to float's maximum
  }));
  const auto d = make_dataset(load_csv(path), {.test_fraction = 0.2});
  for (const auto* s : {&d.train, &d.validation, &d.test}) {
    CHECK(s->x.allFinite());
    CHECK(s->y.allFinite());
  }
  for (const auto* s : {&d.train, &d.validation}) {  // the rows the scalers were fitted on (test rows may lie outside)
    CHECK(s->x.cwiseAbs().maxCoeff() <= 1.0f);
    CHECK(s->y.cwiseAbs().maxCoeff() <= 1.0f);
  }
  const auto back = d.labels_to_original(d.train.y);
  const auto raw = load_csv(path);
  for (Eigen::Index i = 0; i < back.rows(); ++i) {
    const double original = raw.y(static_cast<Eigen::Index>(d.train.rows[static_cast<std::size_t>(i)]));
    CHECK(std::abs(back(i, 0) - original) <= 1e-6 * 3e38);  // float32 resolution of the scaled value
  }
  // beyond double: read as Inf and refused with the line and column
  const auto huge = dir.write("huge.csv", "x1,x2,y\n" + std::string("1,2,1e309\n") + csv_of(12, [](int r) {
    return std::tuple{1.0 * r, 2.0 * r, 3.0 * r}; }, ""));
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_csv(huge); });
  CHECK(contains(msg, "line 2"));
  CHECK(contains(msg, "column index 2 ('y')"));
  CHECK(contains(msg, "not finite"));
}

TEST_CASE("bad data: NaN only in the test file names the test file, its line and column") {
  scratch_dir dir;
  const auto train = dir.write("train.csv", csv_of(20, [](int r) { return std::tuple{0.1 * r, 1.0 - r, 0.5 * r}; }));
  // row index 1 (line 3, after the header) has NaN in its first cell
  const auto test = dir.write("test.csv", csv_of(12, [](int r) { return std::tuple{r == 1 ? NAN : 0.2 * r, 2.0 - r, 0.1 * r}; }));
  const auto pool = load_csv(train);
  const auto msg = error_message<swatnn::data_error>([&] { (void)make_dataset(pool, load_csv(test)); });
  CHECK(contains(msg, "test.csv"));
  CHECK(!contains(msg, "train.csv"));
  CHECK(contains(msg, "line 3"));
  CHECK(contains(msg, "column index 0 ('x1')"));
  CHECK(contains(msg, "not finite"));
}

TEST_CASE("bad data: a UTF-8 byte order mark and CRLF line endings; UTF-8 column names") {
  scratch_dir dir;
  const auto rows = [](int r) { return std::tuple{0.1 * r, 1.0 - r, 0.5 * r}; };
  const auto plain = load_csv(dir.write("plain.csv", csv_of(12, rows)));
  const auto bom = load_csv(dir.write("bom.csv", "\xEF\xBB\xBF" + csv_of(12, rows, "x1,x2,y\r\n", "\r\n")),
                            {.target = "y"});  // the first column is "x1", not "\xEF\xBB\xBFx1"
  CHECK(bom.input_names == std::vector<std::string>{"x1", "x2"});
  CHECK(bom.x == plain.x);
  CHECK(bom.y == plain.y);
  // a BOM before data without a header: the first number still parses
  const auto bare = read_csv(dir.write("bom_data.csv", "\xEF\xBB\xBF" + csv_of(12, rows, "", "\r\n")));
  CHECK(bare.values.rows() == 12);
  CHECK(bare.values(0, 0) == 0.0);

  const std::string header = "temp\xC3\xA9rature,\xCE\xB1,\xE6\xB8\xA9\xE5\xBA\xA6\n";  // température, α, 温度
  const auto path = dir.write("utf8.csv", csv_of(12, rows, header));
  const auto l = load_csv(path, {.target = "\xE6\xB8\xA9\xE5\xBA\xA6"});
  CHECK(l.target_name == "\xE6\xB8\xA9\xE5\xBA\xA6");
  CHECK(l.input_names == std::vector<std::string>{"temp\xC3\xA9rature", "\xCE\xB1"});
  const auto msg = error_message<swatnn::value_error>([&] { (void)load_csv(path, {.target = "y"}); });
  CHECK(contains(msg, "no column named 'y'"));
  CHECK(contains(msg, "'temp\xC3\xA9rature', '\xCE\xB1', '\xE6\xB8\xA9\xE5\xBA\xA6'"));
}

TEST_CASE("bad data: 10^6 rows load and split in bounded time and memory") {
  scratch_dir dir;
  const int rows = 1'000'000;
  {
    std::ofstream out(dir.file("big.csv"), std::ios::binary);  // streamed: the measurement below starts clean
    out << "x1,x2,y\n";
    for (int r = 0; r < rows; ++r)
      out << number((r % 1000) * 0.001) << ',' << number((r / 1000) * 0.001) << ',' << number(std::sin(0.001 * r)) << '\n';
  }
  const long rss_before = peak_rss_kb();
  const auto start = std::chrono::steady_clock::now();
  const auto d = make_dataset(load_csv(dir.file("big.csv")), {.test_fraction = 0.2});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double growth_mb = static_cast<double>(peak_rss_kb() - rss_before) / 1024.0;
  CHECK(d.train.size() + d.validation.size() + d.test.size() == static_cast<std::size_t>(rows));
  MESSAGE("10^6 rows x 3 columns: load_csv + make_dataset " << seconds << " s, peak memory growth " << growth_mb << " MB");
  // bounds far above what was measured (docs/reliability.md), so that only a blow-up fails: the raw table is
  // 24 MB in double, each split a fraction of that in float
  CHECK(seconds < 120.0);
  CHECK(growth_mb < 1024.0);
}
