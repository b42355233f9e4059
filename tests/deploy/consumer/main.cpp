// Consumer of the installed package (tests/deploy/run_deploy.cmake): loads the shipped model from where the
// package says it is, and runs a short latent search on a CORNN function with it.
//   consumer            prints the version, "model: <path>" and the search's pick; exit 0
// Any failure (the model missing or unreadable, the search failing) prints the reason and exits 1.
#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/config.hpp>
#include <swatnn/data/cornn.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/regularizers/sum.hpp>
#include <swatnn/regularizers/weight_penalties.hpp>
#include <swatnn/search/latent_search.hpp>

#include <cstdio>
#include <exception>

int main() try {
  using namespace swatnn;
  std::printf("swatnn %s found by find_package\n", version_string);
  const auto model = default_model_path();
  std::printf("model: %s\n", model.string().c_str());
  swat_small_autoencoder<> ae;
  load_model(ae, model);
  const auto d = cornn::load("Sphere");
  latent_search search(ae, regularizers{l1{.weight = 1e-5}}, adam{}, {.restarts = 1, .iterations = 20, .seed = 0});
  const auto result = search.run(d.train, d.validation);
  const auto& pick = result.best();
  std::printf("search: depth %d, %d nonzero parameters, validation MSE %.4g\n", pick.depth,
              pick.nonzero_parameters, pick.validation_mse);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "consumer: %s\n", e.what());
  return 1;
}
