// swatnn/encoders/transformer_encoder.hpp: the paper's encoder (SWAT-NN §4, swat-small): each network's tokens
// (tokens x features) go through Linear(features -> dim) + a learned positional embedding + pre-LN transformer
// blocks with bidirectional attention + a final LayerNorm, giving the latent z (tokens x dim) per network.
#pragma once

#include <deque>
#include <string>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>

namespace swatnn {

struct transformer_encoder_options {
  int dim = 64;     // latent width per token
  int heads = 4;    // attention heads (a divisor of dim)
  int blocks = 2;   // transformer blocks
  int ffn = 0;      // FFN hidden width; 0 means 4 * dim
};

// Encoder policy: `transformer_encoder<{.dim = 64, .heads = 4, .blocks = 2}>`.
template <transformer_encoder_options Options = transformer_encoder_options{}>
struct transformer_encoder {
  static_assert(Options.dim >= 1 && Options.heads >= 1 && Options.dim % Options.heads == 0,
                "swatnn::transformer_encoder: dim must be a positive multiple of heads");
  static_assert(Options.blocks >= 0 && Options.ffn >= 0, "swatnn::transformer_encoder: blocks and ffn must be >= 0");

  static constexpr transformer_encoder_options options = Options;
  static constexpr int dim = Options.dim;

  static std::string describe() {
    return "transformer_encoder(dim=" + std::to_string(Options.dim) + ",heads=" + std::to_string(Options.heads) +
           ",blocks=" + std::to_string(Options.blocks) + ",ffn=" + std::to_string(ffn()) + ")";
  }
  static constexpr int ffn() { return Options.ffn == 0 ? 4 * Options.dim : Options.ffn; }

  template <network_spec_type S, class T, class Backend>
  class model {
   public:
    using matrix_type = typename Backend::template row_matrix<T>;
    using layout = token_layout<S>;

    explicit model(nn::parameter_buffer<T, Backend>& params)
        : input_(params, {.in_features = layout::features, .out_features = dim, .name = "encoder.input"}),
          position_(params, {.tokens = layout::tokens, .d_model = dim, .name = "encoder.position"}),
          norm_(params, {.features = dim, .name = "encoder.norm"}) {
      for (int i = 0; i < Options.blocks; ++i)
        blocks_.emplace_back(params, nn::transformer_block_options{.d_model = dim,
                                                                   .heads = static_cast<std::size_t>(Options.heads),
                                                                   .tokens = layout::tokens,
                                                                   .ffn_features = ffn(),
                                                                   .name = "encoder.block" + std::to_string(i)});
    }

    // tokens: (networks * tokens) x features -> latent: (networks * tokens) x dim.
    const matrix_type& forward(const matrix_type& tokens) {
      const matrix_type* h = &position_.forward(input_.forward(tokens));
      for (auto& block : blocks_) h = &block.forward(*h);
      return norm_.forward(*h);
    }

    // dlatent -> dtokens; parameter gradients are accumulated.
    const matrix_type& backward(const matrix_type& grad_latent) {
      const matrix_type* g = &norm_.backward(grad_latent);
      for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) g = &it->backward(*g);
      return input_.backward(position_.backward(*g));
    }

    double forward_flops(Eigen::Index rows) const {
      double flops = 2.0 * static_cast<double>(rows) * layout::features * dim;
      for (const auto& block : blocks_) flops += nn::transformer_block<T, Backend>::forward_matmul_flops(block.options(), rows);
      return flops;
    }

   private:
    nn::linear<T, Backend> input_;
    nn::positional_embedding<T, Backend> position_;
    std::deque<nn::transformer_block<T, Backend>> blocks_;
    nn::layer_norm<T, Backend> norm_;
  };
};

}  // namespace swatnn
