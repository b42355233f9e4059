// swatnn/autoencoder/paper_scale.hpp: the paper-scale configuration "paper-scale" as types: the SWAT-NN paper's
// GPT-2-small-sized transformers (shared/spec/method.md §4: d = 768 latent width per token) for the encoder and for
// each of the four per-depth decoders: d = 768, 12 heads of 64, 12 pre-LN blocks, FFN 3072 (GPT-2 small's shape).
// About 85 M parameters per transformer; meant for the CUDA backend (bench/bench_cuda.cu times its encoder step).
// The options are named constexpr values (not braced template arguments: clang 14 rejects those).
#pragma once

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/scales.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/backend/cpu.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

inline constexpr transformer_encoder_options paper_scale_encoder_options{.dim = 768, .heads = 12, .blocks = 12,
                                                                         .ffn = 3072};
inline constexpr transformer_decoder_options paper_scale_decoder_options{.heads = 12, .blocks = 12, .ffn = 3072};

using paper_scale_encoder = transformer_encoder<paper_scale_encoder_options>;
using paper_scale_decoder = transformer_decoder<paper_scale_decoder_options>;

template <class Backend = cpu, class T = float>
using paper_scale_autoencoder =
    multiscale_autoencoder<paper_scale_encoder, paper_scale_decoder, scales<1, 2, 3, 4>, Backend, paper_spec, T>;

}  // namespace swatnn
