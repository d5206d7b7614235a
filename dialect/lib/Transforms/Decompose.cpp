//===- Decompose.cpp - Expand composite layers into primitive ops ---------===//
//
// res-decompose: one rewrite pattern per composite op. The primitives carry
// the lowering and the vector-Jacobian products, so a composite layer is
// differentiable and fast as soon as it is decomposed.
//
//===----------------------------------------------------------------------===//

#include "res/Passes.h"
#include "res/ResOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <cmath>
#include <limits>

namespace res {
#define GEN_PASS_DEF_RESDECOMPOSE
#include "res/Passes.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

namespace {

/// Creates res ops with inferred result types; after the first failure
/// (reported at the op's location) every value is null.
class Maker {
public:
  Maker(PatternRewriter &rewriter, Location loc) : b(rewriter), loc(loc) {}
  template <typename OpTy, typename... Args>
  Value make(Args &&...args) {
    if (failed)
      return {};
    FailureOr<OpTy> op = createChecked<OpTy>(b, loc, std::forward<Args>(args)...);
    failed = mlir::failed(op);
    return failed ? Value() : op->getResult();
  }
  IntegerAttr i64(int64_t v) { return b.getI64IntegerAttr(v); }
  Value scalar(Type elementType, double value) {
    auto type = RankedTensorType::get({}, elementType);
    return make<ConstantOp>(
        cast<ElementsAttr>(DenseElementsAttr::get(type, b.getFloatAttr(elementType, value))));
  }
  bool ok() const { return !failed; }

private:
  PatternRewriter &b;
  Location loc;
  bool failed = false;
};

/// res.self_attention as nn.MultiheadAttention computes it (PyTorch 1.13,
/// F.multi_head_attention_forward): queries scaled by 1/sqrt(head size)
/// before the product with the keys, a -inf causal mask added before softmax.
struct DecomposeSelfAttention : OpRewritePattern<SelfAttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SelfAttentionOp op, PatternRewriter &rewriter) const override {
    Maker m(rewriter, op.getLoc());
    auto xt = cast<RankedTensorType>(op.getInput().getType());
    int64_t d = xt.getDimSize(2), heads = op.getNumHeads();
    if (ShapedType::isDynamic(d))
      return op.emitOpError("needs a static embedding size, got input ") << xt;
    Type elt = xt.getElementType();
    Value x = op.getInput(), wi = op.getInProjWeight(), bi = op.getInProjBias();

    // [N, T, d] -> [N, H, T, d / H] for the i-th of q, k, v.
    auto project = [&](int64_t i) {
      Value w = m.make<SliceOp>(wi, m.i64(0), m.i64(i * d), m.i64(d));
      Value bias = m.make<SliceOp>(bi, m.i64(0), m.i64(i * d), m.i64(d));
      Value y = m.make<LinearOp>(x, w, bias);
      Value split = m.make<SplitDimOp>(y, m.i64(2), m.i64(heads));
      return m.make<TransposeOp>(split, m.i64(1), m.i64(2));
    };
    Value q = project(0), k = project(1), v = project(2);
    q = m.make<DivOp>(q, m.scalar(elt, std::sqrt(static_cast<double>(d / heads))));
    Value scores = m.make<MatmulOp>(q, m.make<TransposeOp>(k, m.i64(2), m.i64(3)));
    if (op.getCausal())
      scores = m.make<CausalMaskOp>(
          scores, rewriter.getF64FloatAttr(-std::numeric_limits<double>::infinity()));
    Value probs = m.make<SoftmaxOp>(scores, m.i64(3));
    Value heads4 = m.make<MatmulOp>(probs, v);
    Value merged = m.make<MergeDimsOp>(m.make<TransposeOp>(heads4, m.i64(1), m.i64(2)), m.i64(2));
    Value y = m.make<LinearOp>(merged, op.getOutProjWeight(), op.getOutProjBias());
    if (!m.ok())
      return failure();
    if (y.getType() != op.getType())
      y = tensor::CastOp::create(rewriter, op.getLoc(), op.getType(), y);
    rewriter.replaceOp(op, y);
    return success();
  }
};

struct ResDecomposePass : res::impl::ResDecomposeBase<ResDecomposePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposeSelfAttention>(&getContext());
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    // A decomposition that failed has reported its error; nothing is left
    // for the later passes to trip over.
    bool left = false;
    getOperation()->walk([&](SelfAttentionOp) { left = true; });
    if (left)
      signalPassFailure();
  }
};

} // namespace
