// swatnn/data/cornn_functions.hpp: the 54 CORNN test functions (Malan & Cleghorn, PPSN 2022, arXiv
// 2109.05606): exact names, formulas as evaluated to generate the data, nominal domains, lookup by name.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <swatnn/error.hpp>

namespace swatnn::cornn {

// Axis-aligned input box [x_lo, x_hi] x [y_lo, y_hi]; inputs are sampled uniformly on [lo, hi).
struct domain {
  double x_lo, x_hi, y_lo, y_hi;
};

// One benchmark function: its key (the exact name users type), a readable formula, its nominal domain and
// the formula itself, evaluated in double (written as in shared/spec/cornn.md; squares as products).
struct function_info {
  std::string_view name;
  std::string_view formula;
  domain bounds;
  double (*evaluate)(double x, double y);

  double operator()(double x, double y) const { return evaluate(x, y); }
};

namespace detail {
inline constexpr double pi = 3.141592653589793;
inline double sq(double u) { return u * u; }
inline double e() { return std::exp(1.0); }
}  // namespace detail

// The 54 functions in the suite's canonical order (alphabetical by the original definition names).
inline const std::array<function_info, 54>& functions() {
  using std::abs, std::cos, std::exp, std::pow, std::sin, std::sqrt;
  using detail::pi, detail::sq;
  constexpr double two_pi = 2 * pi;
  static const std::array<function_info, 54> table{{
      {"Ackley", "-20 exp(-0.2 sqrt(0.5 r2)) - exp(0.5 (cos 2pi x + cos 2pi y)) + 20 + e", {-32, 32, -32, 32},
       [](double x, double y) {
         const double r2 = sq(x) + sq(y);
         return -20 * exp(-0.2 * sqrt(0.5 * r2)) - exp(0.5 * (cos(2 * pi * x) + cos(2 * pi * y))) + 20 + detail::e();
       }},
      {"Ackley N.2", "-200 exp(-0.2 sqrt(r2))", {-32, 32, -32, 32},
       [](double x, double y) { return -200 * exp(-0.2 * sqrt(sq(x) + sq(y))); }},
      {"Ackley N.3", "-200 exp(-0.2 sqrt(r2)) + 5 exp(cos 3x + sin 3y)", {-32, 32, -32, 32},
       [](double x, double y) { return -200 * exp(-0.2 * sqrt(sq(x) + sq(y))) + 5 * exp(cos(3 * x) + sin(3 * y)); }},
      {"Ackley N.4", "exp(-0.2) sqrt(r2) + 3 (cos 2x + sin 2y)", {-35, 35, -35, 35},
       [](double x, double y) { return exp(-0.2) * sqrt(sq(x) + sq(y)) + 3 * (cos(2 * x) + sin(2 * y)); }},
      {"Adjiman", "cos x sin y - x / (y^2 + 1)", {-1, 2, -1, 1},
       [](double x, double y) { return cos(x) * sin(y) - x / (sq(y) + 1); }},
      {"Alpine N.1", "|x sin x + 0.1 x| + |y sin y + 0.1 y|", {0, 10, 0, 10},
       [](double x, double y) { return abs(x * sin(x) + 0.1 * x) + abs(y * sin(y) + 0.1 * y); }},
      {"Alpine N.2", "(sqrt x sin x) (sqrt y sin y)", {0, 10, 0, 10},
       [](double x, double y) { return (sqrt(x) * sin(x)) * (sqrt(y) * sin(y)); }},
      {"Bartels Conn", "|x^2 + y^2 + xy| + |sin x| + |cos y|", {-500, 500, -500, 500},
       [](double x, double y) { return abs(sq(x) + sq(y) + x * y) + abs(sin(x)) + abs(cos(y)); }},
      {"Beale", "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2", {-4.5, 4.5, -4.5, 4.5},
       [](double x, double y) {
         return sq(1.5 - x + x * y) + sq(2.25 - x + x * sq(y)) + sq(2.625 - x + x * pow(y, 3));
       }},
      {"Bird", "sin x exp((1 - cos y)^2) + cos y exp((1 - sin x)^2) + (x - y)^2", {-two_pi, two_pi, -two_pi, two_pi},
       [](double x, double y) {
         return sin(x) * exp(sq(1 - cos(y))) + cos(y) * exp(sq(1 - sin(x))) + sq(x - y);
       }},
      {"Bohachevsky N.1", "x^2 + 2y^2 - 0.3 cos(3pi x) - 0.4 cos(4pi y) + 0.7", {-100, 100, -100, 100},
       [](double x, double y) {
         return sq(x) + 2 * sq(y) - 0.3 * cos(3 * pi * x) - 0.4 * cos(4 * pi * y) + 0.7;
       }},
      {"Bohachevsky N.2", "x^2 + 2y^2 - 0.3 cos(3pi x) cos(4pi y) + 0.3", {-100, 100, -100, 100},
       [](double x, double y) { return sq(x) + 2 * sq(y) - 0.3 * cos(3 * pi * x) * cos(4 * pi * y) + 0.3; }},
      {"Booth", "(x + 2y - 7)^2 + (2x + y - 5)^2", {-10, 10, -10, 10},
       [](double x, double y) { return sq(x + 2 * y - 7) + sq(2 * x + y - 5); }},
      {"Brent", "(x + 10)^2 + (y + 10)^2 + exp(-x^2 - y^2)", {-20, 0, -20, 0},
       [](double x, double y) { return sq(x + 10) + sq(y + 10) + exp(-sq(x) - sq(y)); }},
      {"Brown", "(x^2)^(y^2 + 1) + (y^2)^(x^2 + 1)", {-1, 1, -1, 1},
       [](double x, double y) { return pow(sq(x), sq(y) + 1) + pow(sq(y), sq(x) + 1); }},
      {"Bukin N.6", "100 sqrt|y - 0.01 x^2| + 0.01 |x + 10|", {-15, -5, -3, 3},
       [](double x, double y) { return 100 * sqrt(abs(y - 0.01 * sq(x))) + 0.01 * abs(x + 10); }},
      {"Cross-In-Tray", "-0.0001 (|sin x sin y exp(|100 - sqrt(r2)/pi|)| + 1)^0.1", {-10, 10, -10, 10},
       [](double x, double y) {
         const double r2 = sq(x) + sq(y);
         return -0.0001 * pow(abs(sin(x) * sin(y) * exp(abs(100 - sqrt(r2) / pi))) + 1, 0.1);
       }},
      {"Deckkers-Aarts", "1e5 r2 - r2^2 + 1e-5 r2^4", {-20, 20, -20, 20},
       [](double x, double y) {
         const double r2 = sq(x) + sq(y);
         return 1e5 * r2 - sq(r2) + 1e-5 * pow(r2, 4);
       }},
      {"Drop-Wave", "-(1 + cos(12 sqrt(r2))) / (0.5 r2 + 2)", {-5.2, 5.2, -5.2, 5.2},
       [](double x, double y) {
         const double r2 = sq(x) + sq(y);
         return -(1 + cos(12 * sqrt(r2))) / (0.5 * r2 + 2);
       }},
      {"Easom", "-cos x cos y exp(-(x - pi)^2 - (y - pi)^2)", {-50, 50, -50, 50},
       [](double x, double y) { return -cos(x) * cos(y) * exp(-sq(x - pi) - sq(y - pi)); }},
      {"Egg Crate", "r2 + 25 (sin^2 x + sin^2 y)", {-5, 5, -5, 5},
       [](double x, double y) { return sq(x) + sq(y) + 25 * (sq(sin(x)) + sq(sin(y))); }},
      {"Egg Holder", "-(y + 47) sin(sqrt|y + x/2 + 47|) - x sin(sqrt|x - y - 47|)", {-512, 512, -512, 512},
       [](double x, double y) {
         return -(y + 47) * sin(sqrt(abs(y + x / 2 + 47))) - x * sin(sqrt(abs(x - y - 47)));
       }},
      {"Exponential", "-exp(-0.5 r2)", {-1, 1, -1, 1},
       [](double x, double y) { return -exp(-0.5 * (sq(x) + sq(y))); }},
      {"Goldstein-Price",
       "[1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2)] [30 + (2x - 3y)^2 (18 - 32x + 12x^2 + 4y - 36xy + 27y^2)]",
       {-2, 2, -2, 2},
       [](double x, double y) {
         return (1 + sq(x + y + 1) * (19 - 14 * x + 3 * sq(x) - 14 * y + 6 * x * y + 3 * sq(y))) *
                (30 + sq(2 * x - 3 * y) * (18 - 32 * x + 12 * sq(x) + 4 * y - 36 * x * y + 27 * sq(y)));
       }},
      {"Griewank", "1 + x^2/4000 + y^2/4000 - cos(x) cos(y/sqrt 2)", {-600, 600, -600, 600},
       [](double x, double y) { return 1 + sq(x) / 4000 + sq(y) / 4000 - cos(x) * cos(y / sqrt(2.0)); }},
      {"Himmelblau", "(x^2 + y - 11)^2 + (x + y^2 - 7)^2", {-6, 6, -6, 6},
       [](double x, double y) { return sq(sq(x) + y - 11) + sq(x + sq(y) - 7); }},
      {"Holder-Table", "-|sin x cos y exp(|1 - sqrt(r2)/pi|)|", {-10, 10, -10, 10},
       [](double x, double y) { return -abs(sin(x) * cos(y) * exp(abs(1 - sqrt(sq(x) + sq(y)) / pi))); }},
      {"Keane", "-sin^2(x - y) sin^2(x + y) / sqrt(r2)", {0, 10, 0, 10},
       [](double x, double y) { return -sq(sin(x - y)) * sq(sin(x + y)) / sqrt(sq(x) + sq(y)); }},
      {"Leon", "100 (y - x^3)^2 + (1 - x)^2", {0, 10, 0, 10},
       [](double x, double y) { return 100 * sq(y - pow(x, 3)) + sq(1 - x); }},
      {"Levi N.13", "sin^2(3pi x) + (x - 1)^2 (1 + sin^2(3pi y)) + (y - 1)^2 (1 + sin^2(2pi y))", {-10, 10, -10, 10},
       [](double x, double y) {
         return sq(sin(3 * pi * x)) + sq(x - 1) * (1 + sq(sin(3 * pi * y))) + sq(y - 1) * (1 + sq(sin(2 * pi * y)));
       }},
      {"Matyas", "0.26 r2 - 0.48 xy", {-10, 10, -10, 10},
       [](double x, double y) { return 0.26 * (sq(x) + sq(y)) - 0.48 * x * y; }},
      {"McCormick", "sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1", {-1.5, 4, -3, 3},
       [](double x, double y) { return sin(x + y) + sq(x - y) - 1.5 * x + 2.5 * y + 1; }},
      {"Michalewicz", "-(sin x [sin(x^2/pi)]^20 + sin y [sin(2y^2/pi)]^20)", {0, pi, 0, pi},
       [](double x, double y) { return -(sin(x) * pow(sin(sq(x) / pi), 20) + sin(y) * pow(sin(2 * sq(y) / pi), 20)); }},
      {"Periodic", "1 + sin^2 x + sin^2 y - 0.1 exp(-r2)", {-10, 10, -10, 10},
       [](double x, double y) { return 1 + sq(sin(x)) + sq(sin(y)) - 0.1 * exp(-(sq(x) + sq(y))); }},
      {"Qing", "(x - 1)^2 + (y - 2)^2", {-500, 500, -500, 500},
       [](double x, double y) { return sq(x - 1) + sq(y - 2); }},
      {"Rastrigin", "20 + (x^2 - 10 cos 2pi x) + (y^2 - 10 cos 2pi y)", {-5.12, 5.12, -5.12, 5.12},
       [](double x, double y) { return 20 + (sq(x) - 10 * cos(2 * pi * x)) + (sq(y) - 10 * cos(2 * pi * y)); }},
      {"Ridge", "x + (y^2)^0.5", {-5, 5, -5, 5}, [](double x, double y) { return x + sqrt(sq(y)); }},
      {"Rosenbrock", "100 (y - x^2)^2 + (1 - x)^2", {-5, 10, -5, 10},
       [](double x, double y) { return 100 * sq(y - sq(x)) + sq(1 - x); }},
      {"Salomon", "1 - cos(2pi sqrt(r2)) + 0.1 sqrt(r2)", {-100, 100, -100, 100},
       [](double x, double y) {
         const double r = sqrt(sq(x) + sq(y));
         return 1 - cos(2 * pi * r) + 0.1 * r;
       }},
      {"Schaffer N.2", "0.5 + (sin^2(x^2 - y^2) - 0.5) / (1 + 0.001 r2)^2", {-100, 100, -100, 100},
       [](double x, double y) {
         return 0.5 + (sq(sin(sq(x) - sq(y))) - 0.5) / sq(1 + 0.001 * (sq(x) + sq(y)));
       }},
      {"Schaffer N.3", "0.5 + (sin^2(cos|x^2 - y^2|) - 0.5) / (1 + 0.001 r2)^2", {-100, 100, -100, 100},
       [](double x, double y) {
         return 0.5 + (sq(sin(cos(abs(sq(x) - sq(y))))) - 0.5) / sq(1 + 0.001 * (sq(x) + sq(y)));
       }},
      {"Schwefel 2.20", "|x| + |y|", {-100, 100, -100, 100}, [](double x, double y) { return abs(x) + abs(y); }},
      {"Schwefel 2.22", "|x| + |y| + |x| |y|", {-100, 100, -100, 100},
       [](double x, double y) { return abs(x) + abs(y) + abs(x) * abs(y); }},
      {"Schwefel 2.23", "x^10 + y^10", {-10, 10, -10, 10},
       [](double x, double y) { return pow(x, 10) + pow(y, 10); }},
      {"Shubert", "[sum_{j=1..5} cos((j+1)x + j)] [sum_{j=1..5} cos((j+1)y + j)]", {-10, 10, -10, 10},
       [](double x, double y) {
         double sx = 0, sy = 0;
         for (int j = 1; j <= 5; ++j) {
           sx += cos((j + 1) * x + j);
           sy += cos((j + 1) * y + j);
         }
         return sx * sy;
       }},
      {"Shubert 3", "sum_{j=1..5} j sin((j+1)x + j) + sum_{j=1..5} j sin((j+1)y + j)", {-10, 10, -10, 10},
       [](double x, double y) {
         double sx = 0, sy = 0;
         for (int j = 1; j <= 5; ++j) {
           sx += j * sin((j + 1) * x + j);
           sy += j * sin((j + 1) * y + j);
         }
         return sx + sy;
       }},
      {"Sphere", "x^2 + y^2", {-5.12, 5.12, -5.12, 5.12}, [](double x, double y) { return sq(x) + sq(y); }},
      {"Styblinski-Tang", "0.5 [(x^4 - 16x^2 + 5^x) + (y^4 - 16y^2 + 5^y)]", {-5, 5, -5, 5},
       [](double x, double y) {
         return 0.5 * ((pow(x, 4) - 16 * sq(x) + pow(5.0, x)) + (pow(y, 4) - 16 * sq(y) + pow(5.0, y)));
       }},
      {"Sum Squares", "x^2 + 2y^2", {-10, 10, -10, 10}, [](double x, double y) { return sq(x) + 2 * sq(y); }},
      {"Three-Hump Camel", "2x^2 - 1.05x^4 + x^6/6 + xy + y^2", {-5, 5, -5, 5},
       [](double x, double y) { return 2 * sq(x) - 1.05 * pow(x, 4) + pow(x, 6) / 6 + x * y + sq(y); }},
      {"Xin-She Yang N.2", "(|x| + |y|) exp(-(sin(x^2) + sin(y^2)))", {-two_pi, two_pi, -two_pi, two_pi},
       [](double x, double y) { return (abs(x) + abs(y)) * exp(-(sin(sq(x)) + sin(sq(y)))); }},
      {"Xin-She Yang N.3", "exp(-((x/15)^10 + (y/15)^10)) - 2 exp(-r2) cos^2 x cos^2 y",
       {-two_pi, two_pi, -two_pi, two_pi},
       [](double x, double y) {
         return exp(-(pow(x / 15, 10) + pow(y / 15, 10))) -
                2 * exp(-(sq(x) + sq(y))) * sq(cos(x)) * sq(cos(y));
       }},
      {"Xin-She Yang N.4", "(sin^2 x + sin^2 y - exp(-r2)) exp(-(sin^2 sqrt|x| + sin^2 sqrt|y|))",
       {-10, 10, -10, 10},
       [](double x, double y) {
         return (sq(sin(x)) + sq(sin(y)) - exp(-(sq(x) + sq(y)))) *
                exp(-(sq(sin(sqrt(abs(x)))) + sq(sin(sqrt(abs(y))))));
       }},
      {"Zakharov", "r2 + (0.5x + y)^2 + (0.5x + y)^4", {-5, 10, -5, 10},
       [](double x, double y) { return sq(x) + sq(y) + sq(0.5 * x + y) + pow(0.5 * x + y, 4); }},
  }};
  return table;
}

// The 54 keys in canonical order.
inline std::vector<std::string> names() {
  std::vector<std::string> out;
  for (const auto& f : functions()) out.emplace_back(f.name);
  return out;
}

// Exact (case-sensitive) lookup; an unknown name raises value_error listing every valid key.
inline const function_info& function(std::string_view name) {
  for (const auto& f : functions()) {
    if (f.name == name) return f;
  }
  std::string valid;
  for (const auto& f : functions()) {
    if (!valid.empty()) valid += ", ";
    valid += '\'';
    valid += f.name;
    valid += '\'';
  }
  throw value_error("cornn: unknown function '" + std::string(name) + "'; the 54 valid names are " + valid);
}

}  // namespace swatnn::cornn
