// bench/cuda_bench_cpu_rows.cpp: bench_cuda's CPU rows (swatnn::cpu with OpenMP and -march=native, compiled by g++),
// registered next to the CUDA rows by bench_cuda.cu: the encoder step at swat-small and at paper scale, and the
// paper-scale FFN product.
#include "cuda_bench_rows.hpp"

#include <swatnn/backend/cpu.hpp>

namespace swatnn::bench::cpu_rows {

void encoder_swat_small(benchmark::State& state) {
  encoder_step<cpu, swat_small_encoder>(state, training_networks, {});
}
void encoder_paper_scale(benchmark::State& state) {
  encoder_step<cpu, paper_scale_encoder>(state, training_networks, {});
}
void ffn_product(benchmark::State& state) { product<cpu>(state, training_networks * 7, 3072, 768, {}); }

}  // namespace swatnn::bench::cpu_rows
