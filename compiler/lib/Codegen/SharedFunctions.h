//===- SharedFunctions.h - one outlined function per distinct body -*- C++ -*-===//
//
// res-outline-kernels and res-outline-parallel-bodies move code into private
// functions and keep one function per distinct body, so that what an
// entry point repeats (every layer of a `repeat`, forward in loss and
// loss_grad and train_step) is compiled once.
//
//===----------------------------------------------------------------------===//

#ifndef RESC_CODEGEN_SHAREDFUNCTIONS_H
#define RESC_CODEGEN_SHAREDFUNCTIONS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"

namespace resc::codegen {

/// Splits the values outlined code captures into what becomes arguments
/// and the constants copied into the function (so it stays self-contained
/// and foldable, and equal code stays equal whatever constants its callers
/// share), keeping their order.
inline void splitCaptured(llvm::ArrayRef<mlir::Value> captured,
                          llvm::SmallVectorImpl<mlir::Value> &args,
                          llvm::SmallVectorImpl<mlir::Operation *> &constants) {
  for (mlir::Value v : captured) {
    mlir::Operation *def = v.getDefiningOp();
    if (def && def->hasTrait<mlir::OpTrait::ConstantLike>())
      constants.push_back(def);
    else
      args.push_back(v);
  }
}

/// A private `noinline` function `name` of `type` at the end of `module`
/// (calls stay calls in LLVM: inlined back into each caller, the shared
/// code would be compiled once per caller again), its entry block's
/// arguments standing for `args` in `map`, `constants` copied in; `b` is
/// left at the end of the entry block.
inline mlir::func::FuncOp startOutlined(mlir::OpBuilder &b, mlir::ModuleOp module,
                                        mlir::Location loc, llvm::StringRef name,
                                        mlir::FunctionType type,
                                        llvm::ArrayRef<mlir::Value> args,
                                        llvm::ArrayRef<mlir::Operation *> constants,
                                        mlir::IRMapping &map) {
  b.setInsertionPointToEnd(module.getBody());
  auto fn = mlir::func::FuncOp::create(b, loc, name, type);
  fn.setPrivate();
  fn->setAttr("passthrough", b.getArrayAttr({b.getStringAttr("noinline")}));
  mlir::Block *entry = fn.addEntryBlock();
  b.setInsertionPointToStart(entry);
  map.map(args, entry->getArguments());
  for (mlir::Operation *c : constants)
    b.clone(*c, map);
  return fn;
}

class SharedFunctions {
public:
  SharedFunctions(mlir::ModuleOp module, llvm::StringRef prefix)
      : symbols(module), prefix(prefix.str()) {}

  /// Returns the function that prints like `candidate` (types, attributes,
  /// body; locations are not printed): an earlier one, erasing `candidate`,
  /// or `candidate` itself, named `<prefix><index>`.
  mlir::func::FuncOp intern(mlir::func::FuncOp candidate) {
    // Local scope: without it every print numbers the whole module first,
    // which made outlining quadratic (1.6 s of ResNet8's compile).
    std::string key;
    llvm::raw_string_ostream os(key);
    candidate.print(os, mlir::OpPrintingFlags().printGenericOpForm().useLocalScope());
    auto [it, inserted] = seen.try_emplace(key, candidate);
    if (!inserted) {
      candidate.erase();
      return it->second;
    }
    candidate.setName(prefix + std::to_string(seen.size() - 1));
    symbols.insert(candidate); // renames it if a user symbol has that name
    return candidate;
  }

private:
  mlir::SymbolTable symbols;
  std::string prefix;
  llvm::StringMap<mlir::func::FuncOp> seen;
};

} // namespace resc::codegen

#endif // RESC_CODEGEN_SHAREDFUNCTIONS_H
