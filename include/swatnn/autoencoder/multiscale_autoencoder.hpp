// swatnn/autoencoder/multiscale_autoencoder.hpp: SWAT-NN's universal multi-scale autoencoder (§4). An encoder
// maps each network's tokens to a latent (tokens x dim); one decoder per scale level D maps the latent back to a
// depth-D network; the objective is functional: each decoded network runs on the batch's points (soft_eval) and
// the loss takes the minimum over levels of the MSE against the original network's outputs.
// Composition is compile-time (encoder, decoder, scale levels, backend, spec, scalar); all parameters live in
// one flat parameter buffer. The levels are independent once the latent exists, so forward and backward run
// them through the backend's level loop (Backend::for_each_level: on the CPU in parallel, one level per thread at
// a time, each level's products and evaluation on its own thread: one parallel region per pass instead of one per
// product, and results that do not depend on the thread count). Every product and evaluation is the backend's; the
// functional loss and the optional token reconstruction read the levels' predictions in host memory.
#pragma once

#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/hana/at.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/tuple.hpp>

#include <swatnn/autoencoder/functional_loss.hpp>
#include <swatnn/autoencoder/scales.hpp>
#include <swatnn/autoencoder/token_reconstruction.hpp>
#include <swatnn/backend/backend.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/generator.hpp>
#include <swatnn/network/soft_eval.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>
#include <swatnn/nn/parameter_buffer.hpp>

namespace swatnn {

// An Encoder policy has a `dim` and a nested `model<Spec, T, Backend>` constructed from the parameter buffer,
// with forward(tokens) -> latent and backward(dlatent) -> dtokens on row-major token matrices.
template <class E, class S, class T, class Backend>
concept encoder_policy = requires { { E::dim } -> std::convertible_to<int>; } &&
    std::constructible_from<typename E::template model<S, T, Backend>, nn::parameter_buffer<T, Backend>&> &&
    requires(typename E::template model<S, T, Backend>& m, const typename Backend::template row_matrix<T>& x) {
      { m.forward(x) } -> std::convertible_to<const typename Backend::template row_matrix<T>&>;
      { m.backward(x) } -> std::convertible_to<const typename Backend::template row_matrix<T>&>;
      { E::describe() } -> std::convertible_to<std::string>;
    };

// A Decoder policy has a nested `model<Spec, Depth, Dim, T, Backend>` constructed from the parameter buffer,
// with forward(latent) -> decoded (tokens x width(Depth) per network) and backward(ddecoded) -> dlatent.
template <class D, class S, int Depth, int Dim, class T, class Backend>
concept decoder_policy =
    std::constructible_from<typename D::template model<S, Depth, Dim, T, Backend>, nn::parameter_buffer<T, Backend>&> &&
    requires(typename D::template model<S, Depth, Dim, T, Backend>& m, const typename Backend::template row_matrix<T>& x) {
      { m.forward(x) } -> std::convertible_to<const typename Backend::template row_matrix<T>&>;
      { m.backward(x) } -> std::convertible_to<const typename Backend::template row_matrix<T>&>;
      { D::describe() } -> std::convertible_to<std::string>;
    };

struct autoencoder_options {
  std::uint64_t seed = 1;              // parameter initialization
  functional_loss_options loss{};      // the objective's options (paper: plain MSE, hard min)
  double reconstruction_weight = 0;    // > 0: + this weight x token_reconstruction (not in the paper)
};

template <class EncoderPolicy, class DecoderPolicy, class Scales, class Backend = cpu, network_spec_type S = paper_spec,
          class T = float>
class multiscale_autoencoder {
  static_assert(check_backend<Backend, T>(), "swatnn::multiscale_autoencoder: see the backend contract above");
  static_assert(is_scales<Scales>, "swatnn::multiscale_autoencoder: the third argument must be swatnn::scales<D...>");
  static_assert(encoder_policy<EncoderPolicy, S, T, Backend>,
                "swatnn::multiscale_autoencoder: the encoder policy must provide `static constexpr int dim`, "
                "`static std::string describe()` and `template <network_spec_type, class T, class Backend> class model` "
                "constructible from nn::parameter_buffer<T, Backend>& with forward(tokens) and backward(dlatent)");
  static_assert([] {
    for (int d : Scales::depths)
      if (d > S::max_depth) return false;
    return true;
  }(), "swatnn::multiscale_autoencoder: every scale level must be a depth within 1..Spec::max_depth");

 public:
  using spec = S;
  using scalar_type = T;
  using backend_type = Backend;
  using scales_type = Scales;
  using matrix = typename Backend::template matrix<T>;
  using row_matrix = typename Backend::template row_matrix<T>;
  using layout = token_layout<S>;
  static constexpr int dim = EncoderPolicy::dim;
  static constexpr int levels = static_cast<int>(Scales::count);

 private:
  template <int Depth>
  struct level {
    static_assert(decoder_policy<DecoderPolicy, S, Depth, dim, T, Backend>,
                  "swatnn::multiscale_autoencoder: the decoder policy must provide `static std::string describe()` "
                  "and `template <network_spec_type, int Depth, int Dim, class T, class Backend> class model` constructible "
                  "from nn::parameter_buffer<T, Backend>& with forward(latent) and backward(ddecoded)");
    static constexpr int depth = Depth;
    explicit level(nn::parameter_buffer<T, Backend>& params) : decoder(params) {}
    typename DecoderPolicy::template model<S, Depth, dim, T, Backend> decoder;
    soft_eval<S, T, Backend> eval;
    matrix grad_outputs;
    row_matrix grad_decoded;
    row_matrix grad_reconstruction;  // weight x d token_reconstruction / d decoded, from the last forward
    const row_matrix* decoded = nullptr;
    const row_matrix* grad_latent = nullptr;
  };

  template <int... Ds>
  static boost::hana::tuple<level<Ds>...> level_tuple_type(scales<Ds...>);
  using level_tuple = decltype(level_tuple_type(Scales{}));

 public:
  explicit multiscale_autoencoder(autoencoder_options options = {})
      : options_(options),
        params_(nn::parameter_buffer_options{.seed = options.seed}),
        encoder_(params_),
        levels_(construct_levels(Scales{})),
        loss_(options.loss),
        reconstruction_weight_(options.reconstruction_weight) {
    if (!(reconstruction_weight_ >= 0) || !std::isfinite(reconstruction_weight_))
      throw value_error("autoencoder_options: reconstruction_weight must be finite and >= 0");
  }

  multiscale_autoencoder(const multiscale_autoencoder&) = delete;
  multiscale_autoencoder& operator=(const multiscale_autoencoder&) = delete;

  // A text that identifies the configuration; checkpoints refuse to load into another one.
  static std::string describe() {
    std::string s = "swatnn.multiscale_autoencoder spec=";
    for (int v : {S::inputs, S::outputs, S::max_depth, S::max_width}) s.append(std::to_string(v)).push_back(',');
    s.back() = ' ';
    s.append("encoder=").append(EncoderPolicy::describe()).append(" decoder=").append(DecoderPolicy::describe());
    s.append(" scales=");
    for (int d : Scales::depths) s.append(std::to_string(d)).push_back(',');
    s.back() = ' ';
    s.append(sizeof(T) == 4 ? "scalar=float32" : "scalar=float64");
    return s;
  }

  nn::parameter_buffer<T, Backend>& parameters() { return params_; }
  const nn::parameter_buffer<T, Backend>& parameters() const { return params_; }
  functional_loss<T>& loss() { return loss_; }
  const functional_loss<T>& loss() const { return loss_; }
  const autoencoder_options& options() const { return options_; }
  // The weight of the token reconstruction term in the next forward (the trainer anneals it).
  double reconstruction_weight() const { return reconstruction_weight_; }
  void set_reconstruction_weight(double weight) {
    if (!(weight >= 0) || !std::isfinite(weight))
      throw value_error("multiscale_autoencoder::set_reconstruction_weight: the weight must be finite and >= 0");
    reconstruction_weight_ = weight;
  }
  // The unweighted token reconstruction term of the last forward (0 when its weight was 0).
  double reconstruction() const { return reconstruction_; }

  // tokens: (networks * tokens) x features (token_layout::encode) -> latent: (networks * tokens) x dim.
  const row_matrix& encode(const row_matrix& tokens) {
    if (tokens.cols() != layout::features || tokens.rows() % layout::tokens != 0 || tokens.rows() == 0)
      throw shape_error("multiscale_autoencoder::encode: tokens are " + std::to_string(tokens.rows()) + "x" +
                        std::to_string(tokens.cols()) + ", expected (networks * " + std::to_string(layout::tokens) +
                        ") x " + std::to_string(layout::features));
    return encoder_.forward(tokens);
  }

  // The decoder of depth `Depth` on a latent: (networks * tokens) x width(Depth).
  template <int Depth>
  const row_matrix& decode(const row_matrix& latent) {
    return level_of<Depth>().decoder.forward(check_latent(latent));
  }
  // Backward through the decoder of depth `Depth` (after decode<Depth>): d decoded -> d latent.
  template <int Depth>
  const row_matrix& decode_backward(const row_matrix& grad_decoded) {
    return level_of<Depth>().decoder.backward(grad_decoded);
  }

  // Training objective on a generated batch: encode, decode at every level, evaluate on the batch's points,
  // functional loss. Keeps what backward needs.
  // With a backend whose storage is not host-accessible (swatnn::cuda), the batch's tokens and points are uploaded,
  // and the functional loss (and the token reconstruction term) run on host copies of the predictions (and of the
  // decoded networks); their gradients are uploaded in backward.
  T forward(const generated_batch<S, T>& batch) {
    const row_matrix& latent = encode(staged(batch.tokens, staged_tokens_));
    const matrix& inputs = staged(batch.inputs, staged_inputs_);
    for_each_level_in_parallel([&](auto& lvl, int i) {
      lvl.decoded = &lvl.decoder.forward(latent);
      predictions_[i] = &lvl.eval.forward(*lvl.decoded, lvl.depth, inputs, T(1));
      if constexpr (!Backend::host_accessible) {
        to_host(*predictions_[i], host_.predictions[i]);
        host_.prediction_pointers[i] = &host_.predictions[i];
      }
    });
    reconstruction_ = 0;
    if (reconstruction_weight_ > 0)
      boost::hana::for_each(levels_, [&](auto& lvl) {
        if constexpr (Backend::host_accessible) {
          reconstruction_ += token_reconstruction<S, T>(*lvl.decoded, batch.tokens, batch.networks, lvl.depth,
                                                        T(reconstruction_weight_), lvl.grad_reconstruction);
        } else {
          to_host(*lvl.decoded, host_.decoded);
          reconstruction_ += token_reconstruction<S, T>(host_.decoded, batch.tokens, batch.networks, lvl.depth,
                                                        T(reconstruction_weight_), host_.grad_reconstruction);
          to_backend(host_.grad_reconstruction, lvl.grad_reconstruction);
        }
      });
    own_level_.resize(batch.networks.size());
    for (std::size_t b = 0; b < batch.networks.size(); ++b) own_level_[b] = Scales::index_of(batch.networks[b].depth);
    used_reconstruction_weight_ = reconstruction_weight_;
    return loss_.forward(loss_predictions(), batch.targets, S::outputs, own_level_) +
           T(reconstruction_weight_ * reconstruction_);
  }

  // Accumulates the gradient of the last forward's loss into parameters().gradients().
  void backward(const generated_batch<S, T>& batch) {
    for_each_level_in_parallel([&](auto& lvl, int i) {
      if constexpr (Backend::host_accessible) {
        loss_.backward(i, predictions_, batch.targets, lvl.grad_outputs);
      } else {
        loss_.backward(i, loss_predictions(), batch.targets, host_.grad_outputs[i]);
        to_backend(host_.grad_outputs[i], lvl.grad_outputs);
      }
      lvl.grad_decoded.resize(lvl.decoded->rows(), lvl.decoded->cols());
      lvl.eval.backward(lvl.grad_outputs, lvl.grad_decoded);
      if (used_reconstruction_weight_ > 0) Backend::add(lvl.grad_decoded, lvl.grad_decoded, lvl.grad_reconstruction);
      lvl.grad_latent = &lvl.decoder.backward(lvl.grad_decoded);
    });
    bool first = true;  // the levels' latent gradients summed in level order
    boost::hana::for_each(levels_, [&](auto& lvl) {
      if (first) {
        grad_latent_.resize(lvl.grad_latent->rows(), lvl.grad_latent->cols());
        Backend::copy(grad_latent_, *lvl.grad_latent);
      } else {
        Backend::add(grad_latent_, grad_latent_, *lvl.grad_latent);
      }
      first = false;
    });
    encoder_.backward(grad_latent_);
  }

  // Matmul FLOPs of one forward pass on `networks` networks and `points` points (encoder, decoders, soft eval).
  double forward_flops(int networks, Eigen::Index points) const {
    const Eigen::Index rows = static_cast<Eigen::Index>(networks) * layout::tokens;
    double flops = encoder_.forward_flops(rows);
    boost::hana::for_each(levels_, [&](const auto& lvl) {
      flops += lvl.decoder.forward_flops(rows) + soft_eval<S, T, Backend>::forward_flops(networks, lvl.depth, points);
    });
    return flops;
  }

 private:
  // The levels take their parameters from the buffer deepest first, then each shallower one: an order fixed here
  // (not left to the unspecified evaluation order of constructor arguments, which GCC and Clang take in opposite
  // directions), so a model file means the same parameters whichever compiler built the program that reads it.
  // It is the order GCC used when the shipped model was trained.
  template <int... Ds>
  level_tuple construct_levels(scales<Ds...>) {
    std::tuple<std::optional<level<Ds>>...> built;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (std::get<sizeof...(Ds) - 1 - I>(built).emplace(params_), ...);  // a comma fold runs left to right
    }(std::make_index_sequence<sizeof...(Ds)>{});
    return std::apply([](auto&... lvl) { return level_tuple(std::move(*lvl)...); }, built);
  }

  // Host data in the backend's storage: the data itself on a host-accessible backend, else uploaded into `stage`.
  template <class Host, class Staged>
  static const Host& staged(const Host& host, Staged&) requires Backend::host_accessible {
    return host;
  }
  template <class Host, class Staged>
  static const Staged& staged(const Host& host, Staged& stage) {
    to_backend(host, stage);
    return stage;
  }
  template <class Host, class Stored>
  static void to_backend(const Host& host, Stored& stored) {
    stored.resize(host.rows(), host.cols());
    Backend::upload(host.data(), stored.data(), static_cast<std::size_t>(host.size()));
  }
  template <class Stored, class Host>
  static void to_host(const Stored& stored, Host& host) {
    host.resize(stored.rows(), stored.cols());
    Backend::download(stored.data(), host.data(), static_cast<std::size_t>(host.size()));
  }
  // The predictions as the functional loss reads them (host memory).
  const std::array<const cpu::matrix<T>*, levels>& loss_predictions() const {
    if constexpr (Backend::host_accessible)
      return predictions_;
    else
      return host_.prediction_pointers;
  }

  // Calls f(level, index) for every level through the backend's level loop.
  template <class F>
  void for_each_level_in_parallel(F&& f) {
    Backend::template for_each_level<levels>([&](int i) {
      int j = 0;
      boost::hana::for_each(levels_, [&](auto& lvl) {
        if (j++ == i) f(lvl, i);
      });
    });
  }

  template <int Depth>
  auto& level_of() {
    constexpr int index = Scales::index_of(Depth);
    static_assert(index >= 0, "swatnn::multiscale_autoencoder: this depth is not one of the scale levels");
    return boost::hana::at_c<static_cast<std::size_t>(index)>(levels_);
  }

  const row_matrix& check_latent(const row_matrix& latent) const {
    if (latent.cols() != dim || latent.rows() % layout::tokens != 0 || latent.rows() == 0)
      throw shape_error("multiscale_autoencoder::decode: latent is " + std::to_string(latent.rows()) + "x" +
                        std::to_string(latent.cols()) + ", expected (networks * " + std::to_string(layout::tokens) +
                        ") x " + std::to_string(dim));
    return latent;
  }

  autoencoder_options options_;
  nn::parameter_buffer<T, Backend> params_;
  typename EncoderPolicy::template model<S, T, Backend> encoder_;
  level_tuple levels_;
  functional_loss<T> loss_;
  std::array<const matrix*, levels> predictions_{};
  std::vector<int> own_level_;  // level index of each network's true depth (-1: not a level)
  double reconstruction_weight_ = 0;
  double used_reconstruction_weight_ = 0;  // the weight the last forward used (backward must match it)
  double reconstruction_ = 0;
  row_matrix grad_latent_;
  // backends without host storage: the batch in the backend's storage, and host copies for the functional loss
  row_matrix staged_tokens_;
  matrix staged_inputs_;
  struct host_copies {
    std::array<cpu::matrix<T>, levels> predictions, grad_outputs;
    std::array<const cpu::matrix<T>*, levels> prediction_pointers{};
    cpu::row_matrix<T> decoded, grad_reconstruction;
  } host_;
};

}  // namespace swatnn
