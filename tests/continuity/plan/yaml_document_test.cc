#include "continuity/plan/internal/yaml_document.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/matchers.h"

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
  EXPECT_THAT(error.message, HasSubstr("duplicate key 'owner' (first at line 1)"));
}

TEST(YamlDocumentTest, RejectsSecondDocument) {
  Document doc;
  SyntaxError error;
  EXPECT_FALSE(doc.Parse("a: 1\n---\nb: 2\n", &error));
  EXPECT_THAT(error.message, HasSubstr("second"));
}

TEST(YamlDocumentTest, RejectsDeepNestingWithoutCrashing) {
  Document doc;
  SyntaxError error;
  std::string deep(100000, '[');
  EXPECT_FALSE(doc.Parse(deep, &error));
  EXPECT_THAT(error.message, HasSubstr("nesting deeper"));
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
  EXPECT_THAT(error.message, HasSubstr("aliases expand"));
}

// "s: &s x", "a: &a [x × 999]" (1,000 nodes), then `aliases` aliases of *a and `extra` of *s:
// each *a adds 1,000 nodes to a walk, each *s one.
std::string AliasesAdding(int aliases, int extra) {
  std::string text = "s: &s x\na: &a [x";
  for (int i = 1; i < 999; ++i) text += ", x";
  text += "]\nb: [*a";
  for (int i = 1; i < aliases; ++i) text += ", *a";
  text += "]\n";
  for (int i = 0; i < extra; ++i) text += "c" + std::to_string(i) + ": *s\n";
  return text;
}

TEST(YamlDocumentTest, AliasesMayAddUpToTheLimitAndNoMore) {
  ASSERT_EQ(Document::kMaxExpandedNodes, 1'000'000);
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse(AliasesAdding(1000, 0), &error)) << error.message;
  EXPECT_EQ(doc.expanded_nodes(), 1'000'000);

  EXPECT_FALSE(doc.Parse(AliasesAdding(1000, 1), &error));
  EXPECT_EQ(error.message, "aliases expand to more than 1000000 nodes");
  EXPECT_GT(error.line, 0);
}

TEST(YamlDocumentTest, NodesWrittenOutDoNotCountTowardsTheLimit) {
  // More nodes than the limit, without an alias: a large plan in one file (50,000 systems are
  // some 2.2 million nodes), not a bomb.
  std::string text = "a: [x";
  for (int i = 1; i < Document::kMaxExpandedNodes + 1000; ++i) text += ",x";
  text += "]\n";
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse(text, &error)) << error.message;
  EXPECT_EQ(doc.expanded_nodes(), 0);
  EXPECT_GT(doc.size(), static_cast<size_t>(Document::kMaxExpandedNodes));
}

TEST(YamlDocumentTest, AliasesOfEarlierDocumentsCountTowardsTheLimit) {
  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse(AliasesAdding(600, 0), &error, 400'000)) << error.message;
  EXPECT_FALSE(doc.Parse(AliasesAdding(600, 0), &error, 400'001));
  EXPECT_EQ(error.message,
            "aliases expand to more than 1000000 nodes (400001 of them in the files read before)");
}

TEST(YamlDocumentTest, QuoteShowsOneLineAtMost) {
  EXPECT_EQ(Quote(std::string_view("4 hours")), "'4 hours'");
  EXPECT_EQ(Quote(std::string_view(std::string(100, 'a'))), "'" + std::string(60, 'a') + "…'");
  EXPECT_EQ(Quote(std::string_view("first\nsecond")), "'first…'");
  EXPECT_EQ(Quote(std::string_view("a\x1b[31mred")), "'a\\x1b[31mred'");
  // Never half a UTF-8 character: 59 bytes, then a two-byte "é" across the cut.
  EXPECT_EQ(Quote(std::string_view(std::string(59, 'a') + "\xC3\xA9")),
            "'" + std::string(59, 'a') + "…'");

  Document doc;
  SyntaxError error;
  ASSERT_TRUE(doc.Parse("plain: one\n  two\nblock: |\n  one\n  two\nquoted: \"a\\nb\"\n", &error))
      << error.message;
  const Node& root = doc.root();
  EXPECT_EQ(Quote(doc.node(root.children[1])), "'…' (several lines)");  // "one two"
  EXPECT_EQ(Quote(doc.node(root.children[3])), "'…' (several lines)");  // "one\ntwo\n"
  EXPECT_EQ(Quote(doc.node(root.children[5])), "'a…'");  // one line with an escaped line break
  EXPECT_EQ(Quote(root), "'…'");
}

TEST(YamlDocumentTest, DuplicateKeyMessageQuotesOneLineAtMost) {
  Document doc;
  SyntaxError error;
  std::string key(200, 'k');
  EXPECT_FALSE(doc.Parse(key + ": 1\n" + key + ": 2\n", &error));
  EXPECT_EQ(error.message, "duplicate key '" + std::string(60, 'k') + "…' (first at line 1)");
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
