//===- Im2col.h - convolutions as contractions over columns -----*- C++ -*-===//
//
// conv2d and its two adjoints lower to one contraction each over the
// "columns" of the zero-padded input,
//   col[n, c, kh, kw, oh, ow] = x_pad[n, c, oh s + kh d, ow s + kw d],
// grouped as [N, G, C/G * KH * KW, Ho * Wo]. A contraction whose maps are
// projected permutations is what the register-tiled vector path handles
// (Schedule.cpp); a convolution's windows (oh s + kh d) are not, so this
// turns the window into data movement (KH * KW plane copies) and keeps the
// arithmetic in the fast path. docs/passes.md says why this shape.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_LIB_CONVERSION_IM2COL_H
#define RESC_LIB_CONVERSION_IM2COL_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

namespace resc::conv {

/// The static part of a convolution's window.
struct Window {
  int64_t kernel[2];
  llvm::ArrayRef<int64_t> stride, dilation, padding;
};

/// col [N, C, KH, KW, Ho, Wo] of `x` ([N, C, H, W]) zero-padded by
/// `w.padding`: one unit-stride copy per kernel position (kh, kw). With a
/// stride s > 1 the padded image is first split into its s x s phases
/// (x_pad[i s + a, j s + b] at [a, b, i, j]), in which every window plane
/// is a contiguous block: rows are read whole, never one element in s.
mlir::Value im2col(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, const Window &w,
                   mlir::OpFoldResult ho, mlir::OpFoldResult wo);

/// The two halves of im2col: `x` zero-padded and split into its stride
/// phases, [N, C, sh, sw, Hs, Ws] with ph[n, c, a, b, i, j] =
/// x_pad[n, c, i sh + a, j sw + b] (a reshape when the stride is 1), and the
/// columns of such phases.
mlir::Value phases(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, const Window &w);
mlir::Value columns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ph, const Window &w,
                    mlir::OpFoldResult ho, mlir::OpFoldResult wo);

/// The columns of the `images` images of `ph` (phases as above; its first
/// dim may be smaller, the rest of the columns is left unwritten) laid out
/// by kernel position first, [C, KH, KW, images, Ho, Wo]: as [C KH KW,
/// images Ho Wo] the pixels of all the images are one contiguous dim.
mlir::Value columnsByPosition(mlir::OpBuilder &b, mlir::Location loc, mlir::Value ph,
                              const Window &w, int64_t images, int64_t ho, int64_t wo);

/// The adjoint of im2col: dx [N, C, h, w] receives each plane of `dcol`
/// ([N, C, KH, KW, Ho, Wo]) added where im2col read it from (in the phases
/// when strided, which are then interleaved back); the padding is dropped.
mlir::Value col2im(mlir::OpBuilder &b, mlir::Location loc, mlir::Value dcol, const Window &w,
                   mlir::OpFoldResult h, mlir::OpFoldResult wd);

/// `value` collapsed by `collapse`, then expanded by `expand` (either may be
/// the identity); `sizes` are the result's, a null entry meaning the whole
/// collapsed dim (e.g. Ho * Wo). How the channel and spatial dims are
/// regrouped between the image layout and the contraction's.
mlir::Value regroup(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                    llvm::ArrayRef<mlir::ReassociationIndices> collapse,
                    llvm::ArrayRef<mlir::ReassociationIndices> expand,
                    llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// Whether the contraction sees Ho * Wo as one dim (both static: the
/// register tile's vectors run along it across rows) or as two. LLVM 22's
/// expand-strided-metadata crashes on splitting one dynamic dim into two
/// dynamic ones, so dynamic sizes stay apart.
bool flatSpatial(mlir::OpFoldResult ho, mlir::OpFoldResult wo);

/// [N, C, KH, KW, Ho, Wo] -> [N, G, C/G * KH * KW, <spatial>].
mlir::Value groupColumns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value col,
                         int64_t groups, bool flat);

/// [N, G, C/G * KH * KW, <spatial>] -> [N, C, KH, KW, Ho, Wo] (`sizes`).
mlir::Value ungroupColumns(mlir::OpBuilder &b, mlir::Location loc, mlir::Value col,
                           llvm::ArrayRef<mlir::OpFoldResult> sizes, bool flat);

/// [N, O, Ho, Wo] -> [N, G, O/G, <spatial>].
mlir::Value groupImage(mlir::OpBuilder &b, mlir::Location loc, mlir::Value y, int64_t groups,
                       bool flat);

/// [N, G, O/G, <spatial>] -> [N, O, Ho, Wo] (`sizes`).
mlir::Value ungroupImage(mlir::OpBuilder &b, mlir::Location loc, mlir::Value y,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes, bool flat);

/// [O, C/G, KH, KW] -> [G, O/G, C/G * KH * KW].
mlir::Value groupWeight(mlir::OpBuilder &b, mlir::Location loc, mlir::Value w, int64_t groups);

/// The map to `lead` followed by the spatial loops (one when `flat`, else
/// two) that start at loop `first`, in a space of `numLoops` loops.
mlir::AffineMap withSpatial(mlir::MLIRContext *ctx, unsigned numLoops,
                            llvm::ArrayRef<mlir::AffineExpr> lead, unsigned first, bool flat);

/// `rank` iterators, the last `reductions` of them reductions.
llvm::SmallVector<mlir::utils::IteratorType> iterators(int64_t rank, int64_t reductions);

/// init + sum over the reduction loops of lhs * rhs, read through `maps`
/// (lhs, rhs, init).
mlir::Value contract(mlir::OpBuilder &b, mlir::Location loc, mlir::Value lhs, mlir::Value rhs,
                     mlir::Value init, llvm::ArrayRef<mlir::AffineMap> maps,
                     llvm::ArrayRef<mlir::utils::IteratorType> iterators);

} // namespace resc::conv

#endif // RESC_LIB_CONVERSION_IM2COL_H
