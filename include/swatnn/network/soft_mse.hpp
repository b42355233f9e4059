// swatnn/network/soft_mse.hpp: soft_mse<Spec, T, Backend>, the latent search's data term (each decoded network's
// MSE against the targets and d MSE / d tokens in one fused pass over point tiles), as the backend implements it.
// Interface: evaluate(tokens, networks, depth, row_stride, x, y, temperature, grad_tokens, mse). The CPU one is
// backend/cpu/soft_mse.hpp.
#pragma once

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cpu/soft_mse.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S, class T = float, class Backend = cpu>
using soft_mse = typename Backend::template soft_mse<S, T>;

}  // namespace swatnn
