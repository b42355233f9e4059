// swatnn/autoencoder/evaluation.hpp: how well an autoencoder reconstructs networks it has never seen. For fresh
// generated networks (an evaluation seed not used in training; depths cycled so every depth gets the same
// share) it reports NMSE = MSE of the decoded network / variance of the original's outputs: of the best scale
// level, overall and per true depth; of each level D on the networks of true depth D; and each level's share of
// wins. Networks with (near) constant outputs have no meaningful NMSE and are counted apart. `inputs` evaluates
// networks of one input count (the universal family: run it once per count) or cycles the counts over the batches.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include <swatnn/error.hpp>
#include <swatnn/network/generator.hpp>

namespace swatnn {

struct reconstruction_options {
  int networks = 512;                   // networks evaluated
  int batch = 64;                       // networks per batch; batch k has depth 1 + k % MaxDepth
  int points = 1000;                    // input points per batch
  std::uint64_t seed = 0xE7A1'5EEDULL;  // evaluation seed; never use a training seed
  double constant_variance = 1e-8;      // outputs with smaller variance count as constant
  int inputs = 0;                       // input count of the networks (0: the spec's, S::inputs; -1: batch k has
                                        // 1 + k % S::inputs inputs)
};

struct reconstruction_report {
  int networks = 0;            // evaluated networks with non-constant outputs
  int constant_networks = 0;   // excluded: constant outputs
  double median_nmse = 0;      // best level, all depths
  double mean_nmse = 0;
  double median_zero_nmse = 0; // reference: NMSE of predicting 0 (mean square / variance)
  std::vector<int> depths;                 // true depths 1..MaxDepth
  std::vector<double> median_nmse_by_depth;  // best level, networks of each true depth
  std::vector<double> mean_nmse_by_depth;
  std::vector<int> level_depths;           // the autoencoder's scale levels
  std::vector<double> own_depth_median_nmse;  // level D on networks of true depth D (NaN if D > MaxDepth)
  std::vector<double> win_share;           // share of networks each level wins
};

namespace detail {
inline double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  if (v.size() % 2 == 1) return *mid;
  const double upper = *mid;
  return 0.5 * (upper + *std::max_element(v.begin(), mid));
}
inline double mean(const std::vector<double>& v) {
  return v.empty() ? std::numeric_limits<double>::quiet_NaN() : std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}
}  // namespace detail

template <class AE>
reconstruction_report evaluate_reconstruction(AE& ae, const reconstruction_options& options = {}) {
  using S = typename AE::spec;
  using T = typename AE::scalar_type;
  if (options.networks < 1 || options.points < 2 || options.batch < 1)
    throw value_error("reconstruction_options: networks and batch must be >= 1 and points >= 2");
  if (options.inputs != 0 && options.inputs != -1)
    check_input_count<S>(options.inputs, "reconstruction_options.inputs (or 0, or -1: cycled)");
  constexpr int levels = AE::levels;
  reconstruction_report report;
  std::vector<std::vector<double>> best_by_depth(S::max_depth), own(levels);
  std::vector<double> best_all, zero_all;
  std::vector<int> wins(levels, 0);

  int done = 0, batch_index = 0;
  generated_batch<S, T> batch;
  while (done < options.networks) {
    const int depth = 1 + batch_index % S::max_depth;
    const int count = std::min(options.batch, options.networks - done);
    const std::vector<int> input_counts = options.inputs == 0    ? std::vector<int>{}
                                          : options.inputs == -1 ? std::vector<int>{1 + batch_index % S::inputs}
                                                                 : std::vector<int>{options.inputs};
    network_generator<S, T> gen(
        {.networks = count, .points = options.points, .depth = depth, .input_counts = input_counts},
        options.seed + static_cast<std::uint64_t>(batch_index));
    gen.next(batch);
    ae.forward(batch);
    const auto& loss = ae.loss();
    for (int b = 0; b < count; ++b) {
      // in double and in two passes: E[y^2] - E[y]^2 in float cancels to noise for large, nearly constant
      // outputs, which then fell on either side of constant_variance depending on the summation order
      const Eigen::MatrixXd target =
          batch.targets.middleCols(static_cast<Eigen::Index>(b) * S::outputs, S::outputs).template cast<double>();
      const double size = static_cast<double>(target.size());
      const double mean_square = target.squaredNorm() / size;
      const double variance = (target.array() - target.mean()).square().sum() / size;
      if (!(variance > options.constant_variance)) {
        ++report.constant_networks;
        continue;
      }
      int best_level = 0;
      for (int i = 1; i < levels; ++i)
        if (loss.mse(b, i) < loss.mse(b, best_level)) best_level = i;
      const double best = loss.mse(b, best_level) / variance;
      best_all.push_back(best);
      zero_all.push_back(mean_square / variance);
      best_by_depth[depth - 1].push_back(best);
      ++wins[best_level];
      for (int i = 0; i < levels; ++i)
        if (AE::scales_type::depths[i] == depth) own[i].push_back(loss.mse(b, i) / variance);
    }
    done += count;
    ++batch_index;
  }

  report.networks = static_cast<int>(best_all.size());
  report.median_nmse = detail::median(best_all);
  report.mean_nmse = detail::mean(best_all);
  report.median_zero_nmse = detail::median(zero_all);
  for (int d = 1; d <= S::max_depth; ++d) {
    report.depths.push_back(d);
    report.median_nmse_by_depth.push_back(detail::median(best_by_depth[d - 1]));
    report.mean_nmse_by_depth.push_back(detail::mean(best_by_depth[d - 1]));
  }
  for (int i = 0; i < levels; ++i) {
    report.level_depths.push_back(AE::scales_type::depths[i]);
    report.own_depth_median_nmse.push_back(detail::median(own[i]));
    report.win_share.push_back(report.networks ? static_cast<double>(wins[i]) / report.networks : 0.0);
  }
  return report;
}

}  // namespace swatnn
