/* Direct linking with the generated header (no runtime): the header's
 * scratch-size functions agree with the library's scratch_bytes for every
 * entry at several batch sizes, and an entry computes the same outputs
 * with a caller-provided arena as with NULL (it allocates its own). */
#include "model.h"
#include "resc/abi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const struct resc_model_desc *desc = resc_model_info();
  const int64_t batches[] = {1, 7, 32, 100};
  int failures = 0;
  for (int b = 0; b < 4; ++b) {
    int64_t N = batches[b];
    int64_t header[] = {ResMLP_forward_scratch_bytes(N), ResMLP_loss_scratch_bytes(N),
                        ResMLP_loss_grad_scratch_bytes(N), RESMLP_TRAIN_STEP_SCRATCH_BYTES(N)};
    for (int e = 0; e < desc->num_entries; ++e) {
      int64_t library = desc->scratch_bytes(e, &N);
      if (library != header[e] || library <= 0) {
        printf("MISMATCH %s N=%lld: header %lld, library %lld\n", desc->entries[e].name,
               (long long)N, (long long)header[e], (long long)library);
        ++failures;
      }
    }
  }
  printf("unknown entry: %lld\n", (long long)desc->scratch_bytes(99, batches));

  /* Random parameters (a fixed LCG), a batch of 7 images. */
  float *params = aligned_alloc(64, RESMLP_PARAM_ARENA_BYTES);
  uint32_t state = 1;
  for (size_t i = 0; i < RESMLP_PARAM_ARENA_BYTES / 4; ++i) {
    state = state * 1664525u + 1013904223u;
    params[i] = ((float)(state >> 8) / 16777216.0f - 0.5f) * 0.05f;
  }
  enum { N = 7 };
  static float x[N][784], own[N][10], given[N][10];
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < 784; ++j)
      x[i][j] = (float)((i * 31 + j * 17) % 97) / 97.0f;
  int32_t s1 = ResMLP_forward_call(N, &x[0][0], &own[0][0], params);
  int64_t bytes = RESMLP_FORWARD_SCRATCH_BYTES(N);
  void *scratch = aligned_alloc(64, (size_t)((bytes + 63) / 64 * 64));
  memset(scratch, 0xff, (size_t)bytes); /* the entry must not rely on zeroes */
  void *inputs[] = {x};
  void *outputs[] = {given};
  const int64_t dims[] = {N};
  int32_t s2 = ResMLP_forward(inputs, dims, outputs, params, scratch);
  if (s1 != 0 || s2 != 0 || memcmp(own, given, sizeof own) != 0) {
    printf("MISMATCH forward with and without a caller arena (status %d %d)\n", s1, s2);
    ++failures;
  }
  printf("logit[0][0] %g\n", (double)given[0][0]);
  free(scratch);
  free(params);
  printf(failures ? "FAILED\n" : "OK: header and library agree\n");
  return failures != 0;
}
