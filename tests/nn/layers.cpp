// tests/nn/layers.cpp: forward values of every layer against plain reference formulas written out
// loop by loop, attention's structure (networks independent, token permutation equivariance), and the
// shape errors (they name the layer and the expected and actual shapes).
#include <swatnn/error.hpp>
#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>

#include <doctest/doctest.h>

#include <cmath>
#include <numbers>
#include <random>
#include <string>

namespace nn = swatnn::nn;
using mat = swatnn::cpu::row_matrix<double>;

namespace {
mat random_matrix(Eigen::Index r, Eigen::Index c, unsigned seed, double scale = 1.0) {
  std::mt19937 g(seed);
  std::uniform_real_distribution<double> u(-scale, scale);
  mat m(r, c);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = u(g);
  return m;
}
void perturb(nn::parameter_buffer<double>& p) {
  for (std::size_t i = 0; i < p.size(); ++i) p.values()[i] += 0.1 * std::cos(3.0 * static_cast<double>(i));
}
// reference formulas, written independently of the layers
mat ref_linear(const mat& x, const mat& w, const mat& b) {
  mat y(x.rows(), w.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < w.cols(); ++j) {
      double s = b(0, j);
      for (Eigen::Index k = 0; k < x.cols(); ++k) s += x(i, k) * w(k, j);
      y(i, j) = s;
    }
  return y;
}
mat ref_layer_norm(const mat& x, const mat& g, const mat& b, double eps) {
  mat y(x.rows(), x.cols());
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double mean = 0, var = 0;
    for (Eigen::Index k = 0; k < x.cols(); ++k) mean += x(i, k) / x.cols();
    for (Eigen::Index k = 0; k < x.cols(); ++k) var += (x(i, k) - mean) * (x(i, k) - mean) / x.cols();
    for (Eigen::Index k = 0; k < x.cols(); ++k) y(i, k) = (x(i, k) - mean) / std::sqrt(var + eps) * g(0, k) + b(0, k);
  }
  return y;
}
double ref_gelu(double x) { return 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x))); }
mat ref_attention(const mat& x, const nn::parameter_buffer<double>& p, const std::string& name, int heads, int tokens) {
  const mat wqkv = p.value(p.block(name + ".qkv.weight").handle()), bqkv = p.value(p.block(name + ".qkv.bias").handle());
  const mat wo = p.value(p.block(name + ".out.weight").handle()), bo = p.value(p.block(name + ".out.bias").handle());
  const int d = static_cast<int>(x.cols()), dh = d / heads;
  const mat qkv = ref_linear(x, wqkv, bqkv);
  mat concat = mat::Zero(x.rows(), d);
  for (int b = 0; b < x.rows() / tokens; ++b)
    for (int h = 0; h < heads; ++h)
      for (int i = 0; i < tokens; ++i) {
        std::vector<double> s(tokens);
        double mx = -1e300, sum = 0;
        for (int j = 0; j < tokens; ++j) {
          double dot = 0;
          for (int c = 0; c < dh; ++c) dot += qkv(b * tokens + i, h * dh + c) * qkv(b * tokens + j, d + h * dh + c);
          s[j] = dot / std::sqrt(double(dh));
          mx = std::max(mx, s[j]);
        }
        for (int j = 0; j < tokens; ++j) sum += (s[j] = std::exp(s[j] - mx));
        for (int j = 0; j < tokens; ++j)
          for (int c = 0; c < dh; ++c) concat(b * tokens + i, h * dh + c) += s[j] / sum * qkv(b * tokens + j, 2 * d + h * dh + c);
      }
  return ref_linear(concat, wo, bo);
}
template <class F>
std::string thrown_message(F&& f) {
  try {
    f();
  } catch (const swatnn::shape_error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}
}  // namespace

TEST_CASE("linear forward matches x W + b") {
  nn::parameter_buffer<double> p;
  nn::linear<double> l(p, {.in_features = 5, .out_features = 3, .name = "fc"});
  perturb(p);
  const mat x = random_matrix(70, 5, 1);
  const mat y = l.forward(x);
  CHECK((y - ref_linear(x, p.value(l.weight_handle()), p.value(l.bias_handle()))).cwiseAbs().maxCoeff() < 1e-12);
  CHECK(p.block("fc.weight").rows == 5);
  CHECK(p.block("fc.weight").cols == 3);
}

TEST_CASE("linear over many rows (threaded, tiled product) matches the reference in float") {
  nn::parameter_buffer<float> p;
  nn::linear<float> l(p, {.in_features = 200, .out_features = 300});
  const swatnn::cpu::row_matrix<float> x = random_matrix(900, 200, 2).cast<float>();
  const auto& y = l.forward(x);
  const mat ref = ref_linear(x.cast<double>(), p.value(l.weight_handle()).cast<double>(),
                             p.value(l.bias_handle()).cast<double>());
  CHECK((y.cast<double>() - ref).cwiseAbs().maxCoeff() < 1e-4);
}

TEST_CASE("layer_norm forward matches the formula") {
  nn::parameter_buffer<double> p;
  nn::layer_norm<double> ln(p, {.features = 6, .eps = 1e-5});
  perturb(p);
  const mat x = random_matrix(9, 6, 3, 4.0);
  CHECK((ln.forward(x) - ref_layer_norm(x, p.value(ln.gamma_handle()), p.value(ln.beta_handle()), 1e-5))
            .cwiseAbs()
            .maxCoeff() < 1e-12);
}

TEST_CASE("gelu: tanh approximation, close to the exact x Phi(x)") {
  nn::gelu<double> g;
  mat x(1, 9);
  x << -6, -3, -1, -0.5, 0, 0.5, 1, 3, 6;
  const mat y = g.forward(x);
  for (Eigen::Index k = 0; k < x.cols(); ++k) {
    CHECK(y(0, k) == doctest::Approx(ref_gelu(x(0, k))).epsilon(1e-14));
    const double exact = 0.5 * x(0, k) * (1 + std::erf(x(0, k) / std::sqrt(2.0)));
    CHECK(std::abs(y(0, k) - exact) < 5e-4);
  }
  nn::gelu<float> gf;
  const swatnn::cpu::row_matrix<float> xf = x.cast<float>();
  CHECK((gf.forward(xf).cast<double>() - y).cwiseAbs().maxCoeff() < 1e-5);  // Eigen's vectorized float tanh
}

TEST_CASE("positional_embedding adds the same tokens x d table to every network") {
  nn::parameter_buffer<double> p;
  nn::positional_embedding<double> pe(p, {.tokens = 3, .d_model = 2, .name = "pos"});
  const mat x = random_matrix(6, 2, 4);
  const mat y = pe.forward(x);
  const mat table = p.value(pe.weight_handle());
  CHECK(table.cwiseAbs().maxCoeff() > 0);
  CHECK(table.cwiseAbs().maxCoeff() <= 0.04);  // truncated at 2 sigma, sigma 0.02
  CHECK((y.topRows(3) - x.topRows(3) - table).cwiseAbs().maxCoeff() < 1e-15);
  CHECK((y.bottomRows(3) - x.bottomRows(3) - table).cwiseAbs().maxCoeff() < 1e-15);
}

TEST_CASE("attention forward matches a loop-by-loop reference, for several head counts") {
  for (int heads : {1, 2, 4}) {
    CAPTURE(heads);
    nn::parameter_buffer<double> p;
    nn::attention<double> a(p, {.d_model = 8, .heads = static_cast<std::size_t>(heads), .tokens = 7, .name = "att"});
    perturb(p);
    const mat x = random_matrix(7 * 5, 8, 5, 2.0);
    CHECK((a.forward(x) - ref_attention(x, p, "att", heads, 7)).cwiseAbs().maxCoeff() < 1e-12);
  }
}

TEST_CASE("attention: networks do not see each other; tokens are permutation-equivariant (bidirectional)") {
  nn::parameter_buffer<double> p;
  nn::attention<double> a(p, {.d_model = 8, .heads = 2, .tokens = 4});
  mat x = random_matrix(12, 8, 6);
  const mat y = a.forward(x);
  mat x2 = x;
  x2.row(5) *= 3.0;  // change one token of network 1
  const mat y2 = a.forward(x2);
  CHECK((y2.topRows(4) - y.topRows(4)).cwiseAbs().maxCoeff() == 0.0);
  CHECK((y2.bottomRows(4) - y.bottomRows(4)).cwiseAbs().maxCoeff() == 0.0);
  CHECK((y2.middleRows(4, 4) - y.middleRows(4, 4)).cwiseAbs().maxCoeff() > 1e-6);
  // every token of network 1 changed, including the ones before row 5 (no causal mask)
  CHECK((y2.row(4) - y.row(4)).cwiseAbs().maxCoeff() > 1e-9);
  mat xp = x;  // swap tokens 0 and 3 of network 0
  xp.row(0) = x.row(3);
  xp.row(3) = x.row(0);
  const mat yp = a.forward(xp);
  CHECK((yp.row(0) - y.row(3)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((yp.row(3) - y.row(0)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((yp.row(1) - y.row(1)).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("transformer_block forward is the pre-LN composition") {
  nn::parameter_buffer<double> p;
  nn::transformer_block<double> blk(p, {.d_model = 8, .heads = 2, .tokens = 3, .name = "b"});
  perturb(p);
  CHECK(p.block("b.ffn1.weight").cols == 32);
  const mat x = random_matrix(6, 8, 7);
  auto val = [&](const std::string& n) { return mat(p.value(p.block(n).handle())); };
  const mat h = x + ref_attention(ref_layer_norm(x, val("b.ln1.gamma"), val("b.ln1.beta"), 1e-5), p, "b.attn", 2, 3);
  mat f = ref_linear(ref_layer_norm(h, val("b.ln2.gamma"), val("b.ln2.beta"), 1e-5), val("b.ffn1.weight"),
                     val("b.ffn1.bias"));
  f = f.unaryExpr([](double v) { return ref_gelu(v); });
  const mat y = h + ref_linear(f, val("b.ffn2.weight"), val("b.ffn2.bias"));
  CHECK((blk.forward(x) - y).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("bad shapes throw shape_error naming the layer and both shapes") {
  nn::parameter_buffer<float> p;
  using fmat = swatnn::cpu::row_matrix<float>;
  nn::linear<float> l(p, {.in_features = 112, .out_features = 64, .name = "enc.in"});
  const fmat x = fmat::Zero(14, 100);
  const std::string m = thrown_message([&] { (void)l.forward(x); });
  CHECK(m.find("linear 'enc.in'") != std::string::npos);
  CHECK(m.find("14x100") != std::string::npos);
  CHECK(m.find("x112") != std::string::npos);
  const std::string m2 = thrown_message([&] { (void)l.backward(fmat::Zero(14, 64)); });
  CHECK(m2.find("no forward pass yet") != std::string::npos);
  (void)l.forward(fmat::Zero(14, 112));
  const std::string m3 = thrown_message([&] { (void)l.backward(fmat::Zero(14, 63)); });
  CHECK(m3.find("14x63") != std::string::npos);
  CHECK(m3.find("expected 14x64") != std::string::npos);

  nn::attention<float> a(p, {.d_model = 8, .heads = 2, .tokens = 7, .name = "att"});
  const std::string m4 = thrown_message([&] { (void)a.forward(fmat::Zero(15, 8)); });
  CHECK(m4.find("attention 'att'") != std::string::npos);
  CHECK(m4.find("15 rows") != std::string::npos);
  CHECK(m4.find("tokens = 7") != std::string::npos);
  nn::transformer_block<float> b(p, {.d_model = 8, .heads = 2, .tokens = 7, .name = "blk"});
  CHECK_THROWS_AS((void)b.forward(fmat::Zero(14, 9)), swatnn::shape_error);
  nn::positional_embedding<float> pe(p, {.tokens = 7, .d_model = 8});
  CHECK_THROWS_AS((void)pe.forward(fmat::Zero(13, 8)), swatnn::shape_error);
  nn::layer_norm<float> ln(p, {.features = 8});
  CHECK_THROWS_AS((void)ln.forward(fmat::Zero(0, 8)), swatnn::shape_error);
  CHECK_THROWS_AS(nn::attention<float>(p, {.d_model = 8, .heads = 3, .tokens = 7, .name = "att3"}), swatnn::value_error);
}
