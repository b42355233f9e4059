// swatnn/optim/callbacks.hpp: the Callback contract, hook detection and dispatch used by training loops.
// A callback is any object with any subset of the hooks begin(info), step(info), end(info), detected at
// compile time with requires-expressions. A hook returns void, bool (true = stop) or callback_result.
// Training loops call the hooks through callbacks::begin / step / end on a tuple of callbacks
// (std::tie(a, b) or std::forward_as_tuple(...)). The contract is documented in docs/concepts.md.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <swatnn/optim/optimizer.hpp>

namespace swatnn {

// What a hook may return instead of void: proceed with the run, or stop it.
enum class callback_result : bool { proceed = false, stop = true };

// What the training loop tells the hooks. The step hook of iteration k runs after the loss and
// gradients at the current parameters are computed and BEFORE the optimizer applies update k, so
// `groups[i].values` are exactly the parameters that produced `loss` (keep_best stores matching pairs,
// and a stop leaves the parameters that were evaluated, e.g. never those produced by a NaN gradient).
// Loops may pass their own info type (e.g. one derived from step_info with more fields); the callbacks
// of this library read only the fields below.
template <class T>
struct step_info {
  std::uint64_t iteration = 0;         // 0-based index; k updates have been applied before step hook k
  std::uint64_t total_iterations = 0;  // planned number of iterations; 0 when unknown
  double loss = std::numeric_limits<double>::quiet_NaN();  // training loss at the current parameters
  std::optional<double> validation{};     // validation metric (lower is better), when computed this iteration
  std::optional<double> gradient_norm{};  // global gradient norm before clipping, when computed
  double learning_rate_multiplier = 1.0;  // the schedule's factor for this iteration's update
  double elapsed_seconds = 0.0;           // wall time since begin
  parameter_groups<T> groups{};           // the parameters being optimized (read-only use)
};

namespace callbacks {

template <class C, class Info>
concept has_begin = requires(C& c, const Info& info) { c.begin(info); };
template <class C, class Info>
concept has_step = requires(C& c, const Info& info) { c.step(info); };
template <class C, class Info>
concept has_end = requires(C& c, const Info& info) { c.end(info); };

// The return types a hook may have.
template <class R>
concept hook_result = std::is_void_v<R> || std::same_as<R, bool> || std::same_as<R, callback_result>;

namespace detail {
template <class C, class Info>
constexpr bool hooks_return_valid() {
  bool ok = true;
  if constexpr (has_begin<C, Info>) ok = ok && hook_result<decltype(std::declval<C&>().begin(std::declval<const Info&>()))>;
  if constexpr (has_step<C, Info>) ok = ok && hook_result<decltype(std::declval<C&>().step(std::declval<const Info&>()))>;
  if constexpr (has_end<C, Info>) ok = ok && hook_result<decltype(std::declval<C&>().end(std::declval<const Info&>()))>;
  return ok;
}

template <class R>
constexpr bool wants_stop(R r) noexcept {
  if constexpr (std::same_as<R, bool>) {
    return r;
  } else {
    return r == callback_result::stop;
  }
}

// Calls `c.begin(info)` (Hook 0), `c.step(info)` (1) or `c.end(info)` (2) when present; true = stop.
template <int Hook, class C, class Info>
bool call(C& c, const Info& info) {
  if constexpr (Hook == 0 && has_begin<C, Info>) {
    using R = decltype(c.begin(info));
    static_assert(hook_result<R>, "swatnn callback: begin(info) must return void, bool (true = stop) or "
                                  "swatnn::callback_result (see docs/concepts.md)");
    if constexpr (std::is_void_v<R>) {
      c.begin(info);
      return false;
    } else {
      return wants_stop(c.begin(info));
    }
  } else if constexpr (Hook == 1 && has_step<C, Info>) {
    using R = decltype(c.step(info));
    static_assert(hook_result<R>, "swatnn callback: step(info) must return void, bool (true = stop) or "
                                  "swatnn::callback_result (see docs/concepts.md)");
    if constexpr (std::is_void_v<R>) {
      c.step(info);
      return false;
    } else {
      return wants_stop(c.step(info));
    }
  } else if constexpr (Hook == 2 && has_end<C, Info>) {
    using R = decltype(c.end(info));
    static_assert(hook_result<R>, "swatnn callback: end(info) must return void, bool (true = stop) or "
                                  "swatnn::callback_result (see docs/concepts.md)");
    if constexpr (std::is_void_v<R>) {
      c.end(info);
      return false;
    } else {
      return wants_stop(c.end(info));
    }
  } else {
    return false;
  }
}

// Every callback gets the hook (in order), even after one asked to stop; the results are or-ed.
template <int Hook, class Tuple, class Info>
bool call_all(Tuple& cbs, const Info& info) {
  bool stop = false;
  std::apply([&](auto&... c) { ((stop = call<Hook>(c, info) || stop), ...); }, cbs);  // comma fold: in order
  return stop;
}
}  // namespace detail

// Dispatch one hook to every callback of a tuple (std::tie(a, b), std::forward_as_tuple(...) or a tuple of
// values). All callbacks are called, in order; returns true when any of them asked to stop.
// The result of end() is ignored by training loops (the run is over anyway).
template <class Tuple, class Info>
bool begin(Tuple&& cbs, const Info& info) {
  return detail::call_all<0>(cbs, info);
}
template <class Tuple, class Info>
bool step(Tuple&& cbs, const Info& info) {
  return detail::call_all<1>(cbs, info);
}
template <class Tuple, class Info>
bool end(Tuple&& cbs, const Info& info) {
  return detail::call_all<2>(cbs, info);
}

}  // namespace callbacks

// Contract: a callback C (for the info type Info a loop passes) has at least one of the hooks
// begin(const Info&), step(const Info&), end(const Info&), callable on a non-const C, and each hook it
// has returns void, bool (true = stop) or callback_result. Missing hooks are simply not called.
template <class C, class Info = step_info<float>>
concept callback = (callbacks::has_begin<C, Info> || callbacks::has_step<C, Info> || callbacks::has_end<C, Info>) &&
                   callbacks::detail::hooks_return_valid<C, Info>();

}  // namespace swatnn
