// swatnn/autoencoder/functional_loss.hpp: the autoencoder's purely functional objective (SWAT-NN §4): each
// generated network is decoded at every scale level, each decoded network is run on the batch's points, and the
// network's loss is the MIN over levels of the MSE against the original's outputs; the batch loss is the mean.
// Options (paper defaults off) make the objective scale-free and keep every decoder learning:
//   - normalize: divide each network's MSE by its mean squared target (+ epsilon), so the few generated networks
//     with huge outputs do not dominate;
//   - soft_min_temperature > 0: a soft minimum over levels, -tau log sum_D exp(-loss_D / tau), whose gradient
//     reaches every level with softmax weights instead of only the winner;
//   - own_depth_weight > 0: adds that weight times the (scaled) MSE of the level whose depth is the network's
//     true depth, so every decoder keeps learning the networks of its own depth.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include <swatnn/backend/cpu.hpp>
#include <swatnn/error.hpp>

namespace swatnn {

struct functional_loss_options {
  bool normalize = false;              // per-network MSE / (mean squared target + epsilon)
  double epsilon = 1e-6;               // guards networks with (near) zero outputs when normalizing
  double soft_min_temperature = 0.0;   // 0: hard min over levels (the paper); > 0: soft minimum
  double own_depth_weight = 0.0;       // > 0: + weight * loss of the level matching the network's true depth
};

template <class T = float>
class functional_loss {
 public:
  using matrix = cpu::matrix<T>;

  explicit functional_loss(functional_loss_options options = {}) : options_(options) {
    if (!(options_.epsilon > 0) || !std::isfinite(options_.epsilon))
      throw value_error("functional_loss_options: epsilon must be finite and > 0");
    if (!(options_.soft_min_temperature >= 0) || !std::isfinite(options_.soft_min_temperature))
      throw value_error("functional_loss_options: soft_min_temperature must be finite and >= 0");
    if (!(options_.own_depth_weight >= 0) || !std::isfinite(options_.own_depth_weight))
      throw value_error("functional_loss_options: own_depth_weight must be finite and >= 0");
  }

  const functional_loss_options& options() const { return options_; }

  // `predictions[i]` are level i's outputs for the batch (N x networks*outputs, network b owning `outputs`
  // consecutive columns), `targets` the same shape. `own_level[b]` is the level index of network b's true
  // depth (-1: none); it is used only when own_depth_weight > 0. Returns the batch loss (mean over networks).
  T forward(std::span<const matrix* const> predictions, const matrix& targets, int outputs,
            std::span<const int> own_level = {}) {
    const int levels = static_cast<int>(predictions.size());
    if (levels < 1) throw value_error("functional_loss: needs the predictions of at least one scale level");
    if (outputs < 1 || targets.cols() % outputs != 0)
      throw shape_error("functional_loss: targets have " + std::to_string(targets.cols()) +
                        " columns, not a multiple of " + std::to_string(outputs) + " outputs per network");
    for (int i = 0; i < levels; ++i)
      if (predictions[i]->rows() != targets.rows() || predictions[i]->cols() != targets.cols())
        throw shape_error("functional_loss: level " + std::to_string(i) + " predictions are " +
                          std::to_string(predictions[i]->rows()) + "x" + std::to_string(predictions[i]->cols()) +
                          ", targets are " + std::to_string(targets.rows()) + "x" + std::to_string(targets.cols()));
    levels_ = levels;
    outputs_ = outputs;
    networks_ = static_cast<int>(targets.cols() / outputs);
    if (options_.own_depth_weight > 0 && static_cast<int>(own_level.size()) != networks_)
      throw shape_error("functional_loss: own_depth_weight needs the true level of each of the " +
                        std::to_string(networks_) + " networks, got " + std::to_string(own_level.size()));
    const double count = static_cast<double>(targets.rows()) * outputs;
    mse_.resize(static_cast<std::size_t>(networks_) * levels);
    weights_.resize(mse_.size());
    scale_.resize(static_cast<std::size_t>(networks_));
    winner_.resize(static_cast<std::size_t>(networks_));

    double total = 0;
    for (int b = 0; b < networks_; ++b) {
      const auto target = targets.middleCols(static_cast<Eigen::Index>(b) * outputs, outputs);
      scale_[b] = options_.normalize ? 1.0 / (target.squaredNorm() / count + options_.epsilon) : 1.0;
      double best = std::numeric_limits<double>::infinity();
      for (int i = 0; i < levels; ++i) {
        const auto pred = predictions[i]->middleCols(static_cast<Eigen::Index>(b) * outputs, outputs);
        const double mse = static_cast<double>((pred - target).squaredNorm()) / count;
        mse_[index(b, i)] = mse;
        if (mse * scale_[b] < best) {
          best = mse * scale_[b];
          winner_[b] = i;
        }
      }
      total += reduce(b, best);
      if (options_.own_depth_weight > 0 && own_level[b] >= 0) {
        if (own_level[b] >= levels) throw value_error("functional_loss: own level index out of range");
        total += options_.own_depth_weight * scaled_mse(b, own_level[b]);
        weights_[index(b, own_level[b])] += options_.own_depth_weight;
      }
    }
    loss_ = total / networks_;
    return static_cast<T>(loss_);
  }

  // dLoss/d predictions of level `level` (same shape as the predictions), for the last forward.
  void backward(int level, std::span<const matrix* const> predictions, const matrix& targets, matrix& grad) const {
    if (level < 0 || level >= levels_) throw value_error("functional_loss::backward: level out of range; call forward first");
    grad.resize(targets.rows(), targets.cols());
    const double count = static_cast<double>(targets.rows()) * outputs_;
    for (int b = 0; b < networks_; ++b) {
      const double w = weights_[index(b, level)] * scale_[b] * 2.0 / (count * networks_);
      const Eigen::Index first = static_cast<Eigen::Index>(b) * outputs_;
      if (w == 0.0)
        grad.middleCols(first, outputs_).setZero();
      else
        grad.middleCols(first, outputs_) =
            T(w) * (predictions[level]->middleCols(first, outputs_) - targets.middleCols(first, outputs_));
    }
  }

  double loss() const { return loss_; }
  int networks() const { return networks_; }
  int levels() const { return levels_; }
  // Unnormalized MSE of network b decoded at level i, and the same divided by the network's mean squared target
  // when `normalize` is on.
  double mse(int b, int level) const { return mse_[index(b, level)]; }
  double scaled_mse(int b, int level) const { return mse_[index(b, level)] * scale_[b]; }
  // The level with the lowest (scaled) MSE for network b.
  int winner(int b) const { return winner_[b]; }

 private:
  std::size_t index(int b, int level) const { return static_cast<std::size_t>(b) * levels_ + level; }

  // Combines the levels' scaled losses of network b into one value and records each level's weight in it.
  double reduce(int b, double best) {
    const double tau = options_.soft_min_temperature;
    if (tau == 0.0) {
      for (int i = 0; i < levels_; ++i) weights_[index(b, i)] = i == winner_[b] ? 1.0 : 0.0;
      return best;
    }
    double sum = 0;
    for (int i = 0; i < levels_; ++i) sum += (weights_[index(b, i)] = std::exp(-(scaled_mse(b, i) - best) / tau));
    for (int i = 0; i < levels_; ++i) weights_[index(b, i)] /= sum;
    return best - tau * std::log(sum);
  }

  functional_loss_options options_;
  int levels_ = 0;
  int outputs_ = 1;
  int networks_ = 0;
  double loss_ = 0;
  std::vector<double> mse_, weights_, scale_;
  std::vector<int> winner_;
};

}  // namespace swatnn
