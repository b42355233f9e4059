// Tests for encoders/neuron_graph.hpp and encoders/gnn_encoder.hpp: the graph reads every real cell exactly
// once and no padding cell, depth agrees with token_layout, shapes, determinism, errors, finite-difference
// gradients in double for every parameter and every input token cell, padding is ignored, and the documented
// neuron-permutation symmetries hold.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <numeric>
#include <random>
#include <span>
#include <vector>

#include <swatnn/encoders/gnn_encoder.hpp>
#include <swatnn/network/generator.hpp>

#include "support/gradient_check.hpp"

using namespace swatnn;

namespace {

using tiny_gnn = gnn_encoder<{.dim = 8, .hidden = 8, .rounds = 2, .ffn = 12}>;
template <class T>
using tiny_model = tiny_gnn::model<paper_spec, T, cpu>;

// Counts how often each cell of a depth-d encoding is read by the graph: value channel (features except
// `exists`, and edges) and validity channel (`exists`).
template <network_spec_type S>
void check_graph_reads_each_real_cell_once(int d) {
  using L = token_layout<S>;
  using G = neuron_graph<S>;
  std::vector<int> reads(static_cast<std::size_t>(L::tokens * L::features), 0);
  auto at = [&](int row, int col) -> int& { return reads[static_cast<std::size_t>(row * L::features + col)]; };
  for (int v = 0; v < G::nodes; ++v) {
    const auto cells = G::feature_cells(d, v);
    for (int k = 0; k < G::node_features; ++k)
      if (cells[k].valid()) ++at(cells[k].row, cells[k].col);
    if (!G::present(d, v))
      for (const auto& c : cells) CHECK_FALSE(c.valid());
  }
  int edges = 0;
  G::for_each_edge(d, [&](int source, int target, int row, int col) {
    ++edges;
    ++at(row, col);
    CHECK(G::present(d, source));
    CHECK(G::present(d, target));
  });
  CHECK(edges == G::edges(d));
  for (int r = 0; r < L::tokens; ++r)
    for (int c = 0; c < L::max_columns; ++c) {
      CAPTURE(d);
      CAPTURE(r);
      CAPTURE(c);
      CHECK(at(r, c) == (L::is_real(d, r, c) ? 1 : 0));
      // validity cells read (as `exists`) lie on real slots only
      if (at(r, L::max_columns + c) != 0) CHECK(L::is_real(d, r, c));
    }
}

// new neuron pi[l][j] of hidden layer l = old neuron j (a function-preserving relabelling).
template <network_spec_type S>
sparse_network<S, double> permute(const sparse_network<S, double>& net,
                                  const std::array<std::array<int, S::max_width>, S::max_depth>& pi) {
  auto out = net;
  for (int l = 0; l < net.depth; ++l) {
    const auto& old_layer = net.layers[l];
    auto& layer = out.layers[l];
    for (int i = 0; i < S::layer_inputs(l); ++i)
      for (int j = 0; j < S::max_width; ++j) layer.weights(l == 0 ? i : pi[l - 1][i], pi[l][j]) = old_layer.weights(i, j);
    for (int j = 0; j < S::max_width; ++j) {
      layer.bias(pi[l][j]) = old_layer.bias(j);
      layer.activations[pi[l][j]] = old_layer.activations[j];
      layer.active[pi[l][j]] = old_layer.active[j];
    }
  }
  for (int i = 0; i < S::max_width; ++i) out.output_weights.row(pi[net.depth - 1][i]) = net.output_weights.row(i);
  return out;
}

template <class M>
M stack(const std::vector<const M*>& parts) {
  Eigen::Index rows = 0;
  for (const M* p : parts) rows += p->rows();
  M out(rows, parts.front()->cols());
  rows = 0;
  for (const M* p : parts) {
    out.middleRows(rows, p->rows()) = *p;
    rows += p->rows();
  }
  return out;
}

}  // namespace

TEST_CASE("the neuron graph reads every real cell of the encoding exactly once and no padding cell") {
  for (int d = 1; d <= paper_spec::max_depth; ++d) check_graph_reads_each_real_cell_once<paper_spec>(d);
  using other = network_spec<3, 2, 3, 5>;
  for (int d = 1; d <= other::max_depth; ++d) check_graph_reads_each_real_cell_once<other>(d);
  CHECK(neuron_graph<paper_spec>::nodes == 31);
  CHECK(neuron_graph<paper_spec>::edges(4) == 2 * 7 + 3 * 49 + 7);
}

TEST_CASE("the neuron graph's depth agrees with token_layout::encoded_depth") {
  for (int d = 1; d <= paper_spec::max_depth; ++d) {
    network_generator<paper_spec, double> gen({.networks = 3, .points = 2, .depth = d}, 5 + d);
    const auto batch = gen.next();
    for (int b = 0; b < 3; ++b) {
      CHECK(neuron_graph<paper_spec>::depth(batch.tokens, b * 7, b) == d);
      CHECK(token_layout<paper_spec>::encoded_depth(batch.tokens.middleRows(b * 7, 7)) == d);
    }
  }
  cpu::row_matrix<double> zeros = cpu::row_matrix<double>::Zero(7, 112);
  CHECK_THROWS_WITH_AS(neuron_graph<paper_spec>::depth(zeros, 0, 3), doctest::Contains("network 3"), value_error);
}

TEST_CASE("the GNN encoder has the documented shapes, is deterministic and rejects bad input") {
  network_generator<paper_spec, float> gen({.networks = 5, .points = 4, .mixed_depths = true}, 3);
  const auto batch = gen.next();
  nn::parameter_buffer<float> params({.seed = 4});
  tiny_model<float> enc(params);
  const cpu::row_matrix<float> z = enc.forward(batch.tokens);
  CHECK(z.rows() == 35);
  CHECK(z.cols() == 8);
  CHECK(z.allFinite());
  for (int b = 0; b < 5; ++b) CHECK(enc.depth(b) == batch.networks[b].depth);
  CHECK(enc.node_states().rows() == 5 * 31);
  CHECK(enc.forward(batch.tokens) == z);  // same input, same output

  nn::parameter_buffer<float> same_params({.seed = 4});
  tiny_model<float> same(same_params);
  CHECK(same.forward(batch.tokens) == z);
  nn::parameter_buffer<float> other_params({.seed = 5});
  tiny_model<float> other(other_params);
  CHECK(other.forward(batch.tokens) != z);

  // a network's latent depends on that network only
  const cpu::row_matrix<float> first = batch.tokens.topRows(7);
  CHECK((enc.forward(first) - z.topRows(7)).cwiseAbs().maxCoeff() <= 1e-5f);

  CHECK(tiny_gnn::describe() == "gnn_encoder(dim=8,hidden=8,rounds=2,ffn=12)");
  CHECK(gnn_encoder<>::describe() == "gnn_encoder(dim=64,hidden=64,rounds=3,ffn=128)");
  static_assert(tiny_gnn::dim == 8);

  cpu::row_matrix<float> bad(7, 100);
  CHECK_THROWS_WITH_AS(enc.forward(bad), doctest::Contains("expected (networks * 7) x 112"), shape_error);
  cpu::row_matrix<float> rows(10, 112);
  CHECK_THROWS_AS(enc.forward(rows), shape_error);
  cpu::row_matrix<float> invalid = batch.tokens;
  invalid.middleRows(7, 7).setZero();
  CHECK_THROWS_WITH_AS(enc.forward(invalid), doctest::Contains("network 1"), value_error);
  nn::parameter_buffer<float> fresh_params;
  tiny_model<float> fresh(fresh_params);
  CHECK_THROWS_AS(fresh.backward(z), shape_error);
}

TEST_CASE("GNN encoder gradients match finite differences for every parameter and every token cell") {
  for (int rounds_case = 0; rounds_case < 2; ++rounds_case) {
    CAPTURE(rounds_case);
    // mixed depths in one batch: 4, 2 and 1 hidden layers
    std::vector<cpu::row_matrix<double>> parts;
    for (int d : {4, 2, 1}) {
      network_generator<paper_spec, double> gen({.networks = 1, .points = 2, .depth = d}, 20 + d);
      parts.push_back(gen.next().tokens);
    }
    cpu::row_matrix<double> tokens = stack<cpu::row_matrix<double>>({&parts[0], &parts[1], &parts[2]});
    const cpu::row_matrix<double> weights = cpu::row_matrix<double>::Random(21, 8);

    auto run = [&](auto& enc, nn::parameter_buffer<double>& params, bool message_passing) {
      auto objective = [&] { return (enc.forward(tokens).array() * weights.array()).sum(); };
      objective();
      params.zero_gradients();
      const cpu::row_matrix<double> grad_tokens = enc.backward(weights);
      std::vector<double> analytic(params.gradients().begin(), params.gradients().end());
      // every parameter block gets some gradient (a dead block would make the check vacuous)
      for (const auto& block : params.blocks()) {
        CAPTURE(block.name);
        const auto g = params.gradient(block.handle());
        CHECK(g.cwiseAbs().maxCoeff() > 0.0);
      }
      const auto r = test::check_gradient(objective, params.values(), analytic, 1e-6);
      INFO(r.describe());
      CHECK(r.passed(1e-6));
      CHECK(r.checked == params.size());

      const auto rt = test::check_gradient(objective, std::span<double>(tokens.data(), tokens.size()),
                                           std::span<const double>(grad_tokens.data(), grad_tokens.size()), 1e-6);
      INFO(rt.describe());
      CHECK(rt.passed(1e-6));
      CHECK(rt.checked == static_cast<std::size_t>(tokens.size()));
      // the token gradient is not trivially zero: weights, biases, activations, masks and exists cells all get some
      using L = token_layout<paper_spec>;
      // (edges act only through message passing: with 0 rounds the weights are not read at all)
      CHECK((grad_tokens(0, L::weight_column(2) + 3) != 0.0) == message_passing);
      CHECK((grad_tokens(7 + 6, L::output_weight_column(2)) != 0.0) == message_passing);
      CHECK(grad_tokens(7 + 2, L::bias_column(1)) != 0.0);
      CHECK(grad_tokens(14 + 4, L::activation_column(0) + 1) != 0.0);
      CHECK(grad_tokens(14 + 5, L::mask_column(1, 0)) != 0.0);
      CHECK(grad_tokens(0, L::output_bias_column(4)) != 0.0);
      CHECK(grad_tokens(7 + 1, L::max_columns + L::bias_column(0)) != 0.0);
    };
    if (rounds_case == 0) {
      nn::parameter_buffer<double> params({.seed = 9});
      tiny_model<double> enc(params);
      run(enc, params, true);
    } else {
      // zero rounds (embedding + readout only) and a wider, deeper configuration
      nn::parameter_buffer<double> params({.seed = 10});
      gnn_encoder<{.dim = 8, .hidden = 6, .rounds = 3}>::model<paper_spec, double, cpu> enc(params);
      run(enc, params, true);
      nn::parameter_buffer<double> params0({.seed = 11});
      gnn_encoder<{.dim = 8, .hidden = 6, .rounds = 0}>::model<paper_spec, double, cpu> enc0(params0);
      run(enc0, params0, false);
    }
  }
}

TEST_CASE("the GNN encoder ignores padding cells") {
  network_generator<paper_spec, double> gen({.networks = 6, .points = 2, .mixed_depths = true}, 8);
  const auto batch = gen.next();
  nn::parameter_buffer<double> params({.seed = 2});
  tiny_model<double> enc(params);
  const cpu::row_matrix<double> z = enc.forward(batch.tokens);
  const cpu::row_matrix<double> grad = enc.backward(cpu::row_matrix<double>::Ones(z.rows(), z.cols()));

  using L = token_layout<paper_spec>;
  cpu::row_matrix<double> padded = batch.tokens;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  int changed = 0;
  for (Eigen::Index row = 0; row < padded.rows(); ++row)
    for (int c = 0; c < L::max_columns; ++c)
      if (padded(row, L::max_columns + c) == 0.0) {
        padded(row, c) = u(rng);
        ++changed;
        CHECK(grad(row, c) == 0.0);  // no gradient reaches a padding cell either
      }
  CHECK(changed > 6 * 20);
  CHECK(enc.forward(padded) == z);  // bit-identical
  // while a real cell does change the latent
  padded(0, L::bias_column(0)) += 0.5;
  CHECK(enc.forward(padded) != z);
}

TEST_CASE("the GNN encoder is equivariant to relabelling hidden neurons") {
  // Symmetry 1: the same permutation pi of every hidden layer (with the weights permuted consistently, which
  // keeps the network's function) permutes the latent's token rows by pi. Symmetry 2: independent permutations
  // per layer permute each layer's node states (input and output nodes unchanged); the latent is then not a row
  // permutation, since token r couples neuron r of every layer.
  using S = paper_spec;
  using G = neuron_graph<S>;
  std::mt19937 rng(12);
  for (int d : {1, 3, 4}) {
    CAPTURE(d);
    network_generator<S, double> gen({.networks = 1, .points = 16, .depth = d}, 30 + d);
    const auto batch = gen.next();
    const auto& net = batch.networks[0];
    nn::parameter_buffer<double> params({.seed = 3});
    tiny_model<double> enc(params);
    const cpu::row_matrix<double> z = enc.forward(batch.tokens);
    const cpu::row_matrix<double> h = enc.node_states();

    std::array<int, 7> shared{};
    std::iota(shared.begin(), shared.end(), 0);
    std::shuffle(shared.begin(), shared.end(), rng);
    std::array<std::array<int, 7>, 4> same{};
    same.fill(shared);
    const auto moved = permute(net, same);
    CHECK((moved.predict(batch.inputs) - net.predict(batch.inputs)).cwiseAbs().maxCoeff() < 1e-12);
    const cpu::row_matrix<double> z_moved = enc.forward(token_layout<S>::encode(moved));
    for (int j = 0; j < 7; ++j) CHECK((z_moved.row(shared[j]) - z.row(j)).cwiseAbs().maxCoeff() < 1e-10);
    CHECK((z_moved - z).cwiseAbs().maxCoeff() > 1e-3);  // the rows did move

    std::array<std::array<int, 7>, 4> each{};
    for (auto& p : each) {
      std::iota(p.begin(), p.end(), 0);
      std::shuffle(p.begin(), p.end(), rng);
    }
    const auto scrambled = permute(net, each);
    CHECK((scrambled.predict(batch.inputs) - net.predict(batch.inputs)).cwiseAbs().maxCoeff() < 1e-12);
    enc.forward(token_layout<S>::encode(scrambled));
    const cpu::row_matrix<double> h_scrambled = enc.node_states();
    for (int v = 0; v < G::nodes; ++v) {
      int w = v;
      if (!G::is_input(v) && !G::is_output(v)) w = G::hidden_node(G::hidden_layer(v), each[G::hidden_layer(v)][G::hidden_index(v)]);
      CAPTURE(v);
      CHECK((h_scrambled.row(w) - h.row(v)).cwiseAbs().maxCoeff() < 1e-10);
    }
  }
}
