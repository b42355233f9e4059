// The one translation unit of test_regressor that compiles the regressor's pipeline: the explicit instantiation
// that regressor.cpp and doc_examples.cpp leave to it with `extern template` (the route include/swatnn/regressor.hpp
// describes for programs with several files that fit).
#include <swatnn/regressor.hpp>

template class swatnn::basic_regressor<>;
