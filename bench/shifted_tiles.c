// The register tiles resc generates for convolutions, written by hand with
// AVX-512 intrinsics, to ask one question without MLIR in the way: does an
// 8 x 48 tile (3 vector loads + 8 broadcasts per 24 FMAs) beat resc's
// 6 x 64 (4 + 6) when the vector rows are read unaligned, as a shifted
// convolution reads its image at every kernel position's shift and a
// column GEMM reads rows of 196 floats? (docs/performance.md, session 13)
//
//   gcc -O3 -march=native bench/shifted_tiles.c -o /tmp/shifted_tiles && /tmp/shifted_tiles
//
// Shapes of ResNet8: the stage-1 convolution (16 -> 16 channels, 28 x 28
// padded to rows of 30: y[16, 840] += W[3, 3, 16, 16] x[16, 930 shifted]),
// the stage-2 one (32 channels, 14 x 14: y[32, 224], x[32, 272]) and the
// 7 x 7 stage's column GEMM (C[64, 196] = A[64, 576] B[576, 196], B in
// place). Only whole tiles are timed (the remainder columns are left out
// of both shapes alike). Prints the best of many runs, three times.
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

// y[o0 + i, q0 + 16 j] += sum over kernel positions p and channels c of
// w[p][o0 + i][c] * x[c][q0 + shift(p) + 16 j], for MR rows and NV vectors.
// With one position of shift 0 and row length ldx it is a plain GEMM tile.
#define DEFTILE(MR, NV)                                                                    \
  static void tile_##MR##_##NV(const float *w, int positions, const int *shift, int ldw,   \
                               int channels, const float *x, int ldx, float *y, int ldy) {  \
    __m512 acc[MR][NV];                                                                    \
    for (int i = 0; i < MR; i++)                                                           \
      for (int j = 0; j < NV; j++)                                                         \
        acc[i][j] = _mm512_setzero_ps();                                                   \
    for (int p = 0; p < positions; p++)                                                    \
      for (int c = 0; c < channels; c++) {                                                 \
        __m512 b[NV];                                                                      \
        for (int j = 0; j < NV; j++)                                                       \
          b[j] = _mm512_loadu_ps(x + c * ldx + shift[p] + 16 * j);                         \
        for (int i = 0; i < MR; i++) {                                                     \
          __m512 a = _mm512_set1_ps(w[(p * ldw + i) * channels + c]);                      \
          for (int j = 0; j < NV; j++)                                                     \
            acc[i][j] = _mm512_fmadd_ps(a, b[j], acc[i][j]);                               \
        }                                                                                  \
      }                                                                                    \
    for (int i = 0; i < MR; i++)                                                           \
      for (int j = 0; j < NV; j++)                                                         \
        _mm512_storeu_ps(y + i * ldy + 16 * j, acc[i][j]);                                 \
  }
DEFTILE(6, 4)
DEFTILE(4, 4)
DEFTILE(2, 4)
DEFTILE(8, 3)

struct shape {
  const char *name;
  int rows, channels, positions, wp, cols, ldx;
};

static void run(const struct shape *s) {
  int shift[9];
  for (int p = 0; p < s->positions; p++)
    shift[p] = (p / 3) * s->wp + p % 3;
  float *w = aligned_alloc(64, sizeof(float) * 9 * s->rows * s->channels);
  float *x = aligned_alloc(64, sizeof(float) * (s->channels * s->ldx + 64));
  float *y = aligned_alloc(64, sizeof(float) * s->rows * s->cols);
  for (int i = 0; i < 9 * s->rows * s->channels; i++)
    w[i] = rand() / (float)RAND_MAX;
  for (int i = 0; i < s->channels * s->ldx + 64; i++)
    x[i] = rand() / (float)RAND_MAX;
  int cols64 = s->cols / 64 * 64, cols48 = s->cols / 48 * 48, rows6 = s->rows / 6 * 6;
  for (int round = 0; round < 3; round++) {
    double best[2] = {1e9, 1e9};
    for (int it = 0; it < 400; it++) {
      double t = now();
      for (int o = 0; o < rows6; o += 6)
        for (int q = 0; q < cols64; q += 64)
          tile_6_4(w + o * s->channels, s->positions, shift, s->rows, s->channels, x + q,
                   s->ldx, y + o * s->cols + q, s->cols);
      for (int q = 0; q < cols64 && rows6 < s->rows; q += 64) // the 4- or 2-row rest
        (s->rows - rows6 == 4 ? tile_4_4 : tile_2_4)(w + rows6 * s->channels, s->positions, shift,
                                                     s->rows, s->channels, x + q, s->ldx,
                                                     y + rows6 * s->cols + q, s->cols);
      t = now() - t;
      if (t < best[0])
        best[0] = t;
      t = now();
      for (int o = 0; o < s->rows; o += 8)
        for (int q = 0; q < cols48; q += 48)
          tile_8_3(w + o * s->channels, s->positions, shift, s->rows, s->channels, x + q,
                   s->ldx, y + o * s->cols + q, s->cols);
      t = now() - t;
      if (t < best[1])
        best[1] = t;
    }
    double flop = 2.0 * s->rows * s->channels * s->positions;
    printf("%-28s 6 x 64: %6.1f GFLOP/s   8 x 48: %6.1f GFLOP/s\n", s->name,
           flop * cols64 / best[0] / 1e9, flop * cols48 / best[1] / 1e9);
  }
  free(w);
  free(x);
  free(y);
}

int main(void) {
  const struct shape shapes[] = {
      {"stage-1 shifted 16 x 840", 16, 16, 9, 30, 840, 930},
      {"stage-2 shifted 32 x 224", 32, 32, 9, 16, 224, 272},
      {"7x7 column GEMM 64 x 196", 64, 576, 1, 0, 196, 196},
  };
  for (int i = 0; i < 3; i++)
    run(&shapes[i]);
  return 0;
}
