// How close to the FMA peak (bench/peak.c) can a hand-written AVX-512 GEMM
// get on this machine, at the shape of ResMLP's block Linear (C[256 x 1024] =
// A[256 x 512] B)? Issue 7 asks resc's Linear GEMMs for 95% of it. Three
// numbers per register tile (MR rows x 16 NV columns), packing outside the
// timing, so they bound what any packing-GEMM reaches:
//   in L1       one tile over a [128 x NR] B sliver and its A rows, again and
//               again (the tile's own ceiling: its loads, no cache misses);
//   resc order  B packed per NR-column sliver, k whole (kc = 512), A read in
//               place (resc's schedule for Linear);
//   Goto        A packed per MR-row tile as well, k in blocks of 128 so the
//               [128 x NR] B sliver stays in L1 across all row tiles.
//
//   for t in "6 4" "8 3" "12 2" "14 2"; do set -- $t
//     gcc -O3 -march=native -DMR=$1 -DNV=$2 bench/gemm_ceiling.c -o /tmp/gc && /tmp/gc; done
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#ifndef MR
#define MR 6
#endif
#ifndef NV
#define NV 4
#endif
enum { NR = 16 * NV, M = 256 / MR * MR, N = 1024, K = 512, KC = 128 };

static float A[M * K] __attribute__((aligned(64)));
static float AP[M * K] __attribute__((aligned(64)));  // per row tile: [K][MR]
static float B[N * K] __attribute__((aligned(64)));   // per column sliver: [K][NR]
static float C[M * N] __attribute__((aligned(64)));

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// One MR x NR tile over kc steps; A element (i, k) at a[i * ai + k * ak].
static inline void tile(const float *a, int ai, int ak, const float *b, float *c, int kc, int first) {
  __m512 acc[MR][NV];
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NV; j++)
      acc[i][j] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * N + 16 * j);
  for (int k = 0; k < kc; k++) {
    __m512 bv[NV];
    for (int j = 0; j < NV; j++) bv[j] = _mm512_load_ps(b + k * NR + 16 * j);
    for (int i = 0; i < MR; i++) {
      __m512 s = _mm512_set1_ps(a[i * ai + k * ak]);
      for (int j = 0; j < NV; j++) acc[i][j] = _mm512_fmadd_ps(s, bv[j], acc[i][j]);
    }
  }
  for (int i = 0; i < MR; i++)
    for (int j = 0; j < NV; j++) _mm512_storeu_ps(c + i * N + 16 * j, acc[i][j]);
}

static void in_l1(void) {
  for (int r = 0; r < M / MR * (N / NR) * (K / KC); r++) tile(AP, 1, MR, B, C, KC, 0);
}

static void resc_order(void) {
  for (int n = 0; n < N; n += NR)
    for (int m = 0; m < M; m += MR) tile(A + m * K, K, 1, B + n * K, C + m * N + n, K, 1);
}

static void goto_order(void) {
  for (int n = 0; n < N; n += NR)
    for (int k0 = 0; k0 < K; k0 += KC)
      for (int m = 0; m < M; m += MR)
        tile(AP + m * K + k0 * MR, 1, MR, B + n * K + k0 * NR, C + m * N + n, KC, k0 == 0);
}

int main(void) {
  for (int i = 0; i < M * K; i++) A[i] = AP[i] = (i % 7) * 0.1f;
  for (int i = 0; i < N * K; i++) B[i] = (i % 5) * 0.1f;
  struct { const char *name; void (*run)(void); } ways[] = {
      {"in L1", in_l1}, {"resc order", resc_order}, {"Goto", goto_order}};
  for (int w = 0; w < 3; w++) {
    double best = 1e9;
    for (int it = 0; it < 30; it++) {
      double t = now();
      ways[w].run();
      if ((t = now() - t) < best) best = t;
    }
    printf("tile %2d x %d: %-10s %.1f GFLOP/s\n", MR, NR, ways[w].name, 2.0 * M * N * K / best * 1e-9);
  }
  return C[7] == 12345.f;  // keeps the stores
}
