// swatnn/config.hpp: library version and the SWATNN_ macros shared by every header.
#pragma once

#define SWATNN_VERSION_MAJOR 0
#define SWATNN_VERSION_MINOR 1
#define SWATNN_VERSION_PATCH 0
#define SWATNN_VERSION_STRING "0.1.0"

// Functions that must run on both the host and a CUDA device (only meaningful under nvcc).
#if defined(__CUDACC__)
#define SWATNN_HOST_DEVICE __host__ __device__
#else
#define SWATNN_HOST_DEVICE
#endif

// Where the shipped pretrained models are looked for (the whole order: swatnn::model_dir() in
// autoencoder/model_file.hpp). SWATNN_MODEL_DIR is the last resort: the CMake target sets it to the source tree's
// models/ in a build tree, and the installed package config to <prefix>/share/swatnn/models, computed from where
// find_package found the package (never a path fixed when swatnn was configured); without CMake it is "models",
// relative to the working directory. SWATNN_MODEL_DIR_FROM_EXE is the models' directory relative to the directory
// of the running program, tried first, so that an installed program finds the models installed with it.
#ifndef SWATNN_MODEL_DIR
#define SWATNN_MODEL_DIR "models"
#endif
#ifndef SWATNN_MODEL_DIR_FROM_EXE
#define SWATNN_MODEL_DIR_FROM_EXE "../share/swatnn/models"
#endif

namespace swatnn {
inline constexpr const char* version_string = SWATNN_VERSION_STRING;
}  // namespace swatnn
