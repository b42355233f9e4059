// swatnn/baselines/dense.hpp: the dense reference network that searched networks are compared with: ONE hidden
// layer of `width` neurons, all active and all with the same activation (tanh by default), fully connected to
// the inputs and the outputs, Xavier/Glorot-uniform weights and zero biases at the start, every weight and bias
// trained with Adam (full batch by default; or by Levenberg-Marquardt, dense_options::method) and early-stopped on
// the validation split (the best validation iterate is kept). For 2 inputs and 1 output this is the 2-10-1 tanh network of 41 parameters the SWAT-NN
// comparison uses. Built from the library's own parts: a sparse_network with depth 1 whose weights are all
// nonzero, trained by fine_tune (search/fine_tune.hpp), which trains exactly the nonzero parameters.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>

namespace swatnn::baselines {

// The compile-time family of a dense network with up to MaxWidth hidden neurons in one hidden layer. The spec
// stores inputs and outputs on the neuron tokens, so MaxWidth must be at least Inputs and Outputs; a narrower
// network is a runtime `width` below MaxWidth (the extra neurons stay off).
template <int MaxWidth = 10, int Inputs = 2, int Outputs = 1>
using dense_spec = network_spec<Inputs, Outputs, 1, MaxWidth>;

// Hyperparameters of a dense baseline run (designated initializers: `{.width = 10, .max_iterations = 8000}`).
struct dense_options {
  int width = 10;                                    // hidden neurons, 1..S::max_width
  activation hidden_activation = activation::tanh;   // of every hidden neuron
  adam optimizer{.lr = 1e-2};                        // Adam on all weights and biases
  int max_iterations = 10000;                        // optimizer updates at most (>= 0)
  int patience = 1000;                               // stop after this many updates without improvement; 0 = never
  double min_delta = 0.0;                            // an improvement must lower the best validation MSE by more
  int batch = 0;                                     // 0 = full batch; else points per update (seeded reshuffle)
  std::uint64_t seed = 0;                            // seeds the initial weights (and the mini-batch order)
  double init_gain = 1.0;                            // Xavier gain: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
  fine_tuner method = fine_tuner::adam;              // adam: the fields above; levenberg_marquardt: `lm`; both
  levenberg_marquardt_options lm = {};               // for the Levenberg-Marquardt part (full batch)
};

template <network_spec_type S>
struct dense_result {
  sparse_network<S, float> net;   // the best-validation parameters
  int width = 0;                  // hidden neurons
  int parameters = 0;             // nonzero parameters: inputs*width + width + width*outputs + outputs (41 for 2-10-1)
  double train_mse = 0.0;         // scaled units, whole training split
  double validation_mse = 0.0;    // the best validation MSE seen (what early stopping kept)
  double test_mse = std::numeric_limits<double>::quiet_NaN();  // NaN when there is no test split
  int iterations = 0;             // optimizer updates applied
  int best_iteration = 0;         // updates applied to reach `net`
  fine_tune_stop stopped_by = fine_tune_stop::max_iterations;
  double seconds = 0.0;           // wall time of the training run (initialization and evaluation included)
};

// The number of parameters of a dense one-hidden-layer network: (inputs + 1) * width + (width + 1) * outputs.
constexpr int dense_parameter_count(int inputs, int width, int outputs) {
  return (inputs + 1) * width + (width + 1) * outputs;
}

namespace detail {

template <network_spec_type S>
void check_dense_options(const dense_options& o) {
  static_assert(S::max_depth >= 1, "swatnn::baselines: the dense spec needs MaxDepth >= 1");
  const char* who = "swatnn::baselines::train_dense";
  if (o.width < 1 || o.width > S::max_width)
    throw value_error(std::string(who) + ": dense_options.width = " + std::to_string(o.width) + "; expected 1.." +
                      std::to_string(S::max_width) + " (the spec's MaxWidth; use a wider dense_spec<MaxWidth>)");
  bool known = false;
  for (activation a : all_activations) known = known || a == o.hidden_activation;
  if (!known)
    throw value_error(std::string(who) + ": dense_options.hidden_activation = " +
                      std::to_string(static_cast<int>(o.hidden_activation)) + " is not a swatnn::activation");
  if (o.max_iterations < 0)
    throw value_error(std::string(who) + ": dense_options.max_iterations = " + std::to_string(o.max_iterations) +
                      "; expected >= 0");
  if (o.patience < 0)
    throw value_error(std::string(who) + ": dense_options.patience = " + std::to_string(o.patience) +
                      "; expected >= 0 (0 = never stop early)");
  if (!std::isfinite(o.min_delta) || o.min_delta < 0.0)
    throw value_error(std::string(who) + ": dense_options.min_delta = " + std::to_string(o.min_delta) +
                      "; expected a finite value >= 0");
  if (o.batch < 0)
    throw value_error(std::string(who) + ": dense_options.batch = " + std::to_string(o.batch) +
                      "; expected 0 (full batch) or a positive number of points");
  if (!std::isfinite(o.init_gain) || o.init_gain <= 0.0)
    throw value_error(std::string(who) + ": dense_options.init_gain = " + std::to_string(o.init_gain) +
                      "; expected a finite value > 0");
  o.optimizer.validate("swatnn::baselines::train_dense: dense_options.optimizer");
}

// Xavier-uniform values in `out`, none exactly zero (a zero weight would not be trained by fine_tune): a draw
// with a zero is replaced by a draw from the next stream (probability about 2^-53 per value).
inline void nonzero_xavier(std::vector<float>& out, std::size_t fan_in, std::size_t fan_out, std::uint64_t seed,
                           std::uint64_t stream, double gain) {
  for (std::uint64_t attempt = 0;; ++attempt) {
    nn::xavier_uniform(std::span<float>(out), fan_in, fan_out, nn::detail::mix_seed(seed, stream + 2 * attempt), gain);
    bool zero = false;
    for (float v : out) zero = zero || v == 0.0f;
    if (!zero) return;
  }
}

}  // namespace detail

// A fresh dense network of `inputs` inputs (1..S::inputs): depth 1, the first `width` neurons active with
// `hidden_activation`, hidden weights U(-a, a) with a = gain * sqrt(6 / (inputs + width)), output weights with
// a = gain * sqrt(6 / (width + outputs)) (independent seeded streams), all biases 0. Throws value_error on a bad
// width, activation, gain or input count.
template <network_spec_type S>
sparse_network<S, float> make_dense(int width, activation hidden_activation = activation::tanh,
                                    std::uint64_t seed = 0, double gain = 1.0, int inputs = S::inputs) {
  detail::check_dense_options<S>({.width = width, .hidden_activation = hidden_activation, .init_gain = gain});
  auto net = sparse_network<S, float>::zeros(1, inputs);
  auto& layer = net.layers[0];
  const auto w = static_cast<std::size_t>(width);
  std::vector<float> hidden(static_cast<std::size_t>(inputs) * w), output(w * S::outputs);
  detail::nonzero_xavier(hidden, static_cast<std::size_t>(inputs), w, seed, 0, gain);
  detail::nonzero_xavier(output, w, S::outputs, seed, 1, gain);
  for (int j = 0; j < width; ++j) {
    layer.active[j] = true;
    layer.activations[j] = hidden_activation;
    for (int i = 0; i < inputs; ++i) layer.weights(i, j) = hidden[static_cast<std::size_t>(i * width + j)];
    for (int o = 0; o < S::outputs; ++o) net.output_weights(j, o) = output[static_cast<std::size_t>(j * S::outputs + o)];
  }
  return net;
}

// Trains a fresh dense network (make_dense with options.width / hidden_activation / seed / init_gain, as many
// inputs as train's columns, at most S::inputs) on `train`, early-stopped on `validation`. `callbacks...` are passed to fine_tune (optim/callbacks.hpp). Throws
// value_error on bad options (naming the dense_options field), shape_error / data_error on bad splits.
// test_mse stays NaN.
template <network_spec_type S = dense_spec<>, class... Callbacks>
dense_result<S> train_dense(const data::split& train, const data::split& validation, const dense_options& options = {},
                            Callbacks&&... callbacks) {
  const auto start = std::chrono::steady_clock::now();
  detail::check_dense_options<S>(options);
  if (options.batch > 0 && static_cast<std::size_t>(options.batch) > train.size())
    throw value_error("swatnn::baselines::train_dense: dense_options.batch = " + std::to_string(options.batch) +
                      " exceeds the " + std::to_string(train.size()) + " training rows");
  if (train.x.cols() < 1 || train.x.cols() > S::inputs)
    throw shape_error("swatnn::baselines::train_dense: the train split has " + std::to_string(train.x.cols()) +
                      " input columns; the spec takes 1.." + std::to_string(S::inputs) + " (dense_spec<W, Inputs>)");
  auto net = make_dense<S>(options.width, options.hidden_activation, options.seed, options.init_gain,
                           static_cast<int>(train.x.cols()));
  if constexpr (sizeof...(Callbacks) > 0)
    if (options.method != fine_tuner::adam)
      throw value_error("swatnn::baselines::train_dense: callbacks are only called with fine_tuner::adam");
  fine_tune_result<S> tuned;
  if (options.method == fine_tuner::levenberg_marquardt) {
    tuned = fine_tune_lm(std::move(net), train, validation, options.lm);
  } else {
    tuned = fine_tune(std::move(net), train, validation,
                      fine_tune_options<adam>{.optimizer = options.optimizer,
                                              .max_iterations = options.max_iterations,
                                              .patience = options.patience,
                                              .min_delta = options.min_delta,
                                              .batch = options.batch,
                                              .seed = options.seed},
                      std::forward<Callbacks>(callbacks)...);
    if (options.method == fine_tuner::adam_then_levenberg_marquardt)
      tuned = polish_lm(std::move(tuned), train, validation, options.lm);
  }
  dense_result<S> r;
  r.net = std::move(tuned.net);
  r.width = options.width;
  r.parameters = r.net.nonzero_parameters();
  r.train_mse = tuned.train_mse;
  r.validation_mse = tuned.validation_mse;
  r.iterations = tuned.iterations;
  r.best_iteration = tuned.best_iteration;
  r.stopped_by = tuned.stopped_by;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

// Mean squared error of `net` on `s` (scaled units, accumulated in double). Throws shape_error on a split whose
// columns do not match the network.
template <network_spec_type S>
double dense_mse(const sparse_network<S, float>& net, const data::split& s) {
  if (s.y.cols() != S::outputs || s.y.rows() != s.x.rows())
    throw shape_error("swatnn::baselines::dense_mse: the split has " + std::to_string(s.x.rows()) + " points and a " +
                      std::to_string(s.y.rows()) + "x" + std::to_string(s.y.cols()) + " label matrix; expected " +
                      std::to_string(s.x.rows()) + "x" + std::to_string(S::outputs));
  if (s.x.rows() == 0) return std::numeric_limits<double>::quiet_NaN();
  return (net.predict(s.x) - s.y).template cast<double>().array().square().mean();
}

// The dense baseline on a dataset: trained on d.train, early-stopped on d.validation, test_mse measured on d.test
// (NaN when the dataset has no test rows). Throws shape_error when the dataset has more inputs than the spec, and
// the errors of the split overload.
template <network_spec_type S = dense_spec<>, class... Callbacks>
dense_result<S> train_dense(const data::dataset& d, const dense_options& options = {}, Callbacks&&... callbacks) {
  if (d.inputs() > static_cast<std::size_t>(S::inputs)) data::require_inputs<S::inputs>(d);  // its message
  const auto start = std::chrono::steady_clock::now();
  auto r = train_dense<S>(d.train, d.validation, options, std::forward<Callbacks>(callbacks)...);
  if (!d.test.empty()) {
    if (d.test.x.cols() != r.net.inputs)
      throw shape_error(d.name + ": the test split has " + std::to_string(d.test.x.cols()) +
                        " input columns, the network has " + std::to_string(r.net.inputs));
    r.test_mse = dense_mse(r.net, d.test);
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace swatnn::baselines
