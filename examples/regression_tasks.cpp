// regression_tasks: writes the four regression tasks with more than two inputs that docs/results.md measures the
// universal model on, as CSV files (a header line x1,...,xk,y; 2000 training rows, 1000 test rows; inputs uniform
// on each function's usual domain, no noise):
//   ishigami  (3 inputs)  sin x1 + 7 sin^2 x2 + 0.1 x3^4 sin x1,            x in [-pi, pi]^3
//   friedman2 (4 inputs)  sqrt(x1^2 + (x2 x3 - 1 / (x2 x4))^2),            x1 in [0, 100], x2 in [40 pi, 560 pi],
//                                                                         x3 in [0, 1], x4 in [1, 11]
//   friedman1 (5 inputs)  10 sin(pi x1 x2) + 20 (x3 - 0.5)^2 + 10 x4 + 5 x5, x in [0, 1]^5
//   borehole7 (7 inputs)  the borehole water flow 2 pi Tu (Hu - Hl) / (ln(r/rw) (1 + 2 L Tu / (ln(r/rw) rw^2 Kw)
//                         + Tu / Tl)) with Tl fixed at 89.55 (its least influential input); inputs rw, r, Tu, Hu,
//                         Hl, L, Kw on their usual ranges
// The draws are our own uniforms from std::mt19937_64 (a seed per task and split), so the files depend only on the C
// library's sin / pow / log / sqrt; examples/data/ holds them, and a test checks they regenerate byte for byte.
// Usage: regression_tasks DIRECTORY
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include <swatnn/data/csv.hpp>

namespace {
struct range {
  double lo, hi;
};
struct task {
  std::string name;
  std::vector<range> domain;
  std::function<double(const std::vector<double>&)> f;
};

const std::vector<task>& tasks() {
  constexpr double pi = std::numbers::pi;
  static const std::vector<task> all = {
      {"ishigami", {{-pi, pi}, {-pi, pi}, {-pi, pi}},
       [](const std::vector<double>& x) {
         return std::sin(x[0]) + 7 * std::sin(x[1]) * std::sin(x[1]) + 0.1 * std::pow(x[2], 4) * std::sin(x[0]);
       }},
      {"friedman2", {{0, 100}, {40 * pi, 560 * pi}, {0, 1}, {1, 11}},
       [](const std::vector<double>& x) {
         const double t = x[1] * x[2] - 1 / (x[1] * x[3]);
         return std::sqrt(x[0] * x[0] + t * t);
       }},
      {"friedman1", {{0, 1}, {0, 1}, {0, 1}, {0, 1}, {0, 1}},
       [](const std::vector<double>& x) {
         return 10 * std::sin(pi * x[0] * x[1]) + 20 * (x[2] - 0.5) * (x[2] - 0.5) + 10 * x[3] + 5 * x[4];
       }},
      {"borehole7", {{0.05, 0.15}, {100, 50000}, {63070, 115600}, {990, 1110}, {700, 820}, {1120, 1680}, {9855, 12045}},
       [](const std::vector<double>& x) {
         const double rw = x[0], r = x[1], tu = x[2], hu = x[3], hl = x[4], l = x[5], kw = x[6], tl = 89.55;
         const double lr = std::log(r / rw);
         return 2 * pi * tu * (hu - hl) / (lr * (1 + 2 * l * tu / (lr * rw * rw * kw) + tu / tl));
       }},
  };
  return all;
}

void write(const task& t, const std::filesystem::path& path, int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto uniform01 = [&rng] { return static_cast<double>(rng() >> 11) * 0x1.0p-53; };
  const int k = static_cast<int>(t.domain.size());
  Eigen::MatrixXd values(rows, k + 1);
  std::vector<double> x(static_cast<std::size_t>(k));
  for (int r = 0; r < rows; ++r) {
    for (int i = 0; i < k; ++i) {
      const auto& d = t.domain[static_cast<std::size_t>(i)];
      x[static_cast<std::size_t>(i)] = static_cast<float>(d.lo + (d.hi - d.lo) * uniform01());  // as the file holds it
      values(r, i) = x[static_cast<std::size_t>(i)];
    }
    values(r, k) = static_cast<float>(t.f(x));
  }
  std::vector<std::string> header;
  for (int i = 1; i <= k; ++i) header.push_back("x" + std::to_string(i));
  header.emplace_back("y");
  swatnn::data::save_csv(path.string(), values.cast<float>(), header);
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: regression_tasks DIRECTORY (writes <task>_train.csv and <task>_test.csv there)\n");
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::create_directories(dir);
    std::uint64_t seed = 2026;
    for (const auto& t : tasks()) {
      write(t, dir / (t.name + "_train.csv"), 2000, seed++);
      write(t, dir / (t.name + "_test.csv"), 1000, seed++);
      std::printf("%s: %zu inputs, %s_train.csv (2000 rows), %s_test.csv (1000 rows)\n", t.name.c_str(),
                  t.domain.size(), t.name.c_str(), t.name.c_str());
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "regression_tasks: %s\n", e.what());
    return 1;
  }
}
