// swatnn/autoencoder/trainer.hpp: trains a multi-scale autoencoder on networks generated on the fly (seeded,
// reproducible): an optimizer (a template argument: any swatnn::optimizer, Adam by default) with an optional linear
// warm-up + cosine decay and global gradient-norm clipping, periodic held-out reconstruction (evaluation.hpp), a
// learning curve, and checkpoints with exact resume (parameters, the optimizer's moments, step and the generator's
// RNG state; they need a state that models resumable_optimizer_state, as Adam's and SGD's do). Callbacks
// (optim/callbacks.hpp) see every step.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/checkpoint.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/clipping.hpp>
#include <swatnn/optim/optimizer.hpp>
#include <swatnn/optim/schedules.hpp>

namespace swatnn {

// The options of a training run with optimizer policy `Optimizer` (trainer_options: with Adam, the usual case).
template <class Optimizer = adam>
struct basic_trainer_options {
  std::uint64_t seed = 1;                 // generator seed (the model's init seed is autoencoder_options::seed)
  generator_options generator{};          // networks per batch, points, distribution, mixed depths
  Optimizer optimizer{};                  // its hyperparameters (adam's defaults: lr 1e-3)
  std::uint64_t steps = 10000;            // total steps of the run (the cosine schedule spans them)
  double max_seconds = 0;                 // > 0: also stop after this much wall time (checkpoint first)
  std::uint64_t warmup_steps = 0;         // linear learning-rate warm-up
  double final_lr_factor = 1.0;           // < 1: cosine decay from 1 to this factor over the steps
  double clip_norm = 0;                   // > 0: clip the global gradient norm to this value
  std::uint64_t reconstruction_anneal_steps = 0;  // > 0: the model's reconstruction_weight decays linearly to 0
                                                  // over these steps (0: kept constant)
  std::uint64_t evaluate_every = 0;       // > 0: held-out reconstruction every this many steps (and at the end)
  reconstruction_options evaluation{.networks = 128, .batch = 16};  // 8 batches: every depth twice
  std::filesystem::path checkpoint_path{};  // non-empty: write checkpoints here (atomically)
  std::uint64_t checkpoint_every = 1000;
};

using trainer_options = basic_trainer_options<adam>;

// One point of the learning curve.
struct training_record {
  std::uint64_t step = 0;
  double seconds = 0;
  double loss = 0;                         // mean training loss since the previous record
  std::optional<double> median_nmse{};     // held-out best-level median NMSE, when evaluated
};

struct training_summary {
  std::uint64_t steps = 0;        // steps done in total (including those before a resume)
  double seconds = 0;             // wall time of this run
  bool stopped_by_callback = false;
  std::vector<training_record> curve;
};

template <class AE, class Optimizer = adam>
class autoencoder_trainer {
 public:
  using S = typename AE::spec;
  using T = typename AE::scalar_type;
  using options_type = basic_trainer_options<Optimizer>;
  static_assert(optimizer<Optimizer, T>,
                "swatnn::autoencoder_trainer: the optimizer policy must satisfy swatnn::optimizer (see docs/concepts.md)");
  using state_type = optimizer_state_t<Optimizer, T>;
  // checkpoints (save, resume, checkpoint_path) hold the optimizer's moments: only for such states
  static constexpr bool resumable = resumable_optimizer_state<state_type, T>;

  autoencoder_trainer(AE& ae, options_type options)
      : ae_(&ae), options_(std::move(options)), generator_(options_.generator, options_.seed) {
    if (options_.steps == 0) throw value_error("trainer_options: steps must be >= 1");
    if (options_.warmup_steps >= options_.steps && options_.warmup_steps > 0)
      throw value_error("trainer_options: warmup_steps must be smaller than steps");
    if (!(options_.final_lr_factor >= 0 && options_.final_lr_factor <= 1))
      throw value_error("trainer_options: final_lr_factor must be within [0, 1]");
    if (!(options_.clip_norm >= 0) || !std::isfinite(options_.clip_norm))
      throw value_error("trainer_options: clip_norm must be finite and >= 0 (0 = off)");
    if (!(options_.max_seconds >= 0)) throw value_error("trainer_options: max_seconds must be >= 0 (0 = no limit)");
    if (!options_.checkpoint_path.empty() && options_.checkpoint_every == 0)
      throw value_error("trainer_options: checkpoint_every must be >= 1 when checkpoint_path is set");
    if (!options_.checkpoint_path.empty() && !resumable)
      throw value_error("trainer_options: checkpoint_path is set but the optimizer's state cannot be saved (it does "
                        "not model swatnn::resumable_optimizer_state: moments() and restore(step, moments))");
    auto& params = ae.parameters();
    groups_[0] = parameter_group<T>{params.values(), params.gradients()};
    initial_reconstruction_weight_ = ae.reconstruction_weight();
    parameter_groups<T> group_view(groups_);  // the optimizer is called as the optimizer concept checks it
    state_.emplace(std::as_const(options_.optimizer).template make_state<T>(group_view));
  }

  const options_type& options() const { return options_; }
  std::uint64_t step() const { return state_->step_count(); }

  // Data-parallel training (distributed/data_parallel.hpp sets it): this process evaluates networks
  // [first, first + count) of every batch of options().generator.networks; after backward its gradients and loss
  // are scaled by count / networks and `reduce` must turn them, in place, into the sums over all the processes (so
  // that every process holds the whole batch's mean), and `elapsed` into a time every process agrees on (the stop
  // decisions follow it). Only a process with `writes_checkpoints` saves the periodic checkpoints.
  struct shard {
    int first = 0;
    int count = 0;
    std::function<void(std::span<T> gradients, double& loss, double& elapsed)> reduce;
    bool writes_checkpoints = true;
  };
  void set_shard(shard s) {
    network_generator<S, T>::validate(options_.generator);
    if (s.first < 0 || s.count < 1 || s.first + s.count > options_.generator.networks || !s.reduce)
      throw value_error("autoencoder_trainer::set_shard: the shard must be a non-empty part of the batch's " +
                        std::to_string(options_.generator.networks) + " networks, with a reduction");
    shard_ = std::move(s);
  }

  // Learning-rate factor of step `it` (warm-up, then constant or cosine decay).
  double lr_factor(std::uint64_t it) const {
    if (options_.final_lr_factor >= 1.0) return it < options_.warmup_steps ? double(it + 1) / options_.warmup_steps : 1.0;
    return warmup_cosine_schedule{.warmup_iterations = options_.warmup_steps,
                                  .total_iterations = options_.steps,
                                  .final_factor = options_.final_lr_factor}(it);
  }

  // Writes parameters, the optimizer state (moments and step) and the generator RNG state atomically.
  void save(const std::filesystem::path& path) const
    requires resumable
  {
    const std::string configuration = AE::describe();
    const std::string rng = generator_.rng_state();
    save_checkpoint<T>(path, checkpoint_view<T>{.configuration = configuration,
                                                .parameters = ae_->parameters().values(),
                                                .optimizer = optimizer_snapshot_view<T>{state_->step_count(), state_->moments()},
                                                .rng_state = rng});
  }

  // Restores a checkpoint written by save(): the run continues exactly where it stopped.
  void resume(const std::filesystem::path& path)
    requires resumable
  {
    auto c = load_checkpoint<T>(path, AE::describe());
    if (!c.optimizer)
      throw checkpoint_error("autoencoder_trainer::resume: " + path.string() +
                             " holds parameters only (a model file); resuming needs a training checkpoint");
    std::copy(c.parameters.begin(), c.parameters.end(), ae_->parameters().values().begin());
    state_->restore(c.optimizer->step, c.optimizer->moments);
    generator_.set_rng_state(c.rng_state);
  }

  // Trains until `steps` steps are done in total, `max_seconds` pass, or a callback stops. `cbs...` are taken by
  // forwarding reference (temporaries such as progress_bar{} or named objects read after the run).
  template <class... Callbacks>
  training_summary run(Callbacks&&... cbs) {
    static_assert((swatnn::callback<std::remove_cvref_t<Callbacks>, step_info<T>> && ...),
                  "swatnn::autoencoder_trainer::run: every callback must have begin/step/end(const step_info<T>&) "
                  "hooks returning void, bool or callback_result (see docs/concepts.md)");
    auto callbacks_tuple = std::tie(cbs...);
    parameter_groups<T> group_view(groups_);  // the optimizer is called as the optimizer concept checks it
    training_summary summary;
    const auto start = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
    step_info<T> info{.iteration = step(), .total_iterations = options_.steps, .groups = groups_};
    callbacks::begin(callbacks_tuple, info);

    double loss_sum = 0;
    std::uint64_t loss_count = 0;
    auto& params = ae_->parameters();
    while (step() < options_.steps) {
      if (shard_)
        generator_.next(batch_, shard_->first, shard_->count);
      else
        generator_.next(batch_);
      params.zero_gradients();
      if (options_.reconstruction_anneal_steps > 0)
        ae_->set_reconstruction_weight(
            initial_reconstruction_weight_ *
            std::max(0.0, 1.0 - static_cast<double>(step()) / static_cast<double>(options_.reconstruction_anneal_steps)));
      double loss = ae_->forward(batch_);
      ae_->backward(batch_);
      double seconds = elapsed();
      if (shard_) {
        const double fraction = static_cast<double>(shard_->count) / static_cast<double>(options_.generator.networks);
        if (shard_->count != options_.generator.networks)
          for (auto& g : params.gradients()) g *= static_cast<T>(fraction);
        loss *= fraction;
        shard_->reduce(params.gradients(), loss, seconds);
      }
      const std::uint64_t it = step();
      info.iteration = it;
      info.loss = loss;
      info.learning_rate_multiplier = lr_factor(it);
      info.elapsed_seconds = seconds;
      info.gradient_norm = options_.clip_norm > 0 ? clip_gradient_norm<T>(groups_, options_.clip_norm)
                                                  : gradient_norm<T>(parameter_groups<T>(groups_));
      info.validation.reset();
      const bool last = it + 1 == options_.steps || (options_.max_seconds > 0 && info.elapsed_seconds >= options_.max_seconds);
      const bool evaluate = options_.evaluate_every > 0 && ((it + 1) % options_.evaluate_every == 0 || last);
      if (evaluate) info.validation = evaluate_reconstruction(*ae_, options_.evaluation).median_nmse;
      if (callbacks::step(callbacks_tuple, info)) {
        summary.stopped_by_callback = true;
        break;
      }
      std::as_const(options_.optimizer).step(*state_, group_view, info.learning_rate_multiplier);
      loss_sum += loss;
      ++loss_count;
      if (evaluate || last || (it + 1) % 100 == 0) {
        summary.curve.push_back({step(), elapsed(), loss_sum / static_cast<double>(loss_count), info.validation});
        loss_sum = 0;
        loss_count = 0;
      }
      if constexpr (resumable) {
        if (!options_.checkpoint_path.empty() && (!shard_ || shard_->writes_checkpoints) &&
            (step() % options_.checkpoint_every == 0 || last))
          save(options_.checkpoint_path);
      }
      if (last) break;
    }
    summary.steps = step();
    summary.seconds = elapsed();
    info.elapsed_seconds = summary.seconds;
    callbacks::end(callbacks_tuple, info);
    return summary;
  }

 private:
  AE* ae_;
  options_type options_;
  network_generator<S, T> generator_;
  generated_batch<S, T> batch_;
  std::array<parameter_group<T>, 1> groups_{};
  double initial_reconstruction_weight_ = 0;
  std::optional<state_type> state_;
  std::optional<shard> shard_;
};

}  // namespace swatnn
