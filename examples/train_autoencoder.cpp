// Example / tool: trains the swat-small multi-scale autoencoder from scratch, resumes a run, or evaluates a
// model's held-out reconstruction.
//   train_autoencoder --out models/swat_small.swt [--minutes 60] [--steps 60000] [--recipe swatnn|paper]
//                     [--seed 1] [--checkpoint run.ckpt] [--checkpoint-every 1000] [--resume run.ckpt] [--curve curve.csv]
//   train_autoencoder --evaluate models/swat_small.swt [--networks 512] [--batch 64] [--points 1000] [--seed 12345]
//                     [--record FILE]   (writes the figures a test reproduces)
//                     [--save-model FILE]  (writes the parameters alone, e.g. from a training checkpoint)
#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>

#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/optim/stop_on_non_finite.hpp>

#include "swatnn_args.hpp"  // strict_number, strict_whole_number

namespace {
using namespace swatnn;
using ae_type = swat_small_autoencoder<>;

struct arguments {
  std::string out, evaluate, checkpoint, resume, curve, record, save_model, recipe = "swatnn";
  double minutes = 0;
  std::uint64_t steps = 60000, seed = 1, eval_seed = 0x5EED'E7A1ULL, checkpoint_every = 1000;
  int networks = 512, points = 1000, batch = 64;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "error: %s\nusage: train_autoencoder --out MODEL [--minutes M] [--steps N] [--recipe swatnn|paper] "
               "[--seed S] [--checkpoint FILE] [--checkpoint-every N] [--resume FILE] [--curve CSV]\n"
               "       train_autoencoder --evaluate MODEL [--networks N] [--batch B] [--points P] [--seed S]\n"
               "                         [--record FILE] [--save-model FILE]\n",
               why);
  std::exit(2);
}

arguments parse(int argc, char** argv) {
  arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
      return argv[++i];
    };
    // strict numbers: the whole argument, in range ("--steps -1" and "--minutes 5x" are refused)
    auto whole = [&](const std::string& v, std::uint64_t max) {
      std::uint64_t out = 0;
      if (!swatnn_cli::strict_whole_number(v, max, out))
        usage((flag + " takes a whole number >= 0 (at most " + std::to_string(max) + "), got '" + v + "'").c_str());
      return out;
    };
    auto minutes = [&](const std::string& v) {
      double out = 0;
      if (!swatnn_cli::strict_number(v, out) || out < 0)
        usage((flag + " takes a number of minutes >= 0, got '" + v + "'").c_str());
      return out;
    };
    if (flag == "--out") a.out = value();
    else if (flag == "--evaluate") a.evaluate = value();
    else if (flag == "--checkpoint") a.checkpoint = value();
    else if (flag == "--resume") a.resume = value();
    else if (flag == "--curve") a.curve = value();
    else if (flag == "--recipe") a.recipe = value();
    else if (flag == "--minutes") a.minutes = minutes(value());
    else if (flag == "--steps") a.steps = whole(value(), UINT64_MAX);
    else if (flag == "--checkpoint-every") a.checkpoint_every = whole(value(), UINT64_MAX);
    else if (flag == "--seed") a.seed = a.eval_seed = whole(value(), UINT64_MAX);
    else if (flag == "--networks") a.networks = static_cast<int>(whole(value(), INT_MAX));
    else if (flag == "--points") a.points = static_cast<int>(whole(value(), INT_MAX));
    else if (flag == "--batch") a.batch = static_cast<int>(whole(value(), INT_MAX));
    else if (flag == "--record") a.record = value();
    else if (flag == "--save-model") a.save_model = value();
    else usage(("unknown option " + flag).c_str());
  }
  if (a.out.empty() == a.evaluate.empty()) usage("give exactly one of --out (train) or --evaluate (evaluate)");
  if (a.recipe != "swatnn" && a.recipe != "paper") usage("--recipe is swatnn or paper");
  return a;
}

// The paper's recipe (plain MSE, hard min over levels, constant lr 1e-3, one depth per batch) and ours
// (per-network normalized MSE + own-depth term, token reconstruction annealed away over 60 % of the steps,
// mixed depths per batch, warm-up + cosine learning rate, gradient clipping).
autoencoder_options model_options(const std::string& recipe) {
  if (recipe == "paper") return {};
  return {.loss = {.normalize = true, .own_depth_weight = 1.0}, .reconstruction_weight = 1.0};
}
trainer_options training_options(const arguments& a) {
  trainer_options o{.seed = a.seed, .steps = a.steps, .max_seconds = a.minutes * 60.0, .evaluate_every = 1000,
                    .evaluation = {.networks = 128, .batch = 16, .seed = 0xC0FFEEULL}, .checkpoint_path = a.checkpoint,
                    .checkpoint_every = a.checkpoint_every};
  if (a.recipe == "swatnn") {
    o.generator.mixed_depths = true;
    o.warmup_steps = std::min<std::uint64_t>(1000, a.steps / 10);
    o.final_lr_factor = 0.05;
    o.clip_norm = 1.0;
    o.reconstruction_anneal_steps = a.steps * 6 / 10;
  }
  return o;
}

void print_report(const reconstruction_report& r) {
  std::printf("held-out networks: %d (+%d with constant outputs, excluded)\n", r.networks, r.constant_networks);
  std::printf("best scale level: median NMSE %.4f, mean NMSE %.4f (predicting 0: median %.4f)\n", r.median_nmse,
              r.mean_nmse, r.median_zero_nmse);
  std::printf("%-10s %-18s %-16s %-28s %-10s\n", "depth", "best-level median", "best-level mean",
              "own level median (level = D)", "win share");
  for (std::size_t i = 0; i < r.depths.size(); ++i)
    std::printf("%-10d %-18.4f %-16.4f %-28.4f %-10.3f\n", r.depths[i], r.median_nmse_by_depth[i],
                r.mean_nmse_by_depth[i], r.own_depth_median_nmse[i], r.win_share[i]);
}
}  // namespace

int main(int argc, char** argv) try {
  const arguments a = parse(argc, argv);
  // an output that cannot be written fails now, not after hours of training
  for (const auto& [flag, path] : {std::pair<const char*, const std::string&>{"--out", a.out}, {"--checkpoint", a.checkpoint},
                                   {"--curve", a.curve}, {"--record", a.record}, {"--save-model", a.save_model}})
    if (!path.empty()) swatnn_cli::check_output_path(flag, path);
  if (!a.evaluate.empty()) {
    ae_type ae;
    load_model(ae, a.evaluate);
    if (!a.save_model.empty()) save_model(ae, a.save_model);  // e.g. a training checkpoint -> a model file
    const auto report =
        evaluate_reconstruction(ae, {.networks = a.networks, .batch = a.batch, .points = a.points, .seed = a.eval_seed});
    print_report(report);
    if (!a.record.empty()) {  // what tests/autoencoder/shipped_model.cpp reproduces
      std::ofstream out(a.record);
      out.precision(17);
      out << "networks " << a.networks << "\nbatch " << a.batch << "\npoints " << a.points << "\nseed " << a.eval_seed << "\nmedian_nmse "
          << report.median_nmse << "\nmean_nmse " << report.mean_nmse << '\n';
    }
    return 0;
  }
  ae_type ae(model_options(a.recipe));
  autoencoder_trainer trainer(ae, training_options(a));
  if (!a.resume.empty()) trainer.resume(a.resume);
  std::printf("training %s (%zu parameters), recipe %s, up to %llu steps%s\n", ae_type::describe().c_str(),
              ae.parameters().size(), a.recipe.c_str(), static_cast<unsigned long long>(a.steps),
              a.minutes > 0 ? (" or " + std::to_string(a.minutes) + " minutes").c_str() : "");
  progress_bar bar;
  stop_on_non_finite guard;  // a NaN / Inf loss or gradient stops the run (training_error) before it is applied or
                             // saved: the last checkpoint written stays the last good one
  const auto summary = trainer.run(bar, guard);
  save_model(ae, a.out);
  std::printf("trained %llu steps in %.1f s; model written to %s\n", static_cast<unsigned long long>(summary.steps),
              summary.seconds, a.out.c_str());
  if (!a.curve.empty()) {
    std::ofstream csv(a.curve);
    csv << "step,seconds,train_loss,heldout_median_nmse\n";
    for (const auto& r : summary.curve)
      csv << r.step << ',' << r.seconds << ',' << r.loss << ',' << (r.median_nmse ? std::to_string(*r.median_nmse) : "")
          << '\n';
  }
  for (const auto& r : summary.curve)
    if (r.median_nmse)
      std::printf("step %7llu  %8.1f s  train loss %.4f  held-out median NMSE %.4f\n",
                  static_cast<unsigned long long>(r.step), r.seconds, r.loss, *r.median_nmse);
  print_report(evaluate_reconstruction(ae, {.networks = a.networks, .seed = a.eval_seed}));
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "train_autoencoder: %s\n", e.what());
  return 1;
}
