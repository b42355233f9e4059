// swatnn/network/token_layout.hpp: the structure-aware token encoding of SWAT-NN (method.md §2). A network
// becomes `tokens` = MaxWidth rows; row r holds, layer by layer, the weights leaving input-side neuron r and
// the bias, activation one-hot and mask of output-side neuron r. Columns for depth D:
//   [hidden block 0 | ... | hidden block D-1 | output block | mask 0 .. mask D-1]
//   hidden block = MaxWidth weight columns + 1 bias + 3 activation columns, output block = MaxWidth weight
//   columns (first Outputs real) + 1 bias (first Outputs rows real); width = D (MaxWidth + 5) + MaxWidth + 1
//   (12D + 8 for the paper's width 7). Encoded tokens are zero padded to the width of MaxDepth and followed
//   by a validity channel of the same width (1 = real slot, 0 = padding): 2 x 56 = 112 features per token.
//   A network of k < Inputs inputs has the first layer's weight rows k.. marked as padding (and zero), so one
//   layout (and one autoencoder) serves every input count 1..Inputs.
// `network_view` reads a decoder output (tokens x width(D), any row stride) as weights, biases, activation
// logits and mask logits without copying.
#pragma once

#include <string>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>

namespace swatnn {

template <network_spec_type S>
struct token_layout {
  static constexpr int tokens = S::max_width;
  static constexpr int hidden_block = S::max_width + 1 + activation_count;
  static constexpr int output_block = S::max_width + 1;

  // Columns of the decoded matrix for a network of `depth` hidden layers (12D + 8 for the paper's family).
  static constexpr int width(int depth) { return depth * hidden_block + output_block + depth; }
  static constexpr int max_columns = width(S::max_depth);  // encoded values, zero padded to this width
  static constexpr int features = 2 * max_columns;          // values + validity channel

  static constexpr int weight_column(int layer) { return layer * hidden_block; }
  static constexpr int bias_column(int layer) { return layer * hidden_block + S::max_width; }
  static constexpr int activation_column(int layer) { return layer * hidden_block + S::max_width + 1; }
  static constexpr int output_weight_column(int depth) { return depth * hidden_block; }
  static constexpr int output_bias_column(int depth) { return depth * hidden_block + S::max_width; }
  static constexpr int mask_column(int depth, int layer) { return depth * hidden_block + output_block + layer; }

  // Whether slot (row, column) of a depth-`depth` network with `inputs` inputs holds a real parameter (not padding).
  static constexpr bool is_real(int depth, int row, int column, int inputs = S::inputs) {
    if (row < 0 || row >= tokens || column < 0 || column >= width(depth)) return false;
    if (column < depth * hidden_block) {
      const int layer = column / hidden_block;
      const int offset = column % hidden_block;
      return offset >= S::max_width || row < (layer == 0 ? inputs : S::max_width);
    }
    if (column < depth * hidden_block + S::max_width) return column - depth * hidden_block < S::outputs;
    if (column == output_bias_column(depth)) return row < S::outputs;
    return true;  // mask columns
  }

  static void check_depth(int depth, const char* where) { swatnn::check_depth<S>(depth, where); }

  // Writes the encoder input of `net` into `out` (tokens x features): values, then the validity channel.
  template <class T, class Derived>
  static void encode(const sparse_network<S, T>& net, Eigen::MatrixBase<Derived> const& out_) {
    auto& out = const_cast<Eigen::MatrixBase<Derived>&>(out_);  // Eigen's idiom for writable expressions
    check_encoded_shape(out, "token_layout::encode");
    net.validate();
    const int d = net.depth;
    out.setZero();
    using U = typename Derived::Scalar;
    for (int r = 0; r < tokens; ++r) {
      for (int l = 0; l < d; ++l) {
        const auto& layer = net.layers[l];
        if (r < S::layer_inputs(l))
          for (int j = 0; j < S::max_width; ++j) out(r, weight_column(l) + j) = U(layer.weights(r, j));
        out(r, bias_column(l)) = U(layer.bias(r));
        out(r, activation_column(l) + static_cast<int>(layer.activations[r])) = U(1);
        out(r, mask_column(d, l)) = layer.active[r] ? U(1) : U(0);
      }
      for (int o = 0; o < S::outputs; ++o) out(r, output_weight_column(d) + o) = U(net.output_weights(r, o));
      if (r < S::outputs) out(r, output_bias_column(d)) = U(net.output_bias(r));
      for (int c = 0; c < max_columns; ++c) out(r, max_columns + c) = is_real(d, r, c, net.inputs) ? U(1) : U(0);
    }
  }

  // Depth of an encoded token matrix, read from its validity channel.
  template <class Derived>
  static int encoded_depth(const Eigen::MatrixBase<Derived>& tokens_in) {
    check_encoded_shape(tokens_in, "token_layout::encoded_depth");
    for (int d = 1; d <= S::max_depth; ++d)
      if (tokens_in(0, max_columns + width(d) - 1) != 0 &&
          (d == S::max_depth || tokens_in(0, max_columns + width(d)) == 0))
        return d;
    throw value_error("token_layout::encoded_depth: the validity channel matches no depth in 1.." +
                      std::to_string(S::max_depth));
  }

  // Input count of an encoded token matrix: the rows whose first weight column is real in the validity channel.
  template <class Derived>
  static int encoded_inputs(const Eigen::MatrixBase<Derived>& tokens_in) {
    check_encoded_shape(tokens_in, "token_layout::encoded_inputs");
    int k = 0;
    while (k < S::inputs && tokens_in(k, max_columns + weight_column(0)) != 0) ++k;
    if (k == 0) throw value_error("token_layout::encoded_inputs: the validity channel marks no input row");
    return k;
  }

  // Inverse of encode: the network stored in an encoded token matrix (mask column = 1 for an active neuron,
  // activation = the one-hot column that is set, input count from the validity channel).
  template <class Derived>
  static sparse_network<S, typename Derived::Scalar> decode(const Eigen::MatrixBase<Derived>& tokens_in) {
    using U = typename Derived::Scalar;
    const int d = encoded_depth(tokens_in);
    auto net = sparse_network<S, U>::zeros(d, encoded_inputs(tokens_in));
    for (int l = 0; l < d; ++l) {
      auto& layer = net.layers[l];
      layer.weights = tokens_in.block(0, weight_column(l), S::layer_inputs(l), S::max_width);
      if (l == 0) layer.weights.bottomRows(S::inputs - net.inputs).setZero();
      layer.bias = tokens_in.col(bias_column(l));
      for (int r = 0; r < tokens; ++r) {
        Eigen::Index best = 0;
        tokens_in.row(r).segment(activation_column(l), activation_count).maxCoeff(&best);
        layer.activations[r] = static_cast<activation>(best);
        layer.active[r] = tokens_in(r, mask_column(d, l)) >= U(0.5);
      }
    }
    net.output_weights = tokens_in.block(0, output_weight_column(d), S::max_width, S::outputs);
    net.output_bias = tokens_in.col(output_bias_column(d)).head(S::outputs);
    return net;
  }

  template <class Derived>
  static void check_encoded_shape(const Eigen::MatrixBase<Derived>& m, const char* where) {
    if (m.rows() != tokens || m.cols() != features)
      throw shape_error(std::string(where) + ": token matrix is " + std::to_string(m.rows()) + "x" +
                        std::to_string(m.cols()) + ", expected " + std::to_string(tokens) + "x" +
                        std::to_string(features) + " (tokens x (values + validity))");
  }

  template <class T>
  static cpu::row_matrix<T> encode(const sparse_network<S, T>& net) {
    cpu::row_matrix<T> out(tokens, features);
    encode(net, out);
    return out;
  }
};

// A non-owning view of one network's parameters inside a token matrix (decoder output or encoded tokens):
// `data` points at row 0, column 0; rows are `row_stride` apart. T may be const. A view of a network of k < S::inputs
// inputs shows only the k real rows of the first layer's weights (what a regularizer should see).
template <network_spec_type S, class T>
class network_view {
 public:
  using layout = token_layout<S>;
  using scalar = std::remove_const_t<T>;
  using block_type = std::conditional_t<std::is_const_v<T>, const cpu::row_matrix<scalar>, cpu::row_matrix<scalar>>;
  using column_type = std::conditional_t<std::is_const_v<T>, const cpu::vector<scalar>, cpu::vector<scalar>>;
  using block = Eigen::Map<block_type, Eigen::Unaligned, Eigen::OuterStride<>>;
  using column = Eigen::Map<column_type, Eigen::Unaligned, Eigen::InnerStride<>>;

  network_view(T* data, int depth, Eigen::Index row_stride, int inputs = S::inputs)
      : data_(data), depth_(depth), stride_(row_stride), inputs_(inputs) {
    layout::check_depth(depth, "network_view");
    check_input_count<S>(inputs, "network_view");
    if (row_stride < layout::width(depth))
      throw shape_error("network_view: row stride " + std::to_string(row_stride) + " is narrower than the " +
                        std::to_string(layout::width(depth)) + " columns of a depth-" + std::to_string(depth) +
                        " network");
  }

  int depth() const { return depth_; }
  int inputs() const { return inputs_; }
  Eigen::Index row_stride() const { return stride_; }
  T* data() const { return data_; }

  // Weights of hidden layer l: fan-in x MaxWidth (row = input-side neuron; the first layer: inputs() rows).
  block weights(int l) const {
    return {data_ + layout::weight_column(l), l == 0 ? inputs_ : S::max_width, S::max_width, Eigen::OuterStride<>(stride_)};
  }
  column bias(int l) const { return {data_ + layout::bias_column(l), S::max_width, Eigen::InnerStride<>(stride_)}; }
  // Activation logits of hidden layer l: MaxWidth x 3 (row = neuron, column = activation index).
  block activation_logits(int l) const {
    return {data_ + layout::activation_column(l), S::max_width, activation_count, Eigen::OuterStride<>(stride_)};
  }
  column mask_logits(int l) const {
    return {data_ + layout::mask_column(depth_, l), S::max_width, Eigen::InnerStride<>(stride_)};
  }
  // Output weights: MaxWidth x Outputs; output biases: Outputs.
  block output_weights() const {
    return {data_ + layout::output_weight_column(depth_), S::max_width, S::outputs, Eigen::OuterStride<>(stride_)};
  }
  column output_bias() const {
    return {data_ + layout::output_bias_column(depth_), S::outputs, Eigen::InnerStride<>(stride_)};
  }

 private:
  T* data_;
  int depth_;
  Eigen::Index stride_;
  int inputs_;
};

// Parses a decoded matrix (tokens x at least width(depth), row-major) as a network of the given depth.
template <network_spec_type S, int Depth, class Derived>
auto parse(Eigen::PlainObjectBase<Derived>& decoded) {
  static_assert(Depth >= 1 && Depth <= S::max_depth, "swatnn::parse<S, Depth>: Depth must be within 1..S::max_depth");
  static_assert(Derived::IsRowMajor, "swatnn::parse: the decoded token matrix must be row-major (cpu::row_matrix)");
  if (decoded.rows() != token_layout<S>::tokens)
    throw shape_error("parse: decoded matrix has " + std::to_string(decoded.rows()) + " rows, expected " +
                      std::to_string(token_layout<S>::tokens) + " tokens");
  return network_view<S, typename Derived::Scalar>(decoded.data(), Depth, decoded.cols());
}
template <network_spec_type S, int Depth, class Derived>
auto parse(const Eigen::PlainObjectBase<Derived>& decoded) {
  static_assert(Depth >= 1 && Depth <= S::max_depth, "swatnn::parse<S, Depth>: Depth must be within 1..S::max_depth");
  static_assert(Derived::IsRowMajor, "swatnn::parse: the decoded token matrix must be row-major (cpu::row_matrix)");
  if (decoded.rows() != token_layout<S>::tokens)
    throw shape_error("parse: decoded matrix has " + std::to_string(decoded.rows()) + " rows, expected " +
                      std::to_string(token_layout<S>::tokens) + " tokens");
  return network_view<S, const typename Derived::Scalar>(decoded.data(), Depth, decoded.cols());
}

// Discretizes a view: activation = argmax of its logits, neuron on when sigmoid(mask logit) >= 0.5 (logit >= 0),
// weights and biases copied as they are; the network has the view's input count (the first layer's other rows 0).
template <network_spec_type S, class T>
sparse_network<S, std::remove_const_t<T>> harden(const network_view<S, T>& view) {
  using U = std::remove_const_t<T>;
  auto net = sparse_network<S, U>::zeros(view.depth(), view.inputs());
  for (int l = 0; l < view.depth(); ++l) {
    auto& layer = net.layers[l];
    layer.weights.topRows(view.weights(l).rows()) = view.weights(l);
    layer.bias = view.bias(l);
    const auto logits = view.activation_logits(l);
    const auto masks = view.mask_logits(l);
    for (int j = 0; j < S::max_width; ++j) {
      Eigen::Index best = 0;
      logits.row(j).maxCoeff(&best);
      layer.activations[j] = static_cast<activation>(best);
      layer.active[j] = masks(j) >= U(0);
    }
  }
  net.output_weights = view.output_weights();
  net.output_bias = view.output_bias();
  return net;
}

}  // namespace swatnn
