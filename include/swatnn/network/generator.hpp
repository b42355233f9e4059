// swatnn/network/generator.hpp: random networks of the searched family with SWAT-NN's distribution
// (method.md §3): per batch one depth D ~ U{1..MaxDepth} (or one per network with mixed_depths) and one
// sparsity s ~ U{sparsities}; weights
// ~ U(-w, w) each zeroed with probability s; biases ~ U(-b, b); each hidden neuron on with probability p;
// activations uniform (pure one-hot). The batch shares its input points ~ U[-1, 1]^Inputs; targets are the
// networks' outputs. With input_counts (the universal family) each batch also draws its input count
// k ~ U{input_counts}: its networks have k inputs (the first layer's rows k.. zero) and the points' columns k.. are 0. Seeded and deterministic: the same seed gives bit-identical batches on any platform
// (the integer-to-real conversions are ours, not the standard library's implementation-defined ones).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn {

struct generator_options {
  int networks = 64;                              // networks per batch
  int points = 1000;                              // input points shared by the batch
  double weight_range = 5.0;                      // weights ~ U(-weight_range, weight_range)
  double bias_range = 1.0;                        // biases ~ U(-bias_range, bias_range)
  std::vector<double> sparsities{0.0, 0.2, 0.4};  // one is drawn per batch
  double active_probability = 0.5;                // each hidden neuron is on with this probability
  int depth = 0;                                  // 0: D ~ U{1..MaxDepth} per batch; otherwise this depth
  bool mixed_depths = false;                      // draw D per network instead of per batch (depth must be 0)
  std::vector<int> input_counts{};                // empty: every network has all S::inputs inputs; otherwise
                                                  // one input count k is drawn per batch from this list
};

template <network_spec_type S, class T = float>
struct generated_batch {
  int depth = 0;  // the batch's depth; 0 when depths are mixed (see networks[b].depth)
  double sparsity = 0.0;
  int input_count = S::inputs;  // the batch's input count k (its points' columns k.. are 0)
  std::vector<sparse_network<S, T>> networks;
  cpu::matrix<T> inputs;      // points x S::inputs, shared by the batch
  cpu::matrix<T> targets;     // points x (networks * Outputs); network b owns columns [b*Outputs, (b+1)*Outputs)
  cpu::row_matrix<T> tokens;  // (networks * tokens) x features; network b owns rows [b*tokens, (b+1)*tokens)
};

template <network_spec_type S, class T = float>
class network_generator {
 public:
  using layout = token_layout<S>;

  network_generator(generator_options options, std::uint64_t seed) : options_(std::move(options)), rng_(seed) {
    validate(options_);
  }

  const generator_options& options() const { return options_; }

  // Fills `out` with the next batch (reuses its storage).
  void next(generated_batch<S, T>& out) { next(out, 0, options_.networks); }

  // Fills `out` with networks [first, first + count) of the next batch, in that order: the whole batch is drawn
  // from the stream (the engine advances exactly as next(out) does) but only the slice is kept, evaluated and
  // encoded. The slices of a partition of 0..networks-1 together are next(out)'s batch, bit for bit (data-parallel
  // training, distributed/data_parallel.hpp).
  void next(generated_batch<S, T>& out, int first, int count) {
    const int total = options_.networks;
    if (first < 0 || count < 1 || first + count > total)
      throw value_error("network_generator::next: the slice [" + std::to_string(first) + ", " +
                        std::to_string(first + count) + ") is not within the batch's " + std::to_string(total) +
                        " networks");
    const int n = count;
    out.depth = options_.depth != 0 ? options_.depth : 1 + static_cast<int>(uniform_index(S::max_depth));
    out.sparsity = options_.sparsities[uniform_index(options_.sparsities.size())];
    out.input_count = options_.input_counts.empty() ? S::inputs
                                                    : options_.input_counts[uniform_index(options_.input_counts.size())];
    out.networks.resize(n);
    for (int b = 0; b < total; ++b) {
      const int depth = options_.mixed_depths ? 1 + static_cast<int>(uniform_index(S::max_depth)) : out.depth;
      draw_network(b >= first && b < first + count ? out.networks[b - first] : discarded_, depth, out.sparsity,
                   out.input_count);
    }
    if (options_.mixed_depths) out.depth = 0;

    out.inputs.resize(options_.points, S::inputs);
    for (int c = 0; c < S::inputs; ++c)
      for (int p = 0; p < options_.points; ++p) out.inputs(p, c) = c < out.input_count ? T(uniform(-1.0, 1.0)) : T(0);

    out.targets.resize(options_.points, static_cast<Eigen::Index>(n) * S::outputs);
    out.tokens.resize(static_cast<Eigen::Index>(n) * layout::tokens, layout::features);
    for (int b = 0; b < n; ++b) {
      out.targets.middleCols(static_cast<Eigen::Index>(b) * S::outputs, S::outputs) = out.networks[b].predict(out.inputs);
      layout::encode(out.networks[b], out.tokens.middleRows(static_cast<Eigen::Index>(b) * layout::tokens, layout::tokens));
    }
  }

  generated_batch<S, T> next() {
    generated_batch<S, T> out;
    next(out);
    return out;
  }

  // The random engine's full state as text, to checkpoint and resume a training run exactly.
  std::string rng_state() const {
    std::ostringstream s;
    s << rng_;
    return s.str();
  }
  void set_rng_state(const std::string& state) {
    std::istringstream s(state);
    std::mt19937_64 restored;
    if (!(s >> restored)) throw value_error("network_generator::set_rng_state: the text is not a mt19937_64 state");
    rng_ = restored;
  }

  static void validate(const generator_options& o) {
    auto fail = [](const std::string& what) { throw value_error("generator_options: " + what); };
    if (o.networks < 1) fail("networks must be >= 1, got " + std::to_string(o.networks));
    if (o.points < 1) fail("points must be >= 1, got " + std::to_string(o.points));
    if (!(std::isfinite(o.weight_range) && o.weight_range >= 0)) fail("weight_range must be finite and >= 0");
    if (!(std::isfinite(o.bias_range) && o.bias_range >= 0)) fail("bias_range must be finite and >= 0");
    if (o.sparsities.empty()) fail("sparsities must list at least one value");
    for (double s : o.sparsities)
      if (!(s >= 0 && s <= 1)) fail("every sparsity must be within [0, 1], got " + std::to_string(s));
    if (!(o.active_probability >= 0 && o.active_probability <= 1)) fail("active_probability must be within [0, 1]");
    if (o.depth < 0 || o.depth > S::max_depth)
      fail("depth must be 0 (random) or within 1.." + std::to_string(S::max_depth) + ", got " + std::to_string(o.depth));
    if (o.mixed_depths && o.depth != 0) fail("mixed_depths draws a depth per network, so depth must be 0");
    for (int k : o.input_counts)
      if (k < 1 || k > S::inputs)
        fail("every input count must be within 1.." + std::to_string(S::inputs) + " (the spec's inputs), got " +
             std::to_string(k));
  }

 private:
  double uniform01() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  std::size_t uniform_index(std::size_t n) { return static_cast<std::size_t>(uniform01() * static_cast<double>(n)); }

  void draw_network(sparse_network<S, T>& net, int depth, double sparsity, int inputs) {
    net = sparse_network<S, T>::zeros(depth, inputs);
    const double w = options_.weight_range;
    for (int l = 0; l < depth; ++l) {
      auto& layer = net.layers[l];
      for (int i = 0; i < (l == 0 ? inputs : S::max_width); ++i)
        for (int j = 0; j < S::max_width; ++j) {
          const double value = uniform(-w, w);
          layer.weights(i, j) = uniform01() < sparsity ? T(0) : T(value);
        }
      for (int j = 0; j < S::max_width; ++j) {
        layer.bias(j) = T(uniform(-options_.bias_range, options_.bias_range));
        layer.active[j] = uniform01() < options_.active_probability;
        layer.activations[j] = static_cast<activation>(uniform_index(activation_count));
      }
    }
    for (int i = 0; i < S::max_width; ++i)
      for (int o = 0; o < S::outputs; ++o) {
        const double value = uniform(-w, w);
        net.output_weights(i, o) = uniform01() < sparsity ? T(0) : T(value);
      }
    for (int o = 0; o < S::outputs; ++o) net.output_bias(o) = T(uniform(-options_.bias_range, options_.bias_range));
  }

  generator_options options_;
  std::mt19937_64 rng_;
  sparse_network<S, T> discarded_;  // the networks of a batch outside the requested slice (drawn, then dropped)
};

}  // namespace swatnn
