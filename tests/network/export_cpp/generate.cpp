// tests/network/export_cpp/generate.cpp: writes the headers that consumer.cpp compiles (ctest export_cpp_header):
// generate <dir> -> <dir>/exported_model.hpp, exported_empty_layer.hpp, exported_double.hpp, exported_scaled.hpp.
#include <cstdio>
#include <exception>
#include <filesystem>

#include <swatnn/network/export_cpp.hpp>

#include "network/export_cpp/networks.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output directory>\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    using namespace swatnn;
    export_cpp_header(test_export::fixed_network(), dir / "exported_model.hpp",
                      {.namespace_name = "exported", .function_name = "evaluate", .self_test_points = 16, .seed = 42});
    export_cpp_header(test_export::empty_layer_network(), dir / "exported_empty_layer.hpp",
                      {.namespace_name = "empty_layer", .self_test_points = 4, .seed = 1});
    export_cpp_header(test_export::random_network<network_spec<3, 2, 3, 5>, double>(7), dir / "exported_double.hpp",
                      {.namespace_name = "nets::wide", .self_test_points = 8, .seed = 2, .input_lower = -3.0,
                       .input_upper = 3.0});
    // The fixed network with a dataset's scalers: predict in data units, predict_scaled on [-1, 1].
    export_cpp_header(test_export::fixed_network(), dir / "exported_scaled.hpp",
                      {.namespace_name = "scaled", .self_test_points = 12, .seed = 3,
                       .input_scaling = data::minmax_scaler::from_bounds({-3.0, 10.0}, {5.0, 20.0}),
                       .label_scaling = data::minmax_scaler::from_bounds({-50.0}, {30.0})});
  } catch (const std::exception& e) {
    std::fprintf(stderr, "export_cpp generate: %s\n", e.what());
    return 1;
  }
  return 0;
}
