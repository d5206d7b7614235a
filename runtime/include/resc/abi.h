/*===- abi.h - the contract between a resc .so and its callers ---*- C -*-===*
 *
 * Every library produced by `resc model.res -o model.so` exports
 *
 *     const resc_model_desc *resc_model_info(void);
 *
 * describing the model, and one C function per entry point with the uniform
 * signature `resc_entry_fn` (named `<Model>_forward`, `<Model>_loss`, ...).
 * This header is plain C99, shared by the compiler (which emits data with
 * exactly this layout), the runtime and user code. docs/abi.md explains it.
 *
 * Layout rules: all structs use natural alignment on LP64 targets; fields are
 * ordered so that no padding is needed. Only append new fields at the end and
 * bump RESC_ABI_VERSION when the layout changes.
 *===----------------------------------------------------------------------===*/

#ifndef RESC_ABI_H
#define RESC_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define RESC_ABI_VERSION 1u
/* Every tensor of the parameter arena starts at a multiple of this. */
#define RESC_ARENA_ALIGN 64

typedef enum resc_dtype {
  RESC_F32 = 0,
  RESC_F64 = 1,
  RESC_I32 = 2,
  RESC_I64 = 3,
} resc_dtype;

typedef enum resc_role {
  RESC_ROLE_INPUT = 0,
  RESC_ROLE_OUTPUT = 1,
  RESC_ROLE_PARAM = 2,  /* trained parameter */
  RESC_ROLE_BUFFER = 3, /* state that is not trained (BatchNorm running stats) */
  RESC_ROLE_STATE = 4,  /* optimizer state (momentum buffers, Adam moments, step) */
} resc_role;

/* One tensor: an entry point's input or output, or a parameter/buffer. */
typedef struct resc_tensor_desc {
  const char *name;     /* "x", "blocks.3.fc1.weight" (PyTorch state_dict name),
                           "blocks.3.fc1.weight.exp_avg", "optimizer.step" */
  int32_t dtype;        /* resc_dtype */
  int32_t role;         /* resc_role */
  int32_t rank;
  int32_t reserved;     /* 0 */
  const int64_t *shape; /* `rank` entries; -(k+1) stands for symbolic dim k */
  int64_t offset;       /* byte offset in the parameter arena; -1 for inputs/outputs */
  int64_t nbytes;       /* byte size; -1 when a dim is symbolic */
  const char *init;     /* PyTorch's default initialisation ("uniform:fan_in=784",
                           "xavier_uniform:fan_in=A,fan_out=B", "normal:std=1",
                           "ones", "zeros"); "" for inputs/outputs */
} resc_tensor_desc;

/* Uniform signature of every entry point.
 *   inputs  - one pointer per input, dense row-major data in the input's dtype
 *   dims    - the value of every symbolic dim, in resc_model_desc order
 *   outputs - one pointer per output, dense row-major, caller-allocated
 *   params  - the parameter arena (RESC_ARENA_ALIGN-aligned)
 *   scratch - scratch memory of scratch_bytes(entry, dims) bytes (may be NULL
 *             when that is 0)
 * Returns 0 on success, or a resc_entry_status code. The caller (normally
 * the runtime) has checked every shape against the metadata. */
typedef int32_t (*resc_entry_fn)(void *const *inputs, const int64_t *dims,
                                 void *const *outputs, void *params, void *scratch);

typedef enum resc_entry_status {
  RESC_ENTRY_OK = 0,
  RESC_ENTRY_LABEL_OUT_OF_RANGE = 1, /* a class label outside [0, C) */
  RESC_ENTRY_INDEX_OUT_OF_RANGE = 2, /* an embedding index outside [0, n) */
  RESC_ENTRY_OUT_OF_MEMORY = 3,
} resc_entry_status;

/* One entry point. */
typedef struct resc_entry_desc {
  const char *name;   /* "forward", "loss", "loss_grad", "train_step" */
  const char *symbol; /* exported C symbol, "ResMLP_forward" */
  resc_entry_fn fn;   /* the same function */
  int32_t num_inputs;
  int32_t num_outputs;
  const resc_tensor_desc *inputs;
  const resc_tensor_desc *outputs;
} resc_entry_desc;

typedef struct resc_model_desc {
  uint32_t abi_version; /* RESC_ABI_VERSION */
  uint32_t reserved;    /* 0 */
  const char *model_name;
  int32_t num_dims;     /* symbolic dims ("N", "T") bound at call time */
  int32_t num_params;   /* parameters, buffers and optimizer state, one per
                           repeat instance */
  const char *const *dim_names;
  const resc_tensor_desc *params;
  int64_t param_arena_bytes;
  int32_t num_entries;
  int32_t reserved2;    /* 0 */
  const resc_entry_desc *entries;
  /* Scratch bytes entry `entry` needs for the given dims. */
  int64_t (*scratch_bytes)(int32_t entry, const int64_t *dims);
} resc_model_desc;

typedef const resc_model_desc *(*resc_model_fn)(void);
#define RESC_MODEL_SYMBOL "resc_model_info"

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RESC_ABI_H */
