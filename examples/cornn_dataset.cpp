// cornn_dataset: regenerates the 54 CORNN regression datasets and prints, for each function, its nominal
// domain and the range of its raw training labels (the min and max that scale the labels to [-1, 1]).
// Usage: cornn_dataset [function name]   (with a name: also the split sizes and a few scaled rows)
#include <cstdio>
#include <exception>
#include <string>

#include <swatnn/data/cornn.hpp>

namespace {
void print_table() {
  std::printf("%-3s %-18s %-28s %-28s %14s %14s\n", "#", "function", "x domain", "y domain", "train min",
              "train max");
  int index = 1;
  for (const auto& f : swatnn::cornn::functions()) {
    const auto d = swatnn::cornn::load(f.name);
    char x_domain[64], y_domain[64];
    std::snprintf(x_domain, sizeof x_domain, "[%.6g, %.6g]", f.bounds.x_lo, f.bounds.x_hi);
    std::snprintf(y_domain, sizeof y_domain, "[%.6g, %.6g]", f.bounds.y_lo, f.bounds.y_hi);
    std::printf("%-3d %-18.*s %-28s %-28s %14.6g %14.6g\n", index++, static_cast<int>(f.name.size()), f.name.data(),
                x_domain, y_domain, d.label_scaler.lower(0), d.label_scaler.upper(0));
  }
}

void print_one(const std::string& name) {
  const auto& f = swatnn::cornn::function(name);
  const auto d = swatnn::cornn::load(name);
  std::printf("%s: f(x, y) = %.*s\n", d.name.c_str(), static_cast<int>(f.formula.size()), f.formula.data());
  std::printf("train %zu rows, validation %zu rows (carved from train, seed 0), test %zu rows\n", d.train.size(),
              d.validation.size(), d.test.size());
  std::printf("labels scaled by the training range [%.9g, %.9g]\n", d.label_scaler.lower(0), d.label_scaler.upper(0));
  const auto original = d.labels_to_original(d.test.y);
  std::printf("first test rows (scaled x, scaled y, scaled label, label in original units):\n");
  for (int r = 0; r < 5; ++r) {
    std::printf("  %+.6f %+.6f  %+.6f  %.9g\n", d.test.x(r, 0), d.test.x(r, 1), d.test.y(r, 0), original(r, 0));
  }
}
}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc > 1) {
      print_one(argv[1]);
    } else {
      print_table();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cornn_dataset: %s\n", e.what());
    return 1;
  }
  return 0;
}
