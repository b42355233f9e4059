// swatnn/search/search_gates.hpp: search_gates<Spec, T, Backend>, the latent search's differentiable gates on a
// level's decoded networks (SWAT-NN method.md §5): each weight W becomes W sigmoid(k (|W| - t)) with the latent's
// learnable threshold t, each neuron mask m becomes k_n (sigmoid(m) - 0.5); backward carries the gradient of the
// gated networks back to the decoded ones and to the thresholds. As the backend implements it; the CPU one is
// backend/cpu/search_gates.hpp. Interface: forward(decoded, gated, thresholds, latents, depth, k, k_n) and
// backward(decoded, grad_gated, grad_decoded, thresholds, grad_thresholds, latents, depth, k, k_n), both adding
// nothing to memory they were not given.
#pragma once

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cpu/search_gates.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S, class T = float, class Backend = cpu>
using search_gates = typename Backend::template search_gates<S, T>;

}  // namespace swatnn
