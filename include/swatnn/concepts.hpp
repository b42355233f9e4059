// swatnn/concepts.hpp: every extension point of swatnn as a C++20 concept, gathered in one place. Each concept
// is declared next to its area with its contract in a comment; this header includes them all.
#pragma once

#include <swatnn/backend/backend.hpp>                    // backend_policy: a compute policy type (swatnn::cpu)
#include <swatnn/network/spec.hpp>                       // network_spec_type: the searched family's shape
#include <swatnn/nn/layer.hpp>                           // nn::layer: forward / accumulating backward on tokens
#include <swatnn/optim/optimizer.hpp>                    // optimizer, resumable_optimizer_state
#include <swatnn/optim/schedules.hpp>                    // schedule: iteration -> factor
#include <swatnn/optim/callbacks.hpp>                    // callback: any subset of begin / step / end hooks
#include <swatnn/regularizers/regularizer.hpp>           // regularizer: a search penalty with its gradient
#include <swatnn/autoencoder/multiscale_autoencoder.hpp>  // encoder_policy, decoder_policy: autoencoder parts
