#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

#include "engine/repository/repository.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

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
  ASSERT_THAT(name, IsOk());
  auto second = store.Open("second password");
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ((*second)->id(), repo->id());
  EXPECT_EQ((*second)->BlobId(AsBytes("content")), blob) << "one master key";
  EXPECT_THAT(store.Open(kPassword), IsOk());
}

TEST(RepositoryKeysTest, ListShowsEveryKeyAndWhichIsCurrent) {
  Store store;
  auto repo = store.Init();
  std::string added = *repo->AddKey("other");
  auto keys = repo->ListKeys();
  ASSERT_THAT(keys, IsOk());
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
  ASSERT_THAT(keys, IsOk());
  for (const KeyInfo& key : *keys) {
    if (key.current) current = key.name;
  }
  Status refused = repo->RemoveKey(current);
  ASSERT_FALSE(refused);
  EXPECT_THAT(refused, ErrorIs(ErrorCode::kInvalidArgument));
  Status missing = repo->RemoveKey(std::string(64, 'a'));
  ASSERT_FALSE(missing);
  EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
  ASSERT_TRUE(repo->RemoveKey(added));
  EXPECT_FALSE(store.Open("other").has_value());
  EXPECT_EQ(repo->ListKeys()->size(), 1u);
}

TEST(RepositoryKeysTest, ChangePasswordRetiresTheOldOneAndKeepsTheMasterKey) {
  Store store;
  auto repo = store.Init();
  Bytes data = testing::TextData(2000, 1);
  Id id = repo->BlobId(data);
  ASSERT_THAT(repo->SaveBlob(BlobType::kData, id, data), IsOk());
  ASSERT_TRUE(repo->Flush());
  ASSERT_TRUE(repo->ChangePassword("new password"));
  auto old = store.Open(kPassword);
  ASSERT_FALSE(old.has_value());
  EXPECT_THAT(old, ErrorIs(ErrorCode::kWrongPassword));
  auto reopened = store.Open("new password");
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ((*reopened)->BlobId(data), id);
  EXPECT_EQ(*(*reopened)->LoadBlob(BlobType::kData, id), data);
  auto keys = repo->ListKeys();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE((*keys)[0].current) << "the new key is now the current one";
}

// Credentials that may write but not delete (upload-only): the old key could not be removed, so
// the password change is refused before the new key is written; the old password still opens.
TEST(RepositoryKeysTest, ChangePasswordWithoutTheRightToDeleteChangesNothing) {
  struct NoDeletes final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Status Remove(const backend::Handle& h) override {
      return Error::PermissionDenied(Location() + "/" + h.name + ": access denied");
    }
  };
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  auto repo = Repository::Open(std::make_unique<NoDeletes>(store.raw()), kPassword);
  ASSERT_THAT(repo, IsOk());
  Status changed = (*repo)->ChangePassword("new password");
  EXPECT_THAT(changed, ErrorIs(ErrorCode::kPermissionDenied,
                               HasSubstr("the password was not changed: ")));
  EXPECT_THAT(changed.error().message(), HasSubstr("these credentials may not delete objects"));
  EXPECT_EQ(store.Names(FileType::kKey).size(), 1u) << "a key was added";
  EXPECT_THAT(store.Open(kPassword), IsOk());
  EXPECT_FALSE(store.Open("new password").has_value());
}

// Deletes refused under keys/ only (a policy that lets the backup hosts remove their locks): the
// probe under locks/ passes, so ChangePassword must notice the refused removal itself.
struct NoKeyDeletes final : testing::ForwardingBackend {
  using ForwardingBackend::ForwardingBackend;
  Status Remove(const backend::Handle& h) override {
    if (h.type != FileType::kKey || keep.count(h.name) == 0) return target.Remove(h);
    return Error::PermissionDenied(Location() + "/keys/" + h.name + ": access denied");
  }
  std::set<std::string> keep;  // the key files whose removal is refused
};

// The old key cannot be removed, the new one can (as where each host may delete what it wrote):
// the new key is removed again, and only the old password opens, as before.
TEST(RepositoryKeysTest, ChangePasswordTakesTheNewKeyBackWhenTheOldCannotBeRemoved) {
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  const std::vector<std::string> before = store.Names(FileType::kKey);
  auto backend = std::make_unique<NoKeyDeletes>(store.raw());
  backend->keep = {before.begin(), before.end()};
  auto repo = Repository::Open(std::move(backend), kPassword);
  ASSERT_THAT(repo, IsOk());
  Status changed = (*repo)->ChangePassword("new password");
  EXPECT_THAT(changed, ErrorIs(ErrorCode::kPermissionDenied,
                               HasSubstr("the password was not changed: the old key " +
                                         before[0] + " could not be removed, and the new key "
                                         "was removed again: ")));
  EXPECT_EQ(store.Names(FileType::kKey), before);
  EXPECT_THAT(store.Open(kPassword), IsOk());
  EXPECT_FALSE(store.Open("new password").has_value());
}

// No key file may be removed: both stay, and the error says so and what to remove.
TEST(RepositoryKeysTest, ChangePasswordSaysBothPasswordsOpenWhenNoKeyCanBeRemoved) {
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  const std::string old_key = store.Names(FileType::kKey).front();
  struct AllKeysKept final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Status Remove(const backend::Handle& h) override {
      if (h.type != FileType::kKey) return target.Remove(h);
      return Error::PermissionDenied(Location() + "/keys/" + h.name + ": access denied");
    }
  };
  auto repo = Repository::Open(std::make_unique<AllKeysKept>(store.raw()), kPassword);
  ASSERT_THAT(repo, IsOk());
  Status changed = (*repo)->ChangePassword("new password");
  EXPECT_THAT(changed, ErrorIs(ErrorCode::kPermissionDenied,
                               HasSubstr("stays, so both passwords may open the repository; "
                                         "remove the old key with credentials that may delete "
                                         "(stormproof key remove " + old_key + "): ")));
  EXPECT_EQ(store.Names(FileType::kKey).size(), 2u);
  EXPECT_THAT(store.Open(kPassword), IsOk());
  EXPECT_THAT(store.Open("new password"), IsOk());
}

// A server that answers a key file's DELETE but keeps the file: the removal is checked by
// listing, never taken on the server's word.
TEST(RepositoryKeysTest, ChangePasswordChecksTheOldKeyIsGone) {
  struct DeletesIgnored final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Status Remove(const backend::Handle& h) override {
      return h.type == FileType::kKey ? Ok() : target.Remove(h);
    }
  };
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  auto repo = Repository::Open(std::make_unique<DeletesIgnored>(store.raw()), kPassword);
  ASSERT_THAT(repo, IsOk());
  Status changed = (*repo)->ChangePassword("new password");
  EXPECT_THAT(changed, ErrorIs(ErrorCode::kIo, HasSubstr("still listed after the storage "
                                                         "accepted its deletion")));
  EXPECT_THAT(changed.error().message(), HasSubstr("both passwords may open the repository"));
}

// A removal that failed on the way back from a server that carried it out: the old key is gone,
// so the new one must stay (taking it back would leave no key at all).
TEST(RepositoryKeysTest, ChangePasswordKeepsTheNewKeyWhenTheOldOneMayBeGone) {
  struct LostAnswer final : testing::ForwardingBackend {
    using ForwardingBackend::ForwardingBackend;
    Status Remove(const backend::Handle& h) override {
      Status removed = target.Remove(h);
      if (!removed || h.type != FileType::kKey) return removed;
      return Error::Io(Location() + "/keys/" + h.name + ": connection reset");
    }
  };
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  auto repo = Repository::Open(std::make_unique<LostAnswer>(store.raw()), kPassword);
  ASSERT_THAT(repo, IsOk());
  Status changed = (*repo)->ChangePassword("new password");
  EXPECT_THAT(changed, ErrorIs(ErrorCode::kIo, HasSubstr("connection reset")));
  EXPECT_EQ(store.Names(FileType::kKey).size(), 1u);
  EXPECT_THAT(store.Open("new password"), IsOk());
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
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ((*reopened)->ListKeys()->size(), 6u);
  auto wrong = store.Open("wrong");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong, ErrorIs(ErrorCode::kWrongPassword));
}

// The only key file, edited by `edit` (its text), and what opening the repository then says.
template <typename Edit>
std::string OpenWithOnlyKeyEdited(Edit edit, std::string* name) {
  Store store;
  EXPECT_NE(store.Init(), nullptr);
  *name = store.Names(FileType::kKey).front();
  store.Rewrite({FileType::kKey, *name}, [&](Bytes& bytes) {
    std::string text(AsText(bytes));
    edit(text);
    bytes.assign(text.begin(), text.end());
  });
  auto opened = store.Open();
  EXPECT_FALSE(opened.has_value());
  if (opened) return "";
  EXPECT_THAT(opened, ErrorIs(ErrorCode::kFailedCheck));
  return opened.error().message();
}

// Sets one field of a key file's JSON.
auto SetField(const std::string& field, nlohmann::json value) {
  return [=](std::string& text) {
    nlohmann::json doc = nlohmann::json::parse(text);
    doc[field] = value;
    text = doc.dump();
  };
}

// A key file that cannot be used is named as damaged, never passed off as a wrong password.
TEST(RepositoryKeysTest, DamagedKeyFileIsNamedNotCalledAWrongPassword) {
  std::string name;
  std::string truncated =
      OpenWithOnlyKeyEdited([](std::string& text) { text.resize(text.size() / 2); }, &name);
  EXPECT_EQ(truncated, "no key in memory:/keys can be used: key file memory:/keys/" + name +
                           " is damaged: not a JSON key file");
  std::string short_data = OpenWithOnlyKeyEdited(SetField("data", std::string(40, 'A')), &name);
  EXPECT_EQ(short_data, "no key in memory:/keys can be used: key file memory:/keys/" + name +
                            " is damaged: sealed master key has 30 bytes, not 92 (truncated or "
                            "damaged)");
  std::string tiny_memory = OpenWithOnlyKeyEdited(SetField("mem", 1), &name);
  EXPECT_EQ(tiny_memory, "no key in memory:/keys can be used: key file memory:/keys/" + name +
                             " is damaged: Argon2id parameters out of range: ops 1 (allowed "
                             "1..100), memory 1 bytes (allowed 8192..4294967296)");
  std::string many_passes = OpenWithOnlyKeyEdited(SetField("ops", 1000), &name);
  EXPECT_EQ(many_passes, "no key in memory:/keys can be used: key file memory:/keys/" + name +
                             " is damaged: Argon2id parameters out of range: ops 1000 (allowed "
                             "1..100), memory 8192 bytes (allowed 8192..4294967296)");
}

TEST(RepositoryKeysTest, WrongPasswordAlsoNamesTheDamagedKeyFiles) {
  Store store;
  auto repo = store.Init();
  ASSERT_THAT(repo->AddKey("second"), IsOk());
  std::vector<std::string> names = store.Names(FileType::kKey);
  ASSERT_EQ(names.size(), 2u);
  std::sort(names.begin(), names.end());
  store.Rewrite({FileType::kKey, names[1]}, [](Bytes& bytes) { bytes.resize(10); });
  auto wrong = store.Open("wrong");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong, ErrorIs(ErrorCode::kWrongPassword));
  EXPECT_EQ(wrong.error().message(),
            "wrong password: no key in memory:/keys opens with it (and key file memory:/keys/" +
                names[1] + " is damaged: not a JSON key file)");
  // The intact key still opens, whichever of the two it is.
  EXPECT_TRUE(store.Open(kPassword).has_value() || store.Open("second").has_value());
}

TEST(RepositoryKeysTest, ManyDamagedKeyFilesAreCountedNotAllListed) {
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  for (char c : {'a', 'b', 'c', 'd', 'e'}) {
    ASSERT_TRUE(store.raw().Save({FileType::kKey, std::string(64, c)}, AsBytes("{}")));
  }
  auto wrong = store.Open("wrong");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_THAT(wrong.error().message(),
              HasSubstr("wrong password: no key in memory:/keys opens with it "
                        "(and key file memory:/keys/aaaa"))
      << wrong.error().message();
  EXPECT_THAT(wrong.error().message(), HasSubstr("; and 2 more)")) << wrong.error().message();
}

TEST(RepositoryKeysTest, NoKeyFilesAtAll) {
  Store store;
  ASSERT_NE(store.Init(), nullptr);
  for (const std::string& name : store.Names(FileType::kKey)) {
    ASSERT_TRUE(store.raw().Remove({FileType::kKey, name}));
  }
  auto opened = store.Open();
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().message(), "memory:/keys: no key files (the repository cannot be opened)");
}

}  // namespace
}  // namespace stormproof::repository
