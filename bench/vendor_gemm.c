// The vendor libraries' GEMM at the shape of ResMLP's block Linear, Y = X W^T
// (X [256 x 512], W [1024 x 512]), for bench/gemm.sh: OpenBLAS's
// cblas_sgemm, and oneDNN's dnnl_sgemm when built with -DWITH_DNNL -ldnnl
// (libdnnl-dev). Prints "<library> <GFLOP/s>" per library: the best of 30
// calls after 5 warm-up calls, on one thread (set OPENBLAS_NUM_THREADS /
// OMP_NUM_THREADS = 1).
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#ifdef WITH_DNNL
#include <dnnl.h>
#endif

enum { M = 256, N = 1024, K = 512, CALLS = 30, WARMUP = 5 };
static float *x, *w, *y;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static void openblas(void) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, M, N, K, 1.f, x, K, w, K, 0.f, y, N);
}

#ifdef WITH_DNNL
static void onednn(void) { dnnl_sgemm('N', 'T', M, N, K, 1.f, x, K, w, K, 0.f, y, N); }
#endif

static void time_it(const char *name, void (*gemm)(void)) {
  double best = 1e9;
  for (int i = 0; i < WARMUP + CALLS; i++) {
    double t = now();
    gemm();
    if ((t = now() - t) < best && i >= WARMUP) best = t;
  }
  printf("%s %.1f\n", name, 2.0 * M * N * K / best * 1e-9);
}

int main(void) {
  x = aligned_alloc(64, sizeof(float) * M * K);
  w = aligned_alloc(64, sizeof(float) * N * K);
  y = aligned_alloc(64, sizeof(float) * M * N);
  for (int i = 0; i < M * K; i++) x[i] = (float)(i % 7) * 0.1f;
  for (int i = 0; i < N * K; i++) w[i] = (float)(i % 5) * 0.1f;
  time_it("openblas", openblas);
#ifdef WITH_DNNL
  time_it("onednn", onednn);
#endif
  return y[1] == 12345.f;
}
