//===- LLVMEmitter.cpp - LLVM IR, entry wrappers, metadata ------*- C++ -*-===//
//
// The lowered entry functions use MLIR's memref-descriptor calling
// convention (allocated ptr, aligned ptr, offset, sizes..., strides...).
// Each exported wrapper has the uniform resc_entry_fn signature: it checks
// index inputs, builds the descriptors from plain pointers, the symbolic
// dims and the parameter arena, adds the caller's result buffers and the
// scratch arena (allocating one when the caller passed NULL), and calls the
// implementation, which writes the results itself.
//
//===----------------------------------------------------------------------===//

#include "resc/Target/Target.h"
#include "resc/abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"

using namespace resc;
using llvm::IRBuilder;

void resc::renameEntryPoints(mlir::ModuleOp module, const ModelABI &abi) {
  for (const ABIEntry &e : abi.entries)
    if (auto fn = module.lookupSymbol<mlir::func::FuncOp>(e.symbol)) {
      // train_step calls loss_grad: calls follow the rename.
      if (failed(mlir::SymbolTable::replaceAllSymbolUses(
              fn, mlir::StringAttr::get(module.getContext(), e.implSymbol), module)))
        continue;
      fn.setSymName(e.implSymbol);
      // Which argument each updated parameter or state result replaces
      // (res-update-in-place writes it there), -1 for other results.
      llvm::SmallVector<int64_t> updateArgs;
      bool anyUpdate = false;
      for (const ABIResult &r : e.results) {
        int64_t arg = -1;
        if (r.kind == ABIResult::Update)
          for (auto [k, block] : llvm::enumerate(e.paramBlocks))
            if (block == r.index)
              arg = static_cast<int64_t>(e.inputs.size() + k);
        anyUpdate |= arg >= 0;
        updateArgs.push_back(arg);
      }
      if (anyUpdate && updateArgs.size() == fn.getNumResults())
        fn->setAttr("res.update_args",
                    mlir::DenseI64ArrayAttr::get(module.getContext(), updateArgs));
      // The ABI has consumed the res.* attributes; LLVM has no use for them.
      for (unsigned i = 0; i < fn.getNumArguments(); ++i)
        fn.setArgAttrs(i, mlir::DictionaryAttr::get(module.getContext()));
      for (unsigned i = 0; i < fn.getNumResults(); ++i)
        fn.setResultAttrs(i, mlir::DictionaryAttr::get(module.getContext()));
    }
}

namespace {

class Emitter {
public:
  Emitter(llvm::Module &m, const ModelABI &abi)
      : m(m), ctx(m.getContext()), abi(abi), ptr(llvm::PointerType::get(ctx, 0)),
        i32(llvm::Type::getInt32Ty(ctx)), i64(llvm::Type::getInt64Ty(ctx)) {}

  /// `kept`: the indices into entry.results of the values the implementation
  /// returns, in order (the others were updated in the arena in place).
  /// `layout`: the entry's scratch layout function (res-plan-scratch).
  bool emitWrapper(const ABIEntry &entry, llvm::ArrayRef<unsigned> kept,
                   llvm::Function *layout);
  /// `layouts[i]`: entry i's layout function.
  void emitMetadata(llvm::ArrayRef<llvm::Function *> layouts);

private:
  llvm::Constant *str(llvm::StringRef s);
  llvm::Constant *i64Array(llvm::ArrayRef<int64_t> values, llvm::StringRef name);
  llvm::Constant *tensorArray(llvm::ArrayRef<ABITensor> tensors, llvm::StringRef name);
  llvm::Type *eltType(int dtype);
  /// Size of dim `d` of `shape`: a constant or the bound symbolic dim.
  llvm::Value *dimSize(IRBuilder<> &b, int64_t d, llvm::ArrayRef<llvm::Value *> dims) {
    return d >= 0 ? static_cast<llvm::Value *>(b.getInt64(d)) : dims[-d - 1];
  }
  /// Descriptor arguments: ptr, ptr, offset, sizes, strides (row-major).
  void pushMemref(IRBuilder<> &b, llvm::SmallVectorImpl<llvm::Value *> &args, llvm::Value *p,
                  llvm::ArrayRef<llvm::Value *> sizes);
  /// The descriptors of the entry's inputs and parameter blocks, its
  /// implementation's first arguments.
  void pushInputsAndParams(IRBuilder<> &b, const ABIEntry &entry,
                           llvm::ArrayRef<llvm::Value *> dims,
                           llvm::ArrayRef<llvm::Value *> inputPtrs, llvm::Value *params,
                           llvm::SmallVectorImpl<llvm::Value *> &args);
  /// The layout function's arguments: the inputs' symbolic dims in order
  /// (parameter shapes are static).
  llvm::SmallVector<llvm::Value *> layoutArgs(const ABIEntry &entry,
                                              llvm::ArrayRef<llvm::Value *> dims);
  /// The scratch bytes `layout` computes for `args` (null on a mismatch).
  llvm::Value *callLayout(IRBuilder<> &b, llvm::Function *layout,
                          llvm::ArrayRef<llvm::Value *> args);
  void emitRangeCheck(IRBuilder<> &b, llvm::Function *fn, const ABIEntry &entry,
                      const ABIRangeCheck &check, llvm::Value *data,
                      llvm::ArrayRef<llvm::Value *> dims);

  llvm::Module &m;
  llvm::LLVMContext &ctx;
  const ModelABI &abi;
  llvm::PointerType *ptr;
  llvm::IntegerType *i32, *i64;
  llvm::StructType *tensorTy = nullptr;
};

} // namespace

llvm::Type *Emitter::eltType(int dtype) {
  switch (dtype) {
  case RESC_F64: return llvm::Type::getDoubleTy(ctx);
  case RESC_I32: return i32;
  case RESC_I64: return i64;
  default: return llvm::Type::getFloatTy(ctx);
  }
}

llvm::Constant *Emitter::str(llvm::StringRef s) {
  auto *init = llvm::ConstantDataArray::getString(ctx, s);
  auto *gv = new llvm::GlobalVariable(m, init->getType(), /*isConstant=*/true,
                                      llvm::GlobalValue::PrivateLinkage, init, ".resc.str");
  gv->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  return gv;
}

llvm::Constant *Emitter::i64Array(llvm::ArrayRef<int64_t> values, llvm::StringRef name) {
  if (values.empty())
    return llvm::ConstantPointerNull::get(ptr);
  auto *type = llvm::ArrayType::get(i64, values.size());
  llvm::SmallVector<llvm::Constant *> elems;
  for (int64_t v : values)
    elems.push_back(llvm::ConstantInt::get(i64, v));
  return new llvm::GlobalVariable(m, type, true, llvm::GlobalValue::PrivateLinkage,
                                  llvm::ConstantArray::get(type, elems), name);
}

llvm::Constant *Emitter::tensorArray(llvm::ArrayRef<ABITensor> tensors, llvm::StringRef name) {
  if (!tensorTy)
    tensorTy = llvm::StructType::create(
        ctx, {ptr, i32, i32, i32, i32, ptr, i64, i64, ptr}, "resc_tensor_desc");
  if (tensors.empty())
    return llvm::ConstantPointerNull::get(ptr);
  llvm::SmallVector<llvm::Constant *> elems;
  for (const ABITensor &t : tensors)
    elems.push_back(llvm::ConstantStruct::get(
        tensorTy, {str(t.name), llvm::ConstantInt::get(i32, t.dtype),
                   llvm::ConstantInt::get(i32, t.role),
                   llvm::ConstantInt::get(i32, t.shape.size()), llvm::ConstantInt::get(i32, 0),
                   i64Array(t.shape, ".resc.shape"), llvm::ConstantInt::get(i64, t.offset),
                   llvm::ConstantInt::get(i64, t.nbytes), str(t.init)}));
  auto *type = llvm::ArrayType::get(tensorTy, elems.size());
  return new llvm::GlobalVariable(m, type, true, llvm::GlobalValue::PrivateLinkage,
                                  llvm::ConstantArray::get(type, elems), name);
}

void Emitter::emitRangeCheck(IRBuilder<> &b, llvm::Function *fn, const ABIEntry &entry,
                             const ABIRangeCheck &check, llvm::Value *data,
                             llvm::ArrayRef<llvm::Value *> dims) {
  const ABITensor &t = entry.inputs[check.input];
  llvm::Value *numel = b.getInt64(1);
  for (int64_t d : t.shape)
    numel = b.CreateMul(numel, dimSize(b, d, dims));
  llvm::BasicBlock *pre = b.GetInsertBlock();
  auto *loop = llvm::BasicBlock::Create(ctx, "check", fn);
  auto *body = llvm::BasicBlock::Create(ctx, "check.body", fn);
  auto *bad = llvm::BasicBlock::Create(ctx, "check.bad", fn);
  auto *done = llvm::BasicBlock::Create(ctx, "check.done", fn);
  b.CreateBr(loop);
  b.SetInsertPoint(loop);
  llvm::PHINode *i = b.CreatePHI(i64, 2);
  i->addIncoming(b.getInt64(0), pre);
  b.CreateCondBr(b.CreateICmpULT(i, numel), body, done);
  b.SetInsertPoint(body);
  llvm::Type *elt = eltType(t.dtype);
  llvm::Value *v = b.CreateLoad(elt, b.CreateGEP(elt, data, i));
  v = b.CreateSExtOrTrunc(v, i64);
  // Unsigned compare: negative values wrap above the bound.
  llvm::Value *ok = b.CreateICmpULT(v, b.getInt64(check.bound));
  llvm::Value *next = b.CreateAdd(i, b.getInt64(1));
  i->addIncoming(next, body);
  b.CreateCondBr(ok, loop, bad);
  b.SetInsertPoint(bad);
  b.CreateRet(b.getInt32(check.status));
  b.SetInsertPoint(done);
}

void Emitter::pushMemref(IRBuilder<> &b, llvm::SmallVectorImpl<llvm::Value *> &args,
                         llvm::Value *p, llvm::ArrayRef<llvm::Value *> sizes) {
  args.push_back(p);
  args.push_back(p);
  args.push_back(b.getInt64(0));
  llvm::SmallVector<llvm::Value *> strides(sizes.size());
  llvm::Value *stride = b.getInt64(1);
  for (size_t i = sizes.size(); i-- > 0;) {
    strides[i] = stride;
    stride = b.CreateMul(stride, sizes[i]);
  }
  args.append(sizes.begin(), sizes.end());
  args.append(strides.begin(), strides.end());
}

void Emitter::pushInputsAndParams(IRBuilder<> &b, const ABIEntry &entry,
                                  llvm::ArrayRef<llvm::Value *> dims,
                                  llvm::ArrayRef<llvm::Value *> inputPtrs, llvm::Value *params,
                                  llvm::SmallVectorImpl<llvm::Value *> &args) {
  for (size_t j = 0; j < entry.inputs.size(); ++j) {
    llvm::SmallVector<llvm::Value *> sizes;
    for (int64_t d : entry.inputs[j].shape)
      sizes.push_back(dimSize(b, d, dims));
    pushMemref(b, args, inputPtrs[j], sizes);
  }
  for (unsigned blockIndex : entry.paramBlocks) {
    const ABIParamBlock &block = abi.blocks[blockIndex];
    llvm::SmallVector<llvm::Value *> sizes;
    for (int64_t d : block.shape)
      sizes.push_back(b.getInt64(d));
    pushMemref(b, args, b.CreateConstGEP1_64(b.getInt8Ty(), params, block.offset), sizes);
  }
}

llvm::SmallVector<llvm::Value *> Emitter::layoutArgs(const ABIEntry &entry,
                                                     llvm::ArrayRef<llvm::Value *> dims) {
  llvm::SmallVector<llvm::Value *> args;
  for (const ABITensor &t : entry.inputs)
    for (int64_t d : t.shape)
      if (d < 0)
        args.push_back(dims[-d - 1]);
  return args;
}

llvm::Value *Emitter::callLayout(IRBuilder<> &b, llvm::Function *layout,
                                 llvm::ArrayRef<llvm::Value *> args) {
  if (args.size() != layout->arg_size())
    return nullptr;
  llvm::Value *result = b.CreateCall(layout, args);
  // {total, offsets...}, or the total alone when nothing is planned.
  if (result->getType()->isStructTy())
    result = b.CreateExtractValue(result, 0);
  return result;
}

bool Emitter::emitWrapper(const ABIEntry &entry, llvm::ArrayRef<unsigned> kept,
                          llvm::Function *layout) {
  llvm::Function *impl = m.getFunction(entry.implSymbol);
  if (!impl)
    return false;
  auto *fnTy = llvm::FunctionType::get(i32, {ptr, ptr, ptr, ptr, ptr}, false);
  auto *fn = llvm::Function::Create(fnTy, llvm::GlobalValue::ExternalLinkage, entry.symbol, m);
  llvm::Value *inputs = fn->getArg(0), *dimsArg = fn->getArg(1), *outputs = fn->getArg(2),
              *params = fn->getArg(3);
  IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", fn));

  llvm::SmallVector<llvm::Value *> dims;
  for (size_t k = 0; k < abi.dims.size(); ++k)
    dims.push_back(b.CreateLoad(i64, b.CreateConstGEP1_64(i64, dimsArg, k), "dim"));

  llvm::SmallVector<llvm::Value *> inputPtrs;
  for (size_t j = 0; j < entry.inputs.size(); ++j)
    inputPtrs.push_back(b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, inputs, j), "in"));
  for (const ABIRangeCheck &check : entry.checks)
    emitRangeCheck(b, fn, entry, check, inputPtrs[check.input], dims);

  llvm::SmallVector<llvm::Value *> args;
  pushInputsAndParams(b, entry, dims, inputPtrs, params, args);
  // The buffers the results go to (res-entry-out-params): an output, the
  // gradient arena's slot, or the parameter's arena slot.
  for (unsigned original : kept) {
    const ABIResult &where = entry.results[original];
    llvm::SmallVector<llvm::Value *> sizes;
    if (where.kind != ABIResult::Output) {
      const ABIParamBlock &block = abi.blocks[where.index];
      llvm::Value *base =
          where.kind == ABIResult::Update
              ? params
              : b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, outputs, entry.gradsOutput), "grads");
      for (int64_t d : block.shape)
        sizes.push_back(b.getInt64(d));
      pushMemref(b, args, b.CreateConstGEP1_64(b.getInt8Ty(), base, block.offset), sizes);
    } else {
      for (int64_t d : entry.outputs[where.index].shape)
        sizes.push_back(dimSize(b, d, dims));
      pushMemref(b, args, b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, outputs, where.index), "out"), sizes);
    }
  }
  // The scratch arena: the caller's, or one allocated here when it passed
  // NULL (the header's typed wrappers do).
  llvm::Value *scratchBytes = callLayout(b, layout, layoutArgs(entry, dims));
  if (!scratchBytes)
    return false;
  llvm::Value *given = fn->getArg(4);
  llvm::BasicBlock *before = b.GetInsertBlock();
  auto *allocBB = llvm::BasicBlock::Create(ctx, "scratch.alloc", fn);
  auto *readyBB = llvm::BasicBlock::Create(ctx, "scratch.ready", fn);
  auto *failBB = llvm::BasicBlock::Create(ctx, "scratch.fail", fn);
  b.CreateCondBr(b.CreateAnd(b.CreateIsNull(given), b.CreateICmpUGT(scratchBytes, b.getInt64(0))),
                 allocBB, readyBB);
  b.SetInsertPoint(allocBB);
  llvm::FunctionCallee allocFn = m.getOrInsertFunction(
      "aligned_alloc", llvm::FunctionType::get(ptr, {i64, i64}, false));
  // aligned_alloc wants a multiple of the alignment.
  llvm::Value *rounded = b.CreateAnd(b.CreateAdd(scratchBytes, b.getInt64(RESC_ARENA_ALIGN - 1)),
                                     b.getInt64(~int64_t(RESC_ARENA_ALIGN - 1)));
  llvm::Value *owned = b.CreateCall(allocFn, {b.getInt64(RESC_ARENA_ALIGN), rounded});
  b.CreateCondBr(b.CreateIsNull(owned), failBB, readyBB);
  b.SetInsertPoint(failBB);
  b.CreateRet(b.getInt32(RESC_ENTRY_OUT_OF_MEMORY));
  b.SetInsertPoint(readyBB);
  llvm::PHINode *mine = b.CreatePHI(ptr, 2, "scratch.owned");
  mine->addIncoming(llvm::ConstantPointerNull::get(ptr), before);
  mine->addIncoming(owned, allocBB);
  llvm::Value *scratch = b.CreateSelect(b.CreateIsNull(mine), given, mine, "scratch");
  pushMemref(b, args, scratch, {scratchBytes});
  if (args.size() != impl->arg_size())
    return false;
  b.CreateCall(impl, args);
  llvm::FunctionCallee freeFn =
      m.getOrInsertFunction("free", llvm::FunctionType::get(b.getVoidTy(), {ptr}, false));
  b.CreateCall(freeFn, {mine}); // free(NULL) is a no-op
  b.CreateRet(b.getInt32(RESC_ENTRY_OK));

  // The implementation is private to the library: LLVM may inline it.
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  return true;
}

void Emitter::emitMetadata(llvm::ArrayRef<llvm::Function *> layouts) {
  auto *entryTy = llvm::StructType::create(ctx, {ptr, ptr, ptr, i32, i32, ptr, ptr},
                                           "resc_entry_desc");
  llvm::SmallVector<llvm::Constant *> entries;
  for (const ABIEntry &e : abi.entries) {
    llvm::Function *fn = m.getFunction(e.symbol);
    entries.push_back(llvm::ConstantStruct::get(
        entryTy, {str(e.name), str(e.symbol), fn, llvm::ConstantInt::get(i32, e.inputs.size()),
                  llvm::ConstantInt::get(i32, e.outputs.size()),
                  tensorArray(e.inputs, ".resc.inputs"), tensorArray(e.outputs, ".resc.outputs")}));
  }
  auto *entriesTy = llvm::ArrayType::get(entryTy, entries.size());
  auto *entriesGV = new llvm::GlobalVariable(m, entriesTy, true, llvm::GlobalValue::PrivateLinkage,
                                             llvm::ConstantArray::get(entriesTy, entries),
                                             ".resc.entries");
  llvm::Constant *dimNames = llvm::ConstantPointerNull::get(ptr);
  if (!abi.dims.empty()) {
    llvm::SmallVector<llvm::Constant *> names;
    for (const std::string &d : abi.dims)
      names.push_back(str(d));
    auto *t = llvm::ArrayType::get(ptr, names.size());
    dimNames = new llvm::GlobalVariable(m, t, true, llvm::GlobalValue::PrivateLinkage,
                                        llvm::ConstantArray::get(t, names), ".resc.dims");
  }
  // scratch_bytes(entry, dims): the entry's layout function on its dims.
  auto *scratchTy = llvm::FunctionType::get(i64, {i32, ptr}, false);
  auto *scratch = llvm::Function::Create(scratchTy, llvm::GlobalValue::InternalLinkage,
                                         "__resc_scratch_bytes", m);
  IRBuilder<> sb(llvm::BasicBlock::Create(ctx, "entry", scratch));
  auto *unknown = llvm::BasicBlock::Create(ctx, "unknown", scratch);
  llvm::SwitchInst *which = sb.CreateSwitch(scratch->getArg(0), unknown, abi.entries.size());
  for (auto [i, e] : llvm::enumerate(abi.entries)) {
    auto *bb = llvm::BasicBlock::Create(ctx, "entry." + e.name, scratch);
    which->addCase(sb.getInt32(i), bb);
    IRBuilder<> eb(bb);
    llvm::SmallVector<llvm::Value *> dims;
    for (size_t k = 0; k < abi.dims.size(); ++k)
      dims.push_back(eb.CreateLoad(i64, eb.CreateConstGEP1_64(i64, scratch->getArg(1), k), "dim"));
    llvm::Value *bytes = callLayout(eb, layouts[i], layoutArgs(e, dims));
    eb.CreateRet(bytes ? bytes : eb.getInt64(-1));
  }
  IRBuilder<> ub(unknown);
  ub.CreateRet(ub.getInt64(-1));

  auto *modelTy = llvm::StructType::create(
      ctx, {i32, i32, ptr, i32, i32, ptr, ptr, i64, i32, i32, ptr, ptr}, "resc_model_desc");
  auto *desc = llvm::ConstantStruct::get(
      modelTy, {llvm::ConstantInt::get(i32, RESC_ABI_VERSION), llvm::ConstantInt::get(i32, 0),
                str(abi.modelName), llvm::ConstantInt::get(i32, abi.dims.size()),
                llvm::ConstantInt::get(i32, abi.params.size()), dimNames,
                tensorArray(abi.params, ".resc.params"), llvm::ConstantInt::get(i64, abi.arenaBytes),
                llvm::ConstantInt::get(i32, abi.entries.size()), llvm::ConstantInt::get(i32, 0),
                entriesGV, scratch});
  auto *descGV = new llvm::GlobalVariable(m, modelTy, true, llvm::GlobalValue::PrivateLinkage,
                                          desc, ".resc.model");
  auto *getter = llvm::Function::Create(llvm::FunctionType::get(ptr, {}, false),
                                        llvm::GlobalValue::ExternalLinkage, RESC_MODEL_SYMBOL, m);
  IRBuilder<> gb(llvm::BasicBlock::Create(ctx, "entry", getter));
  gb.CreateRet(descGV);
}

std::unique_ptr<llvm::Module> resc::emitLLVMModule(mlir::ModuleOp module, const ModelABI &abi,
                                                   llvm::LLVMContext &context) {
  mlir::DialectRegistry registry;
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::registerOpenMPDialectTranslation(registry); // thread-shared tile loops
  module.getContext()->appendDialectRegistry(registry);
  std::unique_ptr<llvm::Module> llvmModule =
      mlir::translateModuleToLLVMIR(module, context, abi.modelName);
  if (!llvmModule)
    return nullptr;
  Emitter emitter(*llvmModule, abi);
  llvm::SmallVector<llvm::Function *> layouts;
  for (const ABIEntry &e : abi.entries) {
    // The results still returned (res-drop-in-place-results removed those
    // written into the arena in place); all of them when not recorded.
    llvm::SmallVector<unsigned> kept;
    auto fn = module.lookupSymbol<mlir::LLVM::LLVMFuncOp>(e.implSymbol);
    auto attr = fn ? fn->getAttrOfType<mlir::DenseI64ArrayAttr>("res.kept_results") : nullptr;
    if (attr)
      for (int64_t r : attr.asArrayRef())
        kept.push_back(static_cast<unsigned>(r));
    else
      for (unsigned r = 0; r < e.results.size(); ++r)
        kept.push_back(r);
    auto layoutName = fn ? fn->getAttrOfType<mlir::FlatSymbolRefAttr>("res.scratch_layout") : nullptr;
    llvm::Function *layout = layoutName ? llvmModule->getFunction(layoutName.getValue()) : nullptr;
    layouts.push_back(layout);
    if (!layout || !emitter.emitWrapper(e, kept, layout)) {
      module.emitError() << "internal error: could not wrap entry point '" << e.symbol
                         << "' (unexpected lowered signature)";
      return nullptr;
    }
  }
  emitter.emitMetadata(layouts);
  // Only the entry points and resc_model are the library's interface.
  for (llvm::Function &f : *llvmModule) {
    if (f.isDeclaration() || f.getName() == RESC_MODEL_SYMBOL)
      continue;
    bool exported = llvm::any_of(abi.entries, [&](const ABIEntry &e) { return f.getName() == e.symbol; });
    if (!exported)
      f.setLinkage(llvm::GlobalValue::InternalLinkage);
  }
  return llvmModule;
}
