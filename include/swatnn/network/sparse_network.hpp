// swatnn/network/sparse_network.hpp: a discrete network of the searched family (hard activations, on/off
// neurons, explicit weights): what a search returns and what the generator produces. Evaluates on a batch of
// points and counts active neurons and nonzero parameters as SWAT-NN reports them (method.md §5). A network of
// k < S::inputs inputs (`inputs`) keeps the first layer's weight rows k.. at zero; it predicts on N x k points or on
// N x S::inputs points whose columns k.. are ignored (they meet only zero weights).
#pragma once

#include <array>
#include <cmath>
#include <string>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S, class T = float>
struct sparse_network {
  using spec = S;
  using scalar = T;

  struct hidden_layer {
    cpu::row_matrix<T> weights = cpu::row_matrix<T>::Zero(S::max_width, S::max_width);  // fan-in x max_width
    cpu::vector<T> bias = cpu::vector<T>::Zero(S::max_width);
    std::array<activation, S::max_width> activations{};  // all sigmoid by default
    std::array<bool, S::max_width> active{};              // all off by default
  };

  int depth = 1;                                // number of hidden layers, 1..S::max_depth
  int inputs = S::inputs;                       // number of real inputs, 1..S::inputs (rows of layer 0 in use)
  std::array<hidden_layer, S::max_depth> layers;  // only the first `depth` are used
  cpu::row_matrix<T> output_weights = cpu::row_matrix<T>::Zero(S::max_width, S::outputs);
  cpu::vector<T> output_bias = cpu::vector<T>::Zero(S::outputs);

  // A network of the given depth and input count with every neuron off and every parameter zero (weights sized
  // correctly).
  static sparse_network zeros(int depth, int inputs = S::inputs) {
    check_depth(depth, "sparse_network::zeros");
    check_input_count<S>(inputs, "sparse_network::zeros");
    sparse_network net;
    net.depth = depth;
    net.inputs = inputs;
    for (int l = 0; l < S::max_depth; ++l) net.layers[l].weights.setZero(S::layer_inputs(l), S::max_width);
    return net;
  }

  static void check_depth(int depth, const char* where) { swatnn::check_depth<S>(depth, where); }

  // Throws if shapes do not match the spec, a parameter is not finite or a weight leaves an input beyond `inputs`.
  void validate() const {
    check_depth(depth, "sparse_network");
    check_input_count<S>(inputs, "sparse_network");
    for (int l = 0; l < depth; ++l) {
      const auto& layer = layers[l];
      if (layer.weights.rows() != S::layer_inputs(l) || layer.weights.cols() != S::max_width ||
          layer.bias.size() != S::max_width)
        throw shape_error("sparse_network: layer " + std::to_string(l) + " weights are " +
                          std::to_string(layer.weights.rows()) + "x" + std::to_string(layer.weights.cols()) +
                          " with bias " + std::to_string(layer.bias.size()) + ", expected " +
                          std::to_string(S::layer_inputs(l)) + "x" + std::to_string(S::max_width) + " and " +
                          std::to_string(S::max_width));
      if (!layer.weights.allFinite() || !layer.bias.allFinite())
        throw value_error("sparse_network: layer " + std::to_string(l) + " has a non-finite weight or bias");
    }
    if (inputs < S::inputs && !layers[0].weights.bottomRows(S::inputs - inputs).isZero(0))
      throw value_error("sparse_network: a weight of layer 0 leaves input " + std::to_string(inputs + 1) +
                        " or later, but the network has " + std::to_string(inputs) + " inputs");
    if (output_weights.rows() != S::max_width || output_weights.cols() != S::outputs ||
        output_bias.size() != S::outputs)
      throw shape_error("sparse_network: output weights must be " + std::to_string(S::max_width) + "x" +
                        std::to_string(S::outputs) + " with " + std::to_string(S::outputs) + " biases");
    if (!output_weights.allFinite() || !output_bias.allFinite())
      throw value_error("sparse_network: the output layer has a non-finite weight or bias");
  }

  // Outputs for a batch of points: x is N x inputs (or N x S::inputs), the result N x outputs. Inactive neurons
  // output 0.
  cpu::matrix<T> predict(const cpu::matrix<T>& x) const {
    return predict(x, [](int, const cpu::matrix<T>&) {});
  }
  // The same, calling visit(l, h) with hidden layer l's outputs (N x max_width) as they are computed.
  template <class Visit>
  cpu::matrix<T> predict(const cpu::matrix<T>& x, Visit&& visit) const {
    if (x.cols() != inputs && x.cols() != S::inputs)
      throw shape_error("sparse_network::predict: the points have " + std::to_string(x.cols()) +
                        " columns, the network has " + std::to_string(inputs) + " inputs" +
                        (inputs == S::inputs ? std::string() : " (or " + std::to_string(S::inputs) + ", the spec's)"));
    cpu::matrix<T> h = x;
    cpu::matrix<T> next(x.rows(), S::max_width);
    for (int l = 0; l < depth; ++l) {
      const auto& layer = layers[l];
      if (l == 0 && h.cols() < layer.weights.rows())  // N x inputs points: the rows in use
        next.noalias() = h * layer.weights.topRows(h.cols());
      else
        next.noalias() = h * layer.weights;
      next.rowwise() += layer.bias.transpose();
      for (int j = 0; j < S::max_width; ++j) {
        auto column = next.col(j);
        if (!layer.active[j]) {
          column.setZero();
          continue;
        }
        for (Eigen::Index n = 0; n < column.size(); ++n) column(n) = apply_activation(layer.activations[j], column(n));
      }
      visit(l, static_cast<const cpu::matrix<T>&>(next));
      h.swap(next);
      next.resize(x.rows(), S::max_width);
    }
    cpu::matrix<T> y = h * output_weights;
    y.rowwise() += output_bias.transpose();
    return y;
  }

  int active_neurons(int layer) const {
    int count = 0;
    for (bool a : layers[layer].active) count += a ? 1 : 0;
    return count;
  }
  int active_neurons() const {
    int count = 0;
    for (int l = 0; l < depth; ++l) count += active_neurons(l);
    return count;
  }

  // Nonzero weights between live units (inputs or active neurons) + one bias per active hidden neuron + the
  // output biases: the parameter count SWAT-NN reports.
  int nonzero_parameters() const {
    int count = 0;
    for (int l = 0; l < depth; ++l) {
      const auto& layer = layers[l];
      for (int j = 0; j < S::max_width; ++j) {
        if (!layer.active[j]) continue;
        ++count;  // bias
        for (int i = 0; i < S::layer_inputs(l); ++i)
          if (layer.weights(i, j) != T(0) && (l == 0 || layers[l - 1].active[i])) ++count;
      }
    }
    for (int i = 0; i < S::max_width; ++i)
      for (int o = 0; o < S::outputs; ++o)
        if (output_weights(i, o) != T(0) && layers[depth - 1].active[i]) ++count;
    return count + S::outputs;
  }
};

}  // namespace swatnn
