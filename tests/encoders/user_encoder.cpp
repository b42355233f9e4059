// The minimal user encoder of docs/encoders.md ("Writing your own encoder"), compiled and run: it satisfies
// the encoder_policy concept, composes into multiscale_autoencoder and trains through it (gradient check in double).
// The region between the `// --- begin/end docs/encoders.md example ---` lines below must equal, line for line,
// the first ```cpp block after the heading "## Writing your own encoder" of docs/encoders.md (last test case).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/doc_examples.hpp"
#include "support/objective_gradient.hpp"

// --- begin docs/encoders.md example ---
#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/linear.hpp>

// Each token on its own: latent = tokens W + b (no mixing between tokens).
template <int Dim>
struct per_token_encoder {
  static constexpr int dim = Dim;
  static std::string describe() { return "per_token_encoder(dim=" + std::to_string(Dim) + ")"; }

  template <swatnn::network_spec_type S, class T, class Backend>
  class model {
   public:
    using matrix_type = typename Backend::template row_matrix<T>;
    static constexpr int features = swatnn::token_layout<S>::features;

    explicit model(swatnn::nn::parameter_buffer<T, Backend>& params)
        : linear_(params, {.in_features = features, .out_features = Dim, .name = "encoder.per_token"}) {}

    // (networks * tokens) x features -> (networks * tokens) x Dim
    const matrix_type& forward(const matrix_type& tokens) { return linear_.forward(tokens); }
    // d latent -> d tokens; adds the parameter gradients into the buffer
    const matrix_type& backward(const matrix_type& grad_latent) { return linear_.backward(grad_latent); }
    // optional: only multiscale_autoencoder::forward_flops calls it
    double forward_flops(Eigen::Index rows) const { return 2.0 * static_cast<double>(rows) * features * Dim; }

   private:
    swatnn::nn::linear<T, Backend> linear_;
  };
};

static_assert(swatnn::encoder_policy<per_token_encoder<8>, swatnn::paper_spec, float, swatnn::cpu>,
              "per_token_encoder must satisfy the encoder_policy concept");
using my_autoencoder = swatnn::multiscale_autoencoder<per_token_encoder<8>,
                                                      swatnn::transformer_decoder<{.heads = 2, .blocks = 1}>,
                                                      swatnn::scales<1, 2>>;
// --- end docs/encoders.md example ---

// Not an encoder: no describe().
struct not_an_encoder {
  static constexpr int dim = 4;
  template <swatnn::network_spec_type S, class T, class Backend>
  struct model {
    explicit model(swatnn::nn::parameter_buffer<T, Backend>&) {}
    const typename Backend::template row_matrix<T>& forward(const typename Backend::template row_matrix<T>& x) { return x; }
    const typename Backend::template row_matrix<T>& backward(const typename Backend::template row_matrix<T>& x) { return x; }
  };
};
static_assert(!swatnn::encoder_policy<not_an_encoder, swatnn::paper_spec, float, swatnn::cpu>);

TEST_CASE("the documented user encoder trains inside the multiscale autoencoder") {
  using namespace swatnn;
  my_autoencoder ae;
  network_generator<paper_spec, float> gen({.networks = 2, .points = 10}, 1);
  const auto batch = gen.next();
  CHECK(ae.encode(batch.tokens).cols() == 8);
  CHECK(std::isfinite(ae.forward(batch)));
  CHECK(my_autoencoder::describe().find("encoder=per_token_encoder(dim=8)") != std::string::npos);

  multiscale_autoencoder<per_token_encoder<8>, transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu,
                         paper_spec, double>
      ae64({.seed = 5});
  network_generator<paper_spec, double> gen64({.networks = 2, .points = 5, .depth = 2}, 2);
  const auto b64 = gen64.next();
  const auto r = test::check_objective_gradient(ae64, b64, 3);
  INFO(r.describe());
  CHECK(r.passed(1e-5));
}

TEST_CASE("docs/encoders.md shows exactly the user encoder compiled here") {
  namespace t = swatnn::test;
  const auto doc = t::lines_of(t::source_dir() / "docs" / "encoders.md");
  const auto self = t::lines_of(t::source_dir() / "tests" / "encoders" / "user_encoder.cpp");
  const auto in_code =
      t::code_region(self, "// --- begin docs/encoders.md example ---", "// --- end docs/encoders.md example ---");
  const t::doc_code_block in_doc = t::doc_code_block_after(doc, "## Writing your own encoder");
  REQUIRE_MESSAGE(in_doc.has_marker(), "docs/encoders.md lacks the heading \"## Writing your own encoder\"");
  REQUIRE_MESSAGE(in_doc.has_fence(), "docs/encoders.md has no ```cpp block after \"## Writing your own encoder\"");
  // the block belongs to that section: no other heading between the heading and the fence
  for (std::size_t l = in_doc.marker_line + 1; l < in_doc.fence_line; ++l) CHECK(doc[l].rfind("#", 0) != 0);
  CHECK(in_doc.closed);
  REQUIRE_FALSE(in_code.empty());
  CHECK(in_doc.code == in_code);
}
