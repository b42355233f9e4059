// The code of docs/tutorial.md and docs/fine_tune.md, compiled here: each page shows the `// example: NAME` regions
// below, line for line (tests/docs/pages.cpp checks it). The tutorial is one program (a CSV file in, a header out);
// it is compiled, not run: its search (4 restarts x 8001 iterations) and the fine-tuning of every candidate take
// minutes, and each call it makes is run on small data in this area's other tests. The fine_tune.md examples run,
// on CORNN Booth, a random decoded network and a 30-iteration search on the shipped model.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

// example: tutorial-includes
#include <swatnn/swatnn.hpp>
using namespace swatnn;
// end example: tutorial-includes

// example: fine-tune-includes
#include <swatnn/search/extract.hpp>
#include <swatnn/search/fine_tune.hpp>
// end example: fine-tune-includes
// example: fine-tune-lm-includes
#include <swatnn/search/fine_tune_lm.hpp>
// end example: fine-tune-lm-includes
// example: prune-includes
#include <swatnn/search/prune.hpp>
// end example: prune-includes

namespace {

// docs/tutorial.md, sections 1 to 5 in order (compiled, not run: see the top of this file).
[[maybe_unused]] int tutorial() {
  // example: tutorial-data
  auto rows = data::load_csv("mydata.csv", {.target = "y"});          // clear errors name file, row and column
  auto d = data::make_dataset(rows, {.validation_fraction = 0.2, .test_fraction = 0.2, .seed = 1});
  data::require_inputs<paper_spec::inputs>(d);                         // the model's networks take 2 inputs
  // end example: tutorial-data

  // example: tutorial-model
  swat_small_autoencoder<> ae;                 // transformer encoder d=64, decoders for depths 1..4
  load_model(ae, default_model_path());        // models/swat_small.swt (or $SWATNN_MODEL_DIR)
  // end example: tutorial-model

  // example: tutorial-search
  latent_search search(ae,
                       regularizers{smooth_l0{.weight = 1e-6, .sharpness = 20}, l1{.weight = 1e-5},
                                    mask_separation{.weight = 0.4}, neuron_count{.weight = 1e-3}},
                       adam{}, {.restarts = 4, .iterations = 8001, .seed = 0});
  auto result = search.run(d.train, d.validation, progress_bar{});
  const auto& found = result.best();   // smallest network within 5 % of the best validation MSE
  std::cout << "depth " << found.network.depth << ", " << found.nonzero_parameters << " parameters, validation MSE "
            << found.validation_mse << '\n';
  // end example: tutorial-search

  // example: tutorial-fine-tune
  auto tuned = fine_tune(found.network, d.train, d.validation);   // Adam on surviving weights and biases only
  // end example: tutorial-fine-tune

  // example: tutorial-tuned-selection
  auto selection = fine_tune_candidates(result, d.train, d.validation);   // search/tuned_selection.hpp
  const auto& tuned_pick = selection.best().tuned;   // smallest within 5 % of the best TUNED validation MSE
  auto polished = fine_tune_candidates(result, d.train, d.validation,
                                       {.method = fine_tuner::adam_then_levenberg_marquardt});
  // end example: tutorial-tuned-selection

  // example: tutorial-prune
  auto budgeted = fine_tune_candidates(result, d.train, d.validation,
                                       {.method = fine_tuner::adam_then_levenberg_marquardt, .max_parameters = 30});
  // end example: tutorial-prune

  // example: tutorial-export
  export_cpp_header(tuned.net, "my_net.hpp",   // no dependency, no allocation; predict in data units
                    {.namespace_name = "my_net", .input_scaling = d.input_scaler, .label_scaling = d.label_scaler});
  save_json(tuned.net, "my_net.json", {.name = "mydata", .input_scaling = d.input_scaler, .label_scaling = d.label_scaler});
  export_dot(tuned.net, "my_net.dot");                                         // dot -Tpng my_net.dot > my_net.png
  // end example: tutorial-export
  return tuned_pick.net.nonzero_parameters() + polished.best().tuned.net.nonzero_parameters() +
         budgeted.best().tuned.net.nonzero_parameters();
}

// A decoded depth-2 network with random cells (about half of the neurons on), as a decoder's output looks.
cpu::row_matrix<float> random_decoded() {
  std::srand(7);
  cpu::row_matrix<float> m = cpu::row_matrix<float>::Random(token_layout<paper_spec>::tokens,
                                                             token_layout<paper_spec>::width(2));
  return m;
}

}  // namespace

TEST_CASE("docs/fine_tune.md: extraction, fine-tuning, Levenberg-Marquardt and pruning to a budget") {
  const cpu::row_matrix<float> decoded = random_decoded();
  const auto view = parse<paper_spec, 2>(decoded);
  const auto data = cornn::load("Booth");

  SUBCASE("fine_tune") {
    // example: fine-tune
    auto net = swatnn::extract(view, 0.05f);                        // discrete, pruned
    auto result = swatnn::fine_tune(net, data.train, data.validation,
                                    {.optimizer = swatnn::adam{.lr = 1e-2}, .max_iterations = 2000, .patience = 200});
    // result.net: best-validation parameters; result.validation_mse <= result.validation_curve.front()
    // end example: fine-tune
    REQUIRE(net.active_neurons() > 0);
    CHECK(result.validation_mse <= result.validation_curve.front());
    CHECK(result.validation_mse < 0.5 * result.validation_curve.front());
    CHECK(result.net.nonzero_parameters() == net.nonzero_parameters());
  }

  SUBCASE("fine_tune_lm and prune_to_budget") {
    const auto net = swatnn::extract(view, 0.05f);
    {
      // example: fine-tune-lm
      auto result = swatnn::fine_tune_lm(net, data.train, data.validation, {.max_iterations = 500, .patience = 50});
      // end example: fine-tune-lm
      CHECK(result.validation_mse <= result.validation_curve.front());
      CHECK(result.net.nonzero_parameters() == net.nonzero_parameters());
    }
    REQUIRE(net.nonzero_parameters() > 30);
    // example: prune
    auto tune = [&](const swatnn::sparse_network<swatnn::paper_spec>& n) {
      return swatnn::fine_tune_lm(n, data.train, data.validation, {.max_iterations = 50}).net;
    };
    auto small = swatnn::prune_to_budget(net, data.train.x, {.max_parameters = 30, .fraction = 0.25}, tune);
    // end example: prune
    CHECK(small.nonzero_parameters() <= 30);
    CHECK(small.depth == net.depth);
  }
}

TEST_CASE("docs/fine_tune.md: every candidate of a short search on the shipped model fine-tuned, then the pick") {
  swat_small_autoencoder<> ae;
  load_model(ae, default_model_path());
  const auto d = cornn::load("Booth");
  latent_search search(ae, paper_regularizers(), adam{},
                       {.restarts = 1, .iterations = 30, .select_after = 10, .validation_every = 10});
  // example: tuned-selection
  auto result = search.run(d.train, d.validation);
  auto selection = swatnn::fine_tune_candidates(result, d.train, d.validation,
                                                {.tolerance = 0.05, .tune = {.max_iterations = 2000, .patience = 200}});
  const auto& pick = selection.best();   // pick.candidate: index into result.candidates; pick.tuned: fine_tune_result
  // end example: tuned-selection
  REQUIRE(pick.candidate < result.candidates.size());
  CHECK(std::isfinite(pick.tuned.validation_mse));
  CHECK(pick.tuned.validation_mse <= 1.0001 * result.candidates[pick.candidate].validation_mse);  // never worse
}
