// The code of docs/export.md, compiled and run here in a scratch directory: the page shows the `// example: NAME`
// regions below, line for line (tests/docs/pages.cpp checks it). The exporters' own tests are export_json.cpp,
// export_cpp.cpp (with the generated header compiled as C++17 by export_cpp/) and export_dot.cpp.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <swatnn/data/scaling.hpp>
#include <swatnn/network/sparse_network.hpp>

#include "data/temp_files.hpp"
#include "support/doc_examples.hpp"

// example: export-json-includes
#include <swatnn/network/export_json.hpp>
using namespace swatnn;
// end example: export-json-includes
// example: export-cpp-includes
#include <swatnn/network/export_cpp.hpp>
// end example: export-cpp-includes
// example: export-dot-includes
#include <swatnn/network/export_dot.hpp>
// end example: export-dot-includes

namespace {
// A depth-1 network with two live neurons.
sparse_network<paper_spec, float> small_network() {
  auto net = sparse_network<paper_spec, float>::zeros(1);
  auto& l = net.layers[0];
  l.active[0] = l.active[3] = true;
  l.activations[0] = activation::tanh;
  l.activations[3] = activation::leaky_relu;
  l.weights(0, 0) = 1.5f;
  l.weights(1, 0) = -0.75f;
  l.weights(0, 3) = -2.0f;
  l.bias(0) = 0.25f;
  l.bias(3) = -0.125f;
  net.output_weights(0, 0) = 2.0f;
  net.output_weights(3, 0) = -3.0f;
  net.output_bias(0) = 0.5f;
  return net;
}

std::string text_of(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
}  // namespace

TEST_CASE("docs/export.md: JSON, the standalone C++ header and DOT") {
  const test::scratch_dir dir;
  const test::working_directory in(std::filesystem::path(dir.file("f3.json")).parent_path());
  const auto net = small_network();
  const auto input_scaler = data::minmax_scaler::from_bounds({-1.5, 0.0}, {2.0, 0.1});
  const auto label_scaler = data::minmax_scaler::from_bounds({-4.0}, {6.0});
  const cpu::matrix<float> x = cpu::matrix<float>::Random(20, 2);
  {
    // example: export-json
    network_metadata md{.name = "cornn_f3", .train_mse = 1.2e-4, .validation_mse = 1.5e-4, .test_mse = 1.6e-4,
                        .input_scaling = input_scaler, .label_scaling = label_scaler};  // data::minmax_scaler, optional
    save_json(net, "f3.json", md);                        // or: std::string text = to_json(net, md);

    json_model<paper_spec, float> m = load_json<paper_spec, float>("f3.json");   // or from_json<S, T>(text)
    auto y = m.network.predict(x);                        // identical bits to net.predict(x)
    auto y_original = m.metadata.label_scaling->inverse(y);   // predictions in the data's original units
    // end example: export-json
    const cpu::matrix<float> want = net.predict(x);
    CHECK((y.array() == want.array()).all());
    CHECK(m.metadata == md);
    CHECK(y_original(0, 0) == doctest::Approx(label_scaler.inverse(static_cast<double>(y(0, 0)), 0)));
  }
  // example: export-cpp
  swatnn::export_cpp_header(net, "f3_model.hpp",
                            {.namespace_name = "model", .function_name = "predict", .self_test_points = 8, .seed = 1});
  // or: std::string text = swatnn::to_cpp_header(net, options);
  // end example: export-cpp
  const std::string header = text_of("f3_model.hpp");
  CHECK(header.find("namespace model") != std::string::npos);
  CHECK(header.find("self_test") != std::string::npos);
  {
    // example: export-cpp-scaled
    // with the dataset's scalers (data::dataset::input_scaler / label_scaler): predict in data units
    swatnn::export_cpp_header(net, "f3_model_data_units.hpp",
                              {.namespace_name = "model", .input_scaling = input_scaler, .label_scaling = label_scaler});
    // end example: export-cpp-scaled
    const std::string scaled_header = text_of("f3_model_data_units.hpp");
    CHECK(scaled_header.find("inline void predict_scaled(const scalar* x, scalar* y)") != std::string::npos);
    CHECK(scaled_header.find("namespace scaling") != std::string::npos);
  }

  // example: export-dot
  swatnn::export_dot(net, "f3.dot");              // or: std::string text = swatnn::to_dot(net);
  // then, where Graphviz is installed:  dot -Tsvg f3.dot -o f3.svg
  // end example: export-dot
  CHECK(text_of("f3.dot") == swatnn::to_dot(net));
}
