//===- ResToLinalg.h - patterns lowering res to linalg ----------*- C++ -*-===//
//
// One populate function per op family, torch-mlir style; the pass in
// ResToLinalgPass.cpp only collects them.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CONVERSION_RESTOLINALG_H
#define RESC_CONVERSION_RESTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace resc {

void populateElementwisePatterns(mlir::RewritePatternSet &patterns);
void populateContractionPatterns(mlir::RewritePatternSet &patterns);
void populateReductionPatterns(mlir::RewritePatternSet &patterns);
void populateShapePatterns(mlir::RewritePatternSet &patterns);
void populateLossPatterns(mlir::RewritePatternSet &patterns);
void populateRepeatPatterns(mlir::RewritePatternSet &patterns);
/// conv2d, batch_norm (evaluation and training mode), layer_norm, pooling, embedding.
void populateNNPatterns(mlir::RewritePatternSet &patterns);
/// The ops of backward graphs (reduce_to, broadcast_to, *_grad, slice).
void populateGradientPatterns(mlir::RewritePatternSet &patterns);
/// The adjoints of the layers (conv2d_grad_input/_weight, pooling,
/// embedding_grad, batch_norm_grad, layer_norm_grad).
void populateNNGradientPatterns(mlir::RewritePatternSet &patterns);

} // namespace resc

#endif // RESC_CONVERSION_RESTOLINALG_H
