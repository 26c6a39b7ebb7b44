// Evidence files (repository_evidence.cc): sealed under the master key, named by their content,
// readable by another holder of the key, refused when damaged or from another repository; on a
// local directory, evidence/ is made on first use (repositories made before it lack it).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "engine/repository/repository.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

namespace fs = std::filesystem;
using backend::FileType;
using testing::kPassword;
using testing::Store;

constexpr std::string_view kRecords = R"({"runs":[{"record_id":"r1"}]})";

TEST(RepositoryEvidenceTest, RoundTripsAndListsSorted) {
  Store store;
  auto repo = store.Init();
  EXPECT_TRUE(repo->ListEvidence()->empty());
  auto first = repo->SaveEvidence(kRecords);
  auto second = repo->SaveEvidence("{}");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(first->size(), 64u);
  // Another process with the same password (the central machine) reads it.
  auto other = store.Open();
  ASSERT_THAT(other, IsOk());
  auto names = (*other)->ListEvidence();
  ASSERT_THAT(names, IsOk());
  std::vector<std::string> want = {*first, *second};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(*names, want);
  EXPECT_EQ(*(*other)->LoadEvidence(*first), kRecords);
}

TEST(RepositoryEvidenceTest, ADamagedFileIsRefusedNamingIt) {
  Store store;
  auto repo = store.Init();
  auto name = repo->SaveEvidence(kRecords);
  ASSERT_THAT(name, IsOk());
  store.Rewrite({FileType::kEvidence, *name}, [](Bytes& b) { b[b.size() / 2] ^= 1; });
  EXPECT_THAT(repo->LoadEvidence(*name),
              ErrorIs(ErrorCode::kCorrupt, HasSubstr("evidence " + *name + ": content does not "
                                                     "match its name")));
}

TEST(RepositoryEvidenceTest, EvidenceOfAnotherRepositoryDoesNotOpen) {
  Store mine, theirs;
  auto repo = mine.Init();
  auto other = theirs.Init();
  auto name = other->SaveEvidence(kRecords);
  ASSERT_THAT(name, IsOk());
  Bytes file = *theirs.raw().Load({FileType::kEvidence, *name});
  ASSERT_THAT(mine.raw().Save({FileType::kEvidence, *name}, file), IsOk());
  EXPECT_THAT(repo->LoadEvidence(*name), ErrorIs(ErrorCode::kCorrupt, HasSubstr("evidence")));
}

TEST(RepositoryEvidenceTest, LocalDirectoryGetsEvidenceOnFirstUse) {
  std::string pattern = (fs::temp_directory_path() / "stormproof-evidence-XXXXXX").string();
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/repo";
  {
    auto created = backend::CreateLocalBackend(path);
    ASSERT_THAT(created, IsOk());
    auto repo = Repository::Init(std::move(created).value(), kPassword);
    ASSERT_THAT(repo, IsOk());
  }
  EXPECT_FALSE(fs::exists(path + "/evidence"));  // made on first use, as in older repositories
  auto opened = backend::OpenLocalBackend(path);
  ASSERT_THAT(opened, IsOk());
  auto repo = Repository::Open(std::move(opened).value(), kPassword);
  ASSERT_THAT(repo, IsOk());
  auto none = (*repo)->ListEvidence();
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());
  auto name = (*repo)->SaveEvidence(kRecords);
  ASSERT_THAT(name, IsOk());
  EXPECT_TRUE(fs::is_regular_file(path + "/evidence/" + *name));
  EXPECT_EQ(*(*repo)->LoadEvidence(*name), kRecords);
  fs::remove_all(pattern);
}

}  // namespace
}  // namespace stormproof::repository
