//===- UnrollRepeat.cpp - Unroll res.repeat into copies of its body -------===//
//
// res-unroll-repeat: `res.repeat n` becomes n copies of its body in
// sequence, each fed with `res.instance %stack[i]` slices of the stacked
// parameters and the values carried from the previous copy.
//
//===----------------------------------------------------------------------===//

#include "res/Passes.h"
#include "res/ResOps.h"
#include "res/Transforms.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace res {
#define GEN_PASS_DEF_RESUNROLLREPEAT
#include "res/Passes.h.inc"
} // namespace res

using namespace mlir;
using namespace res;

void res::unrollRepeat(RepeatOp op) {
  OpBuilder builder(op);
  Block *body = op.getBodyBlock();
  auto yield = cast<YieldOp>(body->getTerminator());
  SmallVector<Value> carried(op.getInits());
  for (int64_t i = 0, e = op.getCountAttr().getInt(); i < e; ++i) {
    IRMapping mapping;
    mapping.map(op.getCarriedArgs(), carried);
    for (auto [arg, stack] : llvm::zip_equal(op.getParamArgs(), op.getParams()))
      mapping.map(arg, InstanceOp::create(builder, stack.getLoc(), arg.getType(),
                                          stack, static_cast<uint64_t>(i))
                           .getResult());
    for (Operation &nested : body->without_terminator())
      builder.clone(nested, mapping);
    carried.clear();
    for (Value v : yield.getValues())
      carried.push_back(mapping.lookupOrDefault(v));
  }
  // A yielded value may be more static than the carried type (the verifier
  // allows compatible types): cast back so that every user sees the type it
  // was built with.
  for (auto [value, result] : llvm::zip_equal(carried, op.getResults()))
    if (value.getType() != result.getType())
      value = tensor::CastOp::create(builder, op.getLoc(), result.getType(),
                                     value);
  op.replaceAllUsesWith(carried);
  op.erase();
}

namespace {

struct ResUnrollRepeat : res::impl::ResUnrollRepeatBase<ResUnrollRepeat> {
  using ResUnrollRepeatBase::ResUnrollRepeatBase;

  void runOnOperation() override {
    // Post-order: inner repeats are unrolled before the repeats that hold
    // them, so the copies of an outer body are already flat.
    SmallVector<RepeatOp> repeats;
    getOperation()->walk([&](RepeatOp op) {
      if (maxCount < 0 || op.getCountAttr().getInt() <= maxCount)
        repeats.push_back(op);
    });
    for (RepeatOp op : repeats)
      unrollRepeat(op);
  }
};

} // namespace
