//===- Registry.cpp - lookup of built-ins by name ---------------*- C++ -*-===//

#include "resc/Frontend/Builtins.h"

using namespace resc;

template <typename T>
static const T *find(const std::vector<std::unique_ptr<T>> &all, llvm::StringRef name) {
  for (const auto &entry : all)
    if (entry->name() == name)
      return entry.get();
  return nullptr;
}

const BuiltinLayer *resc::lookupBuiltinLayer(llvm::StringRef name) {
  static const auto all = [] {
    std::vector<std::unique_ptr<BuiltinLayer>> v;
    registerLayers(v);
    return v;
  }();
  return find(all, name);
}

const BuiltinFunction *resc::lookupBuiltinFunction(llvm::StringRef name) {
  static const auto all = [] {
    std::vector<std::unique_ptr<BuiltinFunction>> v;
    registerElementwiseFunctions(v);
    registerReductionFunctions(v);
    registerShapeFunctions(v);
    registerLossFunctions(v);
    registerPoolingFunctions(v);
    return v;
  }();
  return find(all, name);
}

const BuiltinOptimizer *resc::lookupBuiltinOptimizer(llvm::StringRef name) {
  static const auto all = [] {
    std::vector<std::unique_ptr<BuiltinOptimizer>> v;
    registerOptimizers(v);
    return v;
  }();
  return find(all, name);
}
