// tests/cuda/host/emulate_evaluators.cu: the CUDA evaluators' per-network and per-point code (the __host__ __device__
// functions their kernels call: load_network, forward_point, backward_point, write_gradient_slots, the gates'
// network_forward / network_backward) run on the host, one "thread" per block, tiles summed as the kernels sum them,
// against swatnn::cpu's soft_eval, soft_mse and search_gates (float 1e-5, double 1e-12). It checks the CUDA math and
// its indexing on a machine without a GPU; the launch glue (grids, warp sums, shared memory) is what it leaves out.
// Not in test_cuda (whose main skips without a device) and not globbed by tests/CMakeLists.txt; build and run by hand:
//   nvcc -std=c++20 --expt-relaxed-constexpr -diag-suppress=20012,20011 -O2 -Iinclude -isystem=/usr/include/eigen3 \
//        -x cu tests/cuda/host/emulate_evaluators.cu -o /tmp/emulate_evaluators && /tmp/emulate_evaluators
// (20011: the host accumulator is called from the __host__ __device__ backward_point). Exit 0 when all agree.
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include <swatnn/backend/cuda.hpp>
#include <swatnn/network/soft_eval.hpp>
#include <swatnn/network/soft_mse.hpp>
#include <swatnn/search/search_gates.hpp>

using namespace swatnn;
namespace soft = swatnn::backend_cuda::soft;
using S = paper_spec;
using layout = token_layout<S>;

template <class T>
struct host_acc {
  std::vector<T>* v;
  void add(int t, T x) const { (*v)[t] += x; }
};

template <class T>
cpu::row_matrix<T> random_tokens(int networks, int depth, std::uint64_t seed, T off) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  cpu::row_matrix<T> m(networks * layout::tokens, layout::width(depth) + 3);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = T(normal(rng));
  for (int b = 0; b < networks; ++b) {
    network_view<S, T> v(m.data() + b * 7 * m.cols(), depth, m.cols());
    for (int l = 0; l < depth; ++l)
      for (int j = (b + l) % 3; j < 7; j += 3) v.mask_logits(l)(j) = off;
  }
  return m;
}

template <class T>
cpu::matrix<T> random_points(Eigen::Index rows, Eigen::Index cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.5, 1.5);
  cpu::matrix<T> m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = T(dist(gen));
  return m;
}

template <class A, class B>
double rel(const A& a, const B& b) {
  double d = 0, s = 0;
  for (Eigen::Index r = 0; r < a.rows(); ++r)
    for (Eigen::Index c = 0; c < a.cols(); ++c) {
      d = std::max(d, std::abs(double(a(r, c)) - double(b(r, c))));
      s = std::max(s, std::abs(double(b(r, c))));
    }
  return s > 0 ? d / s : (d == 0 ? 0 : HUGE_VAL);
}

// Emulates soft_eval forward + backward (mse: soft_mse) of every network.
template <class T>
void emulate(const cpu::row_matrix<T>& tokens, int depth, const cpu::matrix<T>& x, const cpu::matrix<T>* grad_out,
             const cpu::matrix<T>* target, T temperature, cpu::matrix<T>& out, cpu::row_matrix<T>& grad,
             cpu::matrix<T>& gx_total, std::vector<double>& mse) {
  using sh = soft::shape<S>;
  const int networks = int(tokens.rows() / 7);
  const Eigen::Index n = x.rows(), stride = tokens.cols();
  const auto c = soft::columns<S>::make(depth);
  out.resize(n, networks);
  gx_total = cpu::matrix<T>::Zero(n, S::inputs);
  mse.assign(networks, 0);
  const Eigen::Index tiles = soft::tiles_for(n);
  const T scale = T(2) / T(double(n) * S::outputs);
  for (int b = 0; b < networks; ++b) {
    auto* p = new soft::network_params<S, T>;
    const T* base = tokens.data() + b * 7 * stride;
    soft::load_network<S, T>(*p, base, stride, c, depth, temperature, 0, 1);
    bool reached = target != nullptr;
    if (!reached)
      for (Eigen::Index i = 0; i < n; ++i) reached |= (*grad_out)(i, b) != T(0);
    std::vector<std::vector<T>> partial(tiles, std::vector<T>(sh::targets, T(0)));
    double sse = 0;
    for (Eigen::Index t = 0; t < tiles; ++t) {
      double tile_sse = 0;
      for (int th = 0; th < soft::tile_threads; ++th) {
        const Eigen::Index i = t * soft::tile_threads + th;
        const bool live = i < n;
        T xi[S::inputs];
        for (int k = 0; k < S::inputs; ++k) xi[k] = live ? x(i, k) : T(0);
        soft::point_state<S, T> st;
        T y[S::outputs];
        soft::forward_point<S, T>(*p, depth, xi, st, y);
        if (live) out(i, b) = y[0];
        T dy[S::outputs];
        if (target != nullptr) {
          dy[0] = 0;
          if (live) {
            const T e = y[0] - (*target)(i, 0);
            tile_sse += double(e) * e;
            dy[0] = scale * e;
          }
        } else {
          dy[0] = live ? (*grad_out)(i, b) : T(0);
        }
        T gx[S::inputs];
        soft::backward_point<S, T>(*p, depth, xi, st, dy, host_acc<T>{&partial[t]}, true, gx);
        if (live && reached)
          for (int k = 0; k < S::inputs; ++k) gx_total(i, k) += gx[k];
      }
      sse += tile_sse;
    }
    mse[b] = sse / (double(n) * S::outputs);
    T* g = grad.data() + b * 7 * stride;
    for (int r = 0; r < 7; ++r)
      for (int cc = 0; cc < c.width; ++cc) g[r * stride + cc] = T(0);
    if (reached)
      soft::write_gradient_slots<S, T>(
          *p, c, depth, temperature,
          [&](int target_index) {
            double s = 0;
            for (Eigen::Index t = 0; t < tiles; ++t) s += double(partial[t][target_index]);
            return T(s);
          },
          g, stride, 0, 1);
    delete p;
  }
}

template <class T>
int run(T off, double tol) {
  int failures = 0;
  for (int depth = 1; depth <= 4; ++depth)
    for (T temperature : {T(1), T(0.01)})
      for (Eigen::Index n : {Eigen::Index(300), Eigen::Index(1), Eigen::Index(128)}) {
        const int networks = 5;
        auto tokens = random_tokens<T>(networks, depth, 100 + depth, off);
        const auto x = random_points<T>(n, 2, 7 + depth);
        cpu::matrix<T> up = random_points<T>(n, networks, 11 + depth);
        up.col(3).setZero();
        soft_eval<S, T, cpu> ce;
        const cpu::matrix<T> y_cpu = ce.forward(tokens, depth, x, temperature);
        cpu::row_matrix<T> g_cpu = cpu::row_matrix<T>::Zero(tokens.rows(), tokens.cols());
        cpu::matrix<T> gx_cpu;
        ce.backward(up, g_cpu, &gx_cpu);
        cpu::matrix<T> y_e, gx_e;
        cpu::row_matrix<T> g_e = cpu::row_matrix<T>::Zero(tokens.rows(), tokens.cols());
        std::vector<double> unused;
        emulate<T>(tokens, depth, x, &up, nullptr, temperature, y_e, g_e, gx_e, unused);
        const double e1 = rel(y_e, y_cpu), e2 = rel(g_e, g_cpu), e3 = rel(gx_e, gx_cpu);
        // soft_mse
        const auto yt = random_points<T>(n, 1, 19 + depth);
        soft_mse<S, T, cpu> cm;
        cpu::row_matrix<T> gm_cpu = cpu::row_matrix<T>::Zero(tokens.rows(), tokens.cols());
        std::vector<double> mse_cpu(networks);
        cm.evaluate(tokens.data(), networks, depth, tokens.cols(), x, yt, temperature, gm_cpu.data(), mse_cpu.data());
        cpu::row_matrix<T> gm_e = cpu::row_matrix<T>::Zero(tokens.rows(), tokens.cols());
        std::vector<double> mse_e;
        emulate<T>(tokens, depth, x, nullptr, &yt, temperature, y_e, gm_e, gx_e, mse_e);
        double e4 = rel(gm_e, gm_cpu), e5 = 0;
        for (int b = 0; b < networks; ++b) e5 = std::max(e5, std::abs(mse_e[b] - mse_cpu[b]) / std::abs(mse_cpu[b]));
        const bool ok = e1 <= tol && e2 <= tol && e3 <= tol && e4 <= tol && e5 <= tol;
        failures += !ok;
        std::printf("%s depth %d T %g n %ld: eval y %.2e grad %.2e gx %.2e | mse grad %.2e mse %.2e %s\n",
                    sizeof(T) == 4 ? "float " : "double", depth, double(temperature), long(n), e1, e2, e3, e4, e5,
                    ok ? "ok" : "FAIL");
      }
  // gates
  for (int depth = 1; depth <= 4; ++depth) {
    const int latents = 4;
    const T k = 10, kn = 50;
    const auto decoded = random_tokens<T>(latents + 1, depth, 500 + depth, T(0.3));
    const auto gg = random_tokens<T>(latents + 1, depth, 600 + depth, T(0.1));
    const auto g0 = random_tokens<T>(latents + 1, depth, 700 + depth, T(0.2));
    std::vector<T> th = {0, T(0.2), T(0.5), T(1.1)}, gt0 = {T(0.25), T(-0.5), T(1), 0};
    search_gates<S, T, cpu> cg;
    cpu::row_matrix<T> gated_cpu;
    cg.forward(decoded, gated_cpu, th.data(), latents, depth, k, kn);
    cpu::row_matrix<T> gd_cpu = g0;
    std::vector<T> gt_cpu = gt0;
    cg.backward(decoded, gg, gd_cpu, th.data(), gt_cpu.data(), latents, depth, k, kn);
    cpu::row_matrix<T> gated_e = decoded, gd_e = g0;
    std::vector<T> gt_e = gt0;
    const auto c = soft::columns<S>::make(depth);
    const Eigen::Index stride = decoded.cols();
    for (int b = 0; b < latents; ++b) {
      const Eigen::Index base = b * 7 * stride;
      backend_cuda::gates::network_forward<S, T>(decoded.data() + base, gated_e.data() + base, stride, c, depth, th[b],
                                                 k, kn, 0, 1);
      gt_e[b] -= backend_cuda::gates::network_backward<S, T>(decoded.data() + base, gg.data() + base,
                                                             gd_e.data() + base, stride, c, depth, th[b], k, kn, 0, 1);
    }
    double e6 = rel(gated_e, gated_cpu), e7 = rel(gd_e, gd_cpu), e8 = 0;
    for (int b = 0; b < latents; ++b) e8 = std::max(e8, double(std::abs(gt_e[b] - gt_cpu[b])) / std::max(1.0, double(std::abs(gt_cpu[b]))));
    const bool ok = e6 <= tol && e7 <= tol && e8 <= tol;
    failures += !ok;
    std::printf("gates depth %d: gated %.2e grad %.2e thresholds %.2e %s\n", depth, e6, e7, e8, ok ? "ok" : "FAIL");
  }
  return failures;
}

int main() {
  const int f = run<float>(-95.0f, 1e-5) + run<double>(-800.0, 1e-12);
  std::printf("%d failures\n", f);
  return f != 0;
}
