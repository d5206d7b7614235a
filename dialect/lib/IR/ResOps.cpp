//===- ResOps.cpp - Operations of the res dialect -------------------------===//
//
// Custom assembly, builders and region verification. Result-type inference
// (with all the shape checks) is in ResShapeInference.cpp and
// ResNNShapeInference.cpp; folds and canonicalizations in ResFolds.cpp.
//
//===----------------------------------------------------------------------===//

#include "res/ResOps.h"

#include "ShapeUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace res;

//===----------------------------------------------------------------------===//
// custom<CompactTypes>: `T` when both operands and the result have type T,
// otherwise `lhs-type, rhs-type -> result-type`.
//===----------------------------------------------------------------------===//

static ParseResult parseCompactTypes(OpAsmParser &parser, Type &lhs, Type &rhs,
                                     Type &result) {
  if (parser.parseType(lhs))
    return failure();
  if (failed(parser.parseOptionalComma())) {
    rhs = result = lhs;
    return success();
  }
  return failure(parser.parseType(rhs) || parser.parseArrow() ||
                 parser.parseType(result));
}

static void printCompactTypes(OpAsmPrinter &p, Operation *, Type lhs, Type rhs,
                              Type result) {
  p << lhs;
  if (lhs == rhs && rhs == result)
    return;
  p << ", " << rhs << " -> " << result;
}

#include "res/ResInterfaces.cpp.inc"

#define GET_OP_CLASSES
#include "res/ResOps.cpp.inc"

//===----------------------------------------------------------------------===//
// Unary ops with attributes (their result type is the input's, from ODS)
//===----------------------------------------------------------------------===//

LogicalResult GeluOp::verify() {
  StringRef approximate = getApproximate();
  if (approximate != "none" && approximate != "tanh")
    return emitOpError("approximate must be \"none\" or \"tanh\", got \"")
           << approximate << "\"";
  return success();
}

LogicalResult DropoutOp::verify() {
  double p = getPAttr().getValueAsDouble();
  if (!(p >= 0.0 && p < 1.0))
    return emitOpError("p must be in [0, 1), got ") << p;
  if (getKey() && cast<RankedTensorType>(getKey().getType()).getRank() != 0)
    return emitOpError("key must be a rank-0 tensor, got ") << getKey().getType();
  return success();
}

LogicalResult CausalMaskOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  if (type.getRank() < 2)
    return emitOpError("needs an input of rank >= 2, got ") << shape::q(type);
  return success();
}

template <typename OpTy>
static LogicalResult verifySoftmaxLike(OpTy op) {
  int64_t dim = op.getDimAttr().getInt();
  auto type = cast<RankedTensorType>(op.getInput().getType());
  if (dim < 0 || dim >= type.getRank())
    return op.emitOpError("dim ")
           << dim << " is out of range for input " << shape::q(type)
           << " of rank " << type.getRank();
  return success();
}

LogicalResult SoftmaxOp::verify() { return verifySoftmaxLike(*this); }
LogicalResult LogSoftmaxOp::verify() { return verifySoftmaxLike(*this); }

//===----------------------------------------------------------------------===//
// RepeatOp
//===----------------------------------------------------------------------===//

RankedTensorType RepeatOp::getSliceType(RankedTensorType stack) {
  return RankedTensorType::get(stack.getShape().drop_front(),
                               stack.getElementType());
}

void RepeatOp::build(OpBuilder &builder, OperationState &state, int64_t count,
                     ValueRange inits, ValueRange params) {
  state.addOperands(inits);
  state.addOperands(params);
  Properties &props = state.getOrAddProperties<Properties>();
  props.count = builder.getI64IntegerAttr(count);
  props.operandSegmentSizes = {static_cast<int32_t>(inits.size()),
                               static_cast<int32_t>(params.size())};
  state.addTypes(inits.getTypes());

  Region *body = state.addRegion();
  Block *block = new Block();
  body->push_back(block);
  for (Value init : inits)
    block->addArgument(init.getType(), init.getLoc());
  for (Value param : params) {
    // Non-tensor or rank-0 params are rejected by the verifier; give their
    // block argument the param's own type meanwhile.
    auto stack = dyn_cast<RankedTensorType>(param.getType());
    Type slice = stack && stack.getRank() > 0 ? Type(getSliceType(stack))
                                              : param.getType();
    block->addArgument(slice, param.getLoc());
  }
}

/// Parses `(%arg = %operand : type, ...)`; the block argument gets the type
/// returned by `argType(type)`.
static ParseResult
parseBindings(OpAsmParser &parser, SmallVectorImpl<OpAsmParser::Argument> &args,
              SmallVectorImpl<OpAsmParser::UnresolvedOperand> &operands,
              SmallVectorImpl<Type> &types,
              function_ref<FailureOr<Type>(Type, SMLoc)> argType) {
  return parser.parseCommaSeparatedList(
      OpAsmParser::Delimiter::Paren, [&]() -> ParseResult {
        OpAsmParser::Argument arg;
        OpAsmParser::UnresolvedOperand operand;
        Type type;
        SMLoc typeLoc;
        if (parser.parseArgument(arg) || parser.parseEqual() ||
            parser.parseOperand(operand) || parser.parseColon() ||
            parser.getCurrentLocation(&typeLoc) || parser.parseType(type))
          return failure();
        FailureOr<Type> blockArgType = argType(type, typeLoc);
        if (failed(blockArgType))
          return failure();
        arg.type = *blockArgType;
        args.push_back(arg);
        operands.push_back(operand);
        types.push_back(type);
        return success();
      });
}

ParseResult RepeatOp::parse(OpAsmParser &parser, OperationState &result) {
  int64_t count = 0;
  SmallVector<OpAsmParser::Argument> args;
  SmallVector<OpAsmParser::UnresolvedOperand> inits, params;
  SmallVector<Type> initTypes, paramTypes;
  if (parser.parseInteger(count) || parser.parseKeyword("carry") ||
      parseBindings(parser, args, inits, initTypes,
                    [](Type t, SMLoc) -> FailureOr<Type> { return t; }))
    return failure();
  if (succeeded(parser.parseOptionalKeyword("params")) &&
      parseBindings(parser, args, params, paramTypes,
                    [&](Type t, SMLoc loc) -> FailureOr<Type> {
                      auto stack = dyn_cast<RankedTensorType>(t);
                      if (!stack || stack.getRank() == 0)
                        return parser.emitError(loc)
                               << "a stacked param must be a tensor of rank "
                                  ">= 1, got "
                               << t;
                      return Type(getSliceType(stack));
                    }))
    return failure();
  if (parser.resolveOperands(inits, initTypes, parser.getCurrentLocation(),
                             result.operands) ||
      parser.resolveOperands(params, paramTypes, parser.getCurrentLocation(),
                             result.operands))
    return failure();
  Properties &props = result.getOrAddProperties<Properties>();
  props.count = parser.getBuilder().getI64IntegerAttr(count);
  props.operandSegmentSizes = {static_cast<int32_t>(inits.size()),
                               static_cast<int32_t>(params.size())};
  result.addTypes(initTypes);
  if (parser.parseOptionalAttrDictWithKeyword(result.attributes))
    return failure();
  Region *body = result.addRegion();
  return parser.parseRegion(*body, args);
}

void RepeatOp::print(OpAsmPrinter &p) {
  p << ' ' << getCount() << " carry(";
  auto printBindings = [&](Block::BlockArgListType args, ValueRange values) {
    llvm::interleaveComma(llvm::zip_equal(args, values), p, [&](auto pair) {
      auto [arg, value] = pair;
      p << arg << " = " << value << " : " << value.getType();
    });
  };
  printBindings(getCarriedArgs(), getInits());
  p << ")";
  if (!getParams().empty()) {
    p << " params(";
    printBindings(getParamArgs(), getParams());
    p << ")";
  }
  p.printOptionalAttrDictWithKeyword(
      (*this)->getAttrs(), {getCountAttrName(), getOperandSegmentSizesAttrName()});
  p << ' ';
  p.printRegion(getBody(), /*printEntryBlockArgs=*/false,
                /*printBlockTerminators=*/true);
}

void RepeatOp::getAsmBlockArgumentNames(Region &region,
                                        OpAsmSetValueNameFn setNameFn) {
  for (BlockArgument arg : getCarriedArgs())
    setNameFn(arg, "carry");
  for (BlockArgument arg : getParamArgs())
    setNameFn(arg, "param");
}

LogicalResult RepeatOp::verifyRegions() {
  int64_t count = getCountAttr().getInt();
  if (count < 0)
    return emitOpError("count must be >= 0, got ") << count;
  Block *block = getBodyBlock();
  size_t numInits = getInits().size();
  size_t expectedArgs = numInits + getParams().size();
  if (block->getNumArguments() != expectedArgs)
    return emitOpError("body must have ")
           << expectedArgs << " arguments (" << numInits
           << " carried values, then one slice per param), got "
           << block->getNumArguments();
  for (auto [i, init] : llvm::enumerate(getInits()))
    if (block->getArgument(i).getType() != init.getType())
      return emitOpError("body argument #")
             << i << " has type " << block->getArgument(i).getType()
             << " but init #" << i << " has type " << init.getType();
  for (auto [i, param] : llvm::enumerate(getParams())) {
    auto stack = dyn_cast<RankedTensorType>(param.getType());
    if (!stack || stack.getRank() == 0)
      return emitOpError("param #") << i << " must be a stacked tensor of "
                                       "rank >= 1, got "
                                    << param.getType();
    int64_t lead = stack.getDimSize(0);
    if (!shape::compatible(lead, count))
      return emitOpError("param #")
             << i << " " << shape::q(stack) << " has leading dimension "
             << lead << " but count is " << count;
    Type argType = block->getArgument(numInits + i).getType();
    if (argType != getSliceType(stack))
      return emitOpError("body argument #")
             << numInits + i << " has type " << argType << " but param #" << i
             << " " << shape::q(stack) << " has slices of type "
             << getSliceType(stack);
  }
  auto yield = block->empty() ? YieldOp() : dyn_cast<YieldOp>(block->back());
  if (!yield)
    return emitOpError("body must end with 'res.yield'");
  if (yield.getValues().size() != numInits)
    return yield.emitOpError("yields ")
           << yield.getValues().size() << " values but the repeat carries "
           << numInits;
  for (auto [i, pair] : llvm::enumerate(llvm::zip_equal(
           yield.getValues().getTypes(), getInits().getTypes()))) {
    auto [yielded, carried] = pair;
    if (!detail::areCompatibleReturnTypes(TypeRange{carried},
                                          TypeRange{yielded}))
      return yield.emitOpError("value #")
             << i << " has type " << yielded
             << " but the carried value has type " << carried;
  }
  return success();
}
