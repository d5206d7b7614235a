// The register tile resc generates for Linear GEMMs, written by hand with
// AVX-512 intrinsics, to ask one question without MLIR in the way: does the
// 6 x 64 tile lose speed because its packed B panel ([K, 128], 256 KB at
// K = 512) streams from L2 for every 6-row tile, i.e. would k-blocking
// (kc-row slices of the panel kept in L1 across the row tiles) pay?
//
//   gcc -O3 -march=native bench/microkernel.c -o /tmp/microkernel && /tmp/microkernel
//
// C[256 x 1024] = A[256 x 512] B, B packed per 128-column chunk once
// (outside the timing), each 6 x 64 tile accumulating its k slice in 24
// registers; kc = 512 is resc's schedule (k whole), smaller kc blocks k
// (the tile's C rows are loaded and stored once per block). Prints the
// best of 20 runs per kc, three times. AVX-512F only.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { M = 256, N = 1024, K = 512, NC = 128, MR = 6, ROWS = M / MR * MR };

static float A[M * K] __attribute__((aligned(64)));
static float B[N / NC][K * NC] __attribute__((aligned(64)));
static float C[M * N] __attribute__((aligned(64)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// One 6 x 64 tile over kc steps of k; `first` starts from zero.
static void tile(const float *a, const float *b, float *c, int kc, int first) {
  __m512 acc[MR][4];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < 4; j++)
      acc[i][j] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * N + 16 * j);
  for (int k = 0; k < kc; k++) {
    __m512 b0 = _mm512_load_ps(b + k * NC), b1 = _mm512_load_ps(b + k * NC + 16);
    __m512 b2 = _mm512_load_ps(b + k * NC + 32), b3 = _mm512_load_ps(b + k * NC + 48);
    for (int i = 0; i < MR; i++) {
      __m512 ai = _mm512_set1_ps(a[i * K + k]);
      acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);
      acc[i][3] = _mm512_fmadd_ps(ai, b3, acc[i][3]);
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < 4; j++)
      _mm512_storeu_ps(c + i * N + 16 * j, acc[i][j]);
}

static void gemm(int kc) {
  for (int chunk = 0; chunk < N / NC; chunk++)
    for (int k0 = 0; k0 < K; k0 += kc)
      for (int m = 0; m < ROWS; m += MR)
        for (int n = 0; n < NC; n += 64)
          tile(A + m * K + k0, B[chunk] + k0 * NC + n, C + m * N + chunk * NC + n, kc, k0 == 0);
}

int main(void) {
  for (int i = 0; i < M * K; i++)
    A[i] = rand() / (float)RAND_MAX;
  for (int c = 0; c < N / NC; c++)
    for (int i = 0; i < K * NC; i++)
      B[c][i] = rand() / (float)RAND_MAX;
  const int kcs[] = {512, 256, 128, 64};
  for (int round = 0; round < 3; round++)
    for (int v = 0; v < 4; v++) {
      double best = 1e9;
      for (int it = 0; it < 20; it++) {
        double t = now();
        gemm(kcs[v]);
        t = now() - t;
        if (t < best)
          best = t;
      }
      printf("kc=%d %.1f GFLOP/s\n", kcs[v], 2.0 * ROWS * N * K / best / 1e9);
    }
  return 0;
}
