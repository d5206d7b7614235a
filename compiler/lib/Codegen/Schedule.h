//===- Schedule.h - per-op tile sizes ---------------------------*- C++ -*-===//
//
// One place that decides how each linalg op is cut into tiles, so the
// tiling pass stays mechanical and the choices can be tuned in one file.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CODEGEN_SCHEDULE_H
#define RESC_CODEGEN_SCHEDULE_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace resc::codegen {

/// Register tile of a contraction: mr rows of the output times nr columns
/// (f32): 6 x 64 = twenty-four 512-bit accumulators, leaving registers for
/// the four B vectors and the broadcast A element. Per k: 4 loads and 6
/// broadcasts feed 24 FMAs (8 x 32 needed 10 for 16 and ran 17% slower on
/// the Linear GEMMs here).
constexpr int64_t kMr = 6;
constexpr int64_t kNr = 64;
/// f32 lanes of one (512-bit) vector register.
constexpr int64_t kLanes = 16;
/// Register tile of a shifted contraction (a stride-1 convolution on the
/// padded grid) whose output channels 8 divides: 8 x 48, twenty-four
/// accumulators again, but 3 loads and 8 broadcasts per 24 FMAs. Its image
/// rows are read at every kernel position's shift, unaligned, so most loads
/// span two cache lines; with a third fewer of them the tile ran 7-10%
/// faster than 6 x 64 on ResNet8's 16- and 32-channel layers (written with
/// intrinsics; on packed GEMM panels the two are equal).
constexpr int64_t kShiftedMr = 8;
constexpr int64_t kShiftedNr = 48;
/// Vector length along the innermost dim of non-contraction ops.
constexpr int64_t kVectorTile = 64;
/// Square block of a transpose (16 f32 = one 512-bit register per row).
constexpr int64_t kTransposeBlock = 16;
/// A reduction over the innermost dim is done in one vector up to this size.
constexpr int64_t kMaxFullReduction = 1024;

struct TileSchedule {
  llvm::SmallVector<int64_t> tileSizes;   ///< per loop; 0 leaves a loop whole
  llvm::SmallVector<int64_t> interchange; ///< order of the tile loops
};

/// A contraction that reads one input at a parallel loop dim plus constant
/// multiples of reduction dims: a stride-1 convolution on the padded grid
/// (ConvBlocks.cpp), y[.., q] += W[kh, kw, .., c] x[.., c, q + kh Wp + kw].
struct ShiftedContraction {
  llvm::SmallVector<unsigned> steps; ///< the reduction dims of the shift
};
std::optional<ShiftedContraction> matchShiftedContraction(mlir::linalg::LinalgOp op);

/// A contraction res-tile-for-vectors gives a register tile: one with
/// permutation maps, or a shifted one.
inline bool isRegisterTiled(mlir::linalg::LinalgOp op) {
  return mlir::linalg::isaContractionOpInterface(op) || matchShiftedContraction(op).has_value();
}

/// The tiles for one op, or std::nullopt when nothing is gained by tiling.
std::optional<TileSchedule> chooseTiles(mlir::linalg::LinalgOp op);

/// Tile sizes of the outer, parallel level (an scf.forall the threads
/// share), or std::nullopt when the op is too small to be worth splitting.
std::optional<llvm::SmallVector<int64_t>> chooseParallelTiles(mlir::linalg::LinalgOp op);

/// The contraction whose result `op` consumes as its epilogue, if any: `op`
/// is an all-parallel generic (an activation, an activation's adjoint, an
/// optimizer update) that is the only user of a contraction with one
/// reduction dim, reading its result through the identity map over the
/// whole of its own iteration space. The contraction's register tiles then
/// feed `op` directly (res-outline-kernels puts both into one kernel,
/// res-tile-for-vectors tiles them as one), so the product is never
/// written to memory.
mlir::linalg::LinalgOp epilogueProducer(mlir::linalg::LinalgOp op);

/// The all-parallel op that initialises contraction `op`'s accumulator (a
/// zero fill, a bias broadcast, a fused residual addend plus bias) when it
/// can move into the contraction's tiles: then each output tile is
/// initialised in registers right before its k loop instead of by a
/// separate pass over memory. Only for one reduction dim (or a shifted
/// contraction, whose reductions all run inside its tile): with outer
/// reduction dims (a convolution's weight gradient) a tile is revisited.
mlir::linalg::LinalgOp fusableInit(mlir::linalg::LinalgOp op);

/// exp, log, erf or tanh: res-approximate-math expands each into a
/// polynomial of ~20 instructions per vector register.
bool isPolynomialMath(mlir::Operation *op);

/// The loop dim that indexes the innermost dim of the first output, if any.
std::optional<unsigned> innermostOutputDim(mlir::linalg::LinalgOp op);

} // namespace resc::codegen

#endif // RESC_CODEGEN_SCHEDULE_H
