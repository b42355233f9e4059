// Tests for swatnn/data/npy.hpp: float32/float64, C and Fortran order (files built byte by byte here,
// independently of the writer), errors with file / row / column, and the writer's round trip.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <swatnn/data/dataset.hpp>
#include <swatnn/data/npy.hpp>

#include "temp_files.hpp"

using namespace swatnn::data;
using swatnn::test::contains;
using swatnn::test::error_message;
using swatnn::test::scratch_dir;

namespace {
// A version 1.0 .npy file: magic, header length (little endian), header dict padded to 64 bytes, data.
std::string npy_bytes(const std::string& descr, bool fortran, const std::string& shape, const std::string& data) {
  std::string header = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
                       ", 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

template <class T>
std::string raw(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// value of element (r, c) of the test matrices
double value(int r, int c) { return 0.5 * r - c + 0.125 * r * c; }

template <class T>
std::vector<T> elements(int rows, int cols, bool fortran) {
  std::vector<T> v;
  if (fortran) {
    for (int c = 0; c < cols; ++c)
      for (int r = 0; r < rows; ++r) v.push_back(static_cast<T>(value(r, c)));
  } else {
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) v.push_back(static_cast<T>(value(r, c)));
  }
  return v;
}

}  // namespace

TEST_CASE("npy: float64 and float32, C and Fortran order") {
  scratch_dir dir;
  for (const bool fortran : {false, true}) {
    CAPTURE(fortran);
    const auto f8 = dir.write("f8.npy", npy_bytes("<f8", fortran, "(12, 3)", raw(elements<double>(12, 3, fortran))));
    const auto t = read_npy(f8);
    REQUIRE(t.values.rows() == 12);
    REQUIRE(t.values.cols() == 3);
    for (int r = 0; r < 12; ++r)
      for (int c = 0; c < 3; ++c) REQUIRE(t.values(r, c) == value(r, c));
    CHECK(t.columns == std::vector<std::string>{"column 0", "column 1", "column 2"});

    const auto f4 = dir.write("f4.npy", npy_bytes("<f4", fortran, "(11, 2)", raw(elements<float>(11, 2, fortran))));
    const auto l = load_npy(f4, {.target = 0, .column_names = {"y", "x"}});
    CHECK(l.target_name == "y");
    CHECK(l.input_names == std::vector<std::string>{"x"});
    for (int r = 0; r < 11; ++r) {
      REQUIRE(l.y(r) == static_cast<double>(static_cast<float>(value(r, 0))));
      REQUIRE(l.x(r, 0) == static_cast<double>(static_cast<float>(value(r, 1))));
    }
  }
}

TEST_CASE("npy: missing and empty files") {
  scratch_dir dir;
  const auto missing = dir.file("missing.npy");
  CHECK(contains(error_message<swatnn::io_error>([&] { (void)load_npy(missing); }), missing));
  const auto empty = dir.write("empty.npy", "");
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_npy(empty); });
  CHECK(contains(msg, "empty.npy"));
  CHECK(contains(msg, "empty"));
}

TEST_CASE("npy: corrupt, truncated, wrong dtype or rank") {
  scratch_dir dir;
  const auto text = dir.write("not_npy.npy", "x,y\n1,2\n");
  const auto m1 = error_message<swatnn::data_error>([&] { (void)load_npy(text); });
  CHECK(contains(m1, "not_npy.npy"));
  CHECK(contains(m1, "not a valid .npy"));

  std::string data = raw(elements<double>(12, 3, false));
  data.resize(data.size() - 8);
  const auto truncated = dir.write("truncated.npy", npy_bytes("<f8", false, "(12, 3)", data));
  CHECK(contains(error_message<swatnn::data_error>([&] { (void)load_npy(truncated); }), "truncated"));

  const auto ints = dir.write("ints.npy", npy_bytes("<i8", false, "(12, 3)", std::string(12 * 3 * 8, '\0')));
  const auto m3 = error_message<swatnn::data_error>([&] { (void)load_npy(ints); });
  CHECK(contains(m3, "ints.npy"));
  CHECK(contains(m3, "'<i8'"));

  const auto one_d = dir.write("vector.npy", npy_bytes("<f8", false, "(12,)", raw(std::vector<double>(12, 1.0))));
  const auto m4 = error_message<swatnn::data_error>([&] { (void)load_npy(one_d); });
  CHECK(contains(m4, "vector.npy"));
  CHECK(contains(m4, "2-D"));
}

TEST_CASE("npy: NaN and Inf name the row and column") {
  scratch_dir dir;
  auto v = elements<double>(12, 3, false);
  v[7 * 3 + 2] = std::nan("");
  const auto path = dir.write("nan.npy", npy_bytes("<f8", false, "(12, 3)", raw(v)));
  const auto msg = error_message<swatnn::data_error>([&] { (void)load_npy(path); });
  CHECK(contains(msg, "nan.npy"));
  CHECK(contains(msg, "row index 7"));
  CHECK(contains(msg, "column index 2"));

  auto w = elements<float>(12, 3, true);
  w[1 * 12 + 4] = -INFINITY;  // Fortran order: column 1, row 4
  const auto inf = dir.write("inf.npy", npy_bytes("<f4", true, "(12, 3)", raw(w)));
  const auto m2 = error_message<swatnn::data_error>([&] { (void)load_npy(inf); });
  CHECK(contains(m2, "row index 4"));
  CHECK(contains(m2, "column index 1"));
}

TEST_CASE("npy: too few rows, missing target, input count") {
  scratch_dir dir;
  const auto short_file = dir.write("short.npy", npy_bytes("<f8", false, "(4, 3)", raw(elements<double>(4, 3, false))));
  const auto m1 = error_message<swatnn::data_error>([&] { (void)load_npy(short_file); });
  CHECK(contains(m1, "short.npy"));
  CHECK(contains(m1, "4 data rows"));

  const auto path = dir.write("ok.npy", npy_bytes("<f8", false, "(12, 3)", raw(elements<double>(12, 3, false))));
  const auto m2 = error_message<swatnn::value_error>([&] { (void)load_npy(path, {.target = 3}); });
  CHECK(contains(m2, "ok.npy"));
  CHECK(contains(m2, "index 3"));
  CHECK(contains(error_message<swatnn::value_error>([&] { (void)load_npy(path, {.target = "y"}); }), "'y'"));
  CHECK_THROWS_AS(load_npy(path, {.column_names = {"a", "b"}}), swatnn::shape_error);

  const auto d = make_dataset(load_npy(path));
  CHECK_NOTHROW(require_inputs<2>(d));
  const auto m3 = error_message<swatnn::shape_error>([&] { require_inputs<3>(d); });
  CHECK(contains(m3, "ok.npy"));
  CHECK(contains(m3, "expects 3"));
}

TEST_CASE("npy: save writes C-order arrays that reload exactly") {
  scratch_dir dir;
  swatnn::cpu::matrix<float> pred(12, 2);
  for (int r = 0; r < 12; ++r) pred.row(r) << static_cast<float>(value(r, 0)) / 3.0f, std::exp(-0.5f * r);
  const auto path = dir.file("pred.npy");
  save_npy(path, pred);
  const auto t = read_npy(path);
  CHECK(t.values.cast<float>() == pred);

  swatnn::cpu::matrix<double> d(10, 1);
  for (int r = 0; r < 10; ++r) d(r, 0) = std::sqrt(3.0 + r);
  save_npy(dir.file("d.npy"), d);
  CHECK(read_npy(dir.file("d.npy")).values == d);

  // the bytes are what numpy writes for a C-order float64 (10, 1) array
  std::ifstream in(dir.file("d.npy"), std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(bytes.substr(0, 6) == "\x93NUMPY");
  CHECK(contains(bytes, "'descr': '<f8'"));
  CHECK(contains(bytes, "'fortran_order': False"));
  CHECK(contains(bytes, "'shape': (10, 1)"));
  double first = 0.0;
  std::memcpy(&first, bytes.data() + bytes.size() - 10 * sizeof(double), sizeof(double));
  CHECK(first == std::sqrt(3.0));

  const auto unwritable = dir.file("missing_dir/pred.npy");
  CHECK(contains(error_message<swatnn::io_error>([&] { save_npy(unwritable, pred); }), unwritable));
}
