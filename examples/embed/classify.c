/* classify.c - runs the ResMLP fixture linked directly into this program.
 *
 * The model code comes from resc (resc_add_model in CMakeLists.txt): the
 * generated header resmlp.h declares the typed entry point, and the runtime
 * initialises the parameter arena the way PyTorch would (or loads a
 * safetensors file given as argv[1]). */
#include "resmlp.h"

#include <resc/runtime.h>
#include <stdio.h>
#include <stdlib.h>

static int fail(resc_error *error) {
  fprintf(stderr, "classify: %s\n", resc_error_message(error));
  resc_error_free(error);
  return 1;
}

int main(int argc, char **argv) {
  resc_model *model = NULL;
  resc_params *params = NULL;
  resc_error *error = resc_model_from_desc(resc_model_info(), &model);
  if (error)
    return fail(error);
  if ((error = resc_params_create(model, &params)))
    return fail(error);
  error = argc > 1 ? resc_params_load_safetensors(params, argv[1])
                   : resc_params_init(params, 42);
  if (error)
    return fail(error);

  /* A batch of two "images": all zeros and a ramp. */
  enum { N = 2 };
  static float x[N][784], logits[N][10];
  for (int i = 0; i < 784; ++i)
    x[1][i] = (float)i / 784.0f;
  int32_t status = ResMLP_forward_call(N, &x[0][0], &logits[0][0], resc_params_arena(params));
  if (status != 0) {
    fprintf(stderr, "classify: forward failed with status %d\n", (int)status);
    return 1;
  }
  for (int n = 0; n < N; ++n) {
    int best = 0;
    for (int c = 1; c < 10; ++c)
      if (logits[n][c] > logits[n][best])
        best = c;
    printf("image %d: class %d (logit %.4f)\n", n, best, logits[n][best]);
  }
  /* All logits of the ramp image, for comparison with other runs. */
  for (int c = 0; c < 10; ++c)
    printf("%s%.6f", c ? " " : "logits: ", logits[1][c]);
  printf("\n");
  resc_params_destroy(params);
  resc_model_close(model);
  return 0;
}
