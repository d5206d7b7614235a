//===- LLVMEmitter.cpp - LLVM IR, entry wrappers, metadata ------*- C++ -*-===//
//
// The lowered entry functions use MLIR's memref-descriptor calling
// convention (allocated ptr, aligned ptr, offset, sizes..., strides...).
// Each exported wrapper has the uniform resc_entry_fn signature: it checks
// index inputs, builds the descriptors from plain pointers, the symbolic
// dims and the parameter arena, calls the implementation, and copies the
// result into the caller's buffer.
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
  bool emitWrapper(const ABIEntry &entry, llvm::ArrayRef<unsigned> kept);
  void emitMetadata();

private:
  llvm::Constant *str(llvm::StringRef s);
  llvm::Constant *i64Array(llvm::ArrayRef<int64_t> values, llvm::StringRef name);
  llvm::Constant *tensorArray(llvm::ArrayRef<ABITensor> tensors, llvm::StringRef name);
  llvm::Type *eltType(int dtype);
  /// Size of dim `d` of `shape`: a constant or the bound symbolic dim.
  llvm::Value *dimSize(IRBuilder<> &b, int64_t d, llvm::ArrayRef<llvm::Value *> dims) {
    return d >= 0 ? static_cast<llvm::Value *>(b.getInt64(d)) : dims[-d - 1];
  }
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

bool Emitter::emitWrapper(const ABIEntry &entry, llvm::ArrayRef<unsigned> kept) {
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

  // Descriptor arguments: ptr, ptr, offset, sizes, strides (row-major).
  llvm::SmallVector<llvm::Value *> args;
  auto pushMemref = [&](llvm::Value *p, llvm::ArrayRef<llvm::Value *> sizes) {
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
  };
  for (size_t j = 0; j < entry.inputs.size(); ++j) {
    llvm::SmallVector<llvm::Value *> sizes;
    for (int64_t d : entry.inputs[j].shape)
      sizes.push_back(dimSize(b, d, dims));
    pushMemref(inputPtrs[j], sizes);
  }
  for (unsigned blockIndex : entry.paramBlocks) {
    const ABIParamBlock &block = abi.blocks[blockIndex];
    llvm::SmallVector<llvm::Value *> sizes;
    for (int64_t d : block.shape)
      sizes.push_back(b.getInt64(d));
    pushMemref(b.CreateConstGEP1_64(b.getInt8Ty(), params, block.offset), sizes);
  }
  if (args.size() != impl->arg_size())
    return false;
  llvm::Value *result = b.CreateCall(impl, args);

  // Copy each result out (an output, or its slot in the gradient arena),
  // then release its buffer unless it is caller memory.
  llvm::Value *arenaEnd = b.CreateConstGEP1_64(b.getInt8Ty(), params, abi.arenaBytes);
  llvm::FunctionCallee freeFn =
      m.getOrInsertFunction("free", llvm::FunctionType::get(b.getVoidTy(), {ptr}, false));
  for (auto [r, original] : llvm::enumerate(kept)) {
    const ABIResult &where = entry.results[original];
    llvm::Value *desc = kept.size() == 1 ? result : b.CreateExtractValue(result, r);
    llvm::Value *allocated = b.CreateExtractValue(desc, 0);
    llvm::Value *aligned = b.CreateExtractValue(desc, 1);
    llvm::Value *offset = b.CreateExtractValue(desc, 2);
    llvm::Value *dst;
    llvm::Value *bytes;
    int dtype;
    if (where.kind != ABIResult::Output) {
      const ABIParamBlock &block = abi.blocks[where.index];
      llvm::Value *base =
          where.kind == ABIResult::Update
              ? params
              : b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, outputs, entry.gradsOutput), "grads");
      dst = b.CreateConstGEP1_64(b.getInt8Ty(), base, block.offset);
      bytes = b.getInt64(block.nbytes);
      dtype = block.dtype;
    } else {
      const ABITensor &out = entry.outputs[where.index];
      dtype = out.dtype;
      llvm::Value *numel = b.getInt64(1);
      for (size_t i = 0; i < out.shape.size(); ++i)
        numel = b.CreateMul(numel, b.CreateExtractValue(desc, {3u, unsigned(i)}));
      dst = b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, outputs, where.index), "out");
      bytes = b.CreateMul(numel, b.getInt64(dtypeSize(dtype)));
    }
    llvm::Value *src = b.CreateGEP(eltType(dtype), aligned, offset);
    // memmove: an unchanged tensor is returned as the arena slot itself.
    b.CreateMemMove(dst, llvm::MaybeAlign(), src, llvm::MaybeAlign(), bytes);
    llvm::Value *owned = b.getTrue();
    for (llvm::Value *in : inputPtrs)
      owned = b.CreateAnd(owned, b.CreateICmpNE(allocated, in));
    llvm::Value *inArena = b.CreateAnd(b.CreateICmpUGE(allocated, params),
                                       b.CreateICmpULT(allocated, arenaEnd));
    owned = b.CreateAnd(owned, b.CreateNot(inArena));
    auto *freeBB = llvm::BasicBlock::Create(ctx, "free", fn);
    auto *nextBB = llvm::BasicBlock::Create(ctx, "next", fn);
    b.CreateCondBr(owned, freeBB, nextBB);
    b.SetInsertPoint(freeBB);
    b.CreateCall(freeFn, {allocated});
    b.CreateBr(nextBB);
    b.SetInsertPoint(nextBB);
  }
  b.CreateRet(b.getInt32(RESC_ENTRY_OK));

  // The implementation is private to the library: LLVM may inline it.
  impl->setLinkage(llvm::GlobalValue::InternalLinkage);
  return true;
}

void Emitter::emitMetadata() {
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
  // No scratch arena yet: temporaries are allocated by the generated code.
  auto *scratchTy = llvm::FunctionType::get(i64, {i32, ptr}, false);
  auto *scratch = llvm::Function::Create(scratchTy, llvm::GlobalValue::InternalLinkage,
                                         "__resc_scratch_bytes", m);
  IRBuilder<> sb(llvm::BasicBlock::Create(ctx, "entry", scratch));
  sb.CreateRet(sb.getInt64(0));

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
    if (!emitter.emitWrapper(e, kept)) {
      module.emitError() << "internal error: could not wrap entry point '" << e.symbol
                         << "' (unexpected lowered signature)";
      return nullptr;
    }
  }
  emitter.emitMetadata();
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
