/* peak.c - the FP32 FMA throughput this machine actually delivers.
 *
 *   cc -O3 -march=native -pthread bench/peak.c -o peak && ./peak [THREADS]
 *
 * prints "peak_gflops=<x> threads=<t>": the best of several runs of T
 * threads each issuing independent vector FMAs from registers (16 chains,
 * enough to cover the FMA latency on every current x86 core), so no memory
 * traffic, only the FMA units. bench/run.sh reports it beside the nominal
 * peak it divides by: a machine where this is far above PEAK (for example
 * a core with two full-width 512-bit FMA pipes where PEAK assumed 32
 * FLOP/cycle) makes "% of peak" read high, and a 2-thread value below twice
 * the 1-thread one shows two vCPUs sharing one core's FMA units. Noise from
 * other processes only lowers the result, hence the best of the runs. */
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define STOREU _mm512_storeu_ps
#elif defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define STOREU _mm256_storeu_ps
#else
#error "needs AVX-512 or AVX2+FMA: compile with -march=native on such a machine"
#endif

enum { CHAINS = 16 };
static const long kIters = 20000000; /* x 16 FMAs: about 0.1-0.3 s per run */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void *work(void *out) {
  vec a[CHAINS], b = SET1(1.0000001f), c = SET1(1e-7f);
  for (int i = 0; i < CHAINS; ++i)
    a[i] = SET1((float)i);
  for (long k = 0; k < kIters; ++k)
    for (int i = 0; i < CHAINS; ++i)
      a[i] = FMA(a[i], b, c);
  /* Keep the results alive so the loop is not removed. */
  float sink = 0, lanes[LANES];
  for (int i = 0; i < CHAINS; ++i) {
    STOREU(lanes, a[i]);
    sink += lanes[0];
  }
  *(float *)out = sink;
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1;
  if (threads < 1 || threads > 256) {
    fprintf(stderr, "usage: peak [THREADS]\n");
    return 1;
  }
  pthread_t ids[256];
  float sinks[256];
  double best = 0;
  for (int run = 0; run < 7; ++run) {
    double begin = now();
    for (int t = 0; t < threads; ++t)
      pthread_create(&ids[t], NULL, work, &sinks[t]);
    for (int t = 0; t < threads; ++t)
      pthread_join(ids[t], NULL);
    double gflops = 2.0 * LANES * CHAINS * (double)kIters * threads / (now() - begin) / 1e9;
    if (gflops > best)
      best = gflops;
  }
  printf("peak_gflops=%.1f threads=%d\n", best, threads);
  return sinks[0] == 42.0f; /* practically never: uses the results */
}
