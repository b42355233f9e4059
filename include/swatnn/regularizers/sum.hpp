// swatnn/regularizers/sum.hpp: a compile-time sum of regularizers as one regularizer type, and the paper's
// combination. `regularizers{smooth_l0{...}, l1{...}}` (CTAD) is a `regularizer_sum<smooth_l0, l1>`: its value is
// the sum of the terms' values, and apply() lets each term add its gradient in turn (terms in the order given).
// Sums nest (a sum is a regularizer). paper_regularizers() is the penalty part of the paper's loss (method.md §5):
//   -0.4 S + 1e-4 sum(0.01 sigmoid(20 (|W~| - t)) + 0.1 |W~|) + 0.001 M.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <utility>

#include <swatnn/regularizers/mask_penalties.hpp>
#include <swatnn/regularizers/regularizer.hpp>
#include <swatnn/regularizers/weight_penalties.hpp>

namespace swatnn {

template <class... R>
struct regularizers {
  std::tuple<R...> terms;

  regularizers() = default;
  explicit regularizers(R... r)
    requires(sizeof...(R) > 0)
      : terms(std::move(r)...) {}

  std::string describe() const {
    if constexpr (sizeof...(R) == 0) {
      return "no regularizer";
    } else {
      std::string out;
      std::apply([&](const auto&... t) { ((out += (out.empty() ? "" : " + ") + t.describe()), ...); }, terms);
      return out;
    }
  }

  template <network_spec_type S, class T>
  T value(const regularizer_input<S, T>& in) const {
    check_terms<S, T>();
    return std::apply([&](const auto&... t) { return (T(0) + ... + static_cast<T>(t.value(in))); }, terms);
  }

  template <network_spec_type S, class T>
  T apply(const regularizer_input<S, T>& in, const regularizer_gradient<S, T>& g) const {
    check_terms<S, T>();
    // A fold over `,` fixes the order: each term adds its gradient after the previous one.
    T total = T(0);
    std::apply([&](const auto&... t) { ((total += static_cast<T>(t.apply(in, g))), ...); }, terms);
    return total;
  }

  template <std::size_t I>
  const auto& get() const { return std::get<I>(terms); }

 private:
  template <class S, class T>
  static constexpr void check_terms() {
    static_assert((check_regularizer<R, S, T>() && ...),
                  "swatnn: every term of a regularizer_sum must satisfy swatnn::regularizer");
  }
};

template <class... R>
regularizers(R...) -> regularizers<R...>;

// The type of a sum of regularizers (same as regularizers<R...>).
template <class... R>
using regularizer_sum = regularizers<R...>;

// The penalties of the paper's latent-search loss (loss = MSE + value):
// smooth_l0 (1e-4 * 0.01, sharpness 20) + l1 (1e-4 * 0.1) + mask_separation (0.4) + neuron_count (0.001).
inline regularizer_sum<smooth_l0, l1, mask_separation, neuron_count> paper_regularizers() {
  return regularizers{smooth_l0{.weight = 1e-6, .sharpness = 20.0}, l1{.weight = 1e-5},
                      mask_separation{.weight = 0.4}, neuron_count{.weight = 0.001}};
}

}  // namespace swatnn
