// tests/support/cuda_test_main.cpp: the doctest main of test_cuda (tests/cuda/*.cu), compiled by the host compiler.
// Without a CUDA device it prints one line and exits with 77, which ctest (SKIP_RETURN_CODE 77) reports as skipped:
// never a failure, never a pass that tested nothing.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cuda_runtime.h>

#include <cstdio>

int main(int argc, char** argv) {
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess || count == 0) {
    std::printf("test_cuda: SKIPPED: no CUDA device (%d found%s%s)\n", e == cudaSuccess ? count : 0,
                e == cudaSuccess ? "" : "; cudaGetDeviceCount: ", e == cudaSuccess ? "" : cudaGetErrorString(e));
    return 77;
  }
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess) {
    std::printf("test_cuda: device 0: %s (sm_%d%d, %d SMs)\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount);
  }
  doctest::Context context(argc, argv);
  return context.run();
}
