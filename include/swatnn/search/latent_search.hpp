// swatnn/search/latent_search.hpp: SWAT-NN's joint architecture-and-weight search (method.md §5, improved per
// §7): for a dataset, R random latents per scale level (depth) are optimized at once by gradient descent through
// the frozen autoencoder's decoders. Each iteration, for every level: decode the R latents, gate them (weights
// W~ = W sigmoid(k (|W| - t)) with a learnable per-latent threshold t, masks sharpened to sigmoid(k_n (m - 0.5))),
// evaluate them softly on the training points with the annealed activation temperature (network/soft_mse.hpp: the
// MSE and its gradient in one pass over point tiles), add the regularizers'
// penalties, and back-propagate to the latents and thresholds; one optimizer steps all of them (lr 0.1 on z,
// 0.001 on t by default). After annealing, every `validation_every` iterations each latent's discrete network is
// extracted and scored on the VALIDATION split (never test); each latent keeps its best. The result lists all
// candidates, their Pareto front (validation MSE vs nonzero parameters) and the pick: the smallest network whose
// validation MSE is within `selection_tolerance` of the best. With a parameter budget (`max_parameters`) only
// extracted networks within it are ever kept. search/tuned_selection.hpp picks after fine-tuning instead.
// The levels run through the autoencoder's backend (Backend::for_each_level: on the CPU in parallel, with subnormal
// floats flushed; the result is the same on any number of threads); the gates and the data term are the backend's
// (search_gates, soft_mse). The regularizers read the decoded networks in host memory: with a backend whose storage
// is not host-accessible (swatnn::cuda), one iteration (loss_and_gradient) copies each level's decoded and gated
// networks and their gradients to the host for them and back; run() (optimizer steps on host spans of the latents,
// extraction, scoring) needs host-accessible storage.
// Data of k < S::inputs inputs (the universal family): the points are padded with zero columns to S::inputs and
// each decoded network's first-layer rows k.. are masked to 0 (zero gradient), so the regularizers see, and the
// extraction returns, k-input networks.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>


#include <swatnn/backend/backend.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/soft_mse.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/parameter_buffer.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/optimizer.hpp>
#include <swatnn/optim/schedules.hpp>
#include <swatnn/regularizers/regularizer.hpp>
#include <swatnn/regularizers/sum.hpp>
#include <swatnn/search/extract.hpp>
#include <swatnn/search/search_gates.hpp>

namespace swatnn {

struct latent_search_options {
  int restarts = 1;                      // random latents per scale level, optimized together
  std::uint64_t iterations = 8001;       // the paper's count
  std::uint64_t seed = 0;                // latent initialization z ~ N(0, 1)
  double latent_lr = 0.1;                // learning rate of the latents
  double threshold_lr = 0.001;           // learning rate of the thresholds
  double threshold_max = 3.0;            // t is kept within [0, threshold_max] (the paper's clamp)
  double weight_sharpness = 200;         // k of the weight gate
  double neuron_sharpness = 200;         // k_n of the neuron gate
  double neuron_sharpness_start = 0;     // > 0: k_n rises linearly from this to neuron_sharpness over the
                                         // temperature's anneal iterations, so masks the decoder starts far from
                                         // 0.5 still get a gradient early on (0: k_n fixed, the paper's search)
  temperature_anneal temperature{};      // T = max(0.01, 1 - it / 3000)
  std::uint64_t select_after = 3000;     // candidates are scored from this iteration on (after annealing)
  std::uint64_t validation_every = 100;  // how often each latent's extracted network is scored on validation
  double selection_tolerance = 0.05;     // pick the smallest network within (1 + this) x the best validation MSE
  int max_parameters = 0;                // > 0: a parameter budget; extracted networks with more nonzero
                                         // parameters are never kept, so each latent keeps its best iterate
                                         // within the budget (0: no budget)
};

template <network_spec_type S, class T = float>
struct search_candidate {
  int depth = 0;
  int restart = 0;
  std::uint64_t iteration = 0;  // the iterate it was extracted from
  sparse_network<S, T> network;
  double train_mse = 0, validation_mse = std::numeric_limits<double>::infinity();
  int active_neurons = 0, nonzero_parameters = 0;
};

struct search_record {
  std::uint64_t iteration = 0;
  double temperature = 1;
  std::vector<double> best_loss_by_level;  // lowest total loss (MSE + penalties) among the level's latents
  std::vector<double> best_mse_by_level;   // lowest soft training MSE among the level's latents
};

// What latent_search::run passes its callbacks: a step_info whose `loss` is the mean total loss (MSE + penalties)
// over the latents, plus the data term alone. `validation` is set on the step after each scoring (every
// validation_every iterations from select_after) to the lowest validation MSE of the networks scored so far, and
// empty on the other steps, so metric callbacks (early_stop, keep_best) count scorings, not iterations.
template <class T>
struct search_step_info : step_info<T> {
  double train_mse = std::numeric_limits<double>::quiet_NaN();  // lowest soft training MSE among the latents
};

template <network_spec_type S, class T = float>
struct search_result {
  std::vector<search_candidate<S, T>> candidates;  // one per (level, restart): its best-validation iterate
  std::vector<std::size_t> pareto;              // indices of the Pareto front, by nonzero parameters
  std::size_t chosen = 0;                       // index of the pick
  std::vector<search_record> curve;             // every 100 iterations and the last
  double seconds = 0;
  const search_candidate<S, T>& best() const { return candidates.at(chosen); }
};

template <class AE, class Regularizer = decltype(paper_regularizers()), class Optimizer = adam>
class latent_search {
 public:
  using S = typename AE::spec;
  using T = typename AE::scalar_type;
  using Backend = typename AE::backend_type;
  using layout = token_layout<S>;
  using row_matrix = typename Backend::template row_matrix<T>;
  using matrix = typename Backend::template matrix<T>;
  static constexpr int levels = AE::levels;
  static_assert(check_backend<Backend, T>(), "swatnn::latent_search: see the backend contract above");
  static_assert(check_regularizer<Regularizer, S, T>(), "swatnn::latent_search: see the regularizer contract above");
  static_assert(optimizer<Optimizer, T>,
                "swatnn::latent_search: the optimizer policy must satisfy swatnn::optimizer (make_state / step)");

  latent_search(AE& ae, Regularizer regularizer = paper_regularizers(), Optimizer opt = adam{},
                latent_search_options options = {})
      : ae_(&ae), regularizer_(std::move(regularizer)), optimizer_(std::move(opt)), options_(options) {
    validate(options_);
  }

  const latent_search_options& options() const { return options_; }

  // Runs the search. `cbs...` (optim/callbacks.hpp), taken by forwarding reference (temporaries such as
  // progress_bar{} or named objects read after the run), get begin / step / end with a search_step_info<T> (a
  // step_info<T>) whose `loss` is the mean total loss (MSE + penalties) over the latents, `train_mse` the lowest
  // soft training MSE, `validation` (after each scoring) the lowest validation MSE scored so far and `groups` the
  // latents and thresholds; a step hook may stop the run (the stopped iterate is still scored).
  template <class... Callbacks>
  search_result<S, T> run(const data::split& train, const data::split& validation, Callbacks&&... cbs) {
    static_assert(Backend::host_accessible,
                  "swatnn::latent_search::run: the optimizer steps, the extraction and the scoring read the latents "
                  "and the decoded networks in host memory; with this backend only loss_and_gradient runs");
    static_assert((swatnn::callback<std::remove_cvref_t<Callbacks>, step_info<T>> && ...),
                  "swatnn::latent_search::run: every callback must have begin/step/end(const step_info<T>&) hooks "
                  "returning void, bool or callback_result (see docs/concepts.md)");
    check_split(train, "train");
    check_split(validation, "validation");
    if (validation.x.cols() != train.x.cols())
      throw shape_error("latent_search: the validation split has " + std::to_string(validation.x.cols()) +
                        " inputs, the train split " + std::to_string(train.x.cols()));
    inputs_ = static_cast<int>(train.x.cols());
    x_train_ = padded(train.x.cast<T>());
    y_train_ = train.y.cast<T>();
    x_validation_ = padded(validation.x.cast<T>());
    y_validation_ = validation.y.cast<T>();
    const auto start = std::chrono::steady_clock::now();
    const nn::frozen_scope frozen(ae_->parameters());  // for the whole run: what layers derive is made once
    const int r = options_.restarts;
    initialize(r);

    search_result<S, T> result;
    result.candidates.resize(static_cast<std::size_t>(levels) * r);
    for (int i = 0; i < levels; ++i)
      for (int k = 0; k < r; ++k) {
        auto& c = result.candidates[static_cast<std::size_t>(i) * r + k];
        c.depth = AE::scales_type::depths[i];
        c.restart = k;
      }

    std::vector<parameter_group<T>> groups;
    for (int i = 0; i < levels; ++i)
      groups.push_back({.values = std::span<T>(latents_[i].data(), latents_[i].size()),
                        .gradients = std::span<T>(grad_latents_[i].data(), grad_latents_[i].size()),
                        .learning_rate = options_.latent_lr});
    groups.push_back({.values = thresholds_, .gradients = grad_thresholds_, .learning_rate = options_.threshold_lr});
    // the optimizer is called exactly as the optimizer concept checks it: const, a span of groups, a multiplier
    parameter_groups<T> group_view(groups);
    const Optimizer& opt = optimizer_;
    auto state = opt.template make_state<T>(group_view);

    auto callbacks_tuple = std::tie(cbs...);
    search_step_info<T> info;
    std::optional<double> scored;  // the lowest validation MSE scored so far, when a scoring has just run
    info.total_iterations = options_.iterations;
    info.groups = group_view;
    callbacks::begin(callbacks_tuple, info);

    for (std::uint64_t it = 0; it < options_.iterations; ++it) {
      const T temperature = T(options_.temperature(it));
      neuron_sharpness_ = neuron_sharpness_at(it);
      const double total = level_losses(x_train_, y_train_, temperature);
      if (!std::isfinite(total))
        throw training_error("latent_search: the loss became non-finite (" + std::to_string(total) + ") at iteration " +
                             std::to_string(it) + "; lower latent_lr or check the data for extreme values");
      info.iteration = it;
      info.loss = total / (levels * r);
      info.train_mse = *std::min_element(mse_.begin(), mse_.end());
      info.validation = std::exchange(scored, std::nullopt);
      info.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const bool stop = callbacks::step(callbacks_tuple, info);
      const bool last = stop || it + 1 == options_.iterations;  // a stopped run still scores where it stopped
      if (it % 100 == 0 || last) result.curve.push_back(record(it, temperature));
      if ((it >= options_.select_after && (it - options_.select_after) % options_.validation_every == 0) || last) {
        score(result, it);
        for (const auto& c : result.candidates)  // reported with the next step (the scoring follows the hooks)
          if (std::isfinite(c.validation_mse) && !(scored && *scored <= c.validation_mse)) scored = c.validation_mse;
      }
      if (stop) break;
      opt.step(state, group_view, 1.0);
      for (T& t : thresholds_) t = std::clamp(t, T(0), T(options_.threshold_max));
    }
    callbacks::end(callbacks_tuple, info);
    choose(result);
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  // Draws the R latents per level (z ~ N(0, 1) from the seed) and sets every threshold to 0.
  void initialize() { initialize(options_.restarts); }

  // The summed total loss (MSE + penalties) of every latent at the current latents and thresholds, with its
  // gradient left in latent_gradient(i) and threshold_gradients(). What one search iteration computes.
  // x: N x k points (1 <= k <= S::inputs: networks of k inputs; k < S::inputs needs host-accessible storage, the
  // points are padded in a buffer reused from call to call), y: N x Outputs targets.
  double loss_and_gradient(const matrix& x, const matrix& y, T temperature) {
    if (thresholds_.empty()) throw value_error("latent_search::loss_and_gradient: call initialize() first");
    if (x.cols() < 1 || x.cols() > S::inputs)
      throw shape_error("latent_search::loss_and_gradient: the points have " + std::to_string(x.cols()) +
                        " columns; the autoencoder's networks take 1.." + std::to_string(S::inputs) + " inputs");
    inputs_ = static_cast<int>(x.cols());
    if (inputs_ == S::inputs) return level_losses(x, y, temperature);
    if constexpr (Backend::host_accessible) {
      x_padded_.resize(x.rows(), S::inputs);
      x_padded_.leftCols(inputs_) = x;
      x_padded_.rightCols(S::inputs - inputs_).setZero();
      return level_losses(x_padded_, y, temperature);
    } else {
      throw shape_error("latent_search::loss_and_gradient: with this backend the points must have all " +
                        std::to_string(S::inputs) + " columns (networks of fewer inputs need host storage)");
    }
  }

  row_matrix& latent(int level) { return latents_.at(level); }
  const row_matrix& latent_gradient(int level) const { return grad_latents_.at(level); }
  std::vector<T>& thresholds() { return thresholds_; }
  const std::vector<T>& threshold_gradients() const { return grad_thresholds_; }

  static void validate(const latent_search_options& o) {
    auto fail = [](const std::string& what) { throw value_error("latent_search_options: " + what); };
    if (o.restarts < 1) fail("restarts must be >= 1");
    if (o.iterations < 1) fail("iterations must be >= 1");
    if (!(o.latent_lr > 0) || !(o.threshold_lr >= 0)) fail("latent_lr must be > 0 and threshold_lr >= 0");
    if (!(o.threshold_max >= 0)) fail("threshold_max must be >= 0");
    if (!(o.weight_sharpness > 0) || !(o.neuron_sharpness > 0)) fail("gate sharpness must be > 0");
    if (!(o.neuron_sharpness_start >= 0)) fail("neuron_sharpness_start must be >= 0 (0: no ramp)");
    if (o.validation_every < 1) fail("validation_every must be >= 1");
    if (!(o.selection_tolerance >= 0)) fail("selection_tolerance must be >= 0");
    if (o.max_parameters < 0) fail("max_parameters must be >= 0 (0: no budget)");
  }

 private:
  using Levels = typename AE::scales_type;

  // loss_and_gradient on points padded to S::inputs columns, for networks of inputs_ inputs.
  double level_losses(const matrix& x, const matrix& y, T temperature) {
    std::fill(grad_thresholds_.begin(), grad_thresholds_.end(), T(0));
    // the autoencoder is frozen: its layers skip their parameter gradients and may use data derived from its values
    const nn::frozen_scope frozen(ae_->parameters());
    // The levels are independent (own decoder, evaluator and gradients): they run in parallel, each on one thread.
    std::array<double, levels> level_totals{};
    constexpr auto steps = level_steps(std::make_index_sequence<levels>{});
    Backend::template for_each_level<levels>([&](int i) { level_totals[i] = (this->*steps[i])(i, x, y, temperature); },
                                             /*flush_subnormals=*/true);
    double total = 0;
    for (const double t : level_totals) total += t;
    return total;
  }


  // The points with zero columns appended up to S::inputs (the first layer's rows beyond the data's inputs meet 0).
  static matrix padded(const matrix& x) {
    if (x.cols() == S::inputs) return x;
    matrix out = matrix::Zero(x.rows(), S::inputs);
    out.leftCols(x.cols()) = x;
    return out;
  }

  using step_function = double (latent_search::*)(int, const matrix&, const matrix&, T);
  template <std::size_t... I>
  static constexpr std::array<step_function, levels> level_steps(std::index_sequence<I...>) {
    return {&latent_search::template step_level<Levels::depths[I]>...};
  }

  static void check_split(const data::split& s, const char* name) {
    if (s.empty()) throw value_error(std::string("latent_search: the ") + name + " split is empty");
    if (s.x.cols() < 1 || s.x.cols() > S::inputs || s.y.cols() != S::outputs || s.y.rows() != s.x.rows())
      throw shape_error(std::string("latent_search: the ") + name + " split has " + std::to_string(s.x.cols()) +
                        " inputs and " + std::to_string(s.y.cols()) + " outputs for " + std::to_string(s.x.rows()) +
                        " rows; the autoencoder's networks take " +
                        (S::inputs == 1 ? std::string("1") : "1.." + std::to_string(S::inputs)) + " inputs and give " +
                        std::to_string(S::outputs) + " outputs");
    if constexpr (!Backend::host_accessible)
      if (s.x.cols() != S::inputs)
        throw shape_error(std::string("latent_search: the ") + name + " split must have all " +
                          std::to_string(S::inputs) + " inputs with this backend");
    if (!s.x.allFinite() || !s.y.allFinite())
      throw value_error(std::string("latent_search: the ") + name + " split contains NaN or Inf");
  }

  double neuron_sharpness_at(std::uint64_t it) const {
    if (options_.neuron_sharpness_start <= 0) return options_.neuron_sharpness;
    const double f = std::min(1.0, static_cast<double>(it) / static_cast<double>(options_.temperature.anneal_iterations));
    return options_.neuron_sharpness_start + f * (options_.neuron_sharpness - options_.neuron_sharpness_start);
  }

  void initialize(int r) {
    neuron_sharpness_ = neuron_sharpness_at(0);
    std::mt19937_64 rng(options_.seed);
    auto normal = [&rng] {  // Box-Muller on our own uniforms: identical on every standard library
      const double u1 = (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53;
      const double u2 = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    };
    for (int i = 0; i < levels; ++i) {
      latents_[i].resize(static_cast<Eigen::Index>(r) * layout::tokens, AE::dim);
      if constexpr (Backend::host_accessible) {
        for (Eigen::Index k = 0; k < latents_[i].size(); ++k) latents_[i].data()[k] = T(normal());
        grad_latents_[i].setZero(latents_[i].rows(), latents_[i].cols());
      } else {  // the same draws, made on the host
        cpu::row_matrix<T> z(latents_[i].rows(), latents_[i].cols());
        for (Eigen::Index k = 0; k < z.size(); ++k) z.data()[k] = T(normal());
        Backend::upload(z.data(), latents_[i].data(), static_cast<std::size_t>(z.size()));
        grad_latents_[i].resize(latents_[i].rows(), latents_[i].cols());
        Backend::set_zero(grad_latents_[i]);
      }
    }
    thresholds_.assign(static_cast<std::size_t>(levels) * r, T(0));
    grad_thresholds_.assign(thresholds_.size(), T(0));
    loss_.assign(thresholds_.size(), 0.0);
    mse_.assign(thresholds_.size(), 0.0);
  }

  // One iteration for scale level `i` (depth Depth): returns the sum of its latents' total losses and leaves the
  // gradients in grad_latents_[i] and grad_thresholds_.
  template <int Depth>
  double step_level(int i, const matrix& x, const matrix& target, T temperature) {
    const int r = options_.restarts;
    const row_matrix& decoded = masked(i, ae_->template decode<Depth>(latents_[i]));
    row_matrix& gated = gated_[i];
    gated.resize(decoded.rows(), decoded.cols());
    const T k = T(options_.weight_sharpness), kn = T(neuron_sharpness_);
    gates_[i].forward(decoded, gated, thresholds_.data() + index(i, 0), r, Depth, k, kn);

    grad_gated_[i].resize(gated.rows(), gated.cols());  // every slot is written
    grad_decoded_[i].resize(decoded.rows(), decoded.cols());
    Backend::set_zero(grad_decoded_[i]);
    double* mse = mse_.data() + index(i, 0);
    mse_evals_[i].evaluate(gated.data(), r, Depth, gated.cols(), x, target, temperature, grad_gated_[i].data(), mse);
    double sum = 0;
    if constexpr (Backend::host_accessible) {
      sum = regularize<Depth>(i, decoded, gated, grad_decoded_[i], grad_gated_[i], mse);
    } else {  // the regularizers read and write host memory: the level's networks and gradients cross for them
      host_level& h = host_[i];
      to_host(decoded, h.decoded);
      to_host(gated, h.gated);
      to_host(grad_gated_[i], h.grad_gated);
      h.grad_decoded.setZero(decoded.rows(), decoded.cols());
      sum = regularize<Depth>(i, h.decoded, h.gated, h.grad_decoded, h.grad_gated, mse);
      Backend::upload(h.grad_decoded.data(), grad_decoded_[i].data(), static_cast<std::size_t>(h.grad_decoded.size()));
      Backend::upload(h.grad_gated.data(), grad_gated_[i].data(), static_cast<std::size_t>(h.grad_gated.size()));
    }
    // back through the gates into the decoded cells (identity elsewhere) and the thresholds
    gates_[i].backward(decoded, grad_gated_[i], grad_decoded_[i], thresholds_.data() + index(i, 0),
                       grad_thresholds_.data() + index(i, 0), r, Depth, k, kn);
    if (inputs_ < S::inputs) zero_unused_inputs(grad_decoded_[i], r);  // masked cells: zero gradient
    const row_matrix& grad_latent = ae_->template decode_backward<Depth>(grad_decoded_[i]);
    grad_latents_[i].resize(grad_latent.rows(), grad_latent.cols());
    Backend::copy(grad_latents_[i], grad_latent);
    return sum;
  }

  // Adds level i's regularizer penalties and their gradients (into grad_decoded, grad_gated and the thresholds'
  // gradients) for every latent, given the MSEs; returns the sum of the latents' total losses. Host matrices.
  template <int Depth>
  double regularize(int i, const cpu::row_matrix<T>& decoded, const cpu::row_matrix<T>& gated,
                    cpu::row_matrix<T>& grad_decoded, cpu::row_matrix<T>& grad_gated, const double* mse) {
    double sum = 0;
    for (int b = 0; b < options_.restarts; ++b) {
      const T t = thresholds_[index(i, b)];
      T& grad_t = grad_thresholds_[index(i, b)];
      const regularizer_input<S, T> in{view<const T>(decoded, b, Depth), view<const T>(gated, b, Depth), t};
      const regularizer_gradient<S, T> grad{view<T>(grad_decoded, b, Depth), view<T>(grad_gated, b, Depth), grad_t};
      loss_[index(i, b)] = mse[b] + static_cast<double>(regularizer_.apply(in, grad));
      sum += loss_[index(i, b)];
    }
    return sum;
  }

  // The decoded networks with the first layer's rows inputs_.. set to 0 (a copy in masked_[i]), or `decoded` itself
  // when the networks have every input.
  const row_matrix& masked(int i, const row_matrix& decoded) {
    if (inputs_ == S::inputs) return decoded;
    if constexpr (Backend::host_accessible) {
      masked_[i] = decoded;
      zero_unused_inputs(masked_[i], options_.restarts);
      return masked_[i];
    } else {
      throw shape_error("latent_search: networks of fewer than all inputs need host-accessible storage");
    }
  }
  // Sets the first layer's weight rows inputs_.. of each of the r networks in m to 0.
  void zero_unused_inputs(row_matrix& m, int r) const {
    if constexpr (Backend::host_accessible)
      for (int b = 0; b < r; ++b)
        for (int row = inputs_; row < layout::tokens; ++row)
          m.row(static_cast<Eigen::Index>(b) * layout::tokens + row).segment(layout::weight_column(0), S::max_width).setZero();
  }

  static void to_host(const row_matrix& m, cpu::row_matrix<T>& host) {
    host.resize(m.rows(), m.cols());
    Backend::download(m.data(), host.data(), static_cast<std::size_t>(host.size()));
  }

  template <class U, class M>
  network_view<S, U> view(M& m, int b, int depth) const {
    return network_view<S, U>(m.data() + static_cast<Eigen::Index>(b) * layout::tokens * m.cols(), depth, m.cols(),
                              inputs_);
  }
  std::size_t index(int level, int restart) const { return static_cast<std::size_t>(level) * options_.restarts + restart; }

  search_record record(std::uint64_t it, T temperature) const {
    search_record rec;
    rec.iteration = it;
    rec.temperature = temperature;
    for (int i = 0; i < levels; ++i) {
      double best_loss = std::numeric_limits<double>::infinity(), best_mse = best_loss;
      for (int b = 0; b < options_.restarts; ++b) {
        best_loss = std::min(best_loss, loss_[index(i, b)]);
        best_mse = std::min(best_mse, mse_[index(i, b)]);
      }
      rec.best_loss_by_level.push_back(best_loss);
      rec.best_mse_by_level.push_back(best_mse);
    }
    return rec;
  }

  // Extracts every latent's discrete network at the current iterate (the decoded matrices of this iteration) and
  // keeps it when it fits the parameter budget (if any) and its validation MSE beats the latent's best so far. The
  // levels run through the backend's level loop like the search steps, so every product of the scoring runs on one
  // level's thread and the result does not depend on the thread count.
  void score(search_result<S, T>& result, std::uint64_t it) {
    constexpr auto scorers = level_scorers(std::make_index_sequence<levels>{});
    Backend::template for_each_level<levels>([&](int i) { (this->*scorers[i])(i, result, it); });
  }

  using score_function = void (latent_search::*)(int, search_result<S, T>&, std::uint64_t);
  template <std::size_t... I>
  static constexpr std::array<score_function, levels> level_scorers(std::index_sequence<I...>) {
    return {&latent_search::template score_level<Levels::depths[I]>...};
  }

  template <int Depth>
  void score_level(int i, search_result<S, T>& result, std::uint64_t it) {
    const row_matrix& decoded = masked(i, ae_->template decode<Depth>(latents_[i]));
    for (int b = 0; b < options_.restarts; ++b) {
      auto net = extract(view<const T>(decoded, b, Depth), thresholds_[index(i, b)]);
      if (options_.max_parameters > 0 && net.nonzero_parameters() > options_.max_parameters) continue;
      const double val = mean_squared_error(net.predict(x_validation_), y_validation_);
      auto& c = result.candidates[index(i, b)];
      if (std::isfinite(val) && val < c.validation_mse) {
        c.iteration = it;
        c.validation_mse = val;
        c.train_mse = mean_squared_error(net.predict(x_train_), y_train_);
        c.active_neurons = net.active_neurons();
        c.nonzero_parameters = net.nonzero_parameters();
        c.network = std::move(net);
      }
    }
  }

  static double mean_squared_error(const matrix& prediction, const matrix& y) {
    return static_cast<double>((prediction - y).squaredNorm()) / static_cast<double>(y.size());
  }

  // Pareto front of (validation MSE, nonzero parameters) and the pick.
  void choose(search_result<S, T>& result) const {
    auto& c = result.candidates;
    std::vector<std::size_t> order(c.size());
    for (std::size_t k = 0; k < c.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return c[a].nonzero_parameters != c[b].nonzero_parameters ? c[a].nonzero_parameters < c[b].nonzero_parameters
                                                                : c[a].validation_mse < c[b].validation_mse;
    });
    double best_so_far = std::numeric_limits<double>::infinity();
    for (std::size_t k : order)
      if (c[k].validation_mse < best_so_far) {
        result.pareto.push_back(k);
        best_so_far = c[k].validation_mse;
      }
    if (result.pareto.empty())
      throw training_error(options_.max_parameters > 0
                               ? "latent_search: no extracted network had at most max_parameters = " +
                                     std::to_string(options_.max_parameters) +
                                     " nonzero parameters and a finite validation MSE; raise the budget, the sparsity "
                                     "penalties or the restarts"
                               : std::string("latent_search: no candidate produced a finite validation MSE"));
    const double best = c[result.pareto.back()].validation_mse;
    for (std::size_t k : result.pareto)
      if (c[k].validation_mse <= best * (1.0 + options_.selection_tolerance)) {
        result.chosen = k;
        break;
      }
  }

  AE* ae_;
  Regularizer regularizer_;
  Optimizer optimizer_;
  latent_search_options options_;
  std::array<row_matrix, levels> latents_, grad_latents_, gated_, grad_gated_, grad_decoded_;
  std::array<soft_mse<S, T, Backend>, levels> mse_evals_;
  std::array<search_gates<S, T, Backend>, levels> gates_;
  struct host_level {  // a level's matrices in host memory for the regularizers (backends without host storage)
    cpu::row_matrix<T> decoded, gated, grad_decoded, grad_gated;
  };
  std::array<host_level, levels> host_;
  double neuron_sharpness_ = 200;  // k_n of the current iteration
  int inputs_ = S::inputs;         // the data's input count: the networks' first-layer rows inputs_.. are masked
  std::array<row_matrix, levels> masked_;  // decoded networks with those rows at 0 (when inputs_ < S::inputs)
  matrix x_padded_;                        // loss_and_gradient's points padded to S::inputs columns
  std::vector<T> thresholds_, grad_thresholds_;
  std::vector<double> loss_, mse_;
  matrix x_train_, y_train_, x_validation_, y_validation_;
};

}  // namespace swatnn
