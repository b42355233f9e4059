// swatnn/concepts.hpp: every extension point of swatnn as a C++20 concept, gathered in one place. Each concept
// is declared next to its area, with a sentence of contract; this header includes them all.
#pragma once

#include <swatnn/backend/backend.hpp>   // Backend: a compute policy type (swatnn::cpu, swatnn::cuda)
#include <swatnn/network/spec.hpp>      // NetworkSpec: the compile-time shape of the searched family
