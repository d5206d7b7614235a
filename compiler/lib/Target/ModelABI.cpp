//===- ModelABI.cpp - what a compiled model exposes -------------*- C++ -*-===//

#include "resc/Target/ModelABI.h"
#include "res/ResOps.h"
#include "resc/abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"

using namespace mlir;
using namespace resc;

int64_t resc::dtypeSize(int dtype) {
  return dtype == RESC_F64 || dtype == RESC_I64 ? 8 : 4;
}

const char *resc::dtypeName(int dtype) {
  static const char *const names[] = {"f32", "f64", "i32", "i64"};
  return dtype >= 0 && dtype < 4 ? names[dtype] : "?";
}

static int dtypeOf(Type t) {
  if (t.isF64())
    return RESC_F64;
  if (t.isInteger(32))
    return RESC_I32;
  if (t.isInteger(64))
    return RESC_I64;
  return RESC_F32;
}

/// Reads a `res.dims` array: ints stay, names become -(k+1).
static FailureOr<std::vector<int64_t>> readDims(Operation *fn, ArrayAttr dims,
                                                std::vector<std::string> &names) {
  std::vector<int64_t> shape;
  for (Attribute a : dims) {
    if (auto i = dyn_cast<IntegerAttr>(a)) {
      shape.push_back(i.getInt());
      continue;
    }
    StringRef name = cast<StringAttr>(a).getValue();
    if (name.contains('*')) {
      fn->emitError() << "the native ABI cannot express the output dim '" << name
                      << "' (a product of symbolic dims) yet";
      return failure();
    }
    auto it = llvm::find(names, name.str());
    if (it == names.end()) {
      names.push_back(name.str());
      it = names.end() - 1;
    }
    shape.push_back(-(int64_t(it - names.begin()) + 1));
  }
  return shape;
}

/// The bound an integer input must respect, from its direct uses.
static void collectChecks(func::FuncOp fn, unsigned input, ABIEntry &entry) {
  Value arg = fn.getArgument(input);
  for (Operation *user : arg.getUsers()) {
    if (auto ce = dyn_cast<res::CrossEntropyOp>(user); ce && ce.getLabels() == arg) {
      auto t = cast<RankedTensorType>(ce.getLogits().getType());
      entry.checks.push_back({input, t.getDimSize(t.getRank() - 1), RESC_ENTRY_LABEL_OUT_OF_RANGE});
    }
    if (auto emb = dyn_cast<res::EmbeddingOp>(user); emb && emb.getIndices() == arg) {
      auto t = cast<RankedTensorType>(emb.getWeight().getType());
      entry.checks.push_back({input, t.getDimSize(0), RESC_ENTRY_INDEX_OUT_OF_RANGE});
    }
  }
}

/// Appends the instances of `block` in state_dict order.
static void expand(const ABIParamBlock &block, std::vector<ABITensor> &out) {
  std::vector<int64_t> counts(block.shape.begin(), block.shape.begin() + block.stackDepth);
  std::vector<int64_t> inner(block.shape.begin() + block.stackDepth, block.shape.end());
  int64_t numel = 1, instances = 1;
  for (int64_t d : inner)
    numel *= d;
  for (int64_t c : counts)
    instances *= c;
  int64_t stride = numel * dtypeSize(block.dtype);
  for (int64_t flat = 0; flat < instances; ++flat) {
    // Digits of `flat` in the mixed radix of `counts`, outermost first.
    std::vector<int64_t> idx(counts.size());
    int64_t rest = flat;
    for (size_t i = counts.size(); i-- > 0;) {
      idx[i] = rest % counts[i];
      rest /= counts[i];
    }
    std::string name;
    size_t k = 0;
    for (char c : block.pattern) {
      if (c == '*')
        name += std::to_string(idx[k++]);
      else
        name += c;
    }
    ABITensor t;
    t.name = name;
    t.dtype = block.dtype;
    t.role = block.role;
    t.shape = inner;
    t.offset = block.offset + flat * stride;
    t.nbytes = stride;
    t.init = block.init;
    out.push_back(std::move(t));
  }
}

FailureOr<ModelABI> resc::buildModelABI(ModuleOp module) {
  ModelABI abi;
  if (auto name = module->getAttrOfType<StringAttr>("res.model"))
    abi.modelName = name.getValue().str();
  // Parameter blocks are shared by name: every entry point reads the same
  // arena, and train_step adds the optimizer state.
  llvm::StringMap<unsigned> blockIndex;
  for (auto fn : module.getOps<func::FuncOp>()) {
    StringRef sym = fn.getSymName();
    std::string prefix = abi.modelName + "_";
    if (!sym.starts_with(prefix))
      continue;
    ABIEntry entry;
    entry.name = sym.drop_front(prefix.size()).str();
    entry.symbol = sym.str();
    entry.implSymbol = "__resc_impl_" + sym.str();
    for (unsigned i = 0; i < fn.getNumArguments(); ++i) {
      auto type = cast<RankedTensorType>(fn.getArgument(i).getType());
      auto role = fn.getArgAttrOfType<StringAttr>(i, "res.role");
      auto name = fn.getArgAttrOfType<StringAttr>(i, "res.name");
      if (!role || !name) {
        fn.emitError() << "argument " << i << " has no res.role/res.name";
        return failure();
      }
      if (role.getValue() == "input") {
        auto dims = readDims(fn, fn.getArgAttrOfType<ArrayAttr>(i, "res.dims"), abi.dims);
        if (failed(dims))
          return failure();
        ABITensor t;
        t.name = name.getValue().str();
        t.dtype = dtypeOf(type.getElementType());
        t.role = RESC_ROLE_INPUT;
        t.shape = *dims;
        collectChecks(fn, i, entry);
        entry.inputs.push_back(std::move(t));
        continue;
      }
      auto [it, inserted] = blockIndex.insert({name.getValue(), unsigned(abi.blocks.size())});
      if (inserted) {
        ABIParamBlock b;
        b.pattern = name.getValue().str();
        b.dtype = dtypeOf(type.getElementType());
        b.role = role.getValue() == "buffer" ? RESC_ROLE_BUFFER
                 : role.getValue() == "state" ? RESC_ROLE_STATE
                                              : RESC_ROLE_PARAM;
        b.shape.assign(type.getShape().begin(), type.getShape().end());
        if (auto s = fn.getArgAttrOfType<IntegerAttr>(i, "res.stacked"))
          b.stackDepth = s.getInt();
        if (auto init = fn.getArgAttrOfType<StringAttr>(i, "res.init"))
          b.init = init.getValue().str();
        abi.blocks.push_back(std::move(b));
      } else if (abi.blocks[it->second].shape != ArrayRef<int64_t>(type.getShape()).vec()) {
        fn.emitError() << "entry points disagree on the shape of '" << name.getValue() << "'";
        return failure();
      }
      entry.paramBlocks.push_back(it->second);
    }
    // Results: ordinary outputs; gradients, packed into one "grads" output
    // laid out like the parameter arena; updates, written back in place.
    unsigned paramIndex = 0;
    std::vector<unsigned> gradBlocks; // block of each trained parameter argument
    for (unsigned i = 0, k = 0; i < fn.getNumArguments(); ++i) {
      auto role = fn.getArgAttrOfType<StringAttr>(i, "res.role");
      if (role.getValue() == "input")
        continue;
      if (role.getValue() == "param")
        gradBlocks.push_back(entry.paramBlocks[k]);
      ++k;
    }
    for (unsigned r = 0; r < fn.getNumResults(); ++r) {
      auto rtype = cast<RankedTensorType>(fn.getResultTypes()[r]);
      auto role = fn.getResultAttrOfType<StringAttr>(r, "res.role");
      auto name = fn.getResultAttrOfType<StringAttr>(r, "res.name");
      if (role && role.getValue() == "update") {
        auto it = name ? blockIndex.find(name.getValue()) : blockIndex.end();
        if (it == blockIndex.end()) {
          fn.emitError() << "result " << r << " updates an unknown tensor";
          return failure();
        }
        entry.results.push_back({ABIResult::Update, it->second});
        continue;
      }
      if (role && role.getValue() == "grad") {
        if (paramIndex >= gradBlocks.size()) {
          fn.emitError() << "more gradients than parameters";
          return failure();
        }
        if (entry.gradsOutput < 0) {
          entry.gradsOutput = entry.outputs.size();
          ABITensor g;
          g.name = "grads";
          g.dtype = RESC_F32;
          g.role = RESC_ROLE_OUTPUT;
          entry.outputs.push_back(std::move(g)); // shape set after layout
        }
        entry.results.push_back({ABIResult::Grad, gradBlocks[paramIndex++]});
        continue;
      }
      ABITensor out;
      out.name = name ? name.getValue().str() : entry.name == "loss" ? "loss" : "output";
      out.dtype = dtypeOf(rtype.getElementType());
      out.role = RESC_ROLE_OUTPUT;
      if (auto rdims = fn.getResultAttrOfType<ArrayAttr>(r, "res.dims")) {
        auto dims = readDims(fn, rdims, abi.dims);
        if (failed(dims))
          return failure();
        out.shape = *dims;
      } else {
        out.shape.assign(rtype.getShape().begin(), rtype.getShape().end());
      }
      entry.results.push_back({ABIResult::Output, unsigned(entry.outputs.size())});
      entry.outputs.push_back(std::move(out));
    }
    abi.entries.push_back(std::move(entry));
  }
  if (abi.entries.empty()) {
    module.emitError() << "no entry points found for model '" << abi.modelName << "'";
    return failure();
  }
  // Static sizes of inputs/outputs.
  for (ABIEntry &e : abi.entries)
    for (auto *list : {&e.inputs, &e.outputs})
      for (ABITensor &t : *list) {
        int64_t n = dtypeSize(t.dtype);
        for (int64_t d : t.shape)
          n = d < 0 || n < 0 ? -1 : n * d;
        t.nbytes = n;
      }
  int64_t offset = 0;
  for (ABIParamBlock &b : abi.blocks) {
    offset = llvm::alignTo(offset, RESC_ARENA_ALIGN);
    b.offset = offset;
    int64_t n = dtypeSize(b.dtype);
    for (int64_t d : b.shape)
      n *= d;
    b.nbytes = n;
    offset += n;
    expand(b, abi.params);
  }
  abi.arenaBytes = llvm::alignTo(offset, RESC_ARENA_ALIGN);
  for (ABIEntry &e : abi.entries)
    if (e.gradsOutput >= 0) {
      ABITensor &g = e.outputs[e.gradsOutput];
      g.shape = {abi.arenaBytes / 4};
      g.nbytes = abi.arenaBytes;
    }
  return abi;
}
