// The first example of docs/tutorial.md (swatnn::regressor), compiled here: the page shows the `// example: NAME`
// regions below, line for line (tests/docs/pages.cpp checks it). It is compiled, not run: its search (2 restarts x
// 3001 iterations per depth) and the fine-tuning take about a minute; every call it makes is run with a short
// search in tests/regressor/regressor.cpp.
#include <doctest/doctest.h>

// example: tutorial-regressor-includes
#include <swatnn/regressor.hpp>   // the facade alone: the pipeline of the `swatnn search` command
#include <iostream>
// end example: tutorial-regressor-includes

// compiled once, in instance.cpp
extern template class swatnn::basic_regressor<>;

namespace {

[[maybe_unused]] void tutorial_regressor() {
  // example: tutorial-regressor
  Eigen::MatrixXd X = 2 * Eigen::MatrixXd::Random(500, 2);        // 500 points, 2 inputs, in data units
  Eigen::VectorXd y = X.col(0).array().sin() * X.col(1).array();  // the target, in data units

  swatnn::regressor model({.search = {.restarts = 2, .iterations = 3001}});
  model.fit(X, y);                                  // 20 % of the rows validate; scalers fitted on the data
  Eigen::VectorXd predicted = model.predict(X);     // data units in, data units out
  const auto& found = model.summary();
  std::cout << found.nonzero_parameters << " parameters, validation MSE " << found.validation->data << '\n';
  model.save("my_net.json");                        // the network and its scalers: regressor::load reads it back
  model.export_cpp("my_net.hpp");                   // a standalone C++17 header
  // end example: tutorial-regressor
}

}  // namespace

TEST_CASE("the tutorial's regressor example compiles (it is run, with a short search, in regressor.cpp)") {
  CHECK(swatnn::regressor::inputs == 2);
}
