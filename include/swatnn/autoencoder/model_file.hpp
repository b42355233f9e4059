// swatnn/autoencoder/model_file.hpp: saving and loading a trained autoencoder's parameters (a checkpoint without
// optimizer state, tagged with the model's configuration so it cannot load into another one), and the path of
// the shipped pretrained swat-small model.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <swatnn/config.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/checkpoint.hpp>

namespace swatnn {

// The shipped swat-small model: $SWATNN_MODEL_DIR/swat_small.swt if that environment variable is set, else the
// directory the CMake target points at (the source tree's models/ for builds, <prefix>/share/swatnn/models
// once installed).
inline std::filesystem::path default_model_path() {
  if (const char* dir = std::getenv("SWATNN_MODEL_DIR"); dir != nullptr && *dir != '\0')
    return std::filesystem::path(dir) / "swat_small.swt";
  return std::filesystem::path(SWATNN_MODEL_DIR) / "swat_small.swt";
}

template <class AE>
void save_model(const AE& ae, const std::filesystem::path& path) {
  using T = typename AE::scalar_type;
  const std::string configuration = AE::describe();
  save_checkpoint<T>(path, checkpoint_view<T>{.configuration = configuration, .parameters = ae.parameters().values()});
}

// Loads parameters saved by save_model (or a training checkpoint of the same configuration) into `ae`.
template <class AE>
void load_model(AE& ae, const std::filesystem::path& path) {
  using T = typename AE::scalar_type;
  const auto c = load_checkpoint<T>(path, AE::describe());
  auto values = ae.parameters().values();
  if (c.parameters.size() != values.size())
    throw checkpoint_error("load_model: " + path.string() + " holds " + std::to_string(c.parameters.size()) +
                           " parameters, the model has " + std::to_string(values.size()));
  std::copy(c.parameters.begin(), c.parameters.end(), values.begin());
}

}  // namespace swatnn
