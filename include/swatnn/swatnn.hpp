// swatnn/swatnn.hpp: the umbrella header (CPU only; never pulls CUDA headers).
#pragma once

#include <swatnn/config.hpp>
#include <swatnn/error.hpp>
#include <swatnn/backend/cpu.hpp>
#include <swatnn/concepts.hpp>

#include <swatnn/network/activation.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/network/soft_eval.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
