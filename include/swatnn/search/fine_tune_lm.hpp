// swatnn/search/fine_tune_lm.hpp: fine-tuning by Levenberg-Marquardt (our addition; method.md §7). The same
// contract as fine_tune (search/fine_tune.hpp): only the surviving parameters move (zeros stay zero; activations,
// the active set and the depth never change), the loss is the MSE over points and outputs, and the result keeps
// the parameters with the best validation MSE seen, the starting ones included. The networks a search returns have
// a few dozen parameters, so a second-order method fits them: each iteration forms the Jacobian J of the training
// residuals (points x outputs rows, one column per surviving parameter, in double), solves
// (J^T J + lambda diag(J^T J)) delta = -J^T r, and takes the step when it lowers the training MSE (lambda / 10)
// or retries with lambda x 10. It stops when no damping up to max_damping lowers the training MSE (converged),
// after `patience` iterations without a validation improvement, or after max_iterations.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/sparse_eval.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/search/fine_tune.hpp>

namespace swatnn {

// Which fine-tuning a caller runs (tuned_selection_options, baselines::dense_options).
enum class fine_tuner {
  adam,                           // fine_tune (search/fine_tune.hpp)
  levenberg_marquardt,            // fine_tune_lm (this file)
  adam_then_levenberg_marquardt,  // fine_tune, then fine_tune_lm from its best parameters
};

struct levenberg_marquardt_options {
  int max_iterations = 500;       // Jacobian evaluations at most (>= 0; 0 only evaluates)
  int patience = 50;              // stop after this many iterations without a validation improvement; 0 = never
  double initial_damping = 1e-3;  // lambda at the start (> 0)
  double max_damping = 1e10;      // no step lowers the training MSE even with this lambda: converged (> initial)
  const std::atomic<bool>* stop = nullptr;  // as fine_tune_options::stop: checked before every iteration
};

namespace detail {

inline void check_levenberg_marquardt_options(const levenberg_marquardt_options& o) {
  auto fail = [](const std::string& what) { throw value_error("levenberg_marquardt_options." + what); };
  if (o.max_iterations < 0) fail("max_iterations = " + std::to_string(o.max_iterations) + "; expected >= 0");
  if (o.patience < 0) fail("patience = " + std::to_string(o.patience) + "; expected >= 0 (0 = never)");
  if (!(o.initial_damping > 0) || !std::isfinite(o.initial_damping))
    fail("initial_damping = " + std::to_string(o.initial_damping) + "; expected a finite value > 0");
  if (!(o.max_damping > o.initial_damping) || !std::isfinite(o.max_damping))
    fail("max_damping = " + std::to_string(o.max_damping) + "; expected a finite value > initial_damping");
}

// The network's outputs and the Jacobian of its outputs with respect to the surviving parameters, in double, for
// one set of points. Column order: the order of surviving_parameters (fine_tune.hpp).
template <network_spec_type S>
class network_jacobian {
 public:
  using matrix = Eigen::MatrixXd;
  static constexpr int width = S::max_width;

  // Reads the surviving slots of `net` (its structure must not change afterwards).
  explicit network_jacobian(const sparse_network<S, float>& net) : net_(to_double(net)) {
    for_each_surviving_slot(net, [&](const parameter_slot& s) { slots_.push_back(s); });
  }

  std::size_t parameters() const { return slots_.size(); }
  std::vector<double> values() const {
    std::vector<double> v;
    for (const auto& s : slots_) v.push_back(slot_ref(net_, s));
    return v;
  }
  void set_values(const std::vector<double>& v) {
    for (std::size_t k = 0; k < slots_.size(); ++k) slot_ref(net_, slots_[k]) = v[k];
  }
  // Writes the current values into `net` (the float network the slots were read from).
  void store(sparse_network<S, float>& net) const {
    for (const auto& s : slots_) slot_ref(net, s) = static_cast<float>(slot_ref(net_, s));
  }

  // Outputs (N x Outputs) at the current values; with `jacobian`, also d output / d parameter, (N * Outputs) x P,
  // row o * N + n for output o at point n.
  const matrix& evaluate(const matrix& x, matrix* jacobian = nullptr) {
    const int depth = net_.depth;
    const Eigen::Index n = x.rows();
    for (int l = 0; l < depth; ++l) {
      const auto& layer = net_.layers[l];
      pre_[l].noalias() = (l == 0 ? x : post_[l - 1]) * layer.weights;
      pre_[l].rowwise() += layer.bias.transpose();
      post_[l].resize(n, width);
      for (int j = 0; j < width; ++j) {
        if (!layer.active[j]) {
          post_[l].col(j).setZero();
          continue;
        }
        const auto p = pre_[l].col(j).array();
        auto h = post_[l].col(j).array();
        switch (layer.activations[j]) {
          case activation::sigmoid: h = p.logistic(); break;
          case activation::tanh: h = p.tanh(); break;
          case activation::leaky_relu: h = p.max(leaky_relu_slope * p); break;
        }
      }
    }
    outputs_.noalias() = post_[depth - 1] * net_.output_weights;
    outputs_.rowwise() += net_.output_bias.transpose();
    if (jacobian == nullptr) return outputs_;

    jacobian->setZero(n * S::outputs, static_cast<Eigen::Index>(slots_.size()));
    for (int o = 0; o < S::outputs; ++o) {
      auto rows = jacobian->middleRows(o * n, n);
      // d output_o / d post of the last layer, then back through each layer
      dpost_ = Eigen::VectorXd::Ones(n) * net_.output_weights.col(o).transpose();
      for (int l = depth - 1; l >= 0; --l) {
        const auto& layer = net_.layers[l];
        dpre_.resize(n, width);
        for (int j = 0; j < width; ++j) {
          if (!layer.active[j]) {
            dpre_.col(j).setZero();
            continue;
          }
          const auto h = post_[l].col(j).array();
          const auto d = dpost_.col(j).array();
          auto dp = dpre_.col(j).array();
          switch (layer.activations[j]) {
            case activation::sigmoid: dp = d * h * (1 - h); break;
            case activation::tanh: dp = d * (1 - h.square()); break;
            case activation::leaky_relu:
              for (Eigen::Index i = 0; i < n; ++i) dpre_(i, j) = dpost_(i, j) * leaky_relu_gradient(pre_[l](i, j));
              break;
          }
        }
        const matrix& in = l == 0 ? x : post_[l - 1];
        for (std::size_t k = 0; k < slots_.size(); ++k) {
          const auto& s = slots_[k];
          if (s.layer != l) continue;
          const auto col = static_cast<Eigen::Index>(k);
          if (s.kind == parameter_kind::bias) rows.col(col) = dpre_.col(s.col);
          else if (s.kind == parameter_kind::weight)
            rows.col(col) = in.col(s.row).cwiseProduct(dpre_.col(s.col));
        }
        if (l > 0) dpost_.noalias() = dpre_ * layer.weights.transpose();
      }
      for (std::size_t k = 0; k < slots_.size(); ++k) {
        const auto& s = slots_[k];
        const auto col = static_cast<Eigen::Index>(k);
        if (s.kind == parameter_kind::output_weight && s.col == o) rows.col(col) = post_[depth - 1].col(s.row);
        else if (s.kind == parameter_kind::output_bias && s.col == o) rows.col(col).setOnes();
      }
    }
    return outputs_;
  }

 private:
  using double_network = sparse_network<S, double>;
  static double_network to_double(const sparse_network<S, float>& net) {
    double_network d;
    d.depth = net.depth;
    for (int l = 0; l < S::max_depth; ++l) {
      d.layers[l].weights = net.layers[l].weights.template cast<double>();
      d.layers[l].bias = net.layers[l].bias.template cast<double>();
      d.layers[l].activations = net.layers[l].activations;
      d.layers[l].active = net.layers[l].active;
    }
    d.output_weights = net.output_weights.template cast<double>();
    d.output_bias = net.output_bias.template cast<double>();
    return d;
  }

  double_network net_;
  std::vector<parameter_slot> slots_;
  matrix pre_[S::max_depth], post_[S::max_depth];
  matrix outputs_, dpost_, dpre_;
};

}  // namespace detail

// Fine-tunes the surviving parameters of `net` by Levenberg-Marquardt on `train` (full batch), keeping the
// best-validation parameters (see the top of this file). Throws like fine_tune: shape_error / data_error on bad
// splits, value_error on bad options or a non-finite network. `iterations` counts the steps taken;
// `validation_curve` has the starting validation MSE, then one entry per step.
// `callbacks...` (optim/callbacks.hpp) get begin / step / end with a step_info<float> whose `loss` is the training
// MSE and `validation` the validation MSE after each accepted step (no `groups`: the parameters are in double); a
// step hook may stop the run (stopped_by = callback).
template <network_spec_type S, class... Callbacks>
fine_tune_result<S> fine_tune_lm(sparse_network<S, float> net, const data::split& train, const data::split& validation,
                                 const levenberg_marquardt_options& options = {}, Callbacks&&... callbacks) {
  static_assert((swatnn::callback<std::remove_cvref_t<Callbacks>, step_info<float>> && ...),
                "swatnn::fine_tune_lm: every callback must have begin/step/end(const step_info<float>&) hooks "
                "returning void, bool or callback_result (see docs/concepts.md)");
  try {
    net.validate();
  } catch (const error& e) {
    throw value_error(std::string("fine_tune_lm: net: ") + e.what());
  }
  if (detail::needs_padding(net, train, validation))  // k-input points: padded once, then as below
    return fine_tune_lm(std::move(net), detail::padded_split(train, S::inputs),
                        detail::padded_split(validation, S::inputs), options, std::forward<Callbacks>(callbacks)...);
  detail::check_fine_tune_split(train, "train", net.inputs, S::inputs, S::outputs);
  detail::check_fine_tune_split(validation, "validation", net.inputs, S::inputs, S::outputs);
  detail::check_levenberg_marquardt_options(options);

  const Eigen::MatrixXd x = train.x.cast<double>();
  Eigen::VectorXd target(train.y.size());
  for (int o = 0; o < S::outputs; ++o) target.segment(o * train.y.rows(), train.y.rows()) = train.y.col(o).cast<double>();

  detail::network_jacobian<S> model(net);
  const auto p = static_cast<Eigen::Index>(model.parameters());
  Eigen::MatrixXd jacobian, normal(p, p), damped(p, p);
  Eigen::VectorXd residual(target.size()), gradient(p), step(p);
  Eigen::LDLT<Eigen::MatrixXd> solver(p);
  auto residuals_of = [&](const Eigen::MatrixXd& out) {
    for (int o = 0; o < S::outputs; ++o)
      residual.segment(o * out.rows(), out.rows()) = out.col(o) - target.segment(o * out.rows(), out.rows());
    return residual.squaredNorm() / static_cast<double>(residual.size());
  };

  sparse_eval<S, float> validation_eval;
  auto validation_mse = [&] { return detail::mse(validation_eval.forward(net, validation.x), validation.y, nullptr); };

  fine_tune_result<S> result;
  double best_validation = validation_mse();
  if (!std::isfinite(best_validation)) throw value_error("fine_tune_lm: the validation MSE of the starting network is not finite");
  result.validation_curve.push_back(best_validation);
  std::vector<double> values = model.values(), best = values, trial(values.size());
  double lambda = options.initial_damping;
  int since_best = 0;
  result.stopped_by = fine_tune_stop::max_iterations;
  auto cbs = std::forward_as_tuple(callbacks...);
  step_info<float> info{.total_iterations = static_cast<std::uint64_t>(options.max_iterations)};
  const auto start = std::chrono::steady_clock::now();
  if (callbacks::begin(cbs, info)) result.stopped_by = fine_tune_stop::callback;

  for (int k = 0; k < options.max_iterations && p > 0 && result.stopped_by != fine_tune_stop::callback; ++k) {
    if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed)) {
      result.stopped_by = fine_tune_stop::requested;
      break;
    }
    model.set_values(values);
    const double loss = residuals_of(model.evaluate(x, &jacobian));
    if (!std::isfinite(loss) || !jacobian.allFinite()) {
      result.stopped_by = fine_tune_stop::non_finite;
      break;
    }
    normal.setZero();
    normal.selfadjointView<Eigen::Lower>().rankUpdate(jacobian.transpose());  // J^T J, lower triangle (all LDLT reads)
    gradient.noalias() = jacobian.transpose() * residual;
    bool stepped = false;
    while (lambda <= options.max_damping) {
      damped = normal;
      for (Eigen::Index i = 0; i < p; ++i) damped(i, i) += lambda * std::max(normal(i, i), 1e-12);
      solver.compute(damped);
      step = -solver.solve(gradient);
      for (Eigen::Index i = 0; i < p; ++i) trial[static_cast<std::size_t>(i)] = values[static_cast<std::size_t>(i)] + step(i);
      model.set_values(trial);
      const double trial_loss = step.allFinite() ? residuals_of(model.evaluate(x)) : std::numeric_limits<double>::infinity();
      if (std::isfinite(trial_loss) && trial_loss < loss) {
        info.loss = trial_loss;  // the training MSE at the accepted parameters
        values.swap(trial);
        lambda = std::max(lambda / 10, 1e-15);
        stepped = true;
        break;
      }
      lambda *= 10;
    }
    if (!stepped) {
      result.stopped_by = fine_tune_stop::converged;
      break;
    }
    ++result.iterations;
    model.set_values(values);
    model.store(net);
    const double current = validation_mse();
    result.validation_curve.push_back(current);
    if (!std::isfinite(current)) {
      result.stopped_by = fine_tune_stop::non_finite;
      break;
    }
    info.iteration = static_cast<std::uint64_t>(k);
    info.validation = current;
    info.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const bool stop = callbacks::step(cbs, info);
    if (current < best_validation) {
      best_validation = current;
      best = values;
      result.best_iteration = result.iterations;
      since_best = 0;
    } else if (options.patience > 0 && ++since_best >= options.patience) {
      result.stopped_by = fine_tune_stop::patience;
      break;
    }
    if (stop) {
      result.stopped_by = fine_tune_stop::callback;
      break;
    }
  }
  model.set_values(best);
  model.store(net);
  result.validation_mse = best_validation;
  sparse_eval<S, float> train_eval;
  result.train_mse = detail::mse(train_eval.forward(net, train.x), train.y, nullptr);
  info.iteration = static_cast<std::uint64_t>(result.iterations);
  info.loss = result.train_mse;
  info.validation = best_validation;
  info.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  callbacks::end(cbs, info);
  result.net = std::move(net);
  return result;
}

// Polishes a fine_tune result by Levenberg-Marquardt from its best parameters (fine_tuner::adam_then_levenberg_marquardt):
// one result for both parts, with the curves joined (the second part's starting entry is the first's best),
// the iterations summed and best_iteration counted over both.
template <network_spec_type S, class... Callbacks>
fine_tune_result<S> polish_lm(fine_tune_result<S> first, const data::split& train, const data::split& validation,
                              const levenberg_marquardt_options& options = {}, Callbacks&&... callbacks) {
  auto second = fine_tune_lm(std::move(first.net), train, validation, options, callbacks...);
  second.best_iteration = second.best_iteration > 0 ? first.iterations + second.best_iteration : first.best_iteration;
  first.validation_curve.insert(first.validation_curve.end(), second.validation_curve.begin() + 1,
                                second.validation_curve.end());
  second.validation_curve = std::move(first.validation_curve);
  second.iterations += first.iterations;
  return second;
}

}  // namespace swatnn
