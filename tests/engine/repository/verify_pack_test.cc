// Repository::VerifyPack and the IdCheck levels of LoadBlob: what check --read-data and restore
// rely on now that packs are named randomly rather than by their hash.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/repository/pack.h"
#include "engine/repository/repository.h"
#include "engine/repository/sealed_file.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using backend::FileType;
using testing::RandomData;
using testing::Store;
using testing::TextData;

Id Save(Repository& repo, const Bytes& data) {
  Id id = repo.BlobId(data);
  EXPECT_THAT(repo.SaveBlob(BlobType::kData, id, data), IsOk());
  return id;
}

// What VerifyPack said about a pack: blobs verified, blobs that failed, and whether the header
// itself was accepted.
struct Verdict {
  int good = 0, bad = 0;
  bool header_ok = true;
  bool clean() const { return header_ok && bad == 0; }
};
Verdict Verify(const Repository& repo, const Id& pack, ByteView bytes) {
  Verdict v;
  Status status = repo.VerifyPack(pack, bytes, [&](const Id&, const BlobLocation&, const Error* e) {
    ++(e == nullptr ? v.good : v.bad);
  });
  v.header_ok = status.has_value();
  return v;
}

// A repository holding one small pack: a compressed, a raw and a tiny blob.
struct SmallPack {
  Store store;
  std::unique_ptr<Repository> repo = store.Init();
  std::vector<Id> ids = {Save(*repo, TextData(3000, 1)), Save(*repo, RandomData(700, 2)),
                         Save(*repo, RandomData(5, 3))};
  Id pack;
  Bytes bytes;

  SmallPack() {
    EXPECT_TRUE(repo->Flush());
    pack = repo->FindBlob(BlobType::kData, ids[0])->pack;
    bytes = *store.raw().Load({FileType::kPack, pack.Hex()});
  }
};

TEST(VerifyPackTest, AnIntactPackVerifiesEveryBlob) {
  SmallPack p;
  std::vector<Id> seen;
  Status status = p.repo->VerifyPack(
      p.pack, p.bytes, [&](const Id& id, const BlobLocation& at, const Error* e) {
        EXPECT_EQ(e, nullptr) << e->message();
        EXPECT_EQ(at.pack, p.pack);
        EXPECT_EQ(p.repo->FindBlob(BlobType::kData, id)->offset, at.offset);
        seen.push_back(id);
      });
  ASSERT_THAT(status, IsOk());
  std::sort(seen.begin(), seen.end());
  std::vector<Id> expected = p.ids;
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(seen, expected);
}

// Every byte of a pack is under some authentication tag: flipping any one bit of any byte must
// be detected, whether it hits the salt, a blob, the header or the trailing length.
TEST(VerifyPackTest, EverySingleByteFlipIsDetected) {
  SmallPack p;
  ASSERT_TRUE(Verify(*p.repo, p.pack, p.bytes).clean());
  for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}}) {
    for (size_t i = 0; i < p.bytes.size(); ++i) {
      Bytes damaged = p.bytes;
      damaged[i] ^= mask;
      EXPECT_FALSE(Verify(*p.repo, p.pack, damaged).clean())
          << "byte " << i << " of " << p.bytes.size();
    }
  }
}

TEST(VerifyPackTest, TruncatedOrExtendedPackIsRejected) {
  SmallPack p;
  for (size_t size : {size_t{0}, size_t{10}, p.bytes.size() / 2, p.bytes.size() - 1}) {
    EXPECT_FALSE(Verify(*p.repo, p.pack, ByteView(p.bytes).first(size)).clean()) << size;
  }
  Bytes longer = p.bytes;
  longer.insert(longer.begin() + 100, 0);
  EXPECT_FALSE(Verify(*p.repo, p.pack, longer).clean());
}

// A header that leaves bytes outside every blob is refused even though it is authentic: those
// bytes would be covered by no tag.
TEST(VerifyPackTest, BytesOutsideEveryBlobAreRefused) {
  MasterKey key{crypto::RandomKey(), crypto::RandomKey()};
  Bytes pack(crypto::kSaltSize);
  crypto::RandomBytes(pack.data(), pack.size());
  crypto::Key subkey = crypto::DeriveSubkey(key.encryption, pack);
  Bytes plain = RandomData(100, 1);
  PackEntry entry{BlobType::kData, crypto::KeyedId(key.id, plain), 0, 0, 100};
  pack.resize(pack.size() + 7);  // a gap before the blob
  entry.offset = static_cast<uint32_t>(pack.size());
  Bytes payload = {0};  // raw
  payload.insert(payload.end(), plain.begin(), plain.end());
  crypto::SealAppend(subkey, payload, BlobAssociatedData(entry.type, entry.id), &pack);
  entry.length = static_cast<uint32_t>(pack.size() - entry.offset);
  AppendPackHeader(subkey, std::vector<PackEntry>{entry}, &pack);
  auto parsed = ParsePack(key.encryption, Id{}, pack);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_THAT(parsed.error().message(), HasSubstr("outside every blob"))
      << parsed.error().message();
}

// SaveBlob trusts the caller's id; a blob stored under the wrong id is sealed correctly but its
// content does not hash to its id. Only re-hashing readers (check, restore --verify) see that.
TEST(VerifyPackTest, OnlyRehashingCatchesABlobStoredUnderTheWrongId) {
  Store store;
  auto repo = store.Init();
  Bytes data = TextData(4000, 9);
  Id wrong = repo->BlobId(AsBytes("something else"));
  ASSERT_THAT(repo->SaveBlob(BlobType::kData, wrong, data), IsOk());
  ASSERT_TRUE(repo->Flush());
  auto skipped = repo->LoadBlob(BlobType::kData, wrong, IdCheck::kSkip);
  ASSERT_THAT(skipped, IsOk());
  EXPECT_EQ(*skipped, data);
  auto rehashed = repo->LoadBlob(BlobType::kData, wrong);
  ASSERT_FALSE(rehashed.has_value());
  EXPECT_THAT(rehashed.error().message(), HasSubstr("does not match its id"));
  Id pack = repo->FindBlob(BlobType::kData, wrong)->pack;
  Verdict v = Verify(*repo, pack, *store.raw().Load({FileType::kPack, pack.Hex()}));
  EXPECT_EQ(v.bad, 1);
}

TEST(VerifyPackTest, SkippingTheRehashStillDetectsAFlippedByte) {
  SmallPack p;
  BlobLocation at = *p.repo->FindBlob(BlobType::kData, p.ids[0]);
  p.store.Rewrite({FileType::kPack, p.pack.Hex()}, [&](Bytes& b) { b[at.offset + 20] ^= 0x04; });
  auto loaded = p.repo->LoadBlob(BlobType::kData, p.ids[0], IdCheck::kSkip);
  ASSERT_FALSE(loaded.has_value());
  EXPECT_THAT(loaded, ErrorIs(ErrorCode::kCorrupt));
  EXPECT_THAT(loaded.error().message(), HasSubstr("pack " + p.pack.Hex()));
}

}  // namespace
}  // namespace stormproof::repository
