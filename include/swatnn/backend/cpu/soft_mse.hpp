// swatnn/backend/cpu/soft_mse.hpp: the CPU backend's soft_mse (network/soft_mse.hpp), the latent search's data
// term in one fused pass: the soft evaluation of a batch of decoded networks (the model of network/soft_eval.hpp),
// each network's MSE against the targets, and d MSE / d tokens. It equals soft_eval's forward, then backward from
// dL/dy = 2 (y - target) / (N Outputs), but the points go through every layer forward and back one tile of `tile`
// points at a time: a tile's activations (a few tens of KB) stay in the core's caches, where soft_eval keeps
// points x neurons workspaces that at 3750 points outgrow them. Per-tile sums are accumulated in double.
// Switched-off neurons and activations whose softmax weight underflows are skipped as in soft_eval; subnormal
// floats are flushed to zero (backend/cpu/flush_denormals.hpp). Parallel across networks (OpenMP) with a fixed
// summation order per network, so results do not depend on the thread count; the workspace is sized on the first
// call for a shape and reused, so later calls allocate nothing.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/backend/cpu/flush_denormals.hpp>
#include <swatnn/error.hpp>
#include <swatnn/backend/cpu/soft_eval_kernels.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

template <network_spec_type S, class T>
class cpu_soft_mse {
 public:
  using layout = token_layout<S>;
  using matrix = cpu::matrix<T>;
  static constexpr int width = S::max_width;
  static constexpr int tile = 128;  // points per tile

  // Evaluates `networks` networks stored back to back from `tokens` (as soft_eval::forward: row-major, network b
  // from row b * layout::tokens, rows `row_stride` apart) on the points x (N x Inputs) at `temperature`; writes
  // network b's MSE against y (N x Outputs) into mse[b] and its gradient into grad_tokens (same layout and stride;
  // every slot of width(depth) is written, with 0 for padding and for skipped neurons).
  void evaluate(const T* tokens, int networks, int depth, Eigen::Index row_stride, const matrix& x, const matrix& y,
                T temperature, T* grad_tokens, double* mse) {
    check(networks, depth, row_stride, x, y, temperature);
    tokens_ = tokens;
    x_ = &x;
    y_ = &y;
    depth_ = depth;
    stride_ = row_stride;
    temperature_ = temperature;
    const std::size_t needed = static_cast<std::size_t>(networks) * per_network;
    if (work_.size() < needed) work_.resize(needed);
#pragma omp parallel for schedule(static) if (networks > 1)
    for (int b = 0; b < networks; ++b) mse[b] = evaluate_one(b, grad_tokens);
  }

 private:
  static constexpr int max_fan = std::max(width, S::inputs);  // inputs of a hidden layer, at most
  static constexpr std::size_t column = tile;                 // one tile-long column of a workspace
  // per network: pre-activation, sigmoid, tanh and output of every hidden neuron; dh for two layers; dp; the
  // tile's inputs; dL/dy; the outputs
  static constexpr std::size_t per_network =
      column * (4 * S::max_depth * width + 3 * width + S::inputs + 2 * S::outputs);

  static void check(int networks, int depth, Eigen::Index row_stride, const matrix& x, const matrix& y, T temperature) {
    detail::soft::check_points<S>("soft_mse::evaluate", networks, depth, row_stride, x, temperature);
    if (y.rows() != x.rows() || y.cols() != S::outputs)
      throw shape_error("soft_mse::evaluate: targets are " + std::to_string(y.rows()) + "x" + std::to_string(y.cols()) +
                        ", expected " + std::to_string(x.rows()) + " x " + std::to_string(S::outputs) + " like the points");
  }

  // One network: the tiles forward and back, then its gradient slots from the accumulated sums. Returns its MSE.
  double evaluate_one(int b, T* grad_tokens) {
    namespace soft = detail::soft;
    const flush_denormals flush;
    const network_view<S, const T> net(tokens_ + static_cast<Eigen::Index>(b) * layout::tokens * stride_, depth_, stride_);
    const int depth = depth_;

    // Gates, and each layer's neurons that are on (`on`, `count`): the tiles compute only those, in that order.
    T gates[S::max_depth][width][1 + activation_count];
    int on[S::max_depth][width], count[S::max_depth];
    for (int l = 0; l < depth; ++l) {
      count[l] = 0;
      for (int j = 0; j < width; ++j) {
        soft::neuron_gates(net.mask_logits(l)(j), net.activation_logits(l).row(j), temperature_, gates[l][j]);
        if (!soft::off(gates[l][j])) on[l][count[l]++] = j;
      }
    }
    // fan(l): the inputs of layer l that are not exactly 0; source(l, k): the weight row of its input k
    auto fan = [&](int l) { return l == 0 ? S::inputs : count[l - 1]; };
    auto source = [&](int l, int k) { return l == 0 ? k : on[l - 1][k]; };
    // the weights in that compact order: w[l][c][k] from input k to on-neuron c; output weights wo[o][k]
    T w[S::max_depth][width][max_fan], bias[S::max_depth][width], wo[S::outputs][width], bo[S::outputs];
    for (int l = 0; l < depth; ++l)
      for (int c = 0; c < count[l]; ++c) {
        bias[l][c] = net.bias(l)(on[l][c]);
        for (int k = 0; k < fan(l); ++k) w[l][c][k] = net.weights(l)(source(l, k), on[l][c]);
      }
    const int last = count[depth - 1];
    for (int o = 0; o < S::outputs; ++o) {
      bo[o] = net.output_bias()(o);
      for (int k = 0; k < last; ++k) wo[o][k] = net.output_weights()(on[depth - 1][k], o);
    }

    // sums over the points, in double: weight gradients, each neuron's mix_backward sums, output gradients, SSE
    double gw[S::max_depth][width][max_fan] = {}, sums[S::max_depth][width][4] = {};
    double gwo[S::outputs][width] = {}, gbo[S::outputs] = {}, sse = 0;

    T* base = work_.data() + static_cast<std::size_t>(b) * per_network;
    auto hidden = [&](int kind, int l, int c) {  // kind 0: pre-activation, 1: sigmoid, 2: tanh, 3: output
      return base + ((static_cast<std::size_t>(kind) * S::max_depth + l) * width + c) * column;
    };
    T* dh = base + 4 * S::max_depth * width * column;
    T* dh_below = dh + width * column;
    T* dp = dh_below + width * column;
    T* xin = dp + width * column;
    T* dy = xin + S::inputs * column;
    T* yt = dy + S::outputs * column;

    const Eigen::Index points = x_->rows();
    const T scale = T(2) / T(static_cast<double>(points) * S::outputs);
    for (Eigen::Index t0 = 0; t0 < points; t0 += tile) {
      const Eigen::Index n = std::min<Eigen::Index>(tile, points - t0);
      // the tile's inputs, zero-padded past the last point; padded points get dL/dy = 0, so they add nothing
      for (int k = 0; k < S::inputs; ++k) {
        std::copy_n(x_->data() + k * points + t0, n, xin + k * column);
        std::fill(xin + k * column + n, xin + (k + 1) * column, T(0));
      }
      const T* in[max_fan];
      for (int k = 0; k < S::inputs; ++k) in[k] = xin + k * column;
      for (int l = 0; l < depth; ++l) {
        for (int c = 0; c < count[l]; ++c) {
          T* pre = hidden(0, l, c);
          soft::combine_n<max_fan>(fan(l), in, w[l][c], bias[l][c], tile, pre);
          soft::activate(pre, hidden(1, l, c), hidden(2, l, c), hidden(3, l, c), tile, gates[l][on[l][c]]);
        }
        for (int c = 0; c < count[l]; ++c) in[c] = hidden(3, l, c);
      }
      const T* dys[S::outputs];
      for (int o = 0; o < S::outputs; ++o) {
        soft::combine_n<width>(last, in, wo[o], bo[o], tile, yt);
        const T* target = y_->data() + o * points + t0;
        T* d = dy + o * column;
        double part = 0;
        for (Eigen::Index i = 0; i < n; ++i) {
          const T e = yt[i] - target[i];
          part += static_cast<double>(e) * e;
          d[i] = scale * e;
        }
        std::fill(d + n, d + column, T(0));
        sse += part;
        dys[o] = d;
        T acc[width] = {};
        soft::dots_n<width>(last, in, d, tile, acc);
        for (int k = 0; k < last; ++k) gwo[o][k] += acc[k];
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int i = 0; i < tile; ++i) s += d[i];
        gbo[o] += s;
      }
      for (int k = 0; k < last; ++k) {
        T wk[S::outputs];
        for (int o = 0; o < S::outputs; ++o) wk[o] = wo[o][k];
        soft::combine<S::outputs>(dys, wk, T(0), tile, dh + k * column);
      }
      for (int l = depth - 1; l >= 0; --l) {
        const T* dps[width] = {};
        for (int c = 0; c < count[l]; ++c) {
          T s[4];
          T* dpc = dp + c * column;
          soft::mix_backward(hidden(0, l, c), hidden(1, l, c), hidden(2, l, c), dh + c * column, dpc, tile,
                             gates[l][on[l][c]], s);
          for (int k = 0; k < 4; ++k) sums[l][c][k] += s[k];
          dps[c] = dpc;
        }
        const T* below[max_fan];
        for (int k = 0; k < fan(l); ++k) below[k] = l == 0 ? xin + k * column : hidden(3, l - 1, k);
        for (int c = 0; c < count[l]; ++c) {
          T acc[max_fan] = {};
          soft::dots_n<max_fan>(fan(l), below, dps[c], tile, acc);
          for (int k = 0; k < fan(l); ++k) gw[l][c][k] += acc[k];
        }
        if (l == 0) break;
        for (int k = 0; k < fan(l); ++k) {  // dL/d output k of the layer below (an on-neuron of it)
          T wk[width];
          for (int c = 0; c < count[l]; ++c) wk[c] = w[l][c][k];
          soft::combine_n<width>(count[l], dps, wk, T(0), tile, dh_below + k * column);
        }
        std::swap(dh, dh_below);
      }
    }

    // the gradient slots: 0 everywhere in width(depth), then every on-neuron's from its sums
    T* grad_base = grad_tokens + static_cast<Eigen::Index>(b) * layout::tokens * stride_;
    for (int r = 0; r < layout::tokens; ++r) std::fill_n(grad_base + r * stride_, layout::width(depth), T(0));
    network_view<S, T> grad(grad_base, depth, stride_);
    for (int l = 0; l < depth; ++l)
      for (int c = 0; c < count[l]; ++c) {
        const int j = on[l][c];
        const T s[4] = {T(sums[l][c][0]), T(sums[l][c][1]), T(sums[l][c][2]), T(sums[l][c][3])};
        grad.bias(l)(j) = s[3];
        soft::gate_gradients(gates[l][j], s, temperature_, grad.mask_logits(l)(j), grad.activation_logits(l).row(j));
        for (int k = 0; k < fan(l); ++k) grad.weights(l)(source(l, k), j) = T(gw[l][c][k]);
      }
    for (int o = 0; o < S::outputs; ++o) {
      for (int k = 0; k < last; ++k) grad.output_weights()(on[depth - 1][k], o) = T(gwo[o][k]);
      grad.output_bias()(o) = T(gbo[o]);
    }
    return sse / (static_cast<double>(points) * S::outputs);
  }

  const T* tokens_ = nullptr;
  const matrix* x_ = nullptr;
  const matrix* y_ = nullptr;
  int depth_ = 0;
  Eigen::Index stride_ = 0;
  T temperature_ = T(1);
  std::vector<T, Eigen::aligned_allocator<T>> work_;
};

}  // namespace swatnn
