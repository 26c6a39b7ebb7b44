#include "engine/archiver/internal/paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "engine/archiver/internal/exclude.h"
#include "tests/matchers.h"

namespace stormproof::archiver::internal {
namespace {

TEST(PathsTest, NormalisesAndKeepsAGivenSymlinkAsItIs) {
  char dir[] = "/tmp/stormproof-paths-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string root = dir;
  ASSERT_EQ(::mkdir((root + "/real").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("real", (root + "/alias").c_str()), 0);
  ASSERT_EQ(::symlink("real", (root + "/real/self").c_str()), 0);

  struct Case {
    std::string given, want;
  };
  for (const Case& c : std::vector<Case>{
           {root + "/real", root + "/real"},
           {root + "//real/./", root + "/real"},
           {root + "/real/../real", root + "/real"},
           {root + "/alias", root + "/alias"},           // the symlink itself
           {root + "/alias/self", root + "/real/self"},  // a symlinked parent is resolved
           {"/", "/"},
           {"/..", "/"},
       }) {
    Result<std::string> got = CanonicalPath(c.given);
    ASSERT_THAT(got, IsOk()) << c.given << ": " << got.error().message();
    EXPECT_EQ(*got, c.want) << c.given;
  }
  Result<std::string> missing = CanonicalPath(root + "/nope");
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
  EXPECT_FALSE(CanonicalPath("").has_value());
  std::filesystem::remove_all(root);
}

TEST(PathsTest, TrieCoversEachPathOnceFromTheRoot) {
  PathTrie trie = BuildPathTrie({"/home/ann/docs", "/home/ann", "/etc/hosts", "/home/bob/x"});
  ASSERT_EQ(trie.children.size(), 2u);
  const PathTrie& home = trie.children.at("home");
  EXPECT_FALSE(home.is_target);
  EXPECT_TRUE(home.children.at("ann").is_target);
  EXPECT_TRUE(home.children.at("ann").children.empty());  // docs is inside ann
  EXPECT_TRUE(home.children.at("bob").children.at("x").is_target);
  EXPECT_TRUE(trie.children.at("etc").children.at("hosts").is_target);

  PathTrie everything = BuildPathTrie({"/srv", "/"});
  EXPECT_TRUE(everything.is_target);
  EXPECT_TRUE(everything.children.empty());
}

TEST(ExcludeMatcherTest, MatchesFullPathOrBaseName) {
  ExcludeMatcher m({"*.tmp", "/var/cache", "node_modules/", "/srv/*/logs", ""});
  struct Case {
    std::string path, name;
    bool excluded;
  };
  for (const Case& c : std::vector<Case>{
           {"/a/b/x.tmp", "x.tmp", true},
           {"/a/b/x.tmpl", "x.tmpl", false},
           {"/var/cache", "cache", true},
           {"/home/var/cache", "cache", false},
           {"/code/node_modules", "node_modules", true},
           {"/srv/a/b/logs", "logs", true},
           {"/srv/logs", "logs", false},
           {"/x/\xff.tmp", "\xff.tmp", true},
       }) {
    EXPECT_EQ(m.Excludes(c.path, c.name), c.excluded) << c.path;
  }
  EXPECT_TRUE(ExcludeMatcher({""}).empty());
}

}  // namespace
}  // namespace stormproof::archiver::internal
