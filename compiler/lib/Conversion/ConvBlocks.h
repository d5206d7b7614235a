//===- ConvBlocks.h - convolutions blocked per image ------------*- C++ -*-===//
//
// The contractions of Im2col.h, run one image (or one chunk of images) per
// scf.forall iteration, images spread over the threads: an image's columns
// (450 KB for 16 channels of 28 x 28) stay in cache from the copies that
// write them to the contraction that reads them; built for the whole batch
// (14 MB at batch 32) they went through memory. Accumulators are initialised
// per image too, in cache, instead of one memset of the whole batch.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_LIB_CONVERSION_CONVBLOCKS_H
#define RESC_LIB_CONVERSION_CONVBLOCKS_H

#include "Im2col.h"

namespace resc::conv {

/// Slice `n` of dim 0 of `v`, the dim kept ([1, ...]).
mlir::Value image(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v, mlir::OpFoldResult n);

/// y[n, g, o, p] = bias[g, o] + sum_k W[g, o, k] col[n, g, k, p], one image
/// per iteration: `x` is [N, C, H, W], `wg` [G, O/G, C/G KH KW]
/// (groupWeight), `bias` [G, O/G] or null (zeros), `out` an empty
/// [N, G, O/G, <spatial>] (groupImage) whose sizes are the result's.
mlir::Value convolve(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value wg,
                     mlir::Value bias, mlir::Value out, const Window &w, mlir::OpFoldResult ho,
                     mlir::OpFoldResult wo, int64_t groups);

/// y = conv(x, w) + bias as [N, O, Ho, Wo], `y` an empty tensor of that
/// shape, `wg` and `bias` as for convolve: without columns when the stride
/// is 1 and the sizes static (a contraction per kernel position over the
/// shifted padded image, ConvBlocks.cpp), else through convolve.
mlir::Value convolveImage(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value wg,
                          mlir::Value bias, mlir::Value y, const Window &w, int64_t groups);

/// The adjoint of a convolution's input through its columns, one image per
/// iteration: dcol[g, k, p] = sum_o W[g, o, k] dy[n, g, o, p], then col2im
/// into dx[n]. `dyg` is [N, G, O/G, <spatial>] (groupImage) of dy's
/// [N, O, ho, wo], `wg` as for convolve, `out` an empty [N, C, H, W]. (A
/// stride-1 convolution's input adjoint is itself a convolution and takes
/// convolve instead.)
mlir::Value scatterColumns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value dyg,
                           mlir::Value wg, mlir::Value out, const Window &w,
                           mlir::OpFoldResult ho, mlir::OpFoldResult wo, int64_t groups);

/// dw[g, o, k] = sum over (n, p) of dy[n, g, o, p] col[n, g, k, p], or its
/// transpose [G, K, O] when `transposed`: the images are split into chunks
/// (an scf.forall) whose columns fit in cache, each chunk's product goes
/// into its own partial sum, and the partial sums are added afterwards.
mlir::Value weightGradient(mlir::OpBuilder &b, mlir::Location loc, mlir::Value dyg,
                           mlir::Value x, const Window &w, mlir::OpFoldResult ho,
                           mlir::OpFoldResult wo, int64_t groups, bool transposed);

/// dw [O, C/G, KH, KW] (`type`) of a convolution of `x` ([N, C, H, W]) whose
/// output gradient is `dy` ([N, O, Ho, Wo]): without columns where the
/// forward goes without them (convolveImage), else through weightGradient.
mlir::Value weightGradientImage(mlir::OpBuilder &b, mlir::Location loc, mlir::Value dy,
                                mlir::Value x, const Window &w, int64_t groups,
                                mlir::RankedTensorType type);

} // namespace resc::conv

#endif // RESC_LIB_CONVERSION_CONVBLOCKS_H
