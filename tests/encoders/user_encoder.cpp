// The minimal user encoder of docs/encoders.md ("Writing your own encoder"), compiled and run: it satisfies
// the encoder_policy concept, composes into multiscale_autoencoder and trains through it (gradient check in double).
// The page shows the `// example: user-encoder` region below, line for line (tests/docs/pages.cpp checks it).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "support/objective_gradient.hpp"

// example: user-encoder
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
// end example: user-encoder

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
