// swatnn/network/soft_eval.hpp: soft_eval<Spec, T, Backend>, the differentiable evaluation of a batch of decoded
// networks on a batch of points (SWAT-NN's functional loss, method.md §4), as the backend implements it:
//     h_j = sigmoid(mask_logit_j) * sum_k softmax(activation_logits_j / T)_k * act_k(pre_j).
// Interface (every backend's evaluator): forward(tokens, networks, depth, row_stride, x, temperature) -> outputs
// (points x networks * Outputs), backward(grad_outputs, grad_tokens, grad_inputs = nullptr), outputs(),
// forward_flops(networks, depth, points). The CPU one is backend/cpu/soft_eval.hpp.
#pragma once

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cpu/soft_eval.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S, class T = float, class Backend = cpu>
using soft_eval = typename Backend::template soft_eval<S, T>;

}  // namespace swatnn
