// swatnn/swatnn.hpp: the umbrella header (CPU only; never pulls CUDA headers). Every header below also
// compiles on its own, so projects may include only what they use.
#pragma once

#include <swatnn/config.hpp>
#include <swatnn/error.hpp>
#include <swatnn/concepts.hpp>
#include <swatnn/backend/backend.hpp>
#include <swatnn/backend/cpu.hpp>

// the searched network family
#include <swatnn/network/activation.hpp>
#include <swatnn/network/export_cpp.hpp>
#include <swatnn/network/export_dot.hpp>
#include <swatnn/network/export_json.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/network/soft_eval.hpp>
#include <swatnn/network/soft_mse.hpp>
#include <swatnn/network/sparse_eval.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

// data
#include <swatnn/data/cornn.hpp>
#include <swatnn/data/csv.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/data/npy.hpp>
#include <swatnn/data/scaling.hpp>

// training core
#include <swatnn/io/checkpoint.hpp>
#include <swatnn/nn/attention.hpp>
#include <swatnn/nn/gelu.hpp>
#include <swatnn/nn/init.hpp>
#include <swatnn/nn/layer_norm.hpp>
#include <swatnn/nn/linear.hpp>
#include <swatnn/nn/parameter_buffer.hpp>
#include <swatnn/nn/positional_embedding.hpp>
#include <swatnn/nn/transformer_block.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/callbacks.hpp>
#include <swatnn/optim/clipping.hpp>
#include <swatnn/optim/csv_log.hpp>
#include <swatnn/optim/early_stop.hpp>
#include <swatnn/optim/keep_best.hpp>
#include <swatnn/optim/minimize.hpp>
#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/optim/schedules.hpp>
#include <swatnn/optim/sgd.hpp>
#include <swatnn/optim/stop_on_non_finite.hpp>

// the multi-scale autoencoder
#include <swatnn/autoencoder/evaluation.hpp>
#include <swatnn/autoencoder/functional_loss.hpp>
#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/multiscale_autoencoder.hpp>
#include <swatnn/autoencoder/scales.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/autoencoder/trainer.hpp>
#include <swatnn/autoencoder/transformer_decoder.hpp>
#include <swatnn/encoders/gnn_encoder.hpp>
#include <swatnn/encoders/transformer_encoder.hpp>

// the joint architecture-and-weight search
#include <swatnn/regularizers/mask_penalties.hpp>
#include <swatnn/regularizers/regularizer.hpp>
#include <swatnn/regularizers/sum.hpp>
#include <swatnn/regularizers/weight_penalties.hpp>
#include <swatnn/search/extract.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>
#include <swatnn/search/latent_search.hpp>
#include <swatnn/search/prune.hpp>
#include <swatnn/search/search_gates.hpp>
#include <swatnn/search/tuned_selection.hpp>

// the fit/predict facade (the search, fine-tuning and scaling in one call)
#include <swatnn/regressor.hpp>

// baselines the search is compared with
#include <swatnn/baselines/admm_prune.hpp>
#include <swatnn/baselines/budget.hpp>
#include <swatnn/baselines/darts_admm.hpp>
#include <swatnn/baselines/darts_supernet.hpp>
#include <swatnn/baselines/dense.hpp>
#include <swatnn/baselines/staged.hpp>
