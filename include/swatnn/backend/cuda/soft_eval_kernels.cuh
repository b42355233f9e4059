// swatnn/backend/cuda/soft_eval_kernels.cuh: the device code shared by the CUDA backend's soft_eval and soft_mse
// (backend/cuda/soft_eval.cuh, soft_mse.cuh). The math is the CPU backend's (backend/cpu/soft_eval_kernels.hpp,
// soft_eval.hpp, soft_mse.hpp), term for term and in the same order per point:
//   gates    g0 = sigmoid(mask logit), g1..3 = softmax(activation logits / temperature) (max subtracted first);
//            a neuron whose g0 is exactly 0 is off: its output is 0 and the layer above leaves it out
//   forward  pre = bias + sum over the inputs that are on of input * weight, post = g0 (g1 sigmoid + g2 tanh +
//            g3 leaky_relu)(pre), leaving out an activation whose softmax weight is exactly 0
//   backward dp = dh g0 (g3 leaky' + g1 s (1 - s) + g2 (1 - t^2)), the neuron's sums over points of dh act_k and dp,
//            then the gate gradients from those sums (cpu's gate_gradients)
// Layout of the work: one thread block of `tile_threads` threads per (tile of points, network), one point per
// thread. A block loads its network's parameters and gates into shared memory, runs its points forward (and, for a
// gradient, back again: the backward pass recomputes the forward values of its points instead of keeping them),
// and adds every per-point contribution to a parameter's gradient over the tile in a fixed order (a warp butterfly,
// then the warps in order). The per-tile sums go to a workspace; `finish_gradients` (one block per network) adds
// them over the tiles in order in double, as the CPU's soft_mse adds its tiles, and writes the gradient slots. No
// atomics: results repeat from run to run. No fast-math intrinsics: expf / tanhf (exp / tanh in double).
// The per-network and per-point functions are __host__ __device__ with the thread index and count as arguments, so
// that tests/cuda/host/emulate_evaluators.cu runs them on the host against the CPU backend (no GPU needed).
#pragma once

#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <string>

#include <swatnn/backend/cuda/device_math.cuh>
#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/error.hpp>
#include <swatnn/network/activation.hpp>
#include <swatnn/network/spec.hpp>
#include <swatnn/network/token_layout.hpp>

namespace swatnn::backend_cuda::soft {

inline constexpr int tile_threads = 128;  // points per tile, one per thread
inline constexpr int tile_warps = tile_threads / 32;
inline constexpr int finish_threads = 128;

// Where a depth-`depth` network's parameters sit in its token rows (token_layout<S>'s columns, computed on the host).
template <class S>
struct columns {
  int weight[S::max_depth];
  int bias[S::max_depth];
  int activation[S::max_depth];
  int mask[S::max_depth];
  int output_weight;
  int output_bias;
  int width;  // width(depth): the columns a gradient writes

  static columns make(int depth) {
    using layout = token_layout<S>;
    columns c{};
    for (int l = 0; l < S::max_depth; ++l) {
      c.weight[l] = layout::weight_column(l);
      c.bias[l] = layout::bias_column(l);
      c.activation[l] = layout::activation_column(l);
      c.mask[l] = l < depth ? layout::mask_column(depth, l) : 0;
    }
    c.output_weight = layout::output_weight_column(depth);
    c.output_bias = layout::output_bias_column(depth);
    c.width = layout::width(depth);
    return c;
  }
};

// Sizes of spec S and the numbering of the gradient sums ("targets") each tile adds up: per hidden layer l, the
// weights (fan-in x width, row-major) then 4 sums per neuron (sum dh sigmoid, sum dh tanh, sum dh leaky, sum dp =
// the bias gradient); then the output weights (width x outputs) and the output biases. Numbered for the spec's
// maximal depth, so a target's number does not depend on the depth.
template <class S>
struct shape {
  static constexpr int W = S::max_width, D = S::max_depth, I = S::inputs, O = S::outputs;
  static constexpr int max_fan = W > I ? W : I;
  static_assert(S::layer_inputs(0) == I && (D == 1 || S::layer_inputs(1) == W),
                "swatnn::cuda soft evaluation: the spec's first layer must read its Inputs and every later layer "
                "MaxWidth neurons (as network_spec does)");
  SWATNN_HOST_DEVICE static constexpr int fan(int l) { return l == 0 ? I : W; }  // S::layer_inputs(l)
  SWATNN_HOST_DEVICE static constexpr int layer_offset(int l) { return l == 0 ? 0 : (I * W + 4 * W) + (l - 1) * (W * W + 4 * W); }
  static constexpr int output_offset = layer_offset(D);
  static constexpr int targets = output_offset + W * O + O;
  SWATNN_HOST_DEVICE static constexpr int weight_target(int l, int k, int j) { return layer_offset(l) + k * W + j; }
  SWATNN_HOST_DEVICE static constexpr int sum_target(int l, int j, int q) {
    return layer_offset(l) + fan(l) * W + 4 * j + q;
  }
  SWATNN_HOST_DEVICE static constexpr int output_weight_target(int k, int o) { return output_offset + k * O + o; }
  SWATNN_HOST_DEVICE static constexpr int output_bias_target(int o) { return output_offset + W * O + o; }
};

// One network's parameters and gates, in shared memory.
template <class S, class T>
struct network_params {
  using sh = shape<S>;
  T gate[sh::D][sh::W][4];        // g0 = sigmoid(mask), g1..3 = softmax(logits / temperature)
  T w[sh::D][sh::max_fan][sh::W];  // w[l][k][j]: from input k of layer l to its neuron j
  T bias[sh::D][sh::W];
  T wo[sh::W][sh::O];
  T bo[sh::O];
  int on[sh::D][sh::W];  // g0 != 0
};

// The forward values of one point, kept for its backward pass.
template <class S, class T>
struct point_state {
  using sh = shape<S>;
  T pre[sh::D][sh::W];
  T sig[sh::D][sh::W];
  T th[sh::D][sh::W];
  T post[sh::D][sh::W];
};

// The math of the per-network and per-point code below, IEEE-accurate on the device (expf / tanhf, no fast-math
// intrinsics); that code is __host__ __device__ (thread index and count passed in), so that it also runs on the host.
SWATNN_HOST_DEVICE inline float exp_(float x) { return expf(x); }
SWATNN_HOST_DEVICE inline double exp_(double x) { return exp(x); }
SWATNN_HOST_DEVICE inline float tanh_(float x) { return tanhf(x); }
SWATNN_HOST_DEVICE inline double tanh_(double x) { return tanh(x); }
SWATNN_HOST_DEVICE inline float max_(float a, float b) { return fmaxf(a, b); }
SWATNN_HOST_DEVICE inline double max_(double a, double b) { return fmax(a, b); }
SWATNN_HOST_DEVICE inline float abs_(float x) { return fabsf(x); }
SWATNN_HOST_DEVICE inline double abs_(double x) { return fabs(x); }
SWATNN_HOST_DEVICE inline bool sign_bit(float x) {
#if defined(__CUDA_ARCH__)
  return (__float_as_uint(x) >> 31) != 0u;
#else
  return std::signbit(x);
#endif
}
SWATNN_HOST_DEVICE inline bool sign_bit(double x) {
#if defined(__CUDA_ARCH__)
  return __double_as_longlong(x) < 0;
#else
  return std::signbit(x);
#endif
}

// leaky_relu's derivative as network/activation.hpp computes it: 1 - (1 - slope) * (sign bit of x).
template <class T>
SWATNN_HOST_DEVICE inline T leaky_gradient(T x) {
  const T negative = sign_bit(x) ? T(1) : T(0);
  return T(1) - (T(1) - T(leaky_relu_slope)) * negative;
}

template <class T>
SWATNN_HOST_DEVICE inline T logistic(T x) {
  return T(1) / (T(1) + exp_(-x));
}

// Loads network b's parameters (its token rows start at `base`, rows `stride` apart) and computes its gates; the
// whole block takes part (thread `tid` of `threads`). The caller synchronizes before reading.
template <class S, class T>
SWATNN_HOST_DEVICE void load_network(network_params<S, T>& p, const T* base, index stride, const columns<S>& c,
                                     int depth, T temperature, int tid, int threads) {
  using sh = shape<S>;
  for (int e = tid; e < depth * sh::W; e += threads) {
    const int l = e / sh::W, j = e % sh::W;
    const T* row = base + j * stride;
    T* g = p.gate[l][j];
    g[0] = T(1) / (T(1) + exp_(-row[c.mask[l]]));
    const T* logits = row + c.activation[l];
    T top = logits[0];
    for (int k = 1; k < activation_count; ++k) top = logits[k] > top ? logits[k] : top;
    T sum = 0;
    for (int k = 0; k < activation_count; ++k) sum += (g[1 + k] = exp_((logits[k] - top) / temperature));
    for (int k = 0; k < activation_count; ++k) g[1 + k] /= sum;
    p.on[l][j] = g[0] != T(0) ? 1 : 0;
    p.bias[l][j] = row[c.bias[l]];
  }
  for (int l = 0; l < depth; ++l) {
    const int fan = sh::fan(l);
    for (int e = tid; e < fan * sh::W; e += threads) {
      const int k = e / sh::W, j = e % sh::W;
      p.w[l][k][j] = base[k * stride + c.weight[l] + j];
    }
  }
  for (int e = tid; e < sh::W * sh::O; e += threads) {
    const int k = e / sh::O, o = e % sh::O;
    p.wo[k][o] = base[k * stride + c.output_weight + o];
  }
  for (int o = tid; o < sh::O; o += threads) p.bo[o] = base[o * stride + c.output_bias];
}

// One point through the network: fills st and the outputs y.
template <class S, class T>
SWATNN_HOST_DEVICE void forward_point(const network_params<S, T>& p, int depth, const T (&x)[S::inputs],
                                      point_state<S, T>& st, T (&y)[S::outputs]) {
  using sh = shape<S>;
  for (int l = 0; l < depth; ++l) {
    for (int j = 0; j < sh::W; ++j) {
      st.post[l][j] = T(0);
      if (!p.on[l][j]) continue;
      T acc = p.bias[l][j];
      if (l == 0) {
        for (int k = 0; k < sh::I; ++k) acc += x[k] * p.w[0][k][j];
      } else {
        for (int k = 0; k < sh::W; ++k)
          if (p.on[l - 1][k]) acc += st.post[l - 1][k] * p.w[l][k][j];
      }
      const T* g = p.gate[l][j];
      const bool use_sig = g[1] != T(0), use_tanh = g[2] != T(0);
      const T s = use_sig ? logistic(acc) : T(0);
      const T t = use_tanh ? tanh_(acc) : T(0);
      const T leaky = max_(acc, T(leaky_relu_slope) * acc);
      T out;
      if (use_sig && use_tanh) out = g[0] * (g[1] * s + g[2] * t + g[3] * leaky);
      else if (use_sig) out = g[0] * (g[1] * s + g[3] * leaky);
      else if (use_tanh) out = g[0] * (g[2] * t + g[3] * leaky);
      else out = g[0] * (g[3] * leaky);
      st.pre[l][j] = acc;
      st.sig[l][j] = s;
      st.th[l][j] = t;
      st.post[l][j] = out;
    }
  }
  for (int o = 0; o < sh::O; ++o) {
    T acc = p.bo[o];
    for (int k = 0; k < sh::W; ++k)
      if (p.on[depth - 1][k]) acc += st.post[depth - 1][k] * p.wo[k][o];
    y[o] = acc;
  }
}

// Adds a per-point value over the block's points: a warp butterfly, its result kept per warp in shared memory
// (`sums` is tile_warps x targets); block_sums() adds the warps in order. Every thread of the block must call add()
// for the same targets in the same order (the loops depend only on the network, which the block shares).
template <class T, int Targets>
struct tile_sums {
  T (*sums)[Targets];
  __device__ void add(int target, T v) const {
    v = device_math::warp_sum(v);
    if (threadIdx.x % 32 == 0) sums[threadIdx.x / 32][target] = v;
  }
};

// One point back through the network from dy (its outputs' gradients): every gradient contribution goes to `acc`;
// gx (the gradient of the point's inputs) is written when want_inputs.
template <class S, class T, class Acc>
SWATNN_HOST_DEVICE void backward_point(const network_params<S, T>& p, int depth, const T (&x)[S::inputs],
                               const point_state<S, T>& st, const T (&dy)[S::outputs], const Acc& acc, bool want_inputs,
                               T (&gx)[S::inputs]) {
  using sh = shape<S>;
  T dh[sh::W], dp[sh::W];
  const int top = depth - 1;
  for (int o = 0; o < sh::O; ++o) {
    for (int k = 0; k < sh::W; ++k)
      if (p.on[top][k]) acc.add(sh::output_weight_target(k, o), st.post[top][k] * dy[o]);
    acc.add(sh::output_bias_target(o), dy[o]);
  }
  for (int k = 0; k < sh::W; ++k) {
    dh[k] = T(0);
    if (!p.on[top][k]) continue;
    T s = 0;
    for (int o = 0; o < sh::O; ++o) s += dy[o] * p.wo[k][o];
    dh[k] = s;
  }
  for (int l = top; l >= 0; --l) {
    for (int j = 0; j < sh::W; ++j) {
      dp[j] = T(0);
      if (!p.on[l][j]) continue;
      const T* g = p.gate[l][j];
      const T m = g[0], s0 = g[1] * m, s1 = g[2] * m, s2 = g[3] * m;
      const bool use_sig = g[1] != T(0), use_tanh = g[2] != T(0);
      const T xv = st.pre[l][j], u = dh[j], lg = leaky_gradient(xv);
      T slope = s2 * lg;
      const T c2 = u * xv * lg;
      T c0 = 0, c1 = 0;
      if (use_sig) {
        const T a = st.sig[l][j];
        c0 = u * a;
        slope += s0 * a * (T(1) - a);
      }
      if (use_tanh) {
        const T t = st.th[l][j];
        c1 = u * t;
        slope += s1 * (T(1) - t * t);
      }
      const T v = u * slope;
      dp[j] = v;
      acc.add(sh::sum_target(l, j, 0), c0);
      acc.add(sh::sum_target(l, j, 1), c1);
      acc.add(sh::sum_target(l, j, 2), c2);
      acc.add(sh::sum_target(l, j, 3), v);
    }
    const int fan = l == 0 ? sh::I : sh::W;
    for (int j = 0; j < sh::W; ++j) {
      if (!p.on[l][j]) continue;
      for (int k = 0; k < fan; ++k) {
        if (l > 0 && !p.on[l - 1][k]) continue;
        const T in = l == 0 ? x[k] : st.post[l - 1][k];
        acc.add(sh::weight_target(l, k, j), in * dp[j]);
      }
    }
    if (l > 0) {
      for (int k = 0; k < sh::W; ++k) {
        if (!p.on[l - 1][k]) continue;
        T s = 0;
        for (int j = 0; j < sh::W; ++j)
          if (p.on[l][j]) s += dp[j] * p.w[l][k][j];
        dh[k] = s;
      }
    } else if (want_inputs) {
      for (int k = 0; k < sh::I; ++k) {
        T s = 0;
        for (int j = 0; j < sh::W; ++j)
          if (p.on[0][j]) s += dp[j] * p.w[0][k][j];
        gx[k] = s;
      }
    }
  }
}

// Writes network p's gradient slots (already zeroed) from total(target), the sum over all points of each target:
// every on-neuron's bias, mask and activation-logit slots (cpu's gate_gradients), its weights from inputs that are
// on, and the output weights and biases. Thread `tid` of `threads`.
template <class S, class T, class Total>
SWATNN_HOST_DEVICE void write_gradient_slots(const network_params<S, T>& p, const columns<S>& c, int depth,
                                             T temperature, const Total& total, T* grad, index stride, int tid,
                                             int threads) {
  using sh = shape<S>;
  for (int e = tid; e < depth * sh::W; e += threads) {
    const int l = e / sh::W, j = e % sh::W;
    if (!p.on[l][j]) continue;
    const T s[4] = {total(sh::sum_target(l, j, 0)), total(sh::sum_target(l, j, 1)), total(sh::sum_target(l, j, 2)),
                    total(sh::sum_target(l, j, 3))};
    const T* g = p.gate[l][j];
    T* row = grad + j * stride;
    row[c.bias[l]] = s[3];
    // cpu's gate_gradients: dm = sum_k g_k sums[k]; dmask = dm g0 (1 - g0); dlogit_k = g0 g_k (sums[k] - dm) / T
    const T dm = g[1] * s[0] + g[2] * s[1] + g[3] * s[2];
    row[c.mask[l]] = dm * g[0] * (T(1) - g[0]);
    for (int k = 0; k < activation_count; ++k) row[c.activation[l] + k] = g[0] * g[1 + k] * (s[k] - dm) / temperature;
  }
  for (int l = 0; l < depth; ++l) {
    const int fan = sh::fan(l);
    for (int e = tid; e < fan * sh::W; e += threads) {
      const int k = e / sh::W, j = e % sh::W;
      if (!p.on[l][j] || (l > 0 && !p.on[l - 1][k])) continue;
      grad[k * stride + c.weight[l] + j] = total(sh::weight_target(l, k, j));
    }
  }
  for (int e = tid; e < sh::W * sh::O; e += threads) {
    const int k = e / sh::O, o = e % sh::O;
    if (!p.on[depth - 1][k]) continue;
    grad[k * stride + c.output_weight + o] = total(sh::output_weight_target(k, o));
  }
  for (int o = tid; o < sh::O; o += threads) grad[o * stride + c.output_bias] = total(sh::output_bias_target(o));
}

namespace kernels {

// reached[b] = whether network b's output gradient has a nonzero (or NaN) entry; one block per network. Column-major
// grad_out: network b's Outputs columns are contiguous.
template <class T>
__global__ void any_nonzero(const T* grad_out, index n, int outputs, int* reached) {
  const T* col = grad_out + static_cast<index>(blockIdx.x) * outputs * n;
  int nonzero = 0;
  for (index e = threadIdx.x; e < outputs * n; e += blockDim.x) nonzero |= col[e] != T(0) ? 1 : 0;
  nonzero = __syncthreads_or(nonzero);
  if (threadIdx.x == 0) reached[blockIdx.x] = nonzero;
}

// Zeroes network b's gradient slots (every row, the first width(depth) columns), then, unless reached is given and
// reached[b] is 0, writes every on-neuron's slots from the per-tile sums (added over the tiles in order, in double)
// and the output slots. With sse_partial, also mse[b] = (sum over tiles of sse_partial) / mse_divisor.
template <class S, class T>
__global__ void finish_gradients(const T* tokens, index stride, columns<S> c, int depth, T temperature,
                                 const T* partial, index tiles, const int* reached, T* grad_tokens,
                                 const double* sse_partial, double* mse, double mse_divisor) {
  using sh = shape<S>;
  __shared__ network_params<S, T> p;
  const index b = blockIdx.x;
  const T* base = tokens + b * sh::W * stride;
  T* grad = grad_tokens + b * sh::W * stride;
  load_network<S, T>(p, base, stride, c, depth, temperature, static_cast<int>(threadIdx.x),
                     static_cast<int>(blockDim.x));
  for (int e = threadIdx.x; e < sh::W * c.width; e += blockDim.x) grad[(e / c.width) * stride + e % c.width] = T(0);
  if (sse_partial != nullptr && threadIdx.x == 0) {
    double sse = 0;
    for (index t = 0; t < tiles; ++t) sse += sse_partial[b * tiles + t];
    mse[b] = sse / mse_divisor;
  }
  __syncthreads();
  if (reached != nullptr && reached[b] == 0) return;
  const T* part = partial + b * tiles * sh::targets;
  write_gradient_slots<S, T>(
      p, c, depth, temperature,
      [&](int target) {
        double s = 0;
        for (index t = 0; t < tiles; ++t) s += static_cast<double>(part[t * sh::targets + target]);
        return static_cast<T>(s);
      },
      grad, stride, static_cast<int>(threadIdx.x), static_cast<int>(blockDim.x));
}

// Writes a tile's sums (tile_warps x targets in shared memory) to its slot of the workspace, the warps added in order.
template <class T, int Targets>
__device__ void store_tile_sums(const T (*sums)[Targets], T* out) {
  for (int t = threadIdx.x; t < Targets; t += blockDim.x) {
    T s = sums[0][t];
    for (int w = 1; w < tile_warps; ++w) s += sums[w][t];
    out[t] = s;
  }
}

template <class T, int Targets>
__device__ void zero_tile_sums(T (*sums)[Targets]) {
  for (int e = threadIdx.x; e < tile_warps * Targets; e += blockDim.x) sums[e / Targets][e % Targets] = T(0);
}

}  // namespace kernels

// The argument checks of soft_eval / soft_mse, in the CPU backend's words (detail::soft::check_points).
template <class S, class T>
void check_points(const char* where, int networks, int depth, index row_stride, index x_rows, index x_cols,
                  T temperature) {
  using layout = token_layout<S>;
  if (networks < 1) throw value_error(std::string(where) + ": networks must be >= 1, got " + std::to_string(networks));
  layout::check_depth(depth, where);
  if (row_stride < layout::width(depth))
    throw shape_error(std::string(where) + ": row stride " + std::to_string(row_stride) + " is narrower than the " +
                      std::to_string(layout::width(depth)) + " columns of a depth-" + std::to_string(depth) + " network");
  if (x_cols != S::inputs || x_rows < 1)
    throw shape_error(std::string(where) + ": points are " + std::to_string(x_rows) + "x" + std::to_string(x_cols) +
                      ", expected N x " + std::to_string(S::inputs) + " with N >= 1");
  if (!(temperature > T(0)) || !std::isfinite(static_cast<double>(temperature)))
    throw value_error(std::string(where) + ": temperature must be finite and > 0");
  if (networks > 65535)
    throw shape_error(std::string(where) + ": " + std::to_string(networks) +
                      " networks in one call; the CUDA backend takes at most 65535 (split the batch)");
}

inline index tiles_for(index points) { return (points + tile_threads - 1) / tile_threads; }

}  // namespace swatnn::backend_cuda::soft
