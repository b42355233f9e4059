// examples/swatnn_autoencoder.cpp: `swatnn train-autoencoder` and `swatnn evaluate-autoencoder` (a translation unit
// of the swatnn command; its options are declared in swatnn_args.hpp). train-autoencoder trains the swat-small
// multi-scale autoencoder (the 2-input family, or with --universal the 1-7-input one) from scratch, from another
// model's parameters (--init) or resumes a run (--resume), writing checkpoints atomically (--checkpoint, every
// --checkpoint-every steps) and the model (--out); a NaN / Inf loss or gradient stops the run before it reaches a
// checkpoint. evaluate-autoencoder reports a model's held-out reconstruction, per input count for a universal
// model (--record writes the figures tests/autoencoder/shipped_model.cpp reproduces; --save-model writes the
// parameters alone, e.g. from a training checkpoint).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <sstream>
#include <string>
#include <utility>

#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/io/atomic_file.hpp>
#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/optim/stop_on_non_finite.hpp>

#include "swatnn_args.hpp"

namespace swatnn_cli {
namespace {

// The paper's recipe (plain MSE, hard min over levels, constant lr 1e-3, one depth per batch) and ours
// (per-network normalized MSE + own-depth term, token reconstruction annealed away over 60 % of the steps,
// mixed depths per batch, warm-up + cosine learning rate, gradient clipping).
swatnn::autoencoder_options model_options(const std::string& recipe) {
  if (recipe == "paper") return {};
  return {.loss = {.normalize = true, .own_depth_weight = 1.0}, .reconstruction_weight = 1.0};
}

// The universal model's training distribution: one input count per batch, uniform over 1..7.
const std::vector<int> universal_input_counts{1, 2, 3, 4, 5, 6, 7};

swatnn::trainer_options training_options(const autoencoder_arguments& a) {
  swatnn::trainer_options o{.seed = a.seed, .steps = a.steps, .max_seconds = a.minutes * 60.0, .evaluate_every = 1000,
                            .evaluation = {.networks = 128, .batch = 16, .seed = 0xC0FFEEULL},
                            .checkpoint_path = a.checkpoint, .checkpoint_every = a.checkpoint_every};
  if (a.universal) {
    o.generator.input_counts = universal_input_counts;
    o.evaluation.inputs = -1;  // the in-run held-out figure cycles the input counts over its batches
  }
  if (a.recipe == "swatnn") {
    o.generator.mixed_depths = true;
    o.warmup_steps = std::min<std::uint64_t>(1000, a.steps / 10);
    o.final_lr_factor = 0.05;
    o.clip_norm = 1.0;
    o.reconstruction_anneal_steps = a.steps * 6 / 10;
  }
  return o;
}

void print_report(const swatnn::reconstruction_report& r, int inputs = 0) {
  if (inputs > 0) std::printf("networks of %d input%s\n", inputs, inputs == 1 ? "" : "s");
  std::printf("held-out networks: %d (+%d with constant outputs, excluded)\n", r.networks, r.constant_networks);
  std::printf("best scale level: median NMSE %.4f, mean NMSE %.4f (predicting 0: median %.4f)\n", r.median_nmse,
              r.mean_nmse, r.median_zero_nmse);
  std::printf("%-10s %-18s %-16s %-28s %-10s\n", "depth", "best-level median", "best-level mean",
              "own level median (level = D)", "win share");
  for (std::size_t i = 0; i < r.depths.size(); ++i)
    std::printf("%-10d %-18.4f %-16.4f %-28.4f %-10.3f\n", r.depths[i], r.median_nmse_by_depth[i],
                r.mean_nmse_by_depth[i], r.own_depth_median_nmse[i], r.win_share[i]);
}

// The report of a model of the 2-input family, or of a universal one per input count (a.evaluation.inputs, or
// every count 1..7 in turn), printed; the last one evaluated is returned.
template <class AE>
swatnn::reconstruction_report report(AE& ae, const autoencoder_arguments& a) {
  if (!a.universal) {
    const auto r = swatnn::evaluate_reconstruction(ae, a.evaluation);
    print_report(r);
    return r;
  }
  swatnn::reconstruction_report r;
  for (const int k : universal_input_counts) {
    if (a.evaluation.inputs != 0 && a.evaluation.inputs != k) continue;
    auto options = a.evaluation;
    options.inputs = k;
    r = swatnn::evaluate_reconstruction(ae, options);
    print_report(r, k);
  }
  return r;
}

template <class AE>
int train(const autoencoder_arguments& a) {
  // an output that cannot be written fails now, not after hours of training
  for (const auto& [flag, path] : {std::pair<const char*, const std::string&>{"--out", a.out},
                                   {"--checkpoint", a.checkpoint}, {"--curve", a.curve}})
    if (!path.empty()) check_output_path(flag, path);
  if (!a.init.empty() && !a.resume.empty())
    throw usage_error("--init starts a new run from a model, --resume continues one: give one of them");
  using ae_type = AE;
  ae_type ae(model_options(a.recipe));
  if (!a.init.empty()) swatnn::load_model_of_other_inputs(ae, a.init);  // any family (its own included)
  swatnn::autoencoder_trainer trainer(ae, training_options(a));
  if (!a.resume.empty()) trainer.resume(a.resume);
  std::printf("training %s (%zu parameters), recipe %s, up to %llu steps%s\n", ae_type::describe().c_str(),
              ae.parameters().size(), a.recipe.c_str(), static_cast<unsigned long long>(a.steps),
              a.minutes > 0 ? (" or " + std::to_string(a.minutes) + " minutes").c_str() : "");
  swatnn::progress_bar bar;
  swatnn::stop_on_non_finite guard;  // a NaN / Inf loss or gradient stops the run (training_error) before it is
                                     // applied or saved: the last checkpoint written stays the last good one
  const auto summary = trainer.run(bar, guard);
  swatnn::save_model(ae, a.out);
  std::printf("trained %llu steps in %.1f s; model written to %s\n", static_cast<unsigned long long>(summary.steps),
              summary.seconds, a.out.c_str());
  if (!a.curve.empty()) {
    std::ostringstream out;
    out << "step,seconds,train_loss,heldout_median_nmse\n";
    for (const auto& r : summary.curve)
      out << r.step << ',' << r.seconds << ',' << r.loss << ',' << (r.median_nmse ? std::to_string(*r.median_nmse) : "")
          << '\n';
    const std::string csv = out.str();
    swatnn::io::write_file_atomically(a.curve, std::as_bytes(std::span<const char>(csv.data(), csv.size())));
  }
  for (const auto& r : summary.curve)
    if (r.median_nmse)
      std::printf("step %7llu  %8.1f s  train loss %.4f  held-out median NMSE %.4f\n",
                  static_cast<unsigned long long>(r.step), r.seconds, r.loss, *r.median_nmse);
  report(ae, a);
  return 0;
}

template <class AE>
int evaluate(const autoencoder_arguments& a) {
  for (const auto& [flag, path] :
       {std::pair<const char*, const std::string&>{"--record", a.record}, {"--save-model", a.save_model}})
    if (!path.empty()) check_output_path(flag, path);
  if (a.evaluation.inputs != 0 && !a.universal)
    throw usage_error("--inputs chooses an input count of a universal model: give --universal");
  if (a.universal && !a.record.empty() && a.evaluation.inputs == 0)
    throw usage_error("--record writes one input count's figures: give --inputs K with --universal");
  AE ae;
  const auto shipped = a.universal ? swatnn::universal_model_path() : swatnn::default_model_path();
  swatnn::load_model(ae, a.model.empty() ? shipped : std::filesystem::path(a.model));
  if (!a.save_model.empty()) swatnn::save_model(ae, a.save_model);  // e.g. a training checkpoint -> a model file
  const auto report = swatnn_cli::report(ae, a);
  if (!a.record.empty()) {  // what tests/autoencoder/shipped_model.cpp reproduces
    std::ostringstream out;
    out.precision(17);
    out << "networks " << a.evaluation.networks << "\nbatch " << a.evaluation.batch << "\npoints "
        << a.evaluation.points << "\nseed " << a.evaluation.seed
        << (a.universal ? "\ninputs " + std::to_string(a.evaluation.inputs) : std::string()) << "\nmedian_nmse "
        << report.median_nmse
        << "\nmean_nmse " << report.mean_nmse << '\n';
    const std::string text = out.str();
    swatnn::io::write_file_atomically(a.record, std::as_bytes(std::span<const char>(text.data(), text.size())));
  }
  return 0;
}

}  // namespace

int train_autoencoder_command(const autoencoder_arguments& a) {
  return a.universal ? train<swatnn::swat_small_universal_autoencoder<>>(a) : train<swatnn::swat_small_autoencoder<>>(a);
}

int evaluate_autoencoder_command(const autoencoder_arguments& a) {
  return a.universal ? evaluate<swatnn::swat_small_universal_autoencoder<>>(a)
                     : evaluate<swatnn::swat_small_autoencoder<>>(a);
}

}  // namespace swatnn_cli
