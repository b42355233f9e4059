// Example: the searched network family. Generates a batch of random networks with the paper's distribution,
// encodes them as tokens, evaluates them softly and discretely, and prints what each one is.
#include <cstdio>
#include <string>

#include <swatnn/swatnn.hpp>

int main() {
  using namespace swatnn;
  using spec = paper_spec;
  using layout = token_layout<spec>;

  network_generator<spec> gen({.networks = 4, .points = 256, .depth = 2}, /*seed=*/2026);
  const auto batch = gen.next();
  std::printf("batch: depth %d, sparsity %.1f, tokens %ldx%ld (%d tokens x %d features per network)\n", batch.depth,
              batch.sparsity, static_cast<long>(batch.tokens.rows()), static_cast<long>(batch.tokens.cols()),
              layout::tokens, layout::features);

  // Soft evaluation of the encoded values (mask column read as a logit, so scale it to saturate the gates).
  cpu::row_matrix<float> decoded = batch.tokens.leftCols(layout::width(batch.depth));
  for (int b = 0; b < 4; ++b) {
    network_view<spec, float> view(decoded.data() + b * layout::tokens * decoded.cols(), batch.depth, decoded.cols());
    for (int l = 0; l < batch.depth; ++l) {
      view.activation_logits(l) *= 40.0f;
      view.mask_logits(l) = (view.mask_logits(l).array() * 80.0f - 40.0f).matrix();
    }
  }
  soft_eval<spec, float> eval;
  const auto& soft = eval.forward(decoded, batch.depth, batch.inputs);

  std::printf("%-8s %-14s %-18s %-22s\n", "network", "active neurons", "nonzero parameters", "max |soft - discrete|");
  for (int b = 0; b < 4; ++b) {
    const auto& net = batch.networks[b];
    const float gap = (soft.col(b) - batch.targets.col(b)).cwiseAbs().maxCoeff();
    std::printf("%-8d %-14d %-18d %-22.3g\n", b, net.active_neurons(), net.nonzero_parameters(), gap);
  }
  const auto& first = batch.networks[0];
  std::printf("network 0 activations by layer:\n");
  for (int l = 0; l < first.depth; ++l) {
    std::printf("  layer %d:", l);
    for (int j = 0; j < spec::max_width; ++j)
      std::printf(" %s", first.layers[l].active[j] ? std::string(activation_name(first.layers[l].activations[j])).c_str() : "-");
    std::printf("\n");
  }
  return 0;
}
