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

// Directory of the shipped pretrained models (set by the CMake target; overridable by the user).
#ifndef SWATNN_MODEL_DIR
#define SWATNN_MODEL_DIR "models"
#endif

namespace swatnn {
inline constexpr const char* version_string = SWATNN_VERSION_STRING;
}  // namespace swatnn
