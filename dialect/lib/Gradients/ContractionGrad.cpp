//===- ContractionGrad.cpp - VJPs of linear and matmul --------------------===//
//
// linear, y = x W^T + b with x [..., in], W [out, in], dy [..., out]:
//   dx = dy W                     (res.matmul)
//   dW = sum over leading dims of dy^T x   (res.linear_weight_grad)
//   db = sum of dy over its leading dims   (res.sum)
//
// matmul, C = A B with torch.matmul semantics:
//   rank >= 2 both:  dA = reduce_to(dC B^T, A),  dB = reduce_to(A^T dC, B)
//                    (reduce_to sums the batch dims that broadcasting added)
//   A [k], B [..., k, n]: E = dC broadcast along B's dim -2 (res.broadcast_to)
//                    dA = sum(B * E) over all but dim -2,  dB = A[:, None] * E
//   A [..., m, k], B [k]: E = dC broadcast along A's dim -1
//                    dA = E * B,  dB = sum(A * E) over all but dim -1
//   A [k], B [k]:    dA = dC * B,  dB = dC * A
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

#include "llvm/ADT/SmallVector.h"

using namespace mlir;
using namespace res;
using namespace res::grad;

static int64_t rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// All dims of a rank-`rank` tensor but `keep`.
static SmallVector<int64_t> allDimsBut(int64_t rank, int64_t keep) {
  SmallVector<int64_t> dims;
  for (int64_t i = 0; i < rank; ++i)
    if (i != keep)
      dims.push_back(i);
  return dims;
}

RES_VJP(LinearOp) {
  RES_VJP_BEGIN
  if (v.needs(0))
    v.set(0, v.make<MatmulOp>(dy, getWeight()));
  if (v.needs(1))
    v.set(1, v.make<LinearWeightGradOp>(dy, getInput()));
  if (getBias() && v.needs(2)) {
    int64_t rank = rankOf(dy);
    if (rank == 1) {
      v.set(2, dy);
    } else {
      SmallVector<int64_t> lead;
      for (int64_t i = 0; i + 1 < rank; ++i)
        lead.push_back(i);
      v.set(2, v.make<SumOp>(dy, builder.getDenseI64ArrayAttr(lead),
                             builder.getBoolAttr(false)));
    }
  }
  return v.finish();
}

RES_VJP(MatmulOp) {
  RES_VJP_BEGIN
  Value a = getLhs(), b = getRhs();
  int64_t ra = rankOf(a), rb = rankOf(b);
  auto sumAllBut = [&](Value t, int64_t keep) {
    return v.make<SumOp>(t, builder.getDenseI64ArrayAttr(allDimsBut(rankOf(t), keep)),
                         builder.getBoolAttr(false));
  };
  auto broadcastAlong = [&](Value like, int64_t dim) {
    return v.make<BroadcastToOp>(dy, like, builder.getDenseI64ArrayAttr({dim}),
                                 builder.getBoolAttr(false),
                                 builder.getBoolAttr(false));
  };
  if (ra == 1 && rb == 1) {
    if (v.needs(0))
      v.set(0, v.make<MulOp>(b, dy));
    if (v.needs(1))
      v.set(1, v.make<MulOp>(a, dy));
  } else if (ra == 1) {
    Value e = broadcastAlong(b, rb - 2); // [..., k, n]
    if (v.needs(0))
      v.set(0, sumAllBut(v.make<MulOp>(b, e), rb - 2));
    if (v.needs(1)) {
      Value column = v.make<ReshapeOp>(
          a, builder.getDenseI64ArrayAttr({int64_t(-1), int64_t(1)}));
      v.set(1, v.make<MulOp>(e, column));
    }
  } else if (rb == 1) {
    Value e = broadcastAlong(a, ra - 1); // [..., m, k]
    if (v.needs(0))
      v.set(0, v.make<MulOp>(e, b));
    if (v.needs(1))
      v.set(1, sumAllBut(v.make<MulOp>(a, e), ra - 1));
  } else {
    if (v.needs(0)) {
      Value bt = v.make<TransposeOp>(b, builder.getI64IntegerAttr(rb - 2),
                                     builder.getI64IntegerAttr(rb - 1));
      v.set(0, v.make<MatmulOp>(dy, bt));
    }
    if (v.needs(1)) {
      Value at = v.make<TransposeOp>(a, builder.getI64IntegerAttr(ra - 2),
                                     builder.getI64IntegerAttr(ra - 1));
      v.set(1, v.make<MatmulOp>(at, dy));
    }
  }
  return v.finish();
}
