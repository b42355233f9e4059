// Faults during autoencoder training (autoencoder/trainer.hpp with optim/stop_on_non_finite.hpp, as
// `swatnn train-autoencoder` runs it): a NaN appearing mid-training stops the run with a message naming
// the iteration, and the last checkpoint on disk is the last good one (finite, and a resume from it continues).
// SIGKILL during training then --resume: tests/cli/faults.sh (kill_resume_training); a kill while a checkpoint
// is being written: tests/io/checkpoint.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>

#include <unistd.h>

#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>
#include <swatnn/io/checkpoint.hpp>
#include <swatnn/optim/stop_on_non_finite.hpp>

using namespace swatnn;

namespace {
using tiny_ae = multiscale_autoencoder<transformer_encoder<{.dim = 8, .heads = 2, .blocks = 1}>,
                                       transformer_decoder<{.heads = 2, .blocks = 1}>, scales<1, 2>, cpu,
                                       network_spec<2, 1, 2, 4>>;

// Poisons one parameter with NaN in the step hook of iteration `at` (before that iteration's update), as a
// numerical blow-up would; the next iteration's loss is NaN.
struct poison_at {
  std::uint64_t at;
  bool step(const step_info<float>& info) {
    if (info.iteration == at) info.groups[0].values[0] = std::numeric_limits<float>::quiet_NaN();
    return false;
  }
};
}  // namespace

TEST_CASE("a NaN mid-training stops the run with a message and keeps the last good checkpoint") {
  const auto path = std::filesystem::temp_directory_path() / ("swatnn_trainer_nan_" + std::to_string(::getpid()) + ".ckpt");
  std::filesystem::remove(path);
  tiny_ae ae;
  // member by member: GCC 12 at -O3 reports a false -Wmaybe-uninitialized for this aggregate's vector when the
  // path (which may throw while converting) is among its designated initializers
  trainer_options options;
  options.seed = 5;
  options.generator.networks = 8;
  options.generator.points = 32;
  options.optimizer.lr = 3e-3;
  options.steps = 60;
  options.checkpoint_path = path;
  options.checkpoint_every = 10;
  autoencoder_trainer trainer(ae, options);
  poison_at poison{.at = 25};
  stop_on_non_finite guard;
  std::string message;
  try {
    trainer.run(poison, guard);
  } catch (const training_error& e) {
    message = e.what();
  }
  CHECK(message.find("training stopped at iteration 26") != std::string::npos);
  CHECK(message.find("not finite") != std::string::npos);
  CHECK(trainer.step() == 26);  // the NaN iteration's update was not applied

  // the checkpoint on disk is step 20's: finite, and a run resumes from it
  const auto saved = load_checkpoint<float>(path, tiny_ae::describe());
  REQUIRE(saved.optimizer.has_value());
  CHECK(saved.optimizer->step == 20);
  bool finite = true;
  for (const float v : saved.parameters) finite = finite && std::isfinite(v);
  CHECK(finite);
  tiny_ae resumed;
  autoencoder_trainer again(resumed, {.seed = 5, .generator = {.networks = 8, .points = 32}, .optimizer = {.lr = 3e-3},
                                      .steps = 30});
  again.resume(path);
  CHECK(again.step() == 20);
  stop_on_non_finite guard2;
  const auto summary = again.run(guard2);
  CHECK(summary.steps == 30);
  std::filesystem::remove(path);
}
