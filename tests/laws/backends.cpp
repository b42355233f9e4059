// tests/laws/backends.cpp: the Backend contract. The law suite (backend_laws.hpp) on a third backend written from
// scratch (reference_backend.hpp: every layer operation as plain loops), in double and float, with a negative
// control (a backend whose gemm ignores `accumulate` must fail exactly that law); the layers, the autoencoder's
// training step and the latent search driven through that backend agree with cpu; the contract check rejects a
// type that lacks operations; and the user-written backend of docs/backends.md, compiled here, drives the latent
// search on the shipped model with the same result as cpu.
#include <doctest/doctest.h>

#include <atomic>
#include <span>
#include <string>
#include <vector>

#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/data/cornn.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/search/latent_search.hpp>

#include "laws/backend_laws.hpp"
#include "laws/reference_backend.hpp"

using namespace swatnn;
using swatnn::test::reference_backend;

namespace {

// A backend whose gemm always overwrites: the laws must catch it (and only in the accumulating products).
struct forgetful_backend : reference_backend {
  template <class C, class A, class B>
  static void gemm(C&& c, const A& a, bool ta, const B& b, bool tb, bool) {
    reference_backend::gemm(c, a, ta, b, tb, false);
  }
};

// Storage only: not a backend.
struct storage_only {
  static constexpr const char* name = "storage_only";
  template <class T>
  using row_matrix = cpu::row_matrix<T>;
  template <class T>
  using matrix = cpu::matrix<T>;
  template <class T>
  using vector = cpu::vector<T>;
  template <class T>
  using block = cpu::block<T>;
  template <class T>
  using const_block = cpu::const_block<T>;
};

}  // namespace

#include "laws/partial_backend.hpp"  // cpu without its transformer operations (a backend under construction)

namespace {

template <class T, class Backend>
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, Backend,
                                       paper_spec, T>;

data::split make_split(int n) {
  data::split s;
  s.x = cpu::matrix<float>::Random(n, 2);
  s.y.resize(n, 1);
  for (int i = 0; i < n; ++i) s.y(i, 0) = std::tanh(1.5f * s.x(i, 0) - s.x(i, 1)) * 0.8f;
  return s;
}

double max_relative_difference(std::span<const double> a, std::span<const double> b) {
  if (a.size() != b.size()) return 1e300;
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    worst = std::max(worst, std::abs(a[i] - b[i]) / std::max(1.0, std::abs(b[i])));
  return worst;
}

}  // namespace

static_assert(backend_policy<cpu> && backend_policy<reference_backend, double>);
static_assert(!backend_policy<storage_only> && !layer_backend_policy<storage_only>,
              "the contract must reject a type with storage but no operations");
static_assert(!backend_policy<test::no_transformer_ops> && !layer_backend_policy<test::no_transformer_ops>,
              "the contract must reject a backend without its transformer operations");
static_assert(layer_backend_policy<reference_backend>);

TEST_CASE("the backend laws hold for a backend written from scratch, in double and in float") {
  using my_backend = reference_backend;
  // example: backend-laws
  const auto report = swatnn::test::check_backend_laws<my_backend, double>({.tolerance = 1e-12});
  INFO(report.describe());   // every law with its error, shown when a check fails
  CHECK(report.all());
  // end example: backend-laws
  CHECK(report.errors.size() >= 20);
  const auto single = test::check_backend_laws<reference_backend, float>({.tolerance = 1e-5});
  INFO(single.describe());
  CHECK(single.all());
}

TEST_CASE("the backend laws catch a gemm that ignores accumulate, and only there") {
  const auto report = test::check_backend_laws<forgetful_backend, double>({.tolerance = 1e-12});
  INFO(report.describe());
  CHECK_FALSE(report.all());
  for (const auto& [law, err] : report.errors) {
    CAPTURE(law);
    const bool accumulating_product = law.rfind("gemm", 0) == 0 && law.find("+=") != std::string::npos;
    // the transformer block accumulates parameter gradients with gemm, so its backward fails too
    if (accumulating_product || law == "transformer_block backward")
      CHECK(err > 1e-3);
    else
      CHECK(err <= 1e-12);
  }
}

TEST_CASE("the autoencoder's training step through another backend equals the cpu one") {
  tiny_ae<double, cpu> cpu_ae({.seed = 3});
  tiny_ae<double, reference_backend> ae({.seed = 3});
  REQUIRE(cpu_ae.parameters().size() == ae.parameters().size());
  network_generator<paper_spec, double> gen({.networks = 6, .points = 40}, 5);
  generated_batch<paper_spec, double> batch;
  gen.next(batch);
  const long calls_before = reference_backend::calls;
  const double cpu_loss = cpu_ae.forward(batch);
  cpu_ae.backward(batch);
  const double loss = ae.forward(batch);
  ae.backward(batch);
  CHECK(reference_backend::calls > calls_before + 20);  // the layers and the level loop reached this backend
  CHECK(loss == doctest::Approx(cpu_loss).epsilon(1e-12));
  CHECK(max_relative_difference(ae.parameters().gradients(), cpu_ae.parameters().gradients()) < 1e-10);
}

TEST_CASE("the latent search through another backend finds what the cpu search finds") {
  tiny_ae<double, cpu> cpu_ae({.seed = 4});
  tiny_ae<double, reference_backend> ae({.seed = 4});
  const auto train = make_split(60), validation = make_split(30);
  const latent_search_options o{.restarts = 2, .iterations = 40, .select_after = 10, .validation_every = 10};
  latent_search cpu_search(cpu_ae, paper_regularizers(), adam{}, o);
  latent_search search(ae, paper_regularizers(), adam{}, o);
  const auto want = cpu_search.run(train, validation);
  const auto got = search.run(train, validation);
  REQUIRE(got.candidates.size() == want.candidates.size());
  for (std::size_t i = 0; i < want.candidates.size(); ++i) {
    CAPTURE(i);
    CHECK(got.candidates[i].validation_mse == doctest::Approx(want.candidates[i].validation_mse).epsilon(1e-9));
    CHECK(got.candidates[i].nonzero_parameters == want.candidates[i].nonzero_parameters);
  }
  CHECK(got.chosen == want.chosen);
}

// example: counting-backend
#include <swatnn/backend/backend.hpp>
#include <swatnn/backend/cpu.hpp>

#include <atomic>

// The CPU backend with every matrix product counted: derive from a backend and re-declare what you change.
struct counting_cpu : swatnn::cpu {
  static constexpr const char* name = "counting_cpu";
  static inline std::atomic<double> flops{0};  // the levels run in parallel: count atomically

  template <class C, class A, class B>
  static void gemm(C&& c, const A& a, bool transpose_a, const B& b, bool transpose_b, bool accumulate) {
    const double depth = static_cast<double>(transpose_a ? a.rows() : a.cols());
    flops += 2.0 * static_cast<double>(c.rows()) * static_cast<double>(c.cols()) * depth;
    swatnn::cpu::gemm(c, a, transpose_a, b, transpose_b, accumulate);
  }
};

static_assert(swatnn::check_backend<counting_cpu>());
// end example: counting-backend

TEST_CASE("docs/backends.md: the user-written backend drives the latent search on the shipped model") {
  swat_small_autoencoder<counting_cpu> ae;
  swat_small_autoencoder<cpu> cpu_ae;
  load_model(ae, default_model_path());
  load_model(cpu_ae, default_model_path());
  const auto d = cornn::load("Booth");
  const latent_search_options o{.restarts = 1, .iterations = 30, .select_after = 10, .validation_every = 10};
  latent_search search(ae, paper_regularizers(), adam{}, o);
  latent_search cpu_search(cpu_ae, paper_regularizers(), adam{}, o);
  counting_cpu::flops = 0;
  const auto got = search.run(d.train, d.validation);
  const auto want = cpu_search.run(d.train, d.validation);
  // 30 iterations of 4 levels' decoders (2 blocks, 7 token rows) forward and back: millions of multiply-adds
  CHECK(counting_cpu::flops > 1e6);
  CHECK(got.best().validation_mse == want.best().validation_mse);  // the same kernels: bit for bit
  CHECK(got.best().nonzero_parameters == want.best().nonzero_parameters);
}
