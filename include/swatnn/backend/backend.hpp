// swatnn/backend/backend.hpp: the Backend concept. A backend is a policy type naming where compute runs and
// which storage types it uses; compute classes are specialised on it (see backend/cpu.hpp).
#pragma once

#include <concepts>

#include <swatnn/backend/cpu.hpp>

namespace swatnn {

// A Backend names itself and its dense storage types for a scalar type.
template <class B>
concept backend_policy = requires {
  { B::name } -> std::convertible_to<const char*>;
  typename B::template matrix<float>;
  typename B::template row_matrix<float>;
  typename B::template vector<float>;
};

static_assert(backend_policy<cpu>);

}  // namespace swatnn
