//===- UpdateInPlace.cpp - optimizer updates into their arguments ---------===//
//
// res-update-in-place: the generic computing an updated parameter writes into
// the parameter's argument (destination passing), or per instance into its
// slice, so one-shot bufferization can update the arena in place.
//
//===----------------------------------------------------------------------===//

#include "Schedule.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/MapVector.h"

#include <map>
#include <set>

namespace resc {
#define GEN_PASS_DEF_RESUPDATEINPLACE
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

/// The init of `result` can be replaced: the generic is all-parallel, writes
/// the result through an identity map and never reads the old value.
static OpOperand *replaceableInit(OpResult result) {
  auto generic = dyn_cast<linalg::GenericOp>(result.getOwner());
  if (!generic || generic.getNumLoops() != generic.getNumParallelLoops())
    return nullptr;
  OpOperand *init = generic.getDpsInitOperand(result.getResultNumber());
  if (!generic.getMatchingIndexingMap(init).isIdentity() ||
      generic.payloadUsesValueFromOperand(init))
    return nullptr;
  return init;
}

/// Makes the generic behind `init` write into `dest` (the argument, or its
/// slice) instead of a fresh tensor. An input reading `dest`'s elements at
/// the same index (`readsDest`) now reads the output block argument instead
/// (the same element, before it is written), so that tiles read the
/// loop-carried tensor and bufferization sees no read of the old buffer
/// after a write to it.
static void writeInto(OpOperand *init, Value dest, llvm::function_ref<bool(Value)> readsDest) {
  init->set(dest);
  auto generic = cast<linalg::GenericOp>(init->getOwner());
  BlockArgument out = generic.getMatchingBlockArgument(init);
  for (OpOperand *input : generic.getDpsInputOperands())
    if (readsDest(input->get()) && generic.getMatchingIndexingMap(input).isIdentity())
      generic.getMatchingBlockArgument(input).replaceAllUsesWith(out);
}

/// The insert_slice ops that assemble `v` piece by piece into a fresh
/// tensor (a res.concat of per-instance updates), last insertion first;
/// empty when `v` is not built that way.
static SmallVector<tensor::InsertSliceOp> insertionChain(Value v) {
  SmallVector<tensor::InsertSliceOp> chain;
  while (auto insert = v.getDefiningOp<tensor::InsertSliceOp>()) {
    if (!chain.empty() && !v.hasOneUse())
      return {};
    chain.push_back(insert);
    v = insert.getDest();
  }
  if (chain.empty() || !v.getDefiningOp<tensor::EmptyOp>())
    return {};
  return chain;
}

/// Where `reader` will run once res-tile-for-vectors has fused it: an
/// accumulator initialisation inside its contraction's tiles, a contraction
/// inside its elementwise epilogue's.
static Operation *fusedPosition(Operation *reader, Block &body) {
  auto op = dyn_cast<linalg::LinalgOp>(reader);
  if (op && op->getNumResults() == 1 && op->getResult(0).hasOneUse())
    if (auto contraction = dyn_cast<linalg::LinalgOp>(*op->getUsers().begin());
        contraction && resc::codegen::fusableInit(contraction) == op)
      op = contraction;
  if (op && op->getNumResults() == 1)
    for (Operation *user : op->getResult(0).getUsers())
      if (auto epilogue = dyn_cast<linalg::LinalgOp>(user);
          epilogue && resc::codegen::epilogueProducer(epilogue) == op)
        return body.findAncestorOpInBlock(*user);
  return body.findAncestorOpInBlock(op ? *op.getOperation() : *reader);
}

/// Moves `update`, which will overwrite what `reads` read, after the last
/// of them as they will run after fusion (a data gradient reading a weight
/// runs in the tiles of its epilogue, which may follow the weight's
/// update). Stays put when a user of its results comes earlier.
static void placeAfterReads(Operation *update, ValueRange reads, Block &body) {
  Operation *last = update;
  for (Value v : reads)
    for (Operation *reader : v.getUsers())
      if (reader != update && !reader->hasTrait<OpTrait::IsTerminator>())
        if (Operation *at = fusedPosition(reader, body); at && last->isBeforeInBlock(at))
          last = at;
  if (last == update)
    return;
  for (Operation *user : update->getUsers()) {
    Operation *at = body.findAncestorOpInBlock(*user);
    if (!at || !last->isBeforeInBlock(at))
      return;
  }
  update->moveAfter(last);
}

/// Static offsets, sizes and strides only.
static bool isStatic(OffsetSizeAndStrideOpInterface op) {
  return op.getOffsets().empty() && op.getSizes().empty() && op.getStrides().empty();
}

/// Is `v` a slice of a version in `versions` at the place `insert` writes?
static bool isSameSlice(Value v, const llvm::SmallPtrSetImpl<Value> &versions,
                        tensor::InsertSliceOp insert) {
  auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
  return slice && versions.contains(slice.getSource()) && isStatic(slice) &&
         slice.getStaticOffsets() == insert.getStaticOffsets() &&
         slice.getStaticSizes() == insert.getStaticSizes() &&
         slice.getStaticStrides() == insert.getStaticStrides();
}

/// A stacked update (`returned`) reassembled from per-instance generics by
/// `chain` at the end of the function: each generic instead writes into its
/// slice of the argument, where it stands, and the argument is versioned
/// there (insert_slice of the result into the previous version: one-shot
/// bufferization sees each write as a matching extract/insert pair on one
/// buffer). Later reads of slices not yet updated read the latest version,
/// so no read of an old version follows a write and nothing is copied.
/// Pieces that are not such generics are inserted at the end, as before.
static void updateSlicesInPlace(IRRewriter &rewriter, Block &body, Value argument,
                                ArrayRef<tensor::InsertSliceOp> chain, OpOperand &returned) {
  if (!llvm::all_of(chain, [](tensor::InsertSliceOp op) { return isStatic(op); }))
    return;
  llvm::MapVector<Operation *, std::pair<tensor::InsertSliceOp, OpOperand *>> pieces;
  SmallVector<tensor::InsertSliceOp> rest;
  for (tensor::InsertSliceOp insert : llvm::reverse(chain)) {
    Value piece = insert.getSource();
    if (auto expand = piece.getDefiningOp<tensor::ExpandShapeOp>(); expand && expand->hasOneUse())
      piece = expand.getSrc();
    auto result = dyn_cast<OpResult>(piece);
    OpOperand *init = result ? replaceableInit(result) : nullptr;
    if (init && piece.hasOneUse() && result.getOwner()->getBlock() == &body &&
        !pieces.count(result.getOwner()))
      pieces[result.getOwner()] = {insert, init};
    else
      rest.push_back(insert);
  }
  llvm::SmallPtrSet<Value, 8> versions{argument};
  for (auto &[op, piece] : pieces) {
    SmallVector<Value> reads;
    for (Operation *user : argument.getUsers())
      if (auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
          slice && isSameSlice(slice, versions, piece.first))
        reads.push_back(slice);
    placeAfterReads(op, reads, body);
  }
  Value current = argument;
  std::set<SmallVector<int64_t>> updated;
  // Per slice not yet updated, its read from the current version.
  std::map<SmallVector<int64_t>, Value> fresh;
  auto readCurrent = [&](Operation &at, OpOperand &use) {
    auto slice = use.get().getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice || !versions.contains(slice.getSource()) || slice.getSource() == current ||
        !isStatic(slice))
      return;
    SmallVector<int64_t> offsets(slice.getStaticOffsets());
    if (updated.count(offsets))
      return;
    Value &v = fresh[offsets];
    if (!v || v.getDefiningOp<tensor::ExtractSliceOp>().getSource() != current) {
      rewriter.setInsertionPoint(&at);
      v = tensor::ExtractSliceOp::create(rewriter, slice.getLoc(), slice.getType(), current,
                                         slice.getMixedOffsets(), slice.getMixedSizes(),
                                         slice.getMixedStrides());
    }
    use.set(v);
  };
  for (Operation &op : llvm::make_early_inc_range(body)) {
    if (current != argument)
      op.walk([&](Operation *inner) {
        for (OpOperand &use : inner->getOpOperands())
          readCurrent(op, use);
      });
    auto it = pieces.find(&op);
    if (it == pieces.end())
      continue;
    auto [insert, init] = it->second;
    Value result = cast<linalg::GenericOp>(op).getTiedOpResult(init);
    rewriter.setInsertionPoint(&op);
    Value slice = tensor::ExtractSliceOp::create(
        rewriter, insert.getLoc(), cast<RankedTensorType>(result.getType()), current,
        insert.getMixedOffsets(), insert.getMixedSizes(), insert.getMixedStrides());
    writeInto(init, slice, [&](Value v) { return isSameSlice(v, versions, insert); });
    rewriter.setInsertionPointAfter(&op);
    current = tensor::InsertSliceOp::create(rewriter, insert.getLoc(), result, current,
                                            insert.getMixedOffsets(), insert.getMixedSizes(),
                                            insert.getMixedStrides());
    versions.insert(current);
    updated.insert(SmallVector<int64_t>(insert.getStaticOffsets()));
  }
  rewriter.setInsertionPoint(returned.getOwner());
  for (tensor::InsertSliceOp insert : rest)
    current = tensor::InsertSliceOp::create(rewriter, insert.getLoc(), insert.getSource(),
                                            current, insert.getMixedOffsets(),
                                            insert.getMixedSizes(), insert.getMixedStrides());
  returned.set(current);
  // The old assembly, last insertion first; then what only it used.
  tensor::InsertSliceOp first = chain.back();
  Value base = first.getDest();
  for (tensor::InsertSliceOp insert : chain) {
    Value source = insert.getSource();
    rewriter.eraseOp(insert);
    if (Operation *expand = source.getDefiningOp<tensor::ExpandShapeOp>())
      if (expand->use_empty())
        rewriter.eraseOp(expand);
  }
  if (base.use_empty())
    rewriter.eraseOp(base.getDefiningOp());
}

struct ResUpdateInPlace : resc::impl::ResUpdateInPlaceBase<ResUpdateInPlace> {
  void runOnOperation() override {
    func::FuncOp fn = getOperation();
    auto updates = fn->getAttrOfType<DenseI64ArrayAttr>("res.update_args");
    if (!updates || fn.isExternal())
      return;
    auto ret = cast<func::ReturnOp>(fn.getBody().back().getTerminator());
    IRRewriter rewriter(&getContext());
    for (auto [i, arg] : llvm::enumerate(updates.asArrayRef())) {
      if (arg < 0 || i >= ret.getNumOperands())
        continue;
      Value argument = fn.getArgument(arg);
      auto result = dyn_cast<OpResult>(ret.getOperand(i));
      if (!result || result.getType() != argument.getType())
        continue;
      if (OpOperand *init = replaceableInit(result)) {
        placeAfterReads(result.getOwner(), argument, fn.getBody().front());
        writeInto(init, argument, [&](Value v) { return v == argument; });
        continue;
      }
      SmallVector<tensor::InsertSliceOp> chain = insertionChain(result);
      if (!chain.empty())
        updateSlicesInPlace(rewriter, fn.getBody().front(), argument, chain, ret->getOpOperand(i));
    }
    // Drop the inputs no longer read.
    RewritePatternSet patterns(&getContext());
    linalg::populateEraseUnusedOperandsAndResultsPatterns(patterns);
    if (failed(applyPatternsGreedily(fn, std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
