// swatnn/autoencoder/scales.hpp: the compile-time list of scale levels (decoder depths) of a multi-scale
// autoencoder, e.g. scales<1, 2, 3, 4> for SWAT-NN. Iterated with Boost.Hana.
#pragma once

#include <array>
#include <cstddef>

#include <boost/hana/tuple.hpp>
#include <boost/hana/integral_constant.hpp>

namespace swatnn {

template <int... Depths>
struct scales {
  static_assert(sizeof...(Depths) >= 1, "swatnn::scales: list at least one scale level (decoder depth)");
  static_assert(((Depths >= 1) && ...), "swatnn::scales: every scale level is a depth >= 1");

  static constexpr std::size_t count = sizeof...(Depths);
  static constexpr std::array<int, count> depths{Depths...};
  // The levels as a Hana tuple of integral constants, for hana::for_each.
  static constexpr auto as_tuple() { return boost::hana::make_tuple(boost::hana::int_c<Depths>...); }
  // Index of a depth in the list, or -1.
  static constexpr int index_of(int depth) {
    for (std::size_t i = 0; i < count; ++i)
      if (depths[i] == depth) return static_cast<int>(i);
    return -1;
  }
};

template <class T>
inline constexpr bool is_scales = false;
template <int... Depths>
inline constexpr bool is_scales<scales<Depths...>> = true;

}  // namespace swatnn
