// swatnn/backend/cuda/transformer.cuh: the CUDA backend's transformer operations on row-major device storage:
// layer normalization (one warp per row), GELU with the tanh approximation (one thread per element) and multi-head
// self-attention within each network (one thread block per (network, head), its Q, K, V, scores in shared memory).
// The formulas and their operation order follow the CPU backend (backend/cpu/transformer_ops.hpp; stated in
// nn/layer_norm.hpp, nn/gelu.hpp, nn/attention.hpp); sums run in a fixed order for a given shape, without atomics.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <type_traits>

#include <swatnn/backend/cuda/blas.cuh>
#include <swatnn/backend/cuda/device_math.cuh>
#include <swatnn/backend/cuda/elementwise.cuh>
#include <swatnn/backend/cuda/error.cuh>
#include <swatnn/backend/cuda/memory.cuh>
#include <swatnn/error.hpp>

namespace swatnn::backend_cuda {

inline constexpr int layer_norm_warps = 8;  // rows per thread block

namespace kernels {

template <class T>
__global__ void layer_norm_forward(const T* x, const T* gamma, const T* beta, T eps, T* xhat, T* rstd_out, T* y,
                                   index n, index d) {
  using namespace device_math;
  const index row = blockIdx.x * static_cast<index>(layer_norm_warps) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= n) return;  // whole warps leave together
  const T* xr = x + row * d;
  T s = 0;
  for (index c = lane; c < d; c += 32) s += xr[c];
  const T mean = warp_sum(s) / static_cast<T>(d);
  T q = 0;
  for (index c = lane; c < d; c += 32) {
    const T v = xr[c] - mean;
    q += v * v;
  }
  const T var = warp_sum(q) / static_cast<T>(d);
  const T rstd = T(1) / sqrt_(var + eps);
  if (lane == 0) rstd_out[row] = rstd;
  for (index c = lane; c < d; c += 32) {
    const T h = (xr[c] - mean) * rstd;
    xhat[row * d + c] = h;
    y[row * d + c] = h * gamma[c] + beta[c];
  }
}

// dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma; dx may alias dy (each element is read, then written,
// by one lane).
template <class T>
__global__ void layer_norm_backward_input(const T* dy, const T* xhat, const T* rstd, const T* gamma, T* dx, index n,
                                          index d) {
  using namespace device_math;
  const index row = blockIdx.x * static_cast<index>(layer_norm_warps) + threadIdx.x / 32;
  const int lane = threadIdx.x % 32;
  if (row >= n) return;
  const T* dyr = dy + row * d;
  const T* hr = xhat + row * d;
  T sg = 0, sgx = 0;
  for (index c = lane; c < d; c += 32) {
    const T g = dyr[c] * gamma[c];
    sg += g;
    sgx += g * hr[c];
  }
  const T mean_g = warp_sum(sg) / static_cast<T>(d);
  const T mean_gx = warp_sum(sgx) / static_cast<T>(d);
  const T r = rstd[row];
  for (index c = lane; c < d; c += 32) {
    const T g = dyr[c] * gamma[c];
    dx[row * d + c] = r * (g - mean_g - hr[c] * mean_gx);
  }
}

// dgamma[c] += sum_r dy[r][c] xhat[r][c], dbeta[c] += sum_r dy[r][c]: blockDim (32, 32) as accumulate_column_sums.
template <class T>
__global__ void layer_norm_backward_parameters(const T* dy, const T* xhat, T* dgamma, T* dbeta, index n, index d) {
  __shared__ T pg[32][33];
  __shared__ T pb[32][33];
  const index c = blockIdx.x * 32 + threadIdx.x;
  T sg = 0, sb = 0;
  if (c < d)
    for (index r = threadIdx.y; r < n; r += 32) {
      const T g = dy[r * d + c];
      sg += g * xhat[r * d + c];
      sb += g;
    }
  pg[threadIdx.y][threadIdx.x] = sg;
  pb[threadIdx.y][threadIdx.x] = sb;
  __syncthreads();
  for (int stride = 16; stride > 0; stride >>= 1) {
    if (static_cast<int>(threadIdx.y) < stride) {
      pg[threadIdx.y][threadIdx.x] += pg[threadIdx.y + stride][threadIdx.x];
      pb[threadIdx.y][threadIdx.x] += pb[threadIdx.y + stride][threadIdx.x];
    }
    __syncthreads();
  }
  if (threadIdx.y == 0 && c < d) {
    dgamma[c] += pg[0][threadIdx.x];
    dbeta[c] += pb[0][threadIdx.x];
  }
}

template <class T>
struct gelu_constants {
  static constexpr T sqrt_2_over_pi = static_cast<T>(0.79788456080286535587989211986876);
  static constexpr T cubic = static_cast<T>(0.044715);
};

template <class T>
__global__ void gelu_forward(const T* x, T* tanh_out, T* y, index n) {
  using namespace device_math;
  constexpr T k = gelu_constants<T>::sqrt_2_over_pi, c3 = gelu_constants<T>::cubic;
  for (index i = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index>(gridDim.x) * blockDim.x) {
    const T v = x[i];
    const T t = tanh_(k * (v + c3 * (v * v * v)));
    tanh_out[i] = t;
    y[i] = T(0.5) * v * (T(1) + t);
  }
}

template <class T>
__global__ void gelu_backward(const T* x, const T* tanh_in, const T* dy, T* dx, index n) {
  constexpr T k = gelu_constants<T>::sqrt_2_over_pi, c3 = gelu_constants<T>::cubic;
  for (index i = blockIdx.x * static_cast<index>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index>(gridDim.x) * blockDim.x) {
    const T v = x[i], t = tanh_in[i];
    dx[i] = dy[i] * (T(0.5) * (T(1) + t) + T(0.5) * v * (T(1) - t * t) * k * (T(1) + (T(3) * c3) * (v * v)));
  }
}

// One block per (network b, head h): S = scale Q K^T, P = softmax(S) by rows, O = P V.
template <class T>
__global__ void attention_forward(const T* qkv, T* probs, T* out, index heads, index t, index dh) {
  using namespace device_math;
  extern __shared__ __align__(16) unsigned char attention_shared[];
  T* q = reinterpret_cast<T*>(attention_shared);
  T* k = q + t * dh;
  T* v = k + t * dh;
  T* s = v + t * dh;
  const index b = blockIdx.x / heads, h = blockIdx.x % heads;
  const index dm = heads * dh, r0 = b * t, ld = 3 * dm, pld = heads * t;
  for (index e = threadIdx.x; e < t * dh; e += blockDim.x) {
    const index i = e / dh, c = e % dh;
    const T* row = qkv + (r0 + i) * ld + h * dh + c;
    q[e] = row[0];
    k[e] = row[dm];
    v[e] = row[2 * dm];
  }
  __syncthreads();
  const T scale = T(1) / sqrt_(static_cast<T>(dh));
  for (index e = threadIdx.x; e < t * t; e += blockDim.x) {
    const index i = e / t, j = e % t;
    T acc = 0;
    for (index c = 0; c < dh; ++c) acc += q[i * dh + c] * k[j * dh + c];
    s[e] = scale * acc;
  }
  __syncthreads();
  for (index i = threadIdx.x; i < t; i += blockDim.x) {
    T* si = s + i * t;
    T mx = si[0];
    for (index j = 1; j < t; ++j) mx = max_(mx, si[j]);
    T sum = 0;
    for (index j = 0; j < t; ++j) sum += (si[j] = exp_(si[j] - mx));
    const T inv = T(1) / sum;
    T* pi = probs + (r0 + i) * pld + h * t;
    for (index j = 0; j < t; ++j) pi[j] = (si[j] *= inv);
  }
  __syncthreads();
  for (index e = threadIdx.x; e < t * dh; e += blockDim.x) {
    const index i = e / dh, c = e % dh;
    T acc = 0;
    for (index j = 0; j < t; ++j) acc += s[i * t + j] * v[j * dh + c];
    out[(r0 + i) * dm + h * dh + c] = acc;
  }
}

// One block per (network b, head h): dP = dO V^T, dS = P (dP - rowsum(dP P)) scale, dQ = dS K, dK = dS^T Q,
// dV = P^T dO; dS is also written to dprobs.
template <class T>
__global__ void attention_backward(const T* qkv, const T* probs, const T* d_heads, T* dprobs, T* dqkv, index heads,
                                   index t, index dh) {
  using namespace device_math;
  extern __shared__ __align__(16) unsigned char attention_shared[];
  T* q = reinterpret_cast<T*>(attention_shared);
  T* k = q + t * dh;
  T* v = k + t * dh;
  T* dout = v + t * dh;
  T* p = dout + t * dh;
  T* ds = p + t * t;
  const index b = blockIdx.x / heads, h = blockIdx.x % heads;
  const index dm = heads * dh, r0 = b * t, ld = 3 * dm, pld = heads * t;
  for (index e = threadIdx.x; e < t * dh; e += blockDim.x) {
    const index i = e / dh, c = e % dh;
    const T* row = qkv + (r0 + i) * ld + h * dh + c;
    q[e] = row[0];
    k[e] = row[dm];
    v[e] = row[2 * dm];
    dout[e] = d_heads[(r0 + i) * dm + h * dh + c];
  }
  for (index e = threadIdx.x; e < t * t; e += blockDim.x) p[e] = probs[(r0 + e / t) * pld + h * t + e % t];
  __syncthreads();
  for (index e = threadIdx.x; e < t * t; e += blockDim.x) {
    const index i = e / t, j = e % t;
    T acc = 0;
    for (index c = 0; c < dh; ++c) acc += dout[i * dh + c] * v[j * dh + c];
    ds[e] = acc;
  }
  __syncthreads();
  const T scale = T(1) / sqrt_(static_cast<T>(dh));
  for (index i = threadIdx.x; i < t; i += blockDim.x) {
    T dot = 0;
    for (index j = 0; j < t; ++j) dot += ds[i * t + j] * p[i * t + j];
    T* out = dprobs + (r0 + i) * pld + h * t;
    for (index j = 0; j < t; ++j) out[j] = (ds[i * t + j] = p[i * t + j] * (ds[i * t + j] - dot) * scale);
  }
  __syncthreads();
  for (index e = threadIdx.x; e < t * dh; e += blockDim.x) {
    const index i = e / dh, c = e % dh;
    T dq = 0, dk = 0, dv = 0;
    for (index j = 0; j < t; ++j) {
      dq += ds[i * t + j] * k[j * dh + c];     // dQ_i = sum_j dS_ij K_j
      dk += ds[j * t + i] * q[j * dh + c];     // dK_i = sum_j dS_ji Q_j
      dv += p[j * t + i] * dout[j * dh + c];   // dV_i = sum_j P_ji dO_j
    }
    T* row = dqkv + (r0 + i) * ld + h * dh + c;
    row[0] = dq;
    row[dm] = dk;
    row[2 * dm] = dv;
  }
}

}  // namespace kernels

inline unsigned rows_grid(index n) { return static_cast<unsigned>((n + layer_norm_warps - 1) / layer_norm_warps); }

template <class X, class G, class B, class T, class Xhat, class V, class Y>
void layer_norm_forward(const X& x, const G& gamma, const B& beta, T eps, Xhat&& xhat, V&& rstd, Y&& y) {
  using S = typename std::remove_cvref_t<X>::Scalar;
  const index n = x.rows(), d = x.cols();
  if (gamma.rows() * gamma.cols() != d || beta.rows() * beta.cols() != d) {
    throw shape_error("swatnn::cuda::layer_norm_forward: gamma and beta need " + std::to_string(d) +
                      " elements (X's columns), got " + shape_text(gamma.rows(), gamma.cols()) + " and " +
                      shape_text(beta.rows(), beta.cols()));
  }
  require_same_shape(xhat, x, "layer_norm_forward", "Xhat", "X");
  require_same_shape(y, x, "layer_norm_forward", "Y", "X");
  if (rstd.rows() * rstd.cols() != n) {
    throw shape_error("swatnn::cuda::layer_norm_forward: rstd needs " + std::to_string(n) + " elements (X's rows)");
  }
  if (n == 0 || d == 0) return;
  kernels::layer_norm_forward<S><<<rows_grid(n), 32 * layer_norm_warps>>>(
      x.data(), gamma.data(), beta.data(), static_cast<S>(eps), xhat.data(), rstd.data(), y.data(), n, d);
  check_launch("layer_norm_forward kernel");
}

template <class DY, class Xhat, class V, class G, class DG, class DB, class DX>
void layer_norm_backward(const DY& dy, const Xhat& xhat, const V& rstd, const G& gamma, DG&& dgamma, DB&& dbeta,
                         bool accumulate_parameters, DX&& dx) {
  using S = typename std::remove_cvref_t<DY>::Scalar;
  const index n = dy.rows(), d = dy.cols();
  require_same_shape(xhat, dy, "layer_norm_backward", "Xhat", "DY");
  require_same_shape(dx, dy, "layer_norm_backward", "DX", "DY");
  if (gamma.rows() * gamma.cols() != d || rstd.rows() * rstd.cols() != n) {
    throw shape_error("swatnn::cuda::layer_norm_backward: gamma needs " + std::to_string(d) + " elements and rstd " +
                      std::to_string(n) + ", got " + shape_text(gamma.rows(), gamma.cols()) + " and " +
                      shape_text(rstd.rows(), rstd.cols()));
  }
  if (n == 0 || d == 0) return;
  if (accumulate_parameters) {  // before the input gradient: dx may alias dy
    if (dgamma.rows() * dgamma.cols() != d || dbeta.rows() * dbeta.cols() != d) {
      throw shape_error("swatnn::cuda::layer_norm_backward: dgamma and dbeta need " + std::to_string(d) +
                        " elements, got " + shape_text(dgamma.rows(), dgamma.cols()) + " and " +
                        shape_text(dbeta.rows(), dbeta.cols()));
    }
    kernels::layer_norm_backward_parameters<S><<<static_cast<unsigned>((d + 31) / 32), dim3(32, 32)>>>(
        dy.data(), xhat.data(), dgamma.data(), dbeta.data(), n, d);
    check_launch("layer_norm_backward (parameters) kernel");
  }
  kernels::layer_norm_backward_input<S><<<rows_grid(n), 32 * layer_norm_warps>>>(dy.data(), xhat.data(), rstd.data(),
                                                                                 gamma.data(), dx.data(), n, d);
  check_launch("layer_norm_backward (input) kernel");
}

template <class X, class Tn, class Y>
void gelu_forward(const X& x, Tn&& tanh_out, Y&& y) {
  using S = typename std::remove_cvref_t<X>::Scalar;
  require_same_shape(tanh_out, x, "gelu_forward", "Tanh", "X");
  require_same_shape(y, x, "gelu_forward", "Y", "X");
  const index n = x.rows() * x.cols();
  if (n == 0) return;
  kernels::gelu_forward<S><<<grid_for(n), elementwise_threads>>>(x.data(), tanh_out.data(), y.data(), n);
  check_launch("gelu_forward kernel");
}

template <class X, class Tn, class DY, class DX>
void gelu_backward(const X& x, const Tn& tanh_in, const DY& dy, DX&& dx) {
  using S = typename std::remove_cvref_t<X>::Scalar;
  require_same_shape(tanh_in, x, "gelu_backward", "Tanh", "X");
  require_same_shape(dy, x, "gelu_backward", "DY", "X");
  require_same_shape(dx, x, "gelu_backward", "DX", "X");
  const index n = x.rows() * x.cols();
  if (n == 0) return;
  kernels::gelu_backward<S><<<grid_for(n), elementwise_threads>>>(x.data(), tanh_in.data(), dy.data(), dx.data(), n);
  check_launch("gelu_backward kernel");
}

namespace attention_launch {

inline constexpr std::size_t max_shared_bytes = 48 * 1024;  // without opting in to more per block

inline int threads_for(index work) {
  const index rounded = (work + 31) / 32 * 32;
  return static_cast<int>(rounded < 32 ? 32 : (rounded > 256 ? 256 : rounded));
}

template <class Q>
index head_width(const Q& qkv, index heads, index tokens, const char* who) {
  if (heads <= 0 || tokens <= 0 || qkv.cols() % 3 != 0 || (qkv.cols() / 3) % heads != 0 || qkv.rows() % tokens != 0) {
    throw shape_error(std::string("swatnn::cuda::") + who + ": QKV is " + shape_text(qkv.rows(), qkv.cols()) +
                      " with " + std::to_string(heads) + " heads and " + std::to_string(tokens) +
                      " tokens; need 3 d columns with heads dividing d, and a multiple of tokens rows");
  }
  return qkv.cols() / 3 / heads;
}

inline void require_shared(std::size_t bytes, const char* who, index tokens, index dh) {
  if (bytes > max_shared_bytes) {
    throw shape_error(std::string("swatnn::cuda::") + who + ": " + std::to_string(tokens) + " tokens x head width " +
                      std::to_string(dh) + " need " + std::to_string(bytes) + " bytes of shared memory per block, " +
                      "more than the " + std::to_string(max_shared_bytes) + " the kernel uses; use more heads");
  }
}

}  // namespace attention_launch

template <class Q, class P, class O>
void attention_forward(const Q& qkv, index heads, index tokens, P&& probs, O&& heads_out) {
  using S = typename std::remove_cvref_t<Q>::Scalar;
  const index dh = attention_launch::head_width(qkv, heads, tokens, "attention_forward");
  const index n = qkv.rows(), dm = qkv.cols() / 3;
  if (probs.rows() != n || probs.cols() != heads * tokens || heads_out.rows() != n || heads_out.cols() != dm) {
    throw shape_error("swatnn::cuda::attention_forward: P is " + shape_text(probs.rows(), probs.cols()) + " and O " +
                      shape_text(heads_out.rows(), heads_out.cols()) + "; need " + shape_text(n, heads * tokens) +
                      " and " + shape_text(n, dm));
  }
  if (n == 0) return;
  const std::size_t shared = sizeof(S) * static_cast<std::size_t>(3 * tokens * dh + tokens * tokens);
  attention_launch::require_shared(shared, "attention_forward", tokens, dh);
  const index blocks = (n / tokens) * heads;
  kernels::attention_forward<S><<<static_cast<unsigned>(blocks), attention_launch::threads_for(tokens * dh), shared>>>(
      qkv.data(), probs.data(), heads_out.data(), heads, tokens, dh);
  check_launch("attention_forward kernel");
}

template <class Q, class P, class DO, class DS, class DQ>
void attention_backward(const Q& qkv, const P& probs, const DO& d_heads, index heads, index tokens, DS&& dprobs,
                        DQ&& dqkv) {
  using S = typename std::remove_cvref_t<Q>::Scalar;
  const index dh = attention_launch::head_width(qkv, heads, tokens, "attention_backward");
  const index n = qkv.rows(), dm = qkv.cols() / 3;
  if (probs.rows() != n || probs.cols() != heads * tokens || dprobs.rows() != n || dprobs.cols() != heads * tokens ||
      d_heads.rows() != n || d_heads.cols() != dm || dqkv.rows() != n || dqkv.cols() != 3 * dm) {
    throw shape_error("swatnn::cuda::attention_backward: P " + shape_text(probs.rows(), probs.cols()) + ", dO " +
                      shape_text(d_heads.rows(), d_heads.cols()) + ", dS " +
                      shape_text(dprobs.rows(), dprobs.cols()) + ", dQKV " + shape_text(dqkv.rows(), dqkv.cols()) +
                      "; need " + shape_text(n, heads * tokens) + ", " + shape_text(n, dm) + ", " +
                      shape_text(n, heads * tokens) + ", " + shape_text(n, 3 * dm));
  }
  if (n == 0) return;
  const std::size_t shared = sizeof(S) * static_cast<std::size_t>(4 * tokens * dh + 2 * tokens * tokens);
  attention_launch::require_shared(shared, "attention_backward", tokens, dh);
  const index blocks = (n / tokens) * heads;
  kernels::attention_backward<S><<<static_cast<unsigned>(blocks), attention_launch::threads_for(tokens * dh), shared>>>(
      qkv.data(), probs.data(), d_heads.data(), dprobs.data(), dqkv.data(), heads, tokens, dh);
  check_launch("attention_backward kernel");
}

}  // namespace swatnn::backend_cuda
