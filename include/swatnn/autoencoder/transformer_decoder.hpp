// swatnn/autoencoder/transformer_decoder.hpp: the decoder of one scale level (SWAT-NN §4, swat-small): pre-LN
// transformer blocks over the latent tokens + a final LayerNorm + Linear(dim -> width(D)), whose output is read
// by token_layout / network_view as the weights, biases, activation logits and mask logits of a depth-D network.
#pragma once

#include <deque>
#include <string>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>
#include <swatnn/nn/transformer_block.hpp>

namespace swatnn {

struct transformer_decoder_options {
  int heads = 4;   // attention heads (a divisor of the encoder's dim)
  int blocks = 2;  // transformer blocks per scale level
  int ffn = 0;     // FFN hidden width; 0 means 4 * dim
};

// Decoder policy: `transformer_decoder<{.blocks = 2}>`; one model per scale level.
template <transformer_decoder_options Options = transformer_decoder_options{}>
struct transformer_decoder {
  static_assert(Options.heads >= 1 && Options.blocks >= 0 && Options.ffn >= 0,
                "swatnn::transformer_decoder: heads >= 1, blocks >= 0, ffn >= 0");
  static constexpr transformer_decoder_options options = Options;

  static std::string describe() {
    return "transformer_decoder(heads=" + std::to_string(Options.heads) + ",blocks=" + std::to_string(Options.blocks) +
           ",ffn=" + std::to_string(Options.ffn) + ")";
  }

  template <network_spec_type S, int Depth, int Dim, class T, class Backend>
  class model {
    static_assert(Dim % Options.heads == 0, "swatnn::transformer_decoder: the latent dim must be a multiple of heads");

   public:
    using matrix_type = typename Backend::template row_matrix<T>;
    using layout = token_layout<S>;
    static constexpr int depth = Depth;
    static constexpr int width = layout::width(Depth);

    explicit model(nn::parameter_buffer<T, Backend>& params)
        : norm_(params, {.features = Dim, .name = prefix() + ".norm"}),
          head_(params, {.in_features = Dim, .out_features = width, .name = prefix() + ".head"}) {
      for (int i = 0; i < Options.blocks; ++i)
        blocks_.emplace_back(params, nn::transformer_block_options{.d_model = Dim,
                                                                   .heads = static_cast<std::size_t>(Options.heads),
                                                                   .tokens = layout::tokens,
                                                                   .ffn_features = ffn(),
                                                                   .name = prefix() + ".block" + std::to_string(i)});
    }

    // latent: (networks * tokens) x Dim -> decoded: (networks * tokens) x width(Depth).
    const matrix_type& forward(const matrix_type& latent) {
      const matrix_type* h = &latent;
      for (auto& block : blocks_) h = &block.forward(*h);
      return head_.forward(norm_.forward(*h));
    }

    // ddecoded -> dlatent; parameter gradients are accumulated.
    const matrix_type& backward(const matrix_type& grad_decoded) {
      const matrix_type* g = &norm_.backward(head_.backward(grad_decoded));
      for (auto it = blocks_.rbegin(); it != blocks_.rend(); ++it) g = &it->backward(*g);
      return *g;
    }

    double forward_flops(Eigen::Index rows) const {
      double flops = 2.0 * static_cast<double>(rows) * Dim * width;
      for (const auto& block : blocks_) flops += nn::transformer_block<T, Backend>::forward_matmul_flops(block.options(), rows);
      return flops;
    }

   private:
    static constexpr std::size_t ffn() { return Options.ffn == 0 ? 4 * Dim : Options.ffn; }
    static std::string prefix() { return "decoder" + std::to_string(Depth); }

    std::deque<nn::transformer_block<T, Backend>> blocks_;
    nn::layer_norm<T, Backend> norm_;
    nn::linear<T, Backend> head_;
  };
};

}  // namespace swatnn
