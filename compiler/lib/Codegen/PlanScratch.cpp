//===- PlanScratch.cpp - one scratch arena per entry call -----------------===//
//
// res-plan-scratch: every buffer an entry point allocates becomes a view of
// one scratch argument the caller passes. Buffers whose lifetimes do not
// overlap share a slot; slot sizes and offsets are computed at the start
// of each call from the symbolic dims by a layout function, which also
// answers `scratch_bytes` for the runtime and the header.
//
// - Lifetimes are intervals over the entry's ops in program order. A use
//   inside a loop that does not contain the buffer's allocation keeps the
//   buffer for the whole loop; views, casts, selects, loop-carried values
//   and call results alias the buffers they come from.
// - A buffer allocated in a loop iteration and not carried to the next is
//   the same buffer in every iteration. One carried to exactly the next
//   iteration (a `repeat` body's output) alternates between two slots.
// - Buffers of one iteration of a parallel loop (per-image convolution
//   temporaries) are on the worker's stack already (res-stack-temporaries);
//   bounded ones too large for it get a piece of the arena per thread (the
//   iterations a thread runs reuse its piece while it is still in cache).
// - A call of another entry point (train_step calls loss_grad) gets a
//   slice of the arena for that entry's own plan.
// Anything else keeps its heap allocation, and the memory remark says so.
//
//===----------------------------------------------------------------------===//

#include "IndexRebuilder.h"
#include "ReturnedBuffers.h"
#include "resc/Codegen/SizeExpr.h"
#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"

#include <map>

namespace resc {
#define GEN_PASS_DEF_RESPLANSCRATCH
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

constexpr int64_t kAlign = 64;
/// The dim value size estimates assume for a symbolic dim: only used to
/// choose which slot a buffer joins, never for a size.
constexpr int64_t kRepresentativeDim = 64;

struct Buffer {
  memref::AllocOp alloc;   // the allocation it replaces
  func::CallOp call;       // or: the entry call whose scratch it is
  scf::ForOp pingPong;     // iterations of this loop alternate halves 0 and 1
  unsigned half = 0;
  scf::ForallOp perIteration; // one piece per thread running the loop
  Value strideBytes;          // the piece's size in the layout function
  unsigned strideResult = 0;  // ... and its index among the layout's results
  unsigned start = ~0u, end = 0;
  Value bytes;             // in the layout function, rounded up to kAlign
  Value raw;               // the same before rounding (allocations only)
  int64_t estimate = 0;
  bool dropped = false;    // stays on the heap
};

/// A size as a polynomial of the layout function's arguments: sorted
/// argument indices (a monomial) to coefficients.
using Monomial = SmallVector<unsigned, 2>;
using Poly = std::map<Monomial, int64_t>;

static std::optional<Poly> polyOf(Value v) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return Poly{{Monomial(), *c}};
  if (auto arg = dyn_cast<BlockArgument>(v))
    return Poly{{Monomial{arg.getArgNumber()}, 1}};
  Operation *def = v.getDefiningOp();
  if (!isa_and_nonnull<arith::AddIOp, arith::MulIOp>(def))
    return std::nullopt;
  std::optional<Poly> lhs = polyOf(def->getOperand(0)), rhs = polyOf(def->getOperand(1));
  if (!lhs || !rhs)
    return std::nullopt;
  Poly out;
  if (isa<arith::AddIOp>(def)) {
    out = *lhs;
    for (auto &[m, c] : *rhs)
      out[m] += c;
  } else {
    for (auto &[m1, c1] : *lhs)
      for (auto &[m2, c2] : *rhs) {
        Monomial m = m1;
        m.append(m2.begin(), m2.end());
        llvm::sort(m);
        out[m] += c1 * c2;
      }
  }
  for (auto it = out.begin(); it != out.end();)
    it = it->second == 0 ? out.erase(it) : std::next(it);
  return out;
}

using AliasSets = DenseMap<Value, llvm::SmallSetVector<unsigned, 2>>;

/// Which buffers each memref value may point into.
static AliasSets computeAliases(func::FuncOp fn,
                                const DenseMap<Operation *, SmallVector<unsigned, 2>> &ids) {
  AliasSets sets;
  auto addAll = [&](Value dst, Value src) {
    bool changed = false;
    auto it = sets.find(src);
    if (it == sets.end())
      return false;
    auto copy = it->second;
    for (unsigned id : copy)
      changed |= sets[dst].insert(id);
    return changed;
  };
  bool changed = true;
  while (changed) {
    changed = false;
    fn.walk([&](Operation *op) {
      if (auto it = ids.find(op); it != ids.end()) {
        for (unsigned id : it->second)
          changed |= sets[op->getResult(0)].insert(id);
        return;
      }
      if (auto view = dyn_cast<ViewLikeOpInterface>(op)) {
        changed |= addAll(op->getResult(0), view.getViewSource());
      } else if (auto castOp = dyn_cast<memref::CastOp>(op)) {
        changed |= addAll(castOp.getResult(), castOp.getSource());
      } else if (auto select = dyn_cast<arith::SelectOp>(op)) {
        changed |= addAll(select.getResult(), select.getTrueValue());
        changed |= addAll(select.getResult(), select.getFalseValue());
      } else if (auto loop = dyn_cast<scf::ForOp>(op)) {
        auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
        for (unsigned k = 0; k < loop.getNumResults(); ++k) {
          Value carried = loop.getRegionIterArg(k);
          changed |= addAll(carried, loop.getInitArgs()[k]);
          changed |= addAll(carried, yield.getOperand(k));
          changed |= addAll(loop.getResult(k), carried);
        }
      } else if (auto branch = dyn_cast<scf::IfOp>(op)) {
        for (Region &region : branch->getRegions())
          for (Block &block : region)
            for (auto [k, v] : llvm::enumerate(block.getTerminator()->getOperands()))
              changed |= addAll(branch.getResult(k), v);
      } else if (auto call = dyn_cast<func::CallOp>(op)) {
        // A kernel returns one of its arguments (its output): the result
        // is that operand. Otherwise it may be any of them.
        auto callee =
            SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
        for (OpResult result : call->getResults()) {
          if (callee && !callee.isExternal()) {
            auto ret = cast<func::ReturnOp>(callee.getBody().back().getTerminator());
            auto arg = dyn_cast<BlockArgument>(
                resc::stripCasts(ret.getOperand(result.getResultNumber())));
            if (arg && arg.getOwner() == &callee.getBody().front()) {
              changed |= addAll(result, call.getOperand(arg.getArgNumber()));
              continue;
            }
          }
          for (Value operand : call->getOperands())
            changed |= addAll(result, operand);
        }
      }
    });
  }
  return sets;
}

/// The dynamic dims of the first `numPlanArgs` arguments of `fn`, in order:
/// the index arguments of its scratch layout function.
static SmallVector<std::pair<unsigned, int64_t>> planDims(func::FuncOp fn, unsigned numPlanArgs) {
  SmallVector<std::pair<unsigned, int64_t>> dims;
  for (unsigned i = 0; i < numPlanArgs; ++i)
    if (auto type = dyn_cast<MemRefType>(fn.getArgument(i).getType()))
      for (int64_t d = 0; d < type.getRank(); ++d)
        if (type.isDynamicDim(d))
          dims.push_back({i, d});
  return dims;
}

/// The number of arguments of entry `fn` before its out-params.
static unsigned numPlanArgsOf(func::FuncOp fn) {
  auto outs = fn->getAttrOfType<IntegerAttr>("res.out_args");
  // The scratch argument comes last once the entry is planned.
  bool planned = fn->hasAttr("res.scratch_layout");
  return fn.getNumArguments() - unsigned(outs ? outs.getInt() : 0) - unsigned(planned);
}

/// The sizes the layout function of `callee` takes, for `call`, rebuilt
/// with `rebuilder`.
static FailureOr<SmallVector<Value>> layoutOperands(func::CallOp call, func::FuncOp callee,
                                                    resc::IndexRebuilder &rebuilder) {
  SmallVector<Value> sizes;
  for (auto [arg, dim] : planDims(callee, numPlanArgsOf(callee))) {
    FailureOr<Value> size = rebuilder.rebuildDim(call.getOperand(arg), dim);
    if (failed(size))
      return failure();
    sizes.push_back(*size);
  }
  return sizes;
}

/// If `size` is a chunked loop's `min(n - iv * c, c)` (iv the induction
/// variable of `loop`, c a constant), `n` and `c`.
static std::optional<std::pair<Value, int64_t>> chunkOf(Value size, scf::ForallOp loop) {
  auto min = size.getDefiningOp<arith::MinUIOp>();
  if (!min)
    return std::nullopt;
  for (unsigned side = 0; side < 2; ++side) {
    std::optional<int64_t> c = getConstantIntValue(min->getOperand(1 - side));
    auto sub = min->getOperand(side).getDefiningOp<arith::SubIOp>();
    auto mul = sub ? sub.getRhs().getDefiningOp<arith::MulIOp>() : nullptr;
    if (!c || !mul)
      continue;
    Value iv = loop.getInductionVar(0);
    bool ivTimesC = (mul.getLhs() == iv && getConstantIntValue(mul.getRhs()) == c) ||
                    (mul.getRhs() == iv && getConstantIntValue(mul.getLhs()) == c);
    if (ivTimesC)
      return std::make_pair(sub.getLhs(), *c);
  }
  return std::nullopt;
}

/// The arena piece iteration i of the parallel loop `loop` uses. The
/// dispatcher (res-parallel-dispatch) gives thread t iterations
/// [t per, (t + 1) per), per = ceil(n / team): iteration i uses piece
/// i / per, the same for all iterations of one thread (still in its cache
/// from the previous one), distinct between threads, below n. One
/// iteration, run without a fork, and a nested loop's team of one use
/// piece 0. (The layout keeps n pieces: the team size is not known before
/// the call.) Made once at the top of the loop body; every buffer of the
/// loop uses it.
static Value pieceOf(scf::ForallOp loop) {
  OpBuilder b = OpBuilder::atBlockBegin(loop.getBody());
  Location loc = loop.getLoc();
  auto module = loop->getParentOfType<ModuleOp>();
  StringRef name = "omp_get_num_threads";
  auto fn = module.lookupSymbol<func::FuncOp>(name);
  if (!fn) {
    OpBuilder mb = OpBuilder::atBlockEnd(module.getBody());
    fn = func::FuncOp::create(mb, loc, name, mb.getFunctionType({}, {mb.getI32Type()}));
    fn.setPrivate();
  }
  Value team = func::CallOp::create(b, loc, fn, ValueRange()).getResult(0);
  team = arith::IndexCastUIOp::create(b, loc, b.getIndexType(), team);
  team = arith::MaxUIOp::create(b, loc, team, arith::ConstantIndexOp::create(b, loc, 1));
  Value trips = getValueOrCreateConstantIndexOp(b, loc, loop.getMixedUpperBound()[0]);
  Value per = arith::CeilDivUIOp::create(b, loc, trips, team);
  return arith::DivUIOp::create(b, loc, loop.getInductionVar(0), per);
}

/// The bytes of one piece of a per-iteration buffer, rounded up to the
/// alignment: its dynamic sizes at their largest, `min(n, c)` for a chunk
/// `min(n - iv * c, c)` (the first iteration's), else their constant bound.
static Value pieceBytes(memref::AllocOp alloc, scf::ForallOp loop,
                        resc::IndexRebuilder &rebuilder, OpBuilder &b) {
  Location loc = alloc.getLoc();
  MemRefType type = alloc.getType();
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };
  int64_t fixed = (type.getElementTypeBitWidth() + 7) / 8;
  for (int64_t d : type.getShape())
    fixed *= ShapedType::isDynamic(d) ? 1 : d;
  Value bytes = constant(fixed);
  for (Value size : alloc.getDynamicSizes()) {
    Value largest = constant(*resc::constantUpperBound(size));
    if (auto chunk = chunkOf(size, loop))
      if (FailureOr<Value> n = rebuilder.rebuild(chunk->first); succeeded(n))
        largest = arith::MinUIOp::create(b, loc, *n, constant(chunk->second));
    bytes = arith::MulIOp::create(b, loc, bytes, largest);
  }
  bytes = arith::CeilDivUIOp::create(b, loc, bytes, constant(kAlign));
  return arith::MulIOp::create(b, loc, bytes, constant(kAlign));
}

struct Planner {
  func::FuncOp fn;
  unsigned numPlanArgs;
  const DenseMap<Operation *, func::FuncOp> &layoutOf;

  SmallVector<Buffer> buffers;
  DenseMap<Operation *, SmallVector<unsigned, 2>> ids;

  /// `plan`: false puts nothing in the arena (calls of entries get their
  /// own heap buffer).
  void collect(bool plan);
  func::FuncOp buildLayout(ModuleOp module, SmallVectorImpl<unsigned> &placement,
                           unsigned &numOffsets);
  void rewrite(func::FuncOp layout, ArrayRef<unsigned> placement);
  void remark(func::FuncOp layout, unsigned numOffsets);
};

/// Finds the buffers and their lifetimes.
void Planner::collect(bool plan) {
  Block &body = fn.getBody().front();
  // Calls of other entry points get a slice for their own plan (without a
  // plan, their own heap buffer).
  auto collectEntryCalls = [&] {
    fn.walk([&](func::CallOp call) {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      if (callee && layoutOf.count(callee)) {
        Buffer buffer;
        buffer.call = call;
        buffer.dropped = !plan;
        buffers.push_back(buffer);
      }
    });
  };
  if (!plan) {
    collectEntryCalls();
    return;
  }
  // Allocations in the entry or in (nests of) sequential loops.
  SmallVector<memref::AllocOp> allocs;
  fn.walk([&](memref::AllocOp alloc) {
    // Too large for the stack in an iteration of a parallel loop of the
    // entry: a piece of the arena per iteration (the per-image chunks of
    // convolution gradients).
    auto forall = dyn_cast<scf::ForallOp>(alloc->getParentOp());
    if (forall && forall->getParentOp() == fn && forall.getRank() == 1 &&
        forall.isNormalized()) {
      if (resc::boundBytes(alloc)) {
        Buffer buffer;
        buffer.alloc = alloc;
        buffer.perIteration = forall;
        ids[alloc].push_back(buffers.size());
        buffers.push_back(buffer);
        return;
      }
    }
    for (Operation *p = alloc->getParentOp(); p != fn; p = p->getParentOp())
      if (!isa<scf::ForOp>(p))
        return;
    if (alloc.getType().getLayout().isIdentity())
      allocs.push_back(alloc);
  });
  DenseMap<Operation *, SmallVector<unsigned, 2>> tentative;
  for (auto [i, alloc] : llvm::enumerate(allocs))
    tentative[alloc].push_back(i);
  AliasSets sets = computeAliases(fn, tentative);

  for (auto [i, alloc] : llvm::enumerate(allocs)) {
    SmallVector<scf::ForOp> yielding;
    for (Operation *p = alloc->getParentOp(); p != fn; p = p->getParentOp()) {
      auto loop = cast<scf::ForOp>(p);
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      if (llvm::any_of(yield.getOperands(), [&](Value v) { return sets[v].contains(i); }))
        yielding.push_back(loop);
    }
    Buffer buffer;
    buffer.alloc = alloc;
    if (yielding.empty()) {
      ids[alloc].push_back(buffers.size());
      buffers.push_back(buffer);
      continue;
    }
    // Ping-pong: carried by its own top-level loop, at one position, to
    // the next iteration only (the carried value is not yielded again).
    auto loop = dyn_cast<scf::ForOp>(alloc->getParentOp());
    bool ok = yielding.size() == 1 && loop == yielding[0] && loop->getParentOp() == fn;
    if (ok) {
      auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
      unsigned positions = 0;
      for (auto [k, v] : llvm::enumerate(yield.getOperands())) {
        if (!sets[v].contains(i))
          continue;
        ++positions;
        ok &= resc::stripCasts(v) == alloc.getResult() &&
              llvm::none_of(yield.getOperands(), [&](Value w) {
                return resc::stripCasts(w) == loop.getRegionIterArg(k);
              });
      }
      ok &= positions == 1;
    }
    if (!ok)
      continue;
    buffer.pingPong = loop;
    for (unsigned half = 0; half < 2; ++half) {
      buffer.half = half;
      ids[alloc].push_back(buffers.size());
      buffers.push_back(buffer);
    }
  }
  collectEntryCalls();

  // Lifetimes over program points: ops numbered in pre-order, a region op
  // spanning its nested ops. A use inside a loop that does not contain the
  // buffer's allocation keeps the buffer for the whole loop.
  DenseMap<Operation *, std::pair<unsigned, unsigned>> span;
  unsigned counter = 0;
  std::function<void(Operation *)> number = [&](Operation *op) {
    unsigned first = counter++;
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (Operation &nested : block)
          number(&nested);
    span[op] = {first, counter - 1};
  };
  for (Operation &op : body)
    number(&op);
  sets = computeAliases(fn, ids);
  auto definition = [&](Buffer &buffer) -> Operation * {
    if (buffer.pingPong)
      return buffer.pingPong;
    if (buffer.perIteration)
      return buffer.perIteration;
    return buffer.alloc ? buffer.alloc.getOperation() : buffer.call.getOperation();
  };
  auto extend = [&](unsigned id, Operation *use) {
    Operation *def = definition(buffers[id]);
    Operation *point = use;
    for (Operation *p = use->getParentOp(); p != fn; p = p->getParentOp())
      if (isa<scf::ForOp, scf::ForallOp, scf::ParallelOp, scf::WhileOp>(p) && !p->isAncestor(def))
        point = p;
    buffers[id].start = std::min(buffers[id].start, span[point].first);
    buffers[id].end = std::max(buffers[id].end, span[point].second);
  };
  for (auto [id, buffer] : llvm::enumerate(buffers)) {
    Operation *def = definition(buffer);
    buffer.start = span[def].first;
    // Both halves of a ping-pong pair, and all pieces, live through their
    // loop.
    buffer.end = buffer.pingPong || buffer.perIteration ? span[def].second : span[def].first;
  }
  fn.walk([&](Operation *op) {
    if (isa<memref::DimOp>(op))
      return;
    for (Value operand : op->getOperands())
      if (auto it = sets.find(operand); it != sets.end())
        for (unsigned id : it->second)
          extend(id, op);
  });
}

/// The layout function: total bytes, then the distinct offsets; buffer i
/// goes to offset result 1 + placement[i].
func::FuncOp Planner::buildLayout(ModuleOp module, SmallVectorImpl<unsigned> &placement,
                                  unsigned &numOffsets) {
  OpBuilder mb(module.getContext());
  mb.setInsertionPointAfter(fn);
  SmallVector<std::pair<unsigned, int64_t>> dims = planDims(fn, numPlanArgs);
  SmallVector<Type> argTypes(dims.size(), mb.getIndexType());
  auto layout = func::FuncOp::create(mb, fn.getLoc(), (fn.getSymName() + "__scratch_layout").str(),
                                     mb.getFunctionType(argTypes, {}));
  layout.setPrivate();
  Block *entry = layout.addEntryBlock();
  OpBuilder b = OpBuilder::atBlockBegin(entry);
  Location loc = fn.getLoc();
  resc::IndexRebuilder rebuilder(b, IRMapping());
  for (auto [k, argDim] : llvm::enumerate(dims))
    rebuilder.mapDim(fn.getArgument(argDim.first), argDim.second, layout.getArgument(k));
  auto constant = [&](int64_t v) { return arith::ConstantIndexOp::create(b, loc, v).getResult(); };

  // Byte sizes, rounded up to the alignment.
  DenseMap<Operation *, Value> allocBytes, rawBytes;
  for (Buffer &buffer : buffers) {
    if (buffer.dropped)
      continue;
    if (buffer.alloc) {
      if (Value known = allocBytes.lookup(buffer.alloc)) {
        buffer.bytes = known;
        buffer.raw = rawBytes.lookup(buffer.alloc);
        continue;
      }
      if (buffer.perIteration) {
        FailureOr<Value> trips = rebuilder.rebuild(
            getValueOrCreateConstantIndexOp(b, loc, buffer.perIteration.getMixedUpperBound()[0]));
        if (failed(trips)) {
          buffer.dropped = true;
          continue;
        }
        buffer.strideBytes = pieceBytes(buffer.alloc, buffer.perIteration, rebuilder, b);
        buffer.bytes = arith::MulIOp::create(b, loc, *trips, buffer.strideBytes);
        continue;
      }
      MemRefType type = buffer.alloc.getType();
      int64_t fixed = (type.getElementTypeBitWidth() + 7) / 8;
      for (int64_t d : type.getShape())
        fixed *= ShapedType::isDynamic(d) ? 1 : d;
      FailureOr<SmallVector<Value>> sizes = rebuilder.rebuildAll(buffer.alloc.getDynamicSizes());
      if (failed(sizes)) {
        buffer.dropped = true;
        continue;
      }
      Value bytes = constant(fixed);
      for (Value s : *sizes)
        bytes = arith::MulIOp::create(b, loc, bytes, s);
      buffer.raw = bytes;
      bytes = arith::CeilDivUIOp::create(b, loc, bytes, constant(kAlign));
      buffer.bytes = arith::MulIOp::create(b, loc, bytes, constant(kAlign));
      allocBytes[buffer.alloc] = buffer.bytes;
      rawBytes[buffer.alloc] = buffer.raw;
      continue;
    }
    auto callee =
        SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(buffer.call, buffer.call.getCalleeAttr());
    FailureOr<SmallVector<Value>> sizes = layoutOperands(buffer.call, callee, rebuilder);
    if (failed(sizes)) {
      buffer.dropped = true;
      continue;
    }
    buffer.bytes = func::CallOp::create(b, loc, layoutOf.lookup(callee), *sizes).getResult(0);
  }
  for (Buffer &buffer : buffers) {
    if (buffer.dropped)
      continue;
    auto dimValue = [](BlockArgument) { return kRepresentativeDim; };
    buffer.estimate = resc::evaluateSize(buffer.bytes, dimValue).value_or(int64_t(1) << 20);
  }

  // Two plans, and the one smaller by the estimates is taken:
  // - by offset: buffers whose size is one monomial of the dims (c * N,
  //   c * N * T, or a constant) are packed among those of the same
  //   monomial, in units of it (exact for every value of the dims), greedy
  //   by size: each buffer, largest first, at the lowest offset free of the
  //   placed buffers whose lifetimes overlap its own. Other sizes (a called
  //   entry's arena, per-iteration pieces) get slots as below.
  // - by slot: in order of first use, each buffer joins the free slot that
  //   wastes least by the estimates, or opens a new one; a slot is as large
  //   as its largest buffer. Better when many monomials mix (attention's
  //   N*T*T scores beside N*T*C activations).
  SmallVector<unsigned> live;
  for (unsigned i = 0; i < buffers.size(); ++i)
    if (!buffers[i].dropped)
      live.push_back(i);
  std::map<Monomial, SmallVector<unsigned>> classes;
  SmallVector<int64_t> units(buffers.size(), 0);
  SmallVector<unsigned> opaque;
  for (unsigned i : live) {
    std::optional<Poly> poly = buffers[i].raw ? polyOf(buffers[i].raw) : std::nullopt;
    if (poly && poly->size() == 1 && poly->begin()->second > 0) {
      units[i] = llvm::alignTo(poly->begin()->second, kAlign);
      classes[poly->begin()->first].push_back(i);
    } else {
      opaque.push_back(i);
    }
  }
  auto overlaps = [&](unsigned a, unsigned c) {
    return buffers[a].start <= buffers[c].end && buffers[c].start <= buffers[a].end;
  };
  SmallVector<int64_t> at(buffers.size(), -1);
  std::map<Monomial, int64_t> extents;
  int64_t byOffset = 0;
  for (auto &[monomial, ids] : classes) {
    llvm::stable_sort(ids, [&](unsigned a, unsigned c) { return units[a] > units[c]; });
    int64_t extent = 0;
    for (auto [k, id] : llvm::enumerate(ids)) {
      SmallVector<std::pair<int64_t, int64_t>> taken;
      for (unsigned other : ArrayRef<unsigned>(ids).take_front(k))
        if (overlaps(id, other))
          taken.push_back({at[other], at[other] + units[other]});
      llvm::sort(taken);
      int64_t offset = 0;
      for (auto [begin, end] : taken) {
        if (begin >= offset + units[id])
          break;
        offset = std::max(offset, end);
      }
      at[id] = offset;
      extent = std::max(extent, offset + units[id]);
    }
    extents[monomial] = extent;
    int64_t scale = 1;
    for (size_t k = 0; k < monomial.size(); ++k)
      scale *= kRepresentativeDim;
    byOffset += extent * scale;
  }
  struct Slot {
    unsigned end;
    int64_t estimate;
    SmallVector<unsigned> members;
  };
  auto slotPlan = [&](SmallVector<unsigned> ids, int64_t &total) {
    SmallVector<Slot> slots;
    llvm::stable_sort(ids, [&](unsigned a, unsigned c) { return buffers[a].start < buffers[c].start; });
    for (unsigned i : ids) {
      Buffer &buffer = buffers[i];
      int64_t bestCost = buffer.estimate; // a new slot
      unsigned best = ~0u;
      for (auto [k, slot] : llvm::enumerate(slots)) {
        if (slot.end >= buffer.start)
          continue;
        int64_t cost = std::abs(slot.estimate - buffer.estimate);
        if (cost < bestCost || (cost == bestCost && best == ~0u)) {
          bestCost = cost;
          best = k;
        }
      }
      if (best == ~0u) {
        slots.push_back({buffer.end, buffer.estimate, {i}});
        continue;
      }
      slots[best].end = buffer.end;
      slots[best].estimate = std::max(slots[best].estimate, buffer.estimate);
      slots[best].members.push_back(i);
    }
    total = 0;
    for (Slot &slot : slots)
      total += slot.estimate;
    return slots;
  };
  int64_t opaqueTotal = 0, allTotal = 0;
  SmallVector<Slot> opaqueSlots = slotPlan(opaque, opaqueTotal);
  SmallVector<Slot> allSlots = slotPlan(live, allTotal);
  bool offsets = byOffset + opaqueTotal <= allTotal;

  SmallVector<Value> results{constant(0)};
  DenseMap<Value, unsigned> resultOf;
  auto offsetResult = [&](Value offset) {
    auto [it, added] = resultOf.try_emplace(offset, results.size());
    if (added)
      results.push_back(offset);
    return it->second - 1;
  };
  placement.assign(buffers.size(), ~0u);
  if (offsets) {
    for (auto &[monomial, ids] : classes) {
      // base + offset * monomial, then the region's size.
      Value scale = constant(1);
      for (unsigned arg : monomial)
        scale = arith::MulIOp::create(b, loc, scale, layout.getArgument(arg));
      Value base = results.front();
      for (unsigned id : ids)
        placement[id] = offsetResult(arith::AddIOp::create(
            b, loc, base, arith::MulIOp::create(b, loc, constant(at[id]), scale)));
      results.front() = arith::AddIOp::create(
          b, loc, base, arith::MulIOp::create(b, loc, constant(extents[monomial]), scale));
    }
  }
  for (Slot &slot : offsets ? opaqueSlots : allSlots) {
    Value bytes;
    for (unsigned id : slot.members)
      bytes = !bytes || bytes == buffers[id].bytes
                  ? buffers[id].bytes
                  : arith::MaxUIOp::create(b, loc, bytes, buffers[id].bytes).getResult();
    unsigned result = offsetResult(results.front());
    for (unsigned id : slot.members)
      placement[id] = result;
    results.front() = arith::AddIOp::create(b, loc, results.front(), bytes);
  }
  numOffsets = results.size() - 1;
  for (Buffer &buffer : buffers)
    if (buffer.strideBytes && !buffer.dropped) {
      buffer.strideResult = results.size();
      results.push_back(buffer.strideBytes);
    }
  func::ReturnOp::create(b, loc, results);
  layout.setFunctionType(
      b.getFunctionType(argTypes, SmallVector<Type>(results.size(), b.getIndexType())));
  return layout;
}

/// Replaces the planned allocations with views of the scratch argument.
void Planner::rewrite(func::FuncOp layout, ArrayRef<unsigned> placement) {
  Block &body = fn.getBody().front();
  Location loc = fn.getLoc();
  MLIRContext *ctx = fn.getContext();
  auto scratchType = MemRefType::get({ShapedType::kDynamic}, IntegerType::get(ctx, 8));
  (void)fn.insertArgument(fn.getNumArguments(), scratchType, {}, loc);
  Value scratch = fn.getArgument(fn.getNumArguments() - 1);
  OpBuilder b = OpBuilder::atBlockBegin(&body);
  SmallVector<Value> dims;
  for (auto [arg, dim] : planDims(fn, numPlanArgs))
    dims.push_back(memref::DimOp::create(b, loc, fn.getArgument(arg), dim));
  auto offsets = func::CallOp::create(b, loc, layout, dims);
  auto offsetOf = [&](unsigned id) { return offsets.getResult(1 + placement[id]); };
  DenseMap<Operation *, Value> pieces; // per parallel loop: pieceOf

  for (auto [id, buffer] : llvm::enumerate(buffers)) {
    if (buffer.dropped || !buffer.alloc || buffer.half == 1)
      continue;
    memref::AllocOp alloc = buffer.alloc;
    b.setInsertionPoint(alloc);
    Value offset = offsetOf(id);
    if (buffer.pingPong) {
      // Even iterations use half 0, odd ones half 1.
      scf::ForOp loop = buffer.pingPong;
      Value iteration = arith::DivUIOp::create(
          b, loc, arith::SubIOp::create(b, loc, loop.getInductionVar(), loop.getLowerBound()),
          loop.getStep());
      Value two = arith::ConstantIndexOp::create(b, loc, 2);
      Value odd = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                        arith::RemUIOp::create(b, loc, iteration, two),
                                        arith::ConstantIndexOp::create(b, loc, 0));
      offset = arith::SelectOp::create(b, loc, odd, offsetOf(id + 1), offset);
    }
    if (buffer.perIteration) {
      Value &piece = pieces[buffer.perIteration];
      if (!piece)
        piece = pieceOf(buffer.perIteration);
      offset = arith::AddIOp::create(
          b, loc, offset,
          arith::MulIOp::create(b, loc, piece, offsets.getResult(buffer.strideResult)));
    }
    auto view = memref::ViewOp::create(b, alloc.getLoc(), alloc.getType(), scratch, offset,
                                       alloc.getDynamicSizes());
    alloc.replaceAllUsesWith(view.getResult());
    alloc.erase();
  }
  // Entry calls: a slice of the arena, or their own heap buffer.
  for (auto [id, buffer] : llvm::enumerate(buffers)) {
    if (!buffer.call)
      continue;
    func::CallOp call = buffer.call;
    b.setInsertionPoint(call);
    Value slice;
    if (!buffer.dropped) {
      Value offset = offsetOf(id);
      Value size = arith::SubIOp::create(b, loc, memref::DimOp::create(b, loc, scratch, 0), offset);
      slice = memref::ViewOp::create(b, loc, scratchType, scratch, offset, ValueRange{size});
    } else {
      auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(call, call.getCalleeAttr());
      SmallVector<Value> sizes;
      for (auto [arg, dim] : planDims(callee, numPlanArgsOf(callee)))
        sizes.push_back(memref::DimOp::create(b, loc, call.getOperand(arg), dim));
      auto size = func::CallOp::create(b, loc, layoutOf.lookup(callee), sizes);
      slice = memref::AllocOp::create(b, loc, scratchType, ValueRange{size.getResult(0)},
                                      b.getI64IntegerAttr(kAlign));
    }
    call->insertOperands(call->getNumOperands(), slice);
  }
  fn->setAttr("res.scratch_layout", FlatSymbolRefAttr::get(layout.getSymNameAttr()));
}

static std::string formatBytes(int64_t bytes) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (bytes >= (int64_t(1) << 20))
    os << llvm::format("%.1f MiB", double(bytes) / double(1 << 20));
  else if (bytes >= 1024)
    os << llvm::format("%.1f KiB", double(bytes) / 1024.0);
  else
    os << bytes << " B";
  return s;
}

void Planner::remark(func::FuncOp layout, unsigned numOffsets) {
  auto ret = cast<func::ReturnOp>(layout.getBody().back().getTerminator());
  bool symbolic = false;
  auto dimValue = [&](BlockArgument) {
    symbolic = true;
    return kRepresentativeDim;
  };
  int64_t total = resc::evaluateSize(ret.getOperand(0), dimValue).value_or(-1);
  int64_t unshared = 0;
  unsigned planned = 0;
  // The most bytes live at one program point: what a perfect packing needs.
  std::map<unsigned, int64_t> delta;
  for (const Buffer &buffer : buffers)
    if (!buffer.dropped) {
      delta[buffer.start] += buffer.estimate;
      delta[buffer.end + 1] -= buffer.estimate;
      unshared += buffer.estimate;
      planned += buffer.half == 0;
    }
  int64_t live = 0, peak = 0;
  for (auto [point, change] : delta)
    peak = std::max(peak, live += change);
  std::string name = fn.getSymName().str();
  if (StringRef(name).starts_with("__resc_impl_"))
    name = name.substr(strlen("__resc_impl_"));
  InFlightDiagnostic d = emitRemark(fn.getLoc()) << "memory plan of " << name << ": scratch arena ";
  if (total < 0)
    d << "of unknown size";
  else
    d << formatBytes(total) << (symbolic ? " at " + std::to_string(kRepresentativeDim) +
                                               " for each symbolic dim (pin them with -D)"
                                         : std::string());
  d << ", " << planned << " buffers at " << numOffsets << " offsets (at most "
    << formatBytes(peak) << " live at once, " << formatBytes(unshared) << " without reuse)";
  unsigned onStack = 0, onHeap = 0;
  fn.walk([&](memref::AllocaOp) { ++onStack; });
  fn.walk([&](memref::AllocOp) { ++onHeap; });
  if (onStack)
    d << "; " << onStack << " per-iteration buffers of loops on the stack";
  if (onHeap)
    d << "; " << onHeap << " buffers left on the heap";
}

struct ResPlanScratch : resc::impl::ResPlanScratchBase<ResPlanScratch> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Entry points, callees before callers.
    SmallVector<func::FuncOp> entries;
    for (auto fn : module.getOps<func::FuncOp>())
      if (fn.isPublic() && !fn.isExternal())
        entries.push_back(fn);
    auto callsEntry = [&](func::FuncOp caller, func::FuncOp callee) {
      bool found = false;
      caller.walk([&](func::CallOp call) { found |= call.getCallee() == callee.getSymName(); });
      return found;
    };
    SmallVector<func::FuncOp> ordered;
    while (ordered.size() < entries.size()) {
      size_t before = ordered.size();
      for (func::FuncOp fn : entries)
        if (!llvm::is_contained(ordered, fn) &&
            llvm::all_of(entries, [&](func::FuncOp other) {
              return other == fn || llvm::is_contained(ordered, other) || !callsEntry(fn, other);
            }))
          ordered.push_back(fn);
      if (ordered.size() == before) {
        module.emitError("internal error: entry points call each other in a cycle");
        return signalPassFailure();
      }
    }
    DenseMap<Operation *, func::FuncOp> layoutOf;
    for (func::FuncOp fn : ordered) {
      Planner planner{fn, numPlanArgsOf(fn), layoutOf};
      planner.collect(plan);
      SmallVector<unsigned> placement;
      unsigned numOffsets = 0;
      func::FuncOp layout = planner.buildLayout(module, placement, numOffsets);
      planner.rewrite(layout, placement);
      if (remarks)
        planner.remark(layout, numOffsets);
      layoutOf[fn] = layout;
    }
  }
};

} // namespace
