// swatnn/backend/cpu/search_gates.hpp: the CPU backend's search_gates (search/search_gates.hpp): the latent
// search's gates on a level's decoded networks, forward and backward, one latent after another.
//   forward:  W~ = W sigmoid(k (|W| - t)) on every weight and output weight, masks m~ = k_n (sigmoid(m) - 0.5);
//             biases and activation logits pass through.
//   backward: dW += dW~ (s + W s (1 - s) k sign(W)), dt -= sum dW~ W s (1 - s) k, dm += dm~ k_n sigma(m)(1 - sigma(m)),
//             d bias += d bias~, d logits += d logits~ (s = sigmoid(k (|W| - t))).
#pragma once

#include <cmath>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

template <network_spec_type S, class T>
class cpu_search_gates {
 public:
  using row_matrix = cpu::row_matrix<T>;
  using layout = token_layout<S>;

  // gated (sized like decoded) = the gates of `latents` networks of depth `depth`, latent b with threshold
  // thresholds[b].
  void forward(const row_matrix& decoded, row_matrix& gated, const T* thresholds, int latents, int depth, T k,
               T kn) const {
    gated = decoded;
    for (int b = 0; b < latents; ++b) {
      const T t = thresholds[b];
      auto g = view<T>(gated, b, depth);
      auto gate_weights = [&](auto w) { w = (w.array() * (k * (w.array().abs() - t)).logistic()).matrix(); };
      for (int l = 0; l < depth; ++l) {
        gate_weights(g.weights(l));
        auto m = g.mask_logits(l);
        m = (kn * (m.array().logistic() - T(0.5))).matrix();
      }
      gate_weights(g.output_weights());
    }
  }

  // Adds the gradient through the gates: grad_gated -> grad_decoded (every gated slot) and grad_thresholds[b].
  void backward(const row_matrix& decoded, const row_matrix& grad_gated, row_matrix& grad_decoded,
                const T* thresholds, T* grad_thresholds, int latents, int depth, T k, T kn) const {
    for (int b = 0; b < latents; ++b) {
      const T t = thresholds[b];
      T& grad_t = grad_thresholds[b];
      auto d = view<const T>(decoded, b, depth);
      auto gg = view<const T>(grad_gated, b, depth);
      auto gd = view<T>(grad_decoded, b, depth);
      auto gate_back = [&](auto w, auto dw_gated, auto dw_decoded) {
        for (Eigen::Index row = 0; row < w.rows(); ++row)
          for (Eigen::Index col = 0; col < w.cols(); ++col) {
            const T x = w(row, col), s = T(1) / (T(1) + std::exp(-k * (std::abs(x) - t)));
            const T ds = s * (T(1) - s) * k;
            const T up = dw_gated(row, col);
            dw_decoded(row, col) += up * (s + x * ds * (x > T(0) ? T(1) : (x < T(0) ? T(-1) : T(0))));
            grad_t -= up * x * ds;
          }
      };
      for (int l = 0; l < depth; ++l) {
        gate_back(d.weights(l), gg.weights(l), gd.weights(l));
        gd.bias(l) += gg.bias(l);
        gd.activation_logits(l) += gg.activation_logits(l);
        const auto logits = d.mask_logits(l);
        for (int j = 0; j < S::max_width; ++j) {
          const T m = T(1) / (T(1) + std::exp(-logits(j)));
          gd.mask_logits(l)(j) += gg.mask_logits(l)(j) * kn * m * (T(1) - m);
        }
      }
      gate_back(d.output_weights(), gg.output_weights(), gd.output_weights());
      gd.output_bias() += gg.output_bias();
    }
  }

 private:
  template <class U, class M>
  static network_view<S, U> view(M& m, int b, int depth) {
    return network_view<S, U>(m.data() + static_cast<Eigen::Index>(b) * layout::tokens * m.cols(), depth, m.cols());
  }
};

}  // namespace swatnn
