#include "plan/yaml_document.h"

#include <gtest/gtest.h>

#include <string>

namespace stormproof::plan::yaml {
namespace {

TEST(YamlDocumentTest, KeepsPositionsOfKeysAndValues) {
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse("a: 1\nlist:\n  - x\n  - 'y'\n", &error)) << error.message;
  const Node& root = doc.root();
  ASSERT_EQ(root.kind, NodeKind::kMapping);
  ASSERT_EQ(root.children.size(), 4u);
  const Node& list = doc.node(root.children[3]);
  ASSERT_EQ(list.kind, NodeKind::kSequence);
  const Node& y = doc.node(list.children[1]);
  EXPECT_EQ(y.value, "y");
  EXPECT_FALSE(y.plain);
  EXPECT_EQ(y.line, 4);
  EXPECT_EQ(y.column, 5);
}

TEST(YamlDocumentTest, ReportsSyntaxErrorsWithLineAndColumn) {
  Document doc;
  SyntaxError error;
  EXPECT_FALSE(doc.Parse("a: 1\nb: [1, 2\nc: 3\n", &error));
  EXPECT_GE(error.line, 2);
  EXPECT_GT(error.column, 0);
  EXPECT_FALSE(error.message.empty());
}

TEST(YamlDocumentTest, RejectsDuplicateKeys) {
  Document doc;
  SyntaxError error;
  EXPECT_FALSE(doc.Parse("owner: ann\ntier: t1\nowner: bob\n", &error));
  EXPECT_EQ(error.line, 3);
  EXPECT_NE(error.message.find("duplicate key 'owner' (first at line 1)"), std::string::npos);
}

TEST(YamlDocumentTest, RejectsSecondDocument) {
  Document doc;
  SyntaxError error;
  EXPECT_FALSE(doc.Parse("a: 1\n---\nb: 2\n", &error));
  EXPECT_NE(error.message.find("second"), std::string::npos);
}

TEST(YamlDocumentTest, RejectsDeepNestingWithoutCrashing) {
  Document doc;
  SyntaxError error;
  std::string deep(100000, '[');
  EXPECT_FALSE(doc.Parse(deep, &error));
  EXPECT_NE(error.message.find("nesting deeper"), std::string::npos);
}

TEST(YamlDocumentTest, AliasesShareNodesAndBombsAreRefused) {
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse("a: &x [1, 2]\nb: *x\n", &error)) << error.message;
  EXPECT_EQ(doc.root().children[1], doc.root().children[3]);

  // Each level multiplies by ten: ten levels expand to 10^10 nodes.
  std::string bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 10; ++i) {
    std::string prev = "*l" + std::to_string(i - 1);
    bomb += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += (k ? ", " : "") + prev;
    bomb += "]\n";
  }
  EXPECT_FALSE(doc.Parse(bomb, &error));
  EXPECT_NE(error.message.find("aliases expand"), std::string::npos);
}

TEST(YamlDocumentTest, UnknownAliasIsAnError) {
  Document doc;
  SyntaxError error;
  EXPECT_FALSE(doc.Parse("a: *nothing\n", &error));
}

TEST(YamlDocumentTest, EmptyStreamHasNoRoot) {
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse("# only a comment\n", &error));
  EXPECT_FALSE(doc.has_root());
}

TEST(YamlDocumentTest, NullScalarsAreRecognised) {
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse("a: ~\nb:\nc: 'null'\nd: null\n", &error));
  const Node& root = doc.root();
  EXPECT_TRUE(IsNull(doc.node(root.children[1])));
  EXPECT_TRUE(IsNull(doc.node(root.children[3])));
  EXPECT_FALSE(IsNull(doc.node(root.children[5])));  // quoted: the text "null"
  EXPECT_TRUE(IsNull(doc.node(root.children[7])));
}

}  // namespace
}  // namespace stormproof::plan::yaml
