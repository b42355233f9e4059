// swatnn/encoders/gnn_encoder.hpp: a message-passing encoder over each network's neuron graph (an Encoder
// policy, interchangeable with transformer_encoder: same input tokens, same latent shape tokens x dim).
// Per network (graph read by neuron_graph.hpp: input, hidden and output neurons as nodes, weights as edges):
//   h0_v   = present_v * (x_v E + type_embedding[type(v)])                  x_v: bias, activation one-hot, mask, exists
//   round k (k = 0 .. rounds-1), over all networks' nodes at once:
//     a = h A_k, b = h B_k                                                  (no bias: absent nodes send nothing)
//     fwd_v = sum over edges u->v of w_uv a_u,  bwd_v = sum over edges v->t of w_vt b_t
//     h <- h + present * MLP_k(LN_k([h, fwd, bwd])),  MLP = Linear(3H -> F), GELU, Linear(F -> H)
//   readout: token r = [h(0, r) | ... | h(MaxDepth-1, r) | h(input 0..) | h(output 0..)]  (absent layers are 0)
//            latent = LayerNorm(Linear(token)),  (MaxDepth + Inputs + Outputs) H -> dim.
// Hand-written backward; gradients reach every parameter and every token cell the graph reads. The linear layers,
// layer norms and GELUs run through the backend; the message passing itself is host code (host backends only). Symmetry: one
// permutation of the hidden neurons of every layer (a function-preserving relabelling) permutes the latent's
// token rows the same way; a permutation of one layer alone permutes that layer's node states.
// See docs/encoders.md.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/encoders/neuron_graph.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

namespace swatnn {

struct gnn_encoder_options {
  int dim = 64;     // latent width per token
  int hidden = 64;  // node state width H
  int rounds = 3;   // message-passing rounds
  int ffn = 0;      // hidden width F of each round's MLP; 0 means 2 * hidden
};

// Encoder policy: `gnn_encoder<{.dim = 64, .hidden = 64, .rounds = 3}>`.
template <gnn_encoder_options Options = gnn_encoder_options{}>
struct gnn_encoder {
  static_assert(Options.dim >= 1 && Options.hidden >= 1, "swatnn::gnn_encoder: dim and hidden must be >= 1");
  static_assert(Options.rounds >= 0 && Options.ffn >= 0, "swatnn::gnn_encoder: rounds and ffn must be >= 0");

  static constexpr gnn_encoder_options options = Options;
  static constexpr int dim = Options.dim;
  static constexpr int hidden = Options.hidden;
  static constexpr int rounds = Options.rounds;
  static constexpr int ffn() { return Options.ffn == 0 ? 2 * Options.hidden : Options.ffn; }

  static std::string describe() {
    return "gnn_encoder(dim=" + std::to_string(Options.dim) + ",hidden=" + std::to_string(Options.hidden) +
           ",rounds=" + std::to_string(Options.rounds) + ",ffn=" + std::to_string(ffn()) + ")";
  }

  template <network_spec_type S, class T, class Backend>
  class model {
    static_assert(Backend::host_accessible,
                  "swatnn::gnn_encoder: its message passing (the gathers and scatters over each network's graph) runs "
                  "on host memory; use transformer_encoder with a backend whose memory the host cannot read");

   public:
    using matrix_type = typename Backend::template row_matrix<T>;
    using vector_type = typename Backend::template vector<T>;
    using buffer_type = nn::parameter_buffer<T, Backend>;
    using layout = token_layout<S>;
    using graph = neuron_graph<S>;
    static constexpr int tokens = layout::tokens;
    static constexpr int nodes = graph::nodes;
    static constexpr int readout_features = (S::max_depth + S::inputs + S::outputs) * hidden;

    explicit model(buffer_type& params)
        : params_(&params),
          embed_(params, {.in_features = graph::node_features, .out_features = hidden, .name = "encoder.gnn.embed",
                          .bias = false}),
          type_(params.add("encoder.gnn.node_type", graph::node_types, hidden, nn::init_spec::normal_truncated(1.0))),
          rounds_(make_rounds(params)),
          readout_(params, {.in_features = readout_features, .out_features = dim, .name = "encoder.gnn.readout"}),
          norm_(params, {.features = dim, .name = "encoder.gnn.norm"}),
          states_(static_cast<std::size_t>(rounds) + 1) {}

    model(const model&) = delete;
    model& operator=(const model&) = delete;

    // tokens: (networks * tokens) x features (token_layout::encode) -> latent: (networks * tokens) x dim.
    // `tokens` must stay alive and unchanged until backward.
    const matrix_type& forward(const matrix_type& x) {
      if (x.cols() != layout::features || x.rows() == 0 || x.rows() % tokens != 0)
        throw shape_error("gnn_encoder: tokens are " + std::to_string(x.rows()) + "x" + std::to_string(x.cols()) +
                          ", expected (networks * " + std::to_string(tokens) + ") x " +
                          std::to_string(layout::features));
      const Eigen::Index n = x.rows() / tokens;
      resize(n);
      tokens_ = &x;
      for (Eigen::Index b = 0; b < n; ++b) depths_[static_cast<std::size_t>(b)] = graph::depth(x, b * tokens, b);

      // node features and presence
      features_.setZero();
      for (Eigen::Index b = 0; b < n; ++b) {
        const int d = depth_of(b);
        for (int v = 0; v < nodes; ++v) {
          const Eigen::Index row = b * nodes + v;
          present_[row] = graph::present(d, v) ? T(1) : T(0);
          const auto cells = graph::feature_cells(d, v);
          for (int k = 0; k < graph::node_features; ++k)
            if (cells[k].valid()) features_(row, k) = x(b * tokens + cells[k].row, cells[k].col);
        }
      }
      const matrix_type& embedded = embed_.forward(features_);
      const auto table = params_->value(type_);
      for (Eigen::Index row = 0; row < n * nodes; ++row)
        states_[0].row(row) = present_[row] * (embedded.row(row) + table.row(graph::node_type(node_of(row))));

      // message passing
      for (int k = 0; k < rounds; ++k) {
        auto& layers = rounds_[static_cast<std::size_t>(k)];
        const matrix_type& h = states_[static_cast<std::size_t>(k)];
        const matrix_type& a = layers.send_forward.forward(h);
        const matrix_type& c = layers.send_backward.forward(h);
        concat_.leftCols(hidden) = h;
        concat_.rightCols(2 * hidden).setZero();
        for (Eigen::Index b = 0; b < n; ++b) {
          const Eigen::Index base = b * nodes, token0 = b * tokens;
          graph::for_each_edge(depth_of(b), [&](int source, int target, int row, int col) {
            const T w = x(token0 + row, col);
            concat_.row(base + target).segment(hidden, hidden) += w * a.row(base + source);
            concat_.row(base + source).segment(2 * hidden, hidden) += w * c.row(base + target);
          });
        }
        const matrix_type& y =
            layers.down.forward(layers.act.forward(layers.up.forward(layers.norm.forward(concat_))));
        auto& next = states_[static_cast<std::size_t>(k) + 1];
        for (Eigen::Index row = 0; row < n * nodes; ++row) next.row(row) = h.row(row) + present_[row] * y.row(row);
      }

      // readout: token r of network b gathers hidden neuron r of every layer, then the input and output nodes
      const matrix_type& h = states_.back();
      for (Eigen::Index b = 0; b < n; ++b)
        for (int r = 0; r < tokens; ++r) {
          auto out = readout_in_.row(b * tokens + r);
          for (int c = 0; c < readout_sources; ++c)
            out.segment(c * hidden, hidden) = h.row(b * nodes + readout_node(c, r));
        }
      return norm_.forward(readout_.forward(readout_in_));
    }

    // dlatent -> dtokens (every cell the graph reads; padding and unread cells get 0). Parameter gradients are
    // accumulated.
    const matrix_type& backward(const matrix_type& grad_latent) {
      if (tokens_ == nullptr)
        throw shape_error("gnn_encoder::backward: no forward pass yet (call forward before backward)");
      const matrix_type& x = *tokens_;
      const Eigen::Index n = x.rows() / tokens;
      const matrix_type& grad_in = readout_.backward(norm_.backward(grad_latent));
      grad_h_.setZero();
      for (Eigen::Index b = 0; b < n; ++b)
        for (int r = 0; r < tokens; ++r) {
          const auto g = grad_in.row(b * tokens + r);
          for (int c = 0; c < readout_sources; ++c)
            grad_h_.row(b * nodes + readout_node(c, r)) += g.segment(c * hidden, hidden);
        }
      grad_tokens_.setZero();

      for (int k = rounds - 1; k >= 0; --k) {
        auto& layers = rounds_[static_cast<std::size_t>(k)];
        for (Eigen::Index row = 0; row < n * nodes; ++row) grad_y_.row(row) = present_[row] * grad_h_.row(row);
        const matrix_type& grad_concat =
            layers.norm.backward(layers.up.backward(layers.act.backward(layers.down.backward(grad_y_))));
        grad_h_ += grad_concat.leftCols(hidden);
        const matrix_type& a = layers.send_forward.last_output();
        const matrix_type& c = layers.send_backward.last_output();
        grad_a_.setZero();
        grad_c_.setZero();
        for (Eigen::Index b = 0; b < n; ++b) {
          const Eigen::Index base = b * nodes, token0 = b * tokens;
          graph::for_each_edge(depth_of(b), [&](int source, int target, int row, int col) {
            const T w = x(token0 + row, col);
            const auto g_fwd = grad_concat.row(base + target).segment(hidden, hidden);
            const auto g_bwd = grad_concat.row(base + source).segment(2 * hidden, hidden);
            grad_a_.row(base + source) += w * g_fwd;
            grad_c_.row(base + target) += w * g_bwd;
            grad_tokens_(token0 + row, col) += g_fwd.dot(a.row(base + source)) + g_bwd.dot(c.row(base + target));
          });
        }
        grad_h_ += layers.send_forward.backward(grad_a_);
        grad_h_ += layers.send_backward.backward(grad_c_);
      }

      // embedding
      for (Eigen::Index row = 0; row < n * nodes; ++row) grad_y_.row(row) = present_[row] * grad_h_.row(row);
      auto table_grad = params_->gradient(type_);
      for (Eigen::Index row = 0; row < n * nodes; ++row)
        table_grad.row(graph::node_type(node_of(row))) += grad_y_.row(row);
      const matrix_type& grad_features = embed_.backward(grad_y_);
      for (Eigen::Index b = 0; b < n; ++b) {
        const int d = depth_of(b);
        for (int v = 0; v < nodes; ++v) {
          const auto cells = graph::feature_cells(d, v);
          for (int k = 0; k < graph::node_features; ++k)
            if (cells[k].valid()) grad_tokens_(b * tokens + cells[k].row, cells[k].col) += grad_features(b * nodes + v, k);
        }
      }
      return grad_tokens_;
    }

    // Node states after the last round ((networks * nodes) x hidden, neuron_graph's node order) and depths of the
    // last forward; for tests and inspection.
    const matrix_type& node_states() const { return states_.back(); }
    int depth(Eigen::Index network) const { return depth_of(network); }

    // Matmul FLOPs of one forward pass on `rows` = networks * tokens token rows (edge sums included).
    double forward_flops(Eigen::Index rows) const {
      const double networks = static_cast<double>(rows / tokens);
      const double node_rows = networks * nodes;
      const double h = hidden, f = ffn();
      double flops = 2.0 * node_rows * graph::node_features * h;
      flops += rounds * (2.0 * node_rows * (2.0 * h * h + 3.0 * h * f + f * h) +
                         2.0 * 2.0 * networks * graph::edges(S::max_depth) * h);
      flops += 2.0 * static_cast<double>(rows) * readout_features * dim;
      return flops;
    }

   private:
    struct round_layers {
      round_layers(buffer_type& params, const std::string& prefix)
          : send_forward(params, {.in_features = hidden, .out_features = hidden, .name = prefix + ".send_forward",
                                  .bias = false}),
            send_backward(params, {.in_features = hidden, .out_features = hidden, .name = prefix + ".send_backward",
                                   .bias = false}),
            norm(params, {.features = 3 * hidden, .name = prefix + ".norm"}),
            up(params, {.in_features = 3 * hidden, .out_features = static_cast<std::size_t>(ffn()), .name = prefix + ".up"}),
            down(params, {.in_features = static_cast<std::size_t>(ffn()), .out_features = hidden, .name = prefix + ".down"}) {}
      nn::linear<T, Backend> send_forward;
      nn::linear<T, Backend> send_backward;
      nn::layer_norm<T, Backend> norm;
      nn::linear<T, Backend> up;
      nn::gelu<T, Backend> act;
      nn::linear<T, Backend> down;
    };

    static std::deque<round_layers> make_rounds(buffer_type& params) {
      std::deque<round_layers> r;
      for (int k = 0; k < rounds; ++k) r.emplace_back(params, "encoder.gnn.round" + std::to_string(k));
      return r;
    }

    // Readout source c of token r: hidden neuron (c, r) for c < MaxDepth, then input nodes, then output nodes.
    static constexpr int readout_sources = S::max_depth + S::inputs + S::outputs;
    static constexpr int readout_node(int c, int r) {
      if (c < S::max_depth) return graph::hidden_node(c, r);
      if (c < S::max_depth + S::inputs) return graph::input_node(c - S::max_depth);
      return graph::output_node(c - S::max_depth - S::inputs);
    }
    static int node_of(Eigen::Index row) { return static_cast<int>(row % nodes); }
    int depth_of(Eigen::Index b) const { return depths_[static_cast<std::size_t>(b)]; }

    void resize(Eigen::Index networks) {
      const Eigen::Index rows = networks * nodes;
      depths_.resize(static_cast<std::size_t>(networks));
      present_.resize(rows);
      features_.resize(rows, graph::node_features);
      for (auto& s : states_) s.resize(rows, hidden);
      concat_.resize(rows, 3 * hidden);
      grad_h_.resize(rows, hidden);
      grad_y_.resize(rows, hidden);
      grad_a_.resize(rows, hidden);
      grad_c_.resize(rows, hidden);
      readout_in_.resize(networks * tokens, readout_features);
      grad_tokens_.resize(networks * tokens, layout::features);
    }

    buffer_type* params_;
    nn::linear<T, Backend> embed_;
    nn::parameter_handle type_;
    std::deque<round_layers> rounds_;
    nn::linear<T, Backend> readout_;
    nn::layer_norm<T, Backend> norm_;

    const matrix_type* tokens_ = nullptr;
    std::vector<int> depths_;
    vector_type present_;
    matrix_type features_;
    std::vector<matrix_type> states_;  // h_0 .. h_rounds
    matrix_type concat_;               // [h, forward messages, backward messages], reused by every round
    matrix_type grad_h_, grad_y_, grad_a_, grad_c_;
    matrix_type readout_in_;
    matrix_type grad_tokens_;
  };
};

}  // namespace swatnn
