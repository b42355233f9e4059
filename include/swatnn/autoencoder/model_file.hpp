// swatnn/autoencoder/model_file.hpp: saving and loading a trained autoencoder's parameters (a checkpoint without
// optimizer state, tagged with the model's configuration so it cannot load into another one), and the path of
// the shipped pretrained swat-small model.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

#include <swatnn/config.hpp>
#include <swatnn/error.hpp>
#include <swatnn/io/checkpoint.hpp>

namespace swatnn {

namespace detail {
// The model directory for a given value of the environment variable (nullptr: unset) and path of the running
// program (empty: unknown); model_dir() below documents the order.
inline std::filesystem::path resolve_model_dir(const char* environment, const std::filesystem::path& executable) {
  if (environment != nullptr && *environment != '\0') return std::filesystem::path(environment);
  if (!executable.empty()) {
    std::error_code ec;
    const auto beside = (executable.parent_path() / SWATNN_MODEL_DIR_FROM_EXE).lexically_normal();
    if (std::filesystem::is_directory(beside, ec)) return beside;
  }
  return std::filesystem::path(SWATNN_MODEL_DIR);
}

// The running program's path (Linux: /proc/self/exe; empty where that is not available).
inline std::filesystem::path executable_path() {
#if defined(__linux__)
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) return path;
#endif
  return {};
}
}  // namespace detail

// The directory of the shipped pretrained models, the first of:
//   1. $SWATNN_MODEL_DIR, when that environment variable is set and not empty;
//   2. <directory of the running program>/../share/swatnn/models (SWATNN_MODEL_DIR_FROM_EXE), when that directory
//      exists: an installed program (<prefix>/bin/swatnn) finds the models installed with it, wherever the prefix
//      was installed or moved to (Linux; elsewhere this step is skipped);
//   3. the compiled-in SWATNN_MODEL_DIR (config.hpp): the source tree's models/ when built in swatnn's build tree,
//      <prefix>/share/swatnn/models for a find_package(swatnn) consumer, with <prefix> taken from where the
//      package was found; "models" (relative to the working directory) without CMake.
// Nothing is read here: a path that does not hold the model fails when load_model opens it.
inline std::filesystem::path model_dir() {
  return detail::resolve_model_dir(std::getenv("SWATNN_MODEL_DIR"), detail::executable_path());
}

// The shipped swat-small model: model_dir() / "swat_small.swt".
inline std::filesystem::path default_model_path() { return model_dir() / "swat_small.swt"; }

// The shipped universal swat-small model (1 to 7 inputs): model_dir() / "swat_small_universal.swt".
inline std::filesystem::path universal_model_path() { return model_dir() / "swat_small_universal.swt"; }

// The shipped model for networks of `inputs` inputs and the autoencoder type it loads into: 2 inputs -> the
// paper family's swat_small.swt, anything else -> swat_small_universal.swt.
inline std::filesystem::path model_path_for_inputs(int inputs) {
  return inputs == 2 ? default_model_path() : universal_model_path();
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

// Loads into `ae` the parameters of a model (or training checkpoint) whose configuration is `ae`'s but for the
// network family's input count (e.g. the 2-input swat_small.swt into the universal autoencoder): the parameter
// shapes do not depend on it. A warm start for training a model of another family; the result is not a model
// of `ae`'s family until trained on it.
template <class AE>
void load_model_of_other_inputs(AE& ae, const std::filesystem::path& path) {
  using T = typename AE::scalar_type;
  using S = typename AE::spec;
  const std::string own = AE::describe();
  const std::string key = "spec=" + std::to_string(S::inputs) + ",";
  const auto at = own.find(key);
  if (at == std::string::npos) throw checkpoint_error("load_model_of_other_inputs: unexpected configuration " + own);
  for (int k = 1; k <= S::max_width; ++k) {  // the family's input count is at most its width
    std::string other = own;
    other.replace(at, key.size(), "spec=" + std::to_string(k) + ",");
    try {
      const auto c = load_checkpoint<T>(path, other);
      auto values = ae.parameters().values();
      if (c.parameters.size() != values.size())
        throw checkpoint_error("load_model_of_other_inputs: " + path.string() + " holds " +
                               std::to_string(c.parameters.size()) + " parameters, the model has " +
                               std::to_string(values.size()));
      std::copy(c.parameters.begin(), c.parameters.end(), values.begin());
      return;
    } catch (const checkpoint_load_error& e) {
      if (e.problem() != checkpoint_problem::other_configuration) throw;  // unreadable: no other count will do
    }
  }
  throw checkpoint_error("load_model_of_other_inputs: " + path.string() + " is not a model of \"" + own +
                         "\" for any input count 1.." + std::to_string(S::max_width));
}

}  // namespace swatnn
