//===- DimTest.cpp - symbolic dimension algebra -----------------*- C++ -*-===//

#include "resc/Frontend/Types.h"

#include <gtest/gtest.h>

using namespace resc;

namespace {

TEST(Dim, ProductOfSymbolsIsOrderIndependent) {
  SymbolNames names;
  Dim n = Dim::symbol(names.getOrCreate("N"));
  Dim t = Dim::symbol(names.getOrCreate("T"));
  EXPECT_EQ(*n.mul(t), *t.mul(n));
  EXPECT_EQ(n.mul(t)->str(names), "N*T");
  EXPECT_EQ(n.mul(Dim::known(784))->str(names), "784*N");
}

TEST(Dim, ExactDivisionRecoversTheSymbol) {
  SymbolNames names;
  Dim n = Dim::symbol(names.getOrCreate("N"));
  Dim total = *product({n, Dim::known(28), Dim::known(28)});
  auto q = total.divExact(Dim::known(784));
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(*q, n);
  EXPECT_FALSE(total.divExact(Dim::known(100)).has_value());
  EXPECT_FALSE(Dim::known(10).divExact(n).has_value());
}

TEST(Dim, DifferentSymbolsAreNotEqual) {
  SymbolNames names;
  EXPECT_NE(Dim::symbol(names.getOrCreate("N")), Dim::symbol(names.getOrCreate("M")));
  EXPECT_EQ(Dim::symbol(names.getOrCreate("N")), Dim::symbol(names.getOrCreate("N")));
}

TEST(Dim, OverflowIsDetected) {
  Dim big = Dim::known(int64_t(1) << 40);
  EXPECT_FALSE(big.mul(big).has_value());
  EXPECT_FALSE(product({big, big, big}).has_value());
}

TEST(TensorType, SpellsLikeTheLanguage) {
  SymbolNames names;
  TensorType t;
  t.dtype = DType::I32;
  t.dims = {Dim::symbol(names.getOrCreate("N")), Dim::known(3)};
  EXPECT_EQ(t.str(names), "i32[N, 3]");
}

} // namespace
