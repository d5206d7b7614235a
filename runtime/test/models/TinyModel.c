/*===- TinyModel.c - a hand-written model implementing the resc ABI -------===*
 *
 * Stands in for compiler output in the runtime tests. Model "Tiny":
 *   forward(x: f32[N, 3]) -> y: f32[N, 2]
 *       y = (x @ fc.weight^T + fc.bias) * norm.weight
 *   pair(a: f32[N, 3], b: f32[N, 3]) -> (sum: f32[N, 3], total: f64[N])
 *   labels(l: i64[N]) -> count: i64[]   fails with LABEL_OUT_OF_RANGE unless l in [0, 2)
 * Parameters: fc.weight f32[2, 3] at 0, fc.bias f32[2] at 64, norm.weight
 * f32[2] at 72 (dtype-aligned only, like an instance of a `repeat`), steps
 * i64[] (a buffer) at 128; the arena has 192 bytes. forward computes through
 * its N*2 floats of scratch.
 *
 * FAKE_VARIANT builds broken copies for the validation tests; each breaks one
 * rule of docs/abi.md. VARIANT_TRAIN ("tiny_train") is the good model plus
 * what a declared optimizer adds:
 *   train_step(x: f32[N, 3], t: f32[N, 2], lr: f32[]) -> loss: f32[]
 *       loss = mean((forward(x) - t)^2), then SGD with momentum 0.9 on every
 *       parameter as torch.optim.SGD does it (buf = grad on the first step,
 *       then buf = 0.9 buf + grad; p -= lr * buf), optimizer.step += 1 and
 *       the buffer steps += 1, all in the arena
 * with the optimizer state <param>.momentum_buffer at 192, 256, 264 and
 * optimizer.step f32[] at 272, in a 320-byte arena.
 *===----------------------------------------------------------------------===*/

#include "resc/abi.h"

#include <stddef.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

#define VARIANT_GOOD 0
#define VARIANT_WRONG_VERSION 1
#define VARIANT_OVERLAP 2
#define VARIANT_OUT_OF_ARENA 3
#define VARIANT_MISALIGNED 4
#define VARIANT_BAD_RANK 5
#define VARIANT_UNBOUND_DIM 6
#define VARIANT_BAD_INIT 7
#define VARIANT_SYMBOL_MISMATCH 8
#define VARIANT_NULL_DESC 9
#define VARIANT_TRAIN 10

#ifndef FAKE_VARIANT
#define FAKE_VARIANT VARIANT_GOOD
#endif

enum { OFF_WEIGHT = 0, OFF_BIAS = 64, OFF_NORM = 72, OFF_STEPS = 128 };
enum { OFF_WEIGHT_BUF = 192, OFF_BIAS_BUF = 256, OFF_NORM_BUF = 264, OFF_OPT_STEP = 272 };

EXPORT int32_t Tiny_forward(void *const *inputs, const int64_t *dims, void *const *outputs,
                            void *params, void *scratch) {
  int64_t n = dims[0];
  const float *x = (const float *)inputs[0];
  const char *arena = (const char *)params;
  const float *w = (const float *)(arena + OFF_WEIGHT);
  const float *b = (const float *)(arena + OFF_BIAS);
  const float *g = (const float *)(arena + OFF_NORM);
  float *t = (float *)scratch;
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 2; ++j) {
      float acc = b[j];
      for (int k = 0; k < 3; ++k)
        acc += x[i * 3 + k] * w[j * 3 + k];
      t[i * 2 + j] = acc * g[j];
    }
  memcpy(outputs[0], t, (size_t)n * 2 * sizeof(float));
  return RESC_ENTRY_OK;
}

EXPORT int32_t Tiny_pair(void *const *inputs, const int64_t *dims, void *const *outputs,
                         void *params, void *scratch) {
  (void)params, (void)scratch;
  const float *a = (const float *)inputs[0], *b = (const float *)inputs[1];
  float *sum = (float *)outputs[0];
  double *total = (double *)outputs[1];
  for (int64_t i = 0; i < dims[0]; ++i) {
    total[i] = 0;
    for (int k = 0; k < 3; ++k) {
      sum[i * 3 + k] = a[i * 3 + k] + b[i * 3 + k];
      total[i] += sum[i * 3 + k];
    }
  }
  return RESC_ENTRY_OK;
}

EXPORT int32_t Tiny_labels(void *const *inputs, const int64_t *dims, void *const *outputs,
                           void *params, void *scratch) {
  (void)params, (void)scratch;
  const int64_t *labels = (const int64_t *)inputs[0];
  int64_t count = 0;
  for (int64_t i = 0; i < dims[0]; ++i) {
    if (labels[i] < 0 || labels[i] >= 2)
      return RESC_ENTRY_LABEL_OUT_OF_RANGE;
    count += labels[i];
  }
  *(int64_t *)outputs[0] = count;
  return RESC_ENTRY_OK;
}

#if FAKE_VARIANT == VARIANT_TRAIN
/* torch.optim.SGD(momentum=0.9) on `count` parameters p with gradients g. */
static void sgd_momentum(float *p, float *buf, const float *g, int count, float lr,
                         int first) {
  for (int i = 0; i < count; ++i) {
    buf[i] = first ? g[i] : 0.9f * buf[i] + g[i];
    p[i] -= lr * buf[i];
  }
}

EXPORT int32_t Tiny_train_step(void *const *inputs, const int64_t *dims, void *const *outputs,
                               void *params, void *scratch) {
  (void)scratch;
  int64_t n = dims[0];
  const float *x = (const float *)inputs[0], *t = (const float *)inputs[1];
  float lr = *(const float *)inputs[2];
  char *arena = (char *)params;
  float *w = (float *)(arena + OFF_WEIGHT), *b = (float *)(arena + OFF_BIAS);
  float *g = (float *)(arena + OFF_NORM);
  float *step = (float *)(arena + OFF_OPT_STEP);
  float dw[6] = {0}, db[2] = {0}, dg[2] = {0};
  double loss = 0;
  float scale = 2.0f / (float)(n * 2);
  for (int64_t i = 0; i < n; ++i)
    for (int j = 0; j < 2; ++j) {
      float z = b[j];
      for (int k = 0; k < 3; ++k)
        z += x[i * 3 + k] * w[j * 3 + k];
      float diff = z * g[j] - t[i * 2 + j];
      loss += (double)diff * diff;
      float dy = scale * diff, dz = dy * g[j];
      dg[j] += dy * z;
      db[j] += dz;
      for (int k = 0; k < 3; ++k)
        dw[j * 3 + k] += dz * x[i * 3 + k];
    }
  int first = *step == 0.0f;
  sgd_momentum(w, (float *)(arena + OFF_WEIGHT_BUF), dw, 6, lr, first);
  sgd_momentum(b, (float *)(arena + OFF_BIAS_BUF), db, 2, lr, first);
  sgd_momentum(g, (float *)(arena + OFF_NORM_BUF), dg, 2, lr, first);
  *step += 1.0f;
  *(int64_t *)(arena + OFF_STEPS) += 1;
  *(float *)outputs[0] = (float)(loss / (double)(n * 2));
  return RESC_ENTRY_OK;
}
#endif

static int64_t scratch_bytes(int32_t entry, const int64_t *dims) {
  return entry == 0 ? dims[0] * 2 * (int64_t)sizeof(float) : 0;
}

static const char *const dim_names[] = {"N", "M"};
static const int64_t shape_w[] = {2, 3}, shape_2[] = {2};
#if FAKE_VARIANT == VARIANT_UNBOUND_DIM
static const int64_t shape_y[] = {-2, 2}; /* "M": no input binds it */
#else
static const int64_t shape_y[] = {-1, 2};
#endif
static const int64_t shape_x[] = {-1, 3}, shape_n[] = {-1};

#define PARAM(name, dtype, role, rank, shape, offset, nbytes, init)                                \
  {name, dtype, role, rank, 0, shape, offset, nbytes, init}
#define IO(name, dtype, role, rank, shape, nbytes) {name, dtype, role, rank, 0, shape, -1, nbytes, ""}

#if FAKE_VARIANT == VARIANT_BAD_INIT
#define WEIGHT_INIT "kaiming:fan=3"
#else
#define WEIGHT_INIT "uniform:fan_in=3"
#endif
#if FAKE_VARIANT == VARIANT_OVERLAP
#define NORM_OFFSET 16
#elif FAKE_VARIANT == VARIANT_MISALIGNED
#define NORM_OFFSET 74
#else
#define NORM_OFFSET OFF_NORM
#endif
#if FAKE_VARIANT == VARIANT_OUT_OF_ARENA
#define ARENA_BYTES 132
#elif FAKE_VARIANT == VARIANT_TRAIN
#define ARENA_BYTES 320
#else
#define ARENA_BYTES 192
#endif
#if FAKE_VARIANT == VARIANT_BAD_RANK
#define WEIGHT_RANK 9
#else
#define WEIGHT_RANK 2
#endif

static const resc_tensor_desc params[] = {
    PARAM("fc.weight", RESC_F32, RESC_ROLE_PARAM, WEIGHT_RANK, shape_w, OFF_WEIGHT, 24, WEIGHT_INIT),
    PARAM("fc.bias", RESC_F32, RESC_ROLE_PARAM, 1, shape_2, OFF_BIAS, 8, "uniform:fan_in=3"),
    PARAM("norm.weight", RESC_F32, RESC_ROLE_PARAM, 1, shape_2, NORM_OFFSET, 8, "ones"),
    PARAM("steps", RESC_I64, RESC_ROLE_BUFFER, 0, NULL, OFF_STEPS, 8, "zeros"),
#if FAKE_VARIANT == VARIANT_TRAIN
    PARAM("fc.weight.momentum_buffer", RESC_F32, RESC_ROLE_STATE, 2, shape_w, OFF_WEIGHT_BUF, 24,
          "zeros"),
    PARAM("fc.bias.momentum_buffer", RESC_F32, RESC_ROLE_STATE, 1, shape_2, OFF_BIAS_BUF, 8,
          "zeros"),
    PARAM("norm.weight.momentum_buffer", RESC_F32, RESC_ROLE_STATE, 1, shape_2, OFF_NORM_BUF, 8,
          "zeros"),
    PARAM("optimizer.step", RESC_F32, RESC_ROLE_STATE, 0, NULL, OFF_OPT_STEP, 4, "zeros"),
#endif
};

static const resc_tensor_desc forward_in[] = {IO("x", RESC_F32, RESC_ROLE_INPUT, 2, shape_x, -1)};
static const resc_tensor_desc forward_out[] = {IO("y", RESC_F32, RESC_ROLE_OUTPUT, 2, shape_y, -1)};
static const resc_tensor_desc pair_in[] = {IO("a", RESC_F32, RESC_ROLE_INPUT, 2, shape_x, -1),
                                           IO("b", RESC_F32, RESC_ROLE_INPUT, 2, shape_x, -1)};
static const resc_tensor_desc pair_out[] = {
    IO("sum", RESC_F32, RESC_ROLE_OUTPUT, 2, shape_x, -1),
    IO("total", RESC_F64, RESC_ROLE_OUTPUT, 1, shape_n, -1)};
static const resc_tensor_desc labels_in[] = {IO("l", RESC_I64, RESC_ROLE_INPUT, 1, shape_n, -1)};
static const resc_tensor_desc labels_out[] = {IO("count", RESC_I64, RESC_ROLE_OUTPUT, 0, NULL, 8)};
#if FAKE_VARIANT == VARIANT_TRAIN
static const resc_tensor_desc train_in[] = {IO("x", RESC_F32, RESC_ROLE_INPUT, 2, shape_x, -1),
                                            IO("t", RESC_F32, RESC_ROLE_INPUT, 2, shape_y, -1),
                                            IO("lr", RESC_F32, RESC_ROLE_INPUT, 0, NULL, 4)};
static const resc_tensor_desc train_out[] = {IO("loss", RESC_F32, RESC_ROLE_OUTPUT, 0, NULL, 4)};
#endif

static const resc_entry_desc entries[] = {
#if FAKE_VARIANT == VARIANT_SYMBOL_MISMATCH
    {"forward", "Tiny_pair", Tiny_forward, 1, 1, forward_in, forward_out},
#else
    {"forward", "Tiny_forward", Tiny_forward, 1, 1, forward_in, forward_out},
#endif
    {"pair", "Tiny_pair", Tiny_pair, 2, 2, pair_in, pair_out},
    {"labels", "Tiny_labels", Tiny_labels, 1, 1, labels_in, labels_out},
#if FAKE_VARIANT == VARIANT_TRAIN
    {"train_step", "Tiny_train_step", Tiny_train_step, 3, 1, train_in, train_out},
#endif
};

__attribute__((unused)) static const resc_model_desc desc = {
#if FAKE_VARIANT == VARIANT_WRONG_VERSION
    99,
#else
    RESC_ABI_VERSION,
#endif
    0, "Tiny", 2, (int32_t)(sizeof params / sizeof params[0]), dim_names, params, ARENA_BYTES,
    (int32_t)(sizeof entries / sizeof entries[0]), 0, entries, scratch_bytes,
};

EXPORT const resc_model_desc *resc_model_info(void) {
#if FAKE_VARIANT == VARIANT_NULL_DESC
  return NULL;
#else
  return &desc;
#endif
}
