// Tests for autoencoder/trainer.hpp and evaluation.hpp on a tiny configuration: training lowers the loss,
// a checkpoint + resume continues bit-identically, the learning curve and callbacks are fed, and the
// reconstruction report is consistent.
#include <doctest/doctest.h>

#include <filesystem>

#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>

using namespace swatnn;

namespace {
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu,
                                       network_spec<2, 1, 2, 4>>;
trainer_options tiny_options() {
  return {.seed = 5,
          .generator = {.networks = 8, .points = 32},
          .optimizer = {.lr = 3e-3},
          .steps = 60,
          .warmup_steps = 5,
          .clip_norm = 1.0};
}
std::filesystem::path temp_file(const char* name) {
  return std::filesystem::temp_directory_path() / (std::string("swatnn_trainer_") + name);
}
struct counting_callback {
  int begins = 0, steps = 0, ends = 0;
  void begin(const step_info<float>&) { ++begins; }
  void step(const step_info<float>&) { ++steps; }
  void end(const step_info<float>&) { ++ends; }
};
}  // namespace

TEST_CASE("training lowers the functional loss of a tiny autoencoder") {
  tiny_ae ae({.loss = {.normalize = true}});
  autoencoder_trainer trainer(ae, tiny_options());
  counting_callback counter;
  const auto summary = trainer.run(counter);
  CHECK(summary.steps == 60);
  CHECK(counter.begins == 1);
  CHECK(counter.steps == 60);
  CHECK(counter.ends == 1);
  REQUIRE(summary.curve.size() >= 1);
  // held-out loss before vs after, on the same fixed evaluation batch
  tiny_ae fresh({.loss = {.normalize = true}});
  network_generator<network_spec<2, 1, 2, 4>> gen({.networks = 32, .points = 32}, 999);
  const auto batch = gen.next();
  CHECK(ae.forward(batch) < 0.9f * fresh.forward(batch));
}

TEST_CASE("a checkpoint resumes the run bit-identically") {
  const auto path = temp_file("resume.ckpt");
  std::filesystem::remove(path);
  tiny_ae straight;
  autoencoder_trainer(straight, tiny_options()).run();

  tiny_ae first;
  auto options = tiny_options();
  options.checkpoint_path = path;
  options.checkpoint_every = 25;
  options.max_seconds = 1e9;
  {
    counting_callback counter;
    struct stop_at_25 {
      bool step(const step_info<float>& info) { return info.iteration == 25; }
    } stopper;
    autoencoder_trainer trainer(first, options);
    trainer.run(counter, stopper);  // stops before applying update 25; the checkpoint holds step 25
  }
  tiny_ae resumed({.seed = 123});  // different init: everything must come from the checkpoint
  autoencoder_trainer trainer(resumed, tiny_options());
  trainer.resume(path);
  CHECK(trainer.step() == 25);
  trainer.run();
  const auto a = straight.parameters().values(), b = resumed.parameters().values();
  CHECK(std::equal(a.begin(), a.end(), b.begin()));
  std::filesystem::remove(path);
}

TEST_CASE("resume refuses a checkpoint of another configuration") {
  const auto path = temp_file("other.ckpt");
  using other_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                          transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1>, cpu,
                                          network_spec<2, 1, 2, 4>>;
  other_ae other;
  autoencoder_trainer(other, trainer_options{.generator = {.networks = 2, .points = 8}, .steps = 1}).save(path);
  tiny_ae ae;
  autoencoder_trainer trainer(ae, tiny_options());
  CHECK_THROWS_AS(trainer.resume(path), checkpoint_error);
  std::filesystem::remove(path);
}

TEST_CASE("the reconstruction report covers every depth and level") {
  tiny_ae ae;
  const auto report = evaluate_reconstruction(ae, {.networks = 40, .points = 50, .seed = 3});
  CHECK(report.networks + report.constant_networks == 40);
  CHECK(report.median_nmse > 0);
  CHECK(report.median_nmse_by_depth.size() == 2);
  CHECK(report.win_share.size() == 2);
  CHECK(report.win_share[0] + report.win_share[1] == doctest::Approx(1.0));
  // an untrained model is no better than predicting zero
  CHECK(report.median_nmse > 0.3 * report.median_zero_nmse);
}

TEST_CASE("bad trainer options are rejected") {
  tiny_ae ae;
  CHECK_THROWS_AS(autoencoder_trainer(ae, trainer_options{.steps = 0}), value_error);
  CHECK_THROWS_AS(autoencoder_trainer(ae, trainer_options{.steps = 10, .warmup_steps = 10}), value_error);
  CHECK_THROWS_AS(autoencoder_trainer(ae, trainer_options{.final_lr_factor = 2}), value_error);
  CHECK_THROWS_AS(autoencoder_trainer(ae, trainer_options{.clip_norm = -1}), value_error);
}
