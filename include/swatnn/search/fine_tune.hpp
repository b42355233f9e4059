// swatnn/search/fine_tune.hpp: optional fine-tuning of an extracted network (our addition; SWAT-NN itself does
// not fine-tune, method.md §7). Adam (or any swatnn optimizer) trains the SURVIVING parameters only: the nonzero
// weights between live units (inputs, active neurons, outputs), the biases of active neurons and the output
// biases, i.e. exactly what nonzero_parameters() counts. Zero weights stay exactly zero; activations, the active
// set and the depth never change. Loss: mean squared error over points and outputs. Early stopping on the
// validation MSE: the result holds the parameters with the best validation MSE seen, including the starting ones,
// so fine-tuning never returns a network that is worse on validation than its input.
// Allocation-free after warm-up (the optimizer state, the workspaces and the curve are sized when a run starts).
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/sparse_eval.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/optimizer.hpp>

namespace swatnn {

namespace detail {
// The default optimizer of a fine-tuning run: learning rate 1e-2 when the optimizer has an `lr` field.
template <class Optimizer>
Optimizer default_fine_tune_optimizer() {
  Optimizer o{};
  if constexpr (requires { o.lr = 1e-2; }) o.lr = 1e-2;
  return o;
}
}  // namespace detail

template <class Optimizer = adam>
struct fine_tune_options {
  Optimizer optimizer = detail::default_fine_tune_optimizer<Optimizer>();  // adam{.lr = 1e-2} by default
  int max_iterations = 2000;  // optimizer updates at most (>= 0; 0 only evaluates)
  int patience = 200;         // stop after this many updates without a validation improvement; 0 = never
  double min_delta = 0.0;     // an improvement must lower the best validation MSE by more than this (>= 0)
  int batch = 0;              // training points per update; 0 = full batch; else a seeded reshuffle per epoch
  std::uint64_t seed = 0;     // seeds the mini-batch order (unused for full batch)
  // When set: the run ends before its next update once *stop is true (stopped_by = fine_tune_stop::requested),
  // keeping the best-validation parameters so far. Safe to set from another thread or a signal handler.
  const std::atomic<bool>* stop = nullptr;
};

enum class fine_tune_stop {
  max_iterations,  // ran all updates
  patience,        // no validation improvement for `patience` updates
  callback,        // a callback asked to stop
  non_finite,      // the training loss, a gradient or the validation MSE became NaN or infinite
  converged,       // fine_tune_lm only: no step lowered the training MSE, even with the largest damping
  requested,       // options.stop became true
};

template <network_spec_type S>
struct fine_tune_result {
  sparse_network<S, float> net;          // the best-validation parameters
  double train_mse = 0.0;                // of `net` on the whole training split
  double validation_mse = 0.0;           // of `net` (the best validation MSE seen)
  int iterations = 0;                    // optimizer updates applied
  std::vector<double> validation_curve;  // validation MSE before any update, then after each update
  int best_iteration = 0;                // updates applied to reach `net` (index into validation_curve)
  fine_tune_stop stopped_by = fine_tune_stop::max_iterations;
};

namespace detail {

// Checks a split for a network of `inputs` inputs whose points have `columns` columns (inputs, or the spec's
// S::inputs once padded).
inline void check_fine_tune_split(const data::split& s, const char* name, int inputs, int columns, int outputs) {
  const std::string who = std::string("fine_tune: ") + name + " split";
  if (s.x.rows() == 0) throw data_error(who + " is empty (0 rows)");
  if (s.x.cols() != columns)
    throw shape_error(who + ": x has " + std::to_string(s.x.cols()) + " columns, the network has " +
                      std::to_string(inputs) + " inputs");
  if (s.y.cols() != outputs)
    throw shape_error(who + ": y has " + std::to_string(s.y.cols()) + " columns, the network has " +
                      std::to_string(outputs) + " outputs");
  if (s.y.rows() != s.x.rows())
    throw shape_error(who + ": x has " + std::to_string(s.x.rows()) + " rows but y has " + std::to_string(s.y.rows()));
  for (Eigen::Index c = 0; c < s.x.cols(); ++c)
    for (Eigen::Index r = 0; r < s.x.rows(); ++r)
      if (!std::isfinite(s.x(r, c)))
        throw data_error(who + ": x(" + std::to_string(r) + ", " + std::to_string(c) + ") is not finite");
  for (Eigen::Index c = 0; c < s.y.cols(); ++c)
    for (Eigen::Index r = 0; r < s.y.rows(); ++r)
      if (!std::isfinite(s.y(r, c)))
        throw data_error(who + ": y(" + std::to_string(r) + ", " + std::to_string(c) + ") is not finite");
}

// The split with zero columns appended up to `columns`: the points of a network of fewer inputs than its spec's, as
// the evaluators take them (the first layer's rows beyond the network's inputs are 0 and stay 0).
inline data::split padded_split(const data::split& s, int columns) {
  data::split out;
  out.x = cpu::matrix<float>::Zero(s.x.rows(), columns);
  out.x.leftCols(s.x.cols()) = s.x;
  out.y = s.y;
  out.rows = s.rows;
  return out;
}

// Whether the splits hold the points of a network of fewer inputs than its spec's, unpadded (then padded_split).
template <network_spec_type S>
bool needs_padding(const sparse_network<S, float>& net, const data::split& train, const data::split& validation) {
  return net.inputs < S::inputs && train.x.cols() == net.inputs && validation.x.cols() == net.inputs;
}

template <class Optimizer>
void check_fine_tune_options(const fine_tune_options<Optimizer>& o, std::size_t train_rows) {
  if (o.max_iterations < 0)
    throw value_error("fine_tune_options.max_iterations = " + std::to_string(o.max_iterations) + "; expected >= 0");
  if (o.patience < 0)
    throw value_error("fine_tune_options.patience = " + std::to_string(o.patience) + "; expected >= 0 (0 = never)");
  if (!std::isfinite(o.min_delta) || o.min_delta < 0.0)
    throw value_error("fine_tune_options.min_delta = " + std::to_string(o.min_delta) + "; expected a finite value >= 0");
  if (o.batch < 0 || static_cast<std::size_t>(o.batch) > train_rows)
    throw value_error("fine_tune_options.batch = " + std::to_string(o.batch) + "; expected 0 (full batch) or 1.." +
                      std::to_string(train_rows) + " (the training rows)");
}

// Mean squared error of `pred` against `y` (same shape), accumulated in double; writes 2 (pred - y) / count
// into `grad` when given (dMSE/dpred).
inline double mse(const cpu::matrix<float>& pred, const cpu::matrix<float>& y, cpu::matrix<float>* grad) {
  const double count = static_cast<double>(pred.size());
  double sum = 0.0;
  for (Eigen::Index i = 0; i < pred.size(); ++i) {
    const double d = static_cast<double>(pred.data()[i]) - static_cast<double>(y.data()[i]);
    sum += d * d;
    if (grad != nullptr) grad->data()[i] = static_cast<float>(2.0 * d / count);
  }
  return sum / count;
}

// One surviving parameter of a network: a hidden layer's bias(col) or weights(row, col), or output_weights(row, col)
// or output_bias(col).
enum class parameter_kind { bias, weight, output_weight, output_bias };
struct parameter_slot {
  parameter_kind kind;
  int layer = 0, row = 0, col = 0;
};

// Calls f(parameter_slot) for the surviving parameters of a network in a fixed order: per layer, per active
// neuron, its bias then its nonzero weights from live units; then nonzero output weights from active last-layer
// neurons; then the output biases.
template <network_spec_type S, class T, class F>
void for_each_surviving_slot(const sparse_network<S, T>& net, F&& f) {
  for (int l = 0; l < net.depth; ++l) {
    const auto& layer = net.layers[l];
    for (int j = 0; j < S::max_width; ++j) {
      if (!layer.active[j]) continue;
      f(parameter_slot{parameter_kind::bias, l, 0, j});
      for (int i = 0; i < S::layer_inputs(l); ++i)
        if (layer.weights(i, j) != T(0) && (l == 0 || net.layers[l - 1].active[i]))
          f(parameter_slot{parameter_kind::weight, l, i, j});
    }
  }
  const auto& last = net.layers[net.depth - 1];
  for (int i = 0; i < S::max_width; ++i)
    for (int o = 0; o < S::outputs; ++o)
      if (last.active[i] && net.output_weights(i, o) != T(0)) f(parameter_slot{parameter_kind::output_weight, 0, i, o});
  for (int o = 0; o < S::outputs; ++o) f(parameter_slot{parameter_kind::output_bias, 0, 0, o});
}

// The value a slot names in a network of the same structure.
template <network_spec_type S, class T>
T& slot_ref(sparse_network<S, T>& net, const parameter_slot& s) {
  switch (s.kind) {
    case parameter_kind::bias: return net.layers[s.layer].bias(s.col);
    case parameter_kind::weight: return net.layers[s.layer].weights(s.row, s.col);
    case parameter_kind::output_weight: return net.output_weights(s.row, s.col);
    case parameter_kind::output_bias: break;
  }
  return net.output_bias(s.col);
}
template <network_spec_type S, class T>
const T& slot_ref(const sparse_network<S, T>& net, const parameter_slot& s) {
  return slot_ref(const_cast<sparse_network<S, T>&>(net), s);
}

// Pointers to the surviving parameters of a network and the matching slots of a gradient network of the same
// shapes, in the order of for_each_surviving_slot.
template <network_spec_type S>
void surviving_parameters(sparse_network<S, float>& net, sparse_network<S, float>& grad, std::vector<float*>& values,
                          std::vector<float*>& grads) {
  values.clear();
  grads.clear();
  for_each_surviving_slot(net, [&](const parameter_slot& s) {
    values.push_back(&slot_ref(net, s));
    grads.push_back(&slot_ref(grad, s));
  });
}

}  // namespace detail

// Fine-tunes the surviving parameters of `net` on `train`, early-stopped on `validation` (see the top of this
// file). `callbacks...` (optim/callbacks.hpp) get begin / step / end with a step_info<float> whose `loss` is the
// training (batch) MSE and `validation` the validation MSE at the parameters in `groups` (one group: the
// surviving parameters); a step hook may stop the run. Throws shape_error / data_error on bad splits (wrong
// columns, mismatched rows, empty, non-finite values), value_error on bad options or a non-finite network.
template <network_spec_type S, class Optimizer = adam, class... Callbacks>
fine_tune_result<S> fine_tune(sparse_network<S, float> net, const data::split& train, const data::split& validation,
                              const fine_tune_options<Optimizer>& options = {}, Callbacks&&... callbacks) {
  static_assert(swatnn::optimizer<Optimizer, float>,
                "swatnn::fine_tune: options.optimizer must model swatnn::optimizer (see docs/concepts.md)");
  static_assert((swatnn::callback<std::remove_cvref_t<Callbacks>, step_info<float>> && ...),
                "swatnn::fine_tune: every callback must have begin/step/end(const step_info<float>&) hooks "
                "returning void, bool or callback_result (see docs/concepts.md)");
  try {
    net.validate();
  } catch (const error& e) {
    throw value_error(std::string("fine_tune: net: ") + e.what());
  }
  if (detail::needs_padding(net, train, validation))  // k-input points: padded once, then as below
    return fine_tune(std::move(net), detail::padded_split(train, S::inputs), detail::padded_split(validation, S::inputs),
                     options, std::forward<Callbacks>(callbacks)...);
  detail::check_fine_tune_split(train, "train", net.inputs, S::inputs, S::outputs);
  detail::check_fine_tune_split(validation, "validation", net.inputs, S::inputs, S::outputs);
  detail::check_fine_tune_options(options, train.size());

  using matrix = cpu::matrix<float>;
  const Eigen::Index train_rows = train.x.rows();
  const bool full_batch = options.batch == 0 || options.batch == train_rows;
  const Eigen::Index batch_rows = full_batch ? train_rows : options.batch;

  fine_tune_result<S> result;
  sparse_network<S, float> grad = net;  // same shapes; overwritten by backward
  std::vector<float*> value_ptrs, grad_ptrs;
  detail::surviving_parameters(net, grad, value_ptrs, grad_ptrs);
  const std::size_t count = value_ptrs.size();
  std::vector<float> values(count), gradients(count), best(count);
  auto gather_values = [&] {
    for (std::size_t i = 0; i < count; ++i) values[i] = *value_ptrs[i];
  };
  auto scatter_values = [&](const std::vector<float>& from) {
    for (std::size_t i = 0; i < count; ++i) *value_ptrs[i] = from[i];
  };
  gather_values();
  best = values;

  const parameter_group<float> group{.values = values, .gradients = gradients};
  const parameter_groups<float> groups(&group, 1);
  auto state = options.optimizer.template make_state<float>(groups);

  sparse_eval<S, float> train_eval, validation_eval;
  matrix grad_out(batch_rows, S::outputs);
  matrix batch_x, batch_y;
  std::vector<Eigen::Index> order;
  if (!full_batch) {
    batch_x.resize(batch_rows, S::inputs);
    batch_y.resize(batch_rows, S::outputs);
    order.resize(static_cast<std::size_t>(train_rows));
    for (Eigen::Index i = 0; i < train_rows; ++i) order[static_cast<std::size_t>(i)] = i;
  }
  std::mt19937_64 rng(options.seed);
  Eigen::Index cursor = train_rows;  // forces a shuffle before the first mini-batch

  // Portable Fisher-Yates (std::shuffle differs between standard libraries).
  auto next_batch = [&] {
    if (cursor + batch_rows > train_rows) {
      for (std::size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
      cursor = 0;
    }
    for (Eigen::Index r = 0; r < batch_rows; ++r) {
      const Eigen::Index src = order[static_cast<std::size_t>(cursor + r)];
      batch_x.row(r) = train.x.row(src);
      batch_y.row(r) = train.y.row(src);
    }
    cursor += batch_rows;
  };
  auto validation_mse = [&] { return detail::mse(validation_eval.forward(net, validation.x), validation.y, nullptr); };

  auto cbs = std::forward_as_tuple(callbacks...);
  step_info<float> info{.total_iterations = static_cast<std::uint64_t>(options.max_iterations), .groups = groups};
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  const bool stop_at_begin = callbacks::begin(cbs, info);

  result.validation_curve.reserve(static_cast<std::size_t>(options.max_iterations) + 1);
  double current_validation = validation_mse();
  if (!std::isfinite(current_validation))
    throw value_error("fine_tune: the validation MSE of the starting network is not finite");
  result.validation_curve.push_back(current_validation);
  double best_validation = current_validation;
  int since_best = 0;
  result.stopped_by = stop_at_begin ? fine_tune_stop::callback : fine_tune_stop::max_iterations;

  for (int k = 0; k < options.max_iterations && !stop_at_begin; ++k) {
    if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed)) {
      result.stopped_by = fine_tune_stop::requested;
      break;
    }
    const matrix* x = &train.x;
    const matrix* y = &train.y;
    if (!full_batch) {
      next_batch();
      x = &batch_x;
      y = &batch_y;
    }
    const double loss = detail::mse(train_eval.forward(net, *x), *y, &grad_out);
    train_eval.backward(grad_out, grad);
    bool finite = std::isfinite(loss);
    for (std::size_t i = 0; i < count; ++i) {
      gradients[i] = *grad_ptrs[i];
      finite = finite && std::isfinite(gradients[i]);
    }
    if (!finite) {
      result.stopped_by = fine_tune_stop::non_finite;
      break;
    }
    info.iteration = static_cast<std::uint64_t>(k);
    info.loss = loss;
    info.validation = current_validation;
    info.elapsed_seconds = seconds();
    if (callbacks::step(cbs, info)) {
      result.stopped_by = fine_tune_stop::callback;
      break;
    }
    options.optimizer.step(state, groups, 1.0);
    scatter_values(values);
    ++result.iterations;
    current_validation = validation_mse();
    result.validation_curve.push_back(current_validation);
    if (!std::isfinite(current_validation)) {
      result.stopped_by = fine_tune_stop::non_finite;
      break;
    }
    if (current_validation < best_validation - options.min_delta) {
      best_validation = current_validation;
      best = values;  // same size: no allocation
      result.best_iteration = result.iterations;
      since_best = 0;
    } else if (options.patience > 0 && ++since_best >= options.patience) {
      result.stopped_by = fine_tune_stop::patience;
      break;
    }
  }

  scatter_values(best);
  result.validation_mse = best_validation;
  result.train_mse = detail::mse(train_eval.forward(net, train.x), train.y, nullptr);
  info.iteration = static_cast<std::uint64_t>(result.iterations);
  info.validation = best_validation;
  info.elapsed_seconds = seconds();
  values = best;
  callbacks::end(cbs, info);
  result.net = std::move(net);
  return result;
}

}  // namespace swatnn
