#include <gtest/gtest.h>

#include <algorithm>

#include "repository/repository.h"
#include "repository_fixtures.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using testing::kPassword;
using testing::Store;

TEST(RepositoryKeysTest, AddedKeyOpensTheSameRepository) {
  Store store;
  auto repo = store.Init();
  Id blob = repo->BlobId(AsBytes("content"));
  auto name = repo->AddKey("second password");
  ASSERT_TRUE(name.has_value()) << name.error().message();
  auto second = store.Open("second password");
  ASSERT_TRUE(second.has_value()) << second.error().message();
  EXPECT_EQ((*second)->id(), repo->id());
  EXPECT_EQ((*second)->BlobId(AsBytes("content")), blob) << "one master key";
  EXPECT_TRUE(store.Open(kPassword).has_value());
}

TEST(RepositoryKeysTest, ListShowsEveryKeyAndWhichIsCurrent) {
  Store store;
  auto repo = store.Init();
  std::string added = *repo->AddKey("other");
  auto keys = repo->ListKeys();
  ASSERT_TRUE(keys.has_value());
  ASSERT_EQ(keys->size(), 2u);
  int current = 0;
  for (const KeyInfo& key : *keys) {
    current += key.current;
    EXPECT_GT(key.created_ns, 0);
    EXPECT_EQ(key.current, key.name != added);
  }
  EXPECT_EQ(current, 1);
}

TEST(RepositoryKeysTest, RemoveRefusesTheCurrentKeyAndRemovesOthers) {
  Store store;
  auto repo = store.Init();
  std::string added = *repo->AddKey("other");
  std::string current;
  auto keys = repo->ListKeys();
  ASSERT_TRUE(keys.has_value());
  for (const KeyInfo& key : *keys) {
    if (key.current) current = key.name;
  }
  Status refused = repo->RemoveKey(current);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  Status missing = repo->RemoveKey(std::string(64, 'a'));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  ASSERT_TRUE(repo->RemoveKey(added));
  EXPECT_FALSE(store.Open("other").has_value());
  EXPECT_EQ(repo->ListKeys()->size(), 1u);
}

TEST(RepositoryKeysTest, ChangePasswordRetiresTheOldOneAndKeepsTheMasterKey) {
  Store store;
  auto repo = store.Init();
  Bytes data = testing::TextData(2000, 1);
  Id id = repo->BlobId(data);
  ASSERT_TRUE(repo->SaveBlob(BlobType::kData, id, data).has_value());
  ASSERT_TRUE(repo->Flush());
  ASSERT_TRUE(repo->ChangePassword("new password"));
  auto old = store.Open(kPassword);
  ASSERT_FALSE(old.has_value());
  EXPECT_EQ(old.error().code(), ErrorCode::kFailedCheck);
  auto reopened = store.Open("new password");
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message();
  EXPECT_EQ((*reopened)->BlobId(data), id);
  EXPECT_EQ(*(*reopened)->LoadBlob(BlobType::kData, id), data);
  auto keys = repo->ListKeys();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE((*keys)[0].current) << "the new key is now the current one";
}

TEST(RepositoryKeysTest, CorruptKeyFilesAreSkipped) {
  const char* damaged[] = {"", "{}", "not json", R"({"kdf":"scrypt"})",
                           R"({"kdf":"argon2id","ops":1,"mem":8192,"salt":"AAAA","data":"x"})"};
  Store store;
  auto repo = store.Init();
  int n = 0;
  for (const char* text : damaged) {
    std::string name(64, static_cast<char>('a' + n++));
    ASSERT_TRUE(store.raw().Save({FileType::kKey, name}, AsBytes(text)));
  }
  auto reopened = store.Open();
  ASSERT_TRUE(reopened.has_value()) << reopened.error().message();
  EXPECT_EQ((*reopened)->ListKeys()->size(), 6u);
  auto wrong = store.Open("wrong");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kFailedCheck);
}

}  // namespace
}  // namespace stormproof::repository
