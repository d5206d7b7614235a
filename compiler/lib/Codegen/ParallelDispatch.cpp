//===- ParallelDispatch.cpp - one OpenMP region per library ------*- C++ -*-===//
//
// Every thread-shared loop became an OpenMP parallel work-sharing loop, and
// OpenMPIRBuilder gives each its own outlined function: a fork call with a
// pointer to a stack copy of every captured scalar, the static-schedule
// set-up, fini and barrier calls. ResNet8 had 111 such loops, and this
// scaffolding was about a third of its machine code. Here each loop's body
// moves into a private `chunk(context, begin, end)` function that loads
// its captured values from a struct its caller fills, and the loop becomes
// a call of one shared dispatcher, the library's only parallel region.
//
//===----------------------------------------------------------------------===//

#include "resc/Codegen/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace resc {
#define GEN_PASS_DEF_RESPARALLELDISPATCH
#include "resc/Codegen/Passes.h.inc"
} // namespace resc

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kDispatcher = "__resc_parallel_for";

/// The loop nest of `par` when `par` is a plain parallel work-sharing loop
/// over i64 induction variables (what convert-scf-to-openmp makes of an
/// scf.forall on buffers); null for anything with clauses, which stays.
omp::LoopNestOp plainLoop(omp::ParallelOp par) {
  if (par->getNumOperands() != 0 || par.getProcBindKind() || !par.getRegion().hasOneBlock())
    return {};
  Block &block = par.getRegion().front();
  auto ws = dyn_cast<omp::WsloopOp>(block.front());
  if (!ws || block.getOperations().size() != 2 || !isa<omp::TerminatorOp>(block.back()))
    return {};
  if (ws->getNumOperands() != 0 || ws.getScheduleKind() || ws.getOrder() || ws.getNowait() ||
      !ws.getRegion().hasOneBlock() || ws.getRegion().front().getOperations().size() != 1)
    return {};
  auto nest = dyn_cast<omp::LoopNestOp>(ws.getRegion().front().front());
  if (!nest)
    return {};
  for (Value iv : nest.getRegion().getArguments())
    if (!iv.getType().isInteger(64))
      return {};
  // Work-sharing and synchronisation inside the body need the team; a
  // nested parallel region is a team of its own, taken in a later round.
  WalkResult inner = nest.getRegion().walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<omp::ParallelOp>(op))
      return WalkResult::skip();
    if (isa<omp::OpenMPDialect>(op->getDialect()) &&
        !(isa<omp::YieldOp>(op) && op->getParentOp() == nest))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return inner.wasInterrupted() ? omp::LoopNestOp() : nest;
}

bool isRematerializable(Operation *op) {
  return op && (op->hasTrait<OpTrait::ConstantLike>() ||
                isa<LLVM::AddressOfOp, LLVM::ZeroOp, LLVM::PoisonOp, LLVM::UndefOp>(op));
}

Value i64Constant(OpBuilder &b, Location loc, int64_t v) {
  return LLVM::ConstantOp::create(b, loc, b.getI64Type(), v);
}

/// `__resc_parallel_for(chunk, context, n)`: [0, n) in one contiguous block
/// per thread, as OpenMP's static schedule splits it; no fork for n <= 1.
LLVM::LLVMFuncOp getOrCreateDispatcher(ModuleOp module, SymbolTable &symbols, OpBuilder &b) {
  if (auto fn = symbols.lookup<LLVM::LLVMFuncOp>(kDispatcher))
    return fn;
  MLIRContext *ctx = module.getContext();
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  auto chunkType = LLVM::LLVMFunctionType::get(voidType, {ptr, i64, i64});

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto ompQuery = [&](StringRef name) {
    if (auto fn = symbols.lookup<LLVM::LLVMFuncOp>(name))
      return fn;
    auto fn = LLVM::LLVMFuncOp::create(b, loc, name, LLVM::LLVMFunctionType::get(i32, {}));
    symbols.insert(fn);
    return fn;
  };
  LLVM::LLVMFuncOp threadNum = ompQuery("omp_get_thread_num");
  LLVM::LLVMFuncOp numThreads = ompQuery("omp_get_num_threads");

  auto fn = LLVM::LLVMFuncOp::create(b, loc, kDispatcher,
                                     LLVM::LLVMFunctionType::get(voidType, {ptr, ptr, i64}),
                                     LLVM::Linkage::Internal);
  symbols.insert(fn);
  // Inlined, it copied the chunk into each caller for its serial path.
  fn.setNoInline(true);
  Block *entry = fn.addEntryBlock(b);
  Value chunk = entry->getArgument(0), context = entry->getArgument(1), n = entry->getArgument(2);
  Block *serial = fn.addBlock(), *parallel = fn.addBlock();
  b.setInsertionPointToEnd(entry);
  Value small = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::sle, n, i64Constant(b, loc, 1));
  LLVM::CondBrOp::create(b, loc, small, serial, parallel);

  b.setInsertionPointToEnd(serial);
  LLVM::CallOp::create(b, loc, chunkType, ValueRange{chunk, context, i64Constant(b, loc, 0), n});
  LLVM::ReturnOp::create(b, loc, ValueRange());

  b.setInsertionPointToEnd(parallel);
  auto par = omp::ParallelOp::create(b, loc, omp::ParallelOperands());
  LLVM::ReturnOp::create(b, loc, ValueRange());
  b.createBlock(&par.getRegion());
  Value tid = LLVM::SExtOp::create(b, loc, i64, LLVM::CallOp::create(b, loc, threadNum, {}).getResult());
  Value team = LLVM::SExtOp::create(b, loc, i64, LLVM::CallOp::create(b, loc, numThreads, {}).getResult());
  Value one = i64Constant(b, loc, 1);
  Value per = LLVM::UDivOp::create(
      b, loc, LLVM::SubOp::create(b, loc, LLVM::AddOp::create(b, loc, n, team), one), team);
  auto umin = [&](Value x, Value y) { return LLVM::UMinOp::create(b, loc, x, y).getResult(); };
  Value begin = umin(LLVM::MulOp::create(b, loc, tid, per), n);
  Value end = umin(LLVM::AddOp::create(b, loc, begin, per), n);
  LLVM::CallOp::create(b, loc, chunkType, ValueRange{chunk, context, begin, end});
  omp::TerminatorOp::create(b, loc);
  return fn;
}

/// Replaces `par` (its loop nest `nest`) by a call of the dispatcher with
/// a chunk function of its body.
void dispatch(omp::ParallelOp par, omp::LoopNestOp nest, LLVM::LLVMFuncOp dispatcher,
              SymbolTable &symbols, OpBuilder &b) {
  MLIRContext *ctx = par.getContext();
  Location loc = par.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = b.getI64Type();
  Region &body = nest.getRegion();
  unsigned rank = nest.getNumLoops();

  llvm::SetVector<Value> used;
  getUsedValuesDefinedAbove(body, used);
  SmallVector<Value> captured;
  SmallVector<Operation *> constants;
  for (Value v : used) {
    if (isRematerializable(v.getDefiningOp()))
      constants.push_back(v.getDefiningOp());
    else
      captured.push_back(v);
  }

  // The caller: trip counts, then the context (captured values, and per
  // dim lower bound, step and trip count), then the call.
  b.setInsertionPoint(par);
  Value zero = i64Constant(b, loc, 0), one = i64Constant(b, loc, 1);
  SmallVector<Value> fields(captured);
  Value total = one;
  for (unsigned d = 0; d < rank; ++d) {
    Value lb = nest.getLoopLowerBounds()[d], ub = nest.getLoopUpperBounds()[d];
    Value step = nest.getLoopSteps()[d];
    Value span = LLVM::SubOp::create(b, loc, ub, lb);
    if (nest.getLoopInclusive())
      span = LLVM::AddOp::create(b, loc, span, one);
    span = LLVM::SMaxOp::create(b, loc, span, zero);
    Value count = LLVM::UDivOp::create(
        b, loc, LLVM::SubOp::create(b, loc, LLVM::AddOp::create(b, loc, span, step), one), step);
    fields.append({lb, step, count});
    total = LLVM::MulOp::create(b, loc, total, count);
  }
  SmallVector<Type> fieldTypes = llvm::to_vector(ValueRange(fields).getTypes());
  auto contextType = LLVM::LLVMStructType::getLiteral(ctx, fieldTypes);
  auto parent = par->getParentOfType<LLVM::LLVMFuncOp>();
  Value context;
  {
    // In the entry block: an alloca in a loop would grow the stack.
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&parent.getBody().front());
    context = LLVM::AllocaOp::create(b, loc, ptr, contextType, i64Constant(b, loc, 1));
  }
  auto fieldAddress = [&](Value base, unsigned i) {
    return LLVM::GEPOp::create(b, loc, ptr, contextType, base,
                               ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
  };
  for (auto [i, v] : llvm::enumerate(fields))
    LLVM::StoreOp::create(b, loc, v, fieldAddress(context, i));

  // The chunk function: load the context, loop over [begin, end).
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(parent);
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  auto chunk = LLVM::LLVMFuncOp::create(
      b, loc, (parent.getName() + "__chunk").str(),
      LLVM::LLVMFunctionType::get(voidType, {ptr, i64, i64}), LLVM::Linkage::Internal);
  symbols.insert(chunk);
  Block *entry = chunk.addEntryBlock(b);
  Value ctxArg = entry->getArgument(0);
  b.setInsertionPointToEnd(entry);
  IRMapping map;
  for (Operation *op : constants)
    b.clone(*op, map);
  SmallVector<Value> loaded;
  for (auto [i, type] : llvm::enumerate(fieldTypes))
    loaded.push_back(LLVM::LoadOp::create(b, loc, type, fieldAddress(ctxArg, i)));
  for (auto [v, l] : llvm::zip(captured, loaded))
    map.map(v, l);

  Block *header = chunk.addBlock();
  Value index = header->addArgument(i64, loc);
  Block *ivBlock = chunk.addBlock(), *latch = chunk.addBlock(), *exit = chunk.addBlock();
  LLVM::BrOp::create(b, loc, ValueRange{entry->getArgument(1)}, header);

  b.setInsertionPointToEnd(header);
  Value more = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::slt, index,
                                    entry->getArgument(2));
  LLVM::CondBrOp::create(b, loc, more, ivBlock, exit);

  // Induction variables from the linear index, innermost dim fastest.
  b.setInsertionPointToEnd(ivBlock);
  SmallVector<Value> ivs(rank);
  Value rest = index;
  for (int d = rank - 1; d >= 0; --d) {
    Value lb = loaded[captured.size() + 3 * d], step = loaded[captured.size() + 3 * d + 1];
    Value count = loaded[captured.size() + 3 * d + 2];
    Value pos = rank == 1 ? rest : LLVM::URemOp::create(b, loc, rest, count).getResult();
    if (d > 0)
      rest = LLVM::UDivOp::create(b, loc, rest, count);
    ivs[d] = LLVM::AddOp::create(b, loc, lb, LLVM::MulOp::create(b, loc, pos, step));
  }
  Block *bodyEntry = &body.front();
  LLVM::BrOp::create(b, loc, ivs, bodyEntry);

  b.setInsertionPointToEnd(latch);
  Value next = LLVM::AddOp::create(b, loc, index, i64Constant(b, loc, 1));
  LLVM::BrOp::create(b, loc, ValueRange{next}, header);
  b.setInsertionPointToEnd(exit);
  LLVM::ReturnOp::create(b, loc, ValueRange());

  // The body's blocks go between the induction variables and the latch.
  SmallVector<omp::YieldOp> yields;
  for (Block &block : body)
    if (auto y = dyn_cast<omp::YieldOp>(block.getTerminator()))
      yields.push_back(y);
  chunk.getBody().getBlocks().splice(Region::iterator(latch), body.getBlocks());
  for (omp::YieldOp y : yields) {
    b.setInsertionPoint(y);
    LLVM::BrOp::create(b, y.getLoc(), ValueRange(), latch);
    y.erase();
  }
  // One walk for all of them (the copied constants and the loaded values).
  chunk.getBody().walk([&](Operation *op) {
    for (OpOperand &use : op->getOpOperands())
      if (Value replacement = map.lookupOrNull(use.get()))
        use.set(replacement);
  });

  b.setInsertionPoint(par);
  auto address = LLVM::AddressOfOp::create(b, loc, chunk);
  LLVM::CallOp::create(b, loc, dispatcher, ValueRange{address, context, total});
  par.erase();
}

struct ResParallelDispatch : resc::impl::ResParallelDispatchBase<ResParallelDispatch> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    OpBuilder b(module.getContext());
    // Outermost regions first: a nested one moves into its parent's chunk
    // function with the rest of the body and is taken in a later round,
    // its context then on that function's stack.
    while (true) {
      SmallVector<std::pair<omp::ParallelOp, omp::LoopNestOp>> loops;
      for (auto fn : module.getOps<LLVM::LLVMFuncOp>()) {
        if (fn.getName() == kDispatcher)
          continue;
        fn.walk<WalkOrder::PreOrder>([&](omp::ParallelOp par) {
          if (omp::LoopNestOp nest = plainLoop(par))
            loops.emplace_back(par, nest);
          return WalkResult::skip();
        });
      }
      if (loops.empty())
        break;
      LLVM::LLVMFuncOp dispatcher = getOrCreateDispatcher(module, symbols, b);
      for (auto [par, nest] : loops)
        dispatch(par, nest, dispatcher, symbols, b);
    }
  }
};

} // namespace
