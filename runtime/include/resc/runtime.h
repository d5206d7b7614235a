/*===- runtime.h - the resc runtime: open, feed and run a compiled model -*- C -*-===*
 *
 * A small C library around the ABI of abi.h: it opens a model library,
 * allocates and initialises its parameter arena, loads and saves parameters as
 * safetensors, reads and writes .npy tensors and runs entry points with every
 * shape checked. docs/abi.md describes the ABI and the file formats.
 *
 * Conventions shared by every call:
 *  - Every fallible call returns a `resc_error *`: NULL on success, otherwise
 *    an error the caller owns and releases with resc_error_free(). Results go
 *    to `out` parameters, which are written only on success. Nothing here
 *    aborts, exits or throws; a failed call leaves its arguments as they were
 *    unless its comment says otherwise.
 *  - Handles are opaque. Each `*_create`/`*_open` has one `*_destroy`/`*_close`
 *    that accepts NULL. The creator owns a handle; no call takes ownership of
 *    a handle passed to it. Calls that return a `resc_error *` check their
 *    pointer arguments; plain accessors (resc_tensor_rank, ...) need valid,
 *    non-NULL handles.
 *  - Thread safety: distinct handles may be used from distinct threads freely.
 *    A resc_model is immutable once opened, so any number of threads may use
 *    it at once. A resc_params or resc_tensor may be read by several threads
 *    at once but needs exclusive access for any call that writes it (init,
 *    load, running an entry point that updates parameters).
 *  - Data is little-endian and dense row-major (C order), like the ABI.
 *===-----------------------------------------------------------------------===*/

#ifndef RESC_RUNTIME_H
#define RESC_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "resc/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The largest rank of any tensor the runtime handles (the ABI's limit). */
#define RESC_MAX_RANK 8

/*===--- Errors ------------------------------------------------------------===*/

typedef struct resc_error resc_error;

/* The error's one-line, human-readable message; never NULL. The string lives
 * as long as the error. */
const char *resc_error_message(const resc_error *error);

/* Releases an error; NULL is allowed. */
void resc_error_free(resc_error *error);

/*===--- Data types --------------------------------------------------------===*/

/* Byte size of one element of `dtype`, or 0 when `dtype` is not a resc_dtype. */
size_t resc_dtype_size(int32_t dtype);

/* "f32", "f64", "i32", "i64", or "unknown". The string is static. */
const char *resc_dtype_name(int32_t dtype);

/*===--- Models ------------------------------------------------------------===*/

/* An opened model library. Immutable after resc_model_open; thread-safe. */
typedef struct resc_model resc_model;

/* Opens the model library at `path` (dlopen with RTLD_NOW | RTLD_LOCAL),
 * calls its `resc_model` function, checks the ABI version and validates the
 * whole description (pointers, ranks, dims, arena offsets and alignment,
 * non-overlapping parameters, unique names, entry symbols). A library that is
 * not a resc model, or whose description is inconsistent, is refused with an
 * error that names the file. */
resc_error *resc_model_open(const char *path, resc_model **out);

/* Wraps the description of a model linked directly into the program (the
 * generated header declares `resc_model_info()`), so the rest of this API works
 * without dlopen: resc_model_from_desc(resc_model_info(), &model). The description
 * is validated like resc_model_open's; closing the handle unloads nothing. */
resc_error *resc_model_from_desc(const resc_model_desc *desc, resc_model **out);

/* Closes the library. Every resc_params created for the model must have been
 * destroyed, and no call may be running on it. NULL is allowed. */
void resc_model_close(resc_model *model);

/* The validated description; it lives as long as the model. */
const resc_model_desc *resc_model_desc_get(const resc_model *model);

/* Finds the entry point called `name` ("forward"); `*out_index` (may be NULL)
 * receives its position in desc->entries. The error lists the entries that
 * exist. */
resc_error *resc_model_find_entry(const resc_model *model, const char *name,
                                  const resc_entry_desc **out, int32_t *out_index);

/*===--- Tensors -----------------------------------------------------------===*/

/* A dense tensor that owns its data (64-byte aligned). */
typedef struct resc_tensor resc_tensor;

/* Creates a zero-filled tensor. `shape` has `rank` (0..RESC_MAX_RANK)
 * non-negative entries; it may be NULL when rank is 0. */
resc_error *resc_tensor_create(int32_t dtype, int32_t rank, const int64_t *shape,
                               resc_tensor **out);

/* Releases a tensor and its data; NULL is allowed. */
void resc_tensor_destroy(resc_tensor *tensor);

int32_t resc_tensor_dtype(const resc_tensor *tensor);
int32_t resc_tensor_rank(const resc_tensor *tensor);
/* `rank` entries, owned by the tensor. */
const int64_t *resc_tensor_shape(const resc_tensor *tensor);
int64_t resc_tensor_numel(const resc_tensor *tensor);
size_t resc_tensor_nbytes(const resc_tensor *tensor);
/* The elements, owned by the tensor; never NULL (even with 0 elements). */
void *resc_tensor_data(resc_tensor *tensor);
const void *resc_tensor_data_const(const resc_tensor *tensor);

/*===--- .npy files --------------------------------------------------------===*/

/* Reads a .npy file (format 1.0, 2.0 or 3.0; dtypes <f4 <f8 <i4 <i8; C order
 * only) into a new tensor. */
resc_error *resc_npy_read(const char *path, resc_tensor **out);

/* Writes `tensor` as a .npy file, format 1.0. */
resc_error *resc_npy_write(const resc_tensor *tensor, const char *path);

/*===--- Parameters --------------------------------------------------------===*/

/* The parameter arena of one model: param_arena_bytes bytes, 64-byte aligned,
 * laid out as the model's description says. It refers to its model, which
 * must outlive it. */
typedef struct resc_params resc_params;

/* Allocates a zero-filled arena for `model`. */
resc_error *resc_params_create(const resc_model *model, resc_params **out);

/* Releases the arena; NULL is allowed. */
void resc_params_destroy(resc_params *params);

/* The model the arena belongs to. */
const resc_model *resc_params_model(const resc_params *params);

/* The arena itself (desc->param_arena_bytes bytes), for direct access or for
 * swapping weights with memcpy. */
void *resc_params_arena(resc_params *params);

/* Finds the parameter, buffer or optimizer-state tensor called `name`
 * ("blocks.0.fc1.weight", "blocks.0.fc1.weight.exp_avg"):
 * `*out_desc` receives its description and `*out_data` (may be NULL) its data
 * in the arena. */
resc_error *resc_params_find(resc_params *params, const char *name,
                             const resc_tensor_desc **out_desc, void **out_data);

/* Initialises every tensor by its `init` string, as PyTorch initialises the
 * corresponding layer (same distributions and bounds):
 *   "uniform:fan_in=K"                   U(-1/sqrt(K), 1/sqrt(K))
 *   "xavier_uniform:fan_in=A,fan_out=B"  U(-sqrt(6/(A+B)), sqrt(6/(A+B)))
 *   "normal:std=S"                       N(0, S^2)
 *   "ones", "zeros"                      constants
 * Optimizer state is always "zeros" (torch.optim's state before the first
 * step). Integer tensors accept "zeros", "ones" and "" (zero). The random numbers come
 * from xoshiro256** seeded per tensor from (seed, tensor name), documented in
 * docs/abi.md: the same seed gives the same arena on every platform, but not
 * PyTorch's numbers. An unknown or malformed init string is an error that
 * names the tensor; the arena is then left partly initialised. */
resc_error *resc_params_init(resc_params *params, uint64_t seed);

/* Loads every parameter and buffer by name from a safetensors file. The file
 * must hold exactly the model's parameters and buffers, each with the dtype
 * and shape of the description; the error names the missing, extra or
 * mismatched tensor. Optimizer state (RESC_ROLE_STATE) is not part of this
 * file (resc_state_load_safetensors) and is left untouched; a state tensor in
 * the file is an "unexpected tensor" error. Nothing is written to the arena
 * unless the whole file is valid. */
resc_error *resc_params_load_safetensors(resc_params *params, const char *path);

/* Saves every parameter and buffer (not the optimizer state) as a
 * safetensors file (in description order, with __metadata__ {"format":
 * "pt"}), readable by safetensors.torch.load_file. The file is written to a
 * temporary name and renamed, so a failure never leaves a partial file at
 * `path`. */
resc_error *resc_params_save_safetensors(const resc_params *params, const char *path);

/* The optimizer state (tensors of role RESC_ROLE_STATE: "<param>.momentum_buffer",
 * "<param>.exp_avg", "<param>.exp_avg_sq", "optimizer.step") in a file of its
 * own, as PyTorch keeps optimizer.state_dict() apart from model.state_dict(),
 * so that training can stop and resume. Same format, checks, messages and
 * atomicity as the parameter calls above, for the state tensors only: the
 * file must hold exactly the model's state tensors (a parameter or buffer in
 * it is an "unexpected tensor" error), and loading leaves the parameters and
 * buffers untouched. For a model without optimizer state, save writes a
 * valid file with no tensors and load accepts only such a file. */
resc_error *resc_state_load_safetensors(resc_params *params, const char *path);
resc_error *resc_state_save_safetensors(const resc_params *params, const char *path);

/* Saves the gradients returned by a `loss_grad` entry point: its "grads"
 * output is laid out like the parameter arena; every trained parameter is
 * written under its own name (buffers and optimizer state have no gradient
 * and are left out). */
resc_error *resc_grads_save_safetensors(const resc_model *model, const resc_tensor *grads,
                                        const char *path);

/*===--- Running -----------------------------------------------------------===*/

/* Runs entry point `entry` ("forward") of `model` on `inputs` (in the
 * entry's argument order, `num_inputs` of them) with the arena `params`
 * (created for this model; may be NULL only when the arena is empty).
 *
 * Checks the number of inputs and outputs, every input's dtype and rank and
 * static dims, and binds every symbolic dim from the input shapes (a dim must
 * agree everywhere). Then it allocates the outputs with the bound shapes and
 * the scratch memory the entry needs (the calling thread's scratch arena,
 * kept and reused by its later calls), and calls it. On success `outputs`
 * (an array of `num_outputs`, which must equal the entry's output count)
 * receives new tensors the caller owns; on failure every element is set to
 * NULL. A non-zero status from the entry (resc_entry_status) becomes an
 * error saying what went wrong.
 *
 * `train_step` (in models that declare an optimizer) takes the loss's inputs
 * followed by the learning rate `lr` (f32, rank 0) and returns the loss (f32,
 * rank 0); it updates the parameters, buffers and optimizer state in `params`
 * in place, so it needs exclusive access to the arena. */
resc_error *resc_run(const resc_model *model, const char *entry, resc_params *params,
                     const resc_tensor *const *inputs, size_t num_inputs,
                     resc_tensor **outputs, size_t num_outputs);

/* Frees the scratch arena resc_run keeps for the calling thread (the next
 * call allocates one again). A thread's arena is also freed when it exits. */
void resc_release_scratch(void);

/*===--- Threads -----------------------------------------------------------===*/

/* The most threads resc_set_num_threads accepts. */
#define RESC_MAX_THREADS 1024

/* Sets how many threads compiled code may use, for the whole process (like
 * omp_set_num_threads). 1..RESC_MAX_THREADS, or 0 to return to the default:
 * the environment variable RESC_NUM_THREADS when it holds a whole number in
 * 1..RESC_MAX_THREADS (other values are ignored), else the number of CPUs the
 * process may run on. Any other count is an error and changes nothing.
 * Thread-safe; takes effect for calls that start after it returns.
 * Compiled code splits its large loops over LLVM's OpenMP runtime (libomp);
 * resc_run applies the count to the calling thread before each call. */
resc_error *resc_set_num_threads(int32_t num_threads);

/* The thread count in effect: the last count set, or the default above.
 * Always >= 1. Thread-safe. */
int32_t resc_get_num_threads(void);

/* Applies the thread count in effect to the calling thread for `model`, for
 * programs that call entry functions directly (resc_run does it itself). */
void resc_threads_apply(const resc_model *model);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* RESC_RUNTIME_H */
