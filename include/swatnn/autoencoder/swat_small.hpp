// swatnn/autoencoder/swat_small.hpp: the reference configuration "swat-small" (shared/spec/swat-small.md) as a
// type: transformer encoder d = 64, 4 heads, 2 blocks; one 2-block transformer decoder per depth 1..4. The third
// argument is the network family: the paper's 2-input one (models/swat_small.swt) or the universal 1-7-input one
// (swat_small_universal_autoencoder, models/swat_small_universal.swt); both have the same parameter shapes.
#pragma once

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/scales.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/backend/cpu.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <class Backend = cpu, class T = float, network_spec_type S = paper_spec>
using swat_small_autoencoder =
    multiscale_autoencoder<transformer_encoder<{.dim = 64, .heads = 4, .blocks = 2}>,
                           transformer_decoder<{.heads = 4, .blocks = 2}>, scales<1, 2, 3, 4>, Backend, S, T>;

template <class Backend = cpu, class T = float>
using swat_small_universal_autoencoder = swat_small_autoencoder<Backend, T, universal_spec>;

}  // namespace swatnn
