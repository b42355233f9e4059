// swatnn/autoencoder/swat_small.hpp: the reference configuration "swat-small" (shared/spec/swat-small.md) as a
// type: transformer encoder d = 64, 4 heads, 2 blocks; one 2-block transformer decoder per depth 1..4.
#pragma once

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/scales.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/backend/cpu.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <class Backend = cpu, class T = float>
using swat_small_autoencoder =
    multiscale_autoencoder<transformer_encoder<{.dim = 64, .heads = 4, .blocks = 2}>,
                           transformer_decoder<{.heads = 4, .blocks = 2}>, scales<1, 2, 3, 4>, Backend, paper_spec, T>;

}  // namespace swatnn
