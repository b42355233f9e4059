// bench/bench_cuda.cu: CPU and CUDA side by side in one run: a transformer-encoder training step (zero gradients,
// forward, backward) at swat-small (d 64, 4 heads, 2 blocks) and at paper scale (d 768, 12 heads, 12 blocks,
// autoencoder/paper_scale.hpp) on 64 networks x 7 tokens, the paper-scale step on 512 networks (CUDA only: about 20 s
// per step on a 2-core CPU), and the paper-scale FFN product; each in ms, TFLOP/s of matrix-multiply FLOPs, percent
// of the device's peak (fp32; TF32 for the _tf32 rows) and cudaMalloc calls per step after warm-up. Without a GPU the
// CUDA rows report "no CUDA device" and the CPU rows still run.
#include "cuda_bench_rows.hpp"

#include <benchmark/benchmark.h>

#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include <swatnn/backend/cuda.hpp>

namespace {

using swatnn::cuda;
namespace b = swatnn::bench;

struct device_info {
  bool present = false;
  std::string name;
  double fp32_peak_tflops = 0;  // SMs x max clock x fp32 lanes per SM x 2
  double tf32_peak_tflops = 0;  // dense TF32 tensor cores: 8 x the fp32 rate on sm_80 and sm_90; 0 when unknown
};

device_info probe_device() {
  device_info info;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
    (void)cudaGetLastError();
    return info;
  }
  cudaDeviceProp prop{};
  int sms = 0, khz = 0;
  if (cudaGetDeviceProperties(&prop, 0) != cudaSuccess ||
      cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0) != cudaSuccess ||
      cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0) != cudaSuccess)
    return info;
  info.present = true;
  info.name = prop.name;
  const int lanes = (prop.major == 8 && prop.minor == 0) || prop.major < 8 ? 64 : 128;
  info.fp32_peak_tflops = static_cast<double>(sms) * khz * 1e3 * lanes * 2.0 * 1e-12;
  if (prop.major == 9 || (prop.major == 8 && prop.minor == 0)) info.tf32_peak_tflops = 8.0 * info.fp32_peak_tflops;
  return info;
}

const device_info& device() {
  static const device_info info = probe_device();
  return info;
}

double cuda_allocations() { return static_cast<double>(cuda::allocation_count()); }

b::row_report cuda_report(bool tf32) {
  return {.peak_tflops = tf32 ? device().tf32_peak_tflops : device().fp32_peak_tflops, .allocations = cuda_allocations};
}

// Runs `row` with TF32 allowed or not, on the GPU; reports an error row without one.
template <class Row>
void on_device(benchmark::State& state, bool tf32, Row&& row) {
  if (!device().present) {
    state.SkipWithError("no CUDA device: this row needs a GPU");
    return;
  }
  cuda::options().allow_tf32 = tf32;
  row(cuda_report(tf32));
  cuda::options().allow_tf32 = false;
}

void register_rows() {
  using benchmark::RegisterBenchmark;
  auto manual = [](benchmark::internal::Benchmark* bm) { bm->UseManualTime()->Unit(benchmark::kMillisecond); };
  manual(RegisterBenchmark("encoder_step/swat_small/64_networks/cpu", b::cpu_rows::encoder_swat_small));
  manual(RegisterBenchmark("encoder_step/swat_small/64_networks/cuda", [](benchmark::State& s) {
    on_device(s, false, [&](const b::row_report& r) {
      b::encoder_step<cuda, b::swat_small_encoder>(s, b::training_networks, r);
    });
  }));
  manual(RegisterBenchmark("encoder_step/paper_scale/64_networks/cpu", b::cpu_rows::encoder_paper_scale)
             ->Iterations(3));
  for (const bool tf32 : {false, true}) {
    const std::string suffix = tf32 ? "cuda_tf32" : "cuda";
    manual(RegisterBenchmark(("encoder_step/paper_scale/64_networks/" + suffix).c_str(), [tf32](benchmark::State& s) {
      on_device(s, tf32, [&](const b::row_report& r) {
        b::encoder_step<cuda, swatnn::paper_scale_encoder>(s, b::training_networks, r);
      });
    }));
    manual(RegisterBenchmark(("encoder_step/paper_scale/512_networks/" + suffix).c_str(), [tf32](benchmark::State& s) {
      on_device(s, tf32, [&](const b::row_report& r) {
        b::encoder_step<cuda, swatnn::paper_scale_encoder>(s, b::large_batch_networks, r);
      });
    }));
  }
  manual(RegisterBenchmark("ffn_product/paper_scale/448x3072x768/cpu", b::cpu_rows::ffn_product));
  for (const bool tf32 : {false, true}) {
    const std::string name = std::string("ffn_product/paper_scale/448x3072x768/") + (tf32 ? "cuda_tf32" : "cuda");
    manual(RegisterBenchmark(name.c_str(), [tf32](benchmark::State& s) {
      on_device(s, tf32, [&](const b::row_report& r) { b::product<cuda>(s, b::training_networks * 7, 3072, 768, r); });
    }));
    const std::string big = std::string("ffn_product/paper_scale/3584x3072x768/") + (tf32 ? "cuda_tf32" : "cuda");
    manual(RegisterBenchmark(big.c_str(), [tf32](benchmark::State& s) {
      on_device(s, tf32,
                [&](const b::row_report& r) { b::product<cuda>(s, b::large_batch_networks * 7, 3072, 768, r); });
    }));
  }
}

}  // namespace

int main(int argc, char** argv) {
  const device_info& d = device();
  if (d.present) {
    std::printf("bench_cuda: device 0: %s, fp32 peak %.1f TFLOP/s, TF32 peak %.1f TFLOP/s (SMs x max clock)\n",
                d.name.c_str(), d.fp32_peak_tflops, d.tf32_peak_tflops);
  } else {
    std::printf("bench_cuda: no CUDA device: the cuda rows report an error, the cpu rows run\n");
  }
  register_rows();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
