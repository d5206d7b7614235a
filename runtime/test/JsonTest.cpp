//===- JsonTest.cpp - the strict JSON reader ------------------------------===//

#include "../src/Json.h"

#include "TestSupport.h"

using namespace resc::rt;

namespace {

std::string parseError(const std::string &text) {
  json::Value value;
  resc_error *error = json::parse(text.data(), text.size(), value);
  if (!error)
    return "";
  return resc::test::takeMessage(error);
}

TEST(Json, ParsesNestedValuesInOrder) {
  std::string text = R"( {"b": [1, -2.5e3, true, false, null], "a": {"s": "x\u00e9\ud83d\ude00\n"}} )";
  json::Value root;
  RESC_ASSERT_OK(json::parse(text.data(), text.size(), root));
  ASSERT_EQ(root.kind, json::Kind::Object);
  ASSERT_EQ(root.members.size(), 2u);
  EXPECT_EQ(root.members[0].key, "b");
  const json::Value *b = root.find("b");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->items.size(), 5u);
  EXPECT_EQ(b->items[1].text, "-2.5e3");
  EXPECT_TRUE(b->items[2].boolean);
  EXPECT_EQ(b->items[4].kind, json::Kind::Null);
  EXPECT_EQ(root.find("a")->find("s")->text, "x\xC3\xA9\xF0\x9F\x98\x80\n");
  EXPECT_EQ(root.find("missing"), nullptr);
}

TEST(Json, ReadsFullUint64Only) {
  json::Value value;
  std::string text = "18446744073709551615";
  RESC_ASSERT_OK(json::parse(text.data(), text.size(), value));
  uint64_t n = 0;
  EXPECT_TRUE(value.asUint64(n));
  EXPECT_EQ(n, UINT64_MAX);
  for (std::string bad : {"18446744073709551616", "-1", "1.0", "1e3"}) {
    RESC_ASSERT_OK(json::parse(bad.data(), bad.size(), value));
    EXPECT_FALSE(value.asUint64(n)) << bad;
  }
}

TEST(Json, RefusesWhatRfc8259Refuses) {
  EXPECT_THAT(parseError("{\"a\": 1,}"), testing::HasSubstr("expected a string as object key"));
  EXPECT_THAT(parseError("[1, 2,]"), testing::HasSubstr("expected a value"));
  EXPECT_THAT(parseError("[01]"), testing::HasSubstr("leading zeros"));
  EXPECT_THAT(parseError("[1.]"), testing::HasSubstr("expected a digit after '.'"));
  EXPECT_THAT(parseError("[NaN]"), testing::HasSubstr("expected a value"));
  EXPECT_THAT(parseError("{'a': 1}"), testing::HasSubstr("expected a string as object key"));
  EXPECT_THAT(parseError("\"tab\there\""), testing::HasSubstr("control character"));
  EXPECT_THAT(parseError("\"\\x\""), testing::HasSubstr("invalid escape"));
  EXPECT_THAT(parseError("\"\\ud800\""), testing::HasSubstr("unpaired high surrogate"));
  EXPECT_THAT(parseError("\"\\udc00\""), testing::HasSubstr("unpaired low surrogate"));
  EXPECT_THAT(parseError("\"\xC0\xAF\""), testing::HasSubstr("invalid UTF-8"));
  EXPECT_THAT(parseError("\"\xED\xA0\x80\""), testing::HasSubstr("invalid UTF-8"));
  EXPECT_THAT(parseError("{} {}"), testing::HasSubstr("unexpected text after the JSON value"));
  EXPECT_THAT(parseError(""), testing::HasSubstr("unexpected end of text"));
  EXPECT_THAT(parseError("tru"), testing::HasSubstr("expected a value"));
}

TEST(Json, RefusesTruncatedText) {
  std::string text = R"({"w": {"dtype": "F32", "shape": [2, 3]}})";
  for (size_t cut = 0; cut < text.size(); ++cut)
    EXPECT_NE(parseError(text.substr(0, cut)), "") << "prefix of " << cut << " bytes";
}

TEST(Json, RefusesDuplicateKeysWithTheirOffset) {
  EXPECT_EQ(parseError(R"({"w": 1, "w": 2})"), "invalid JSON at byte 9: duplicate key 'w'");
}

TEST(Json, LimitsNesting) {
  std::string deep(json::kMaxDepth, '[');
  deep += std::string(json::kMaxDepth, ']');
  EXPECT_EQ(parseError(deep), "");
  std::string tooDeep = "[" + deep + "]";
  EXPECT_THAT(parseError(tooDeep), testing::HasSubstr("nesting too deep"));
  // Far deeper than any stack would take if the limit were missing.
  EXPECT_THAT(parseError(std::string(1000000, '[')), testing::HasSubstr("nesting too deep"));
}

} // namespace
