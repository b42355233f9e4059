// The code of docs/autoencoder.md, compiled here: the page shows the `// example: NAME` regions below, line for line
// (tests/docs/pages.cpp checks it). The composition runs; the training example is compiled, not run (70000 steps
// of the shipped recipe take an hour; trainer.cpp runs the trainer, its checkpoints and its callbacks on a tiny
// model).
#include <doctest/doctest.h>

#include <type_traits>

// example: autoencoder-includes
#include <swatnn/swatnn.hpp>
using namespace swatnn;
// end example: autoencoder-includes

namespace {

[[maybe_unused]] double training_example(swat_small_autoencoder<>& ae) {
  // example: autoencoder-training
  autoencoder_trainer trainer(ae, {.seed = 1,
                                   .generator = {.networks = 64, .points = 1000, .mixed_depths = true},
                                   .optimizer = {.lr = 1e-3},
                                   .steps = 70000, .max_seconds = 3600,
                                   .warmup_steps = 1000, .final_lr_factor = 0.05, .clip_norm = 1.0,
                                   .evaluate_every = 1000, .checkpoint_path = "run.ckpt"});
  trainer.resume("run.ckpt");            // optional: continue exactly (parameters, Adam moments, step, RNG)
  auto summary = trainer.run(progress_bar{}, csv_log{{.path = "log.csv"}});   // any callbacks
  save_model(ae, "my_model.swt");
  // end example: autoencoder-training
  return summary.seconds;
}

}  // namespace

TEST_CASE("docs/autoencoder.md: composing the multi-scale autoencoder gives swat_small_autoencoder<>") {
  // example: autoencoder-compose
  using ae_type = multiscale_autoencoder<transformer_encoder<{.dim = 64, .heads = 4, .blocks = 2}>,
                                         transformer_decoder<{.heads = 4, .blocks = 2}>,
                                         scales<1, 2, 3, 4>, cpu /*, Spec = paper_spec, T = float */>;
  ae_type ae({.seed = 1, .loss = {.normalize = true, .own_depth_weight = 1.0}});
  // end example: autoencoder-compose
  static_assert(std::is_same_v<ae_type, swat_small_autoencoder<>>);  // "exactly this type", as the page says
  CHECK(ae.parameters().values().size() > 100000);
  CHECK(ae_type::describe() == swat_small_autoencoder<>::describe());
}
