// The S3 backend against a real Ceph RGW (tests/engine/s3/rgw.h): the conformance suite every
// backend passes, the errors of creating and opening storage, and retries through the
// fault-injecting proxy (tests/engine/s3/fault_proxy.h).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "core/time.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/s3.h"
#include "tests/engine/backend/backend_conformance.h"
#include "tests/engine/s3/fault_proxy.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::s3 {
namespace {

using backend::FileType;
using backend::Handle;
using backend::conformance::Id;
using backend::conformance::Pattern;
using stormproof::testing::Rgw;
using stormproof::testing::RgwLocation;
using stormproof::testing::UniqueBucketName;

// Options for Rgw()'s user at `location` (an s3: string).
Options RgwOptions(const std::string& location) {
  Result<Location> parsed = ParseLocation(location);
  EXPECT_THAT(parsed, IsOk());
  Options options;
  options.location = *parsed;
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  options.retry.first_delay = std::chrono::milliseconds(10);
  options.retry.max_delay = std::chrono::milliseconds(100);
  options.retry.max_total = std::chrono::seconds(20);
  options.connect_timeout = std::chrono::seconds(5);
  options.stall_timeout = std::chrono::seconds(10);
  return options;
}

std::unique_ptr<backend::Backend> CreateOk(Options options) {
  Result<std::unique_ptr<backend::Backend>> created = CreateBackend(std::move(options));
  EXPECT_THAT(created, IsOk());
  return created ? std::move(created).value() : nullptr;
}

}  // namespace
}  // namespace stormproof::s3

// Each conformance test gets a fresh bucket of its own, with the repository under a prefix.
struct RgwBackendFactory {
  std::unique_ptr<stormproof::backend::Backend> Make() {
    using namespace stormproof::s3;
    return CreateOk(RgwOptions(stormproof::testing::RgwLocation(
        stormproof::testing::UniqueBucketName("conformance"), "repo")));
  }
};

namespace stormproof::backend::conformance {
INSTANTIATE_TYPED_TEST_SUITE_P(S3, BackendConformanceTest, ::testing::Types<RgwBackendFactory>);
}  // namespace stormproof::backend::conformance

namespace stormproof::s3 {
namespace {

// Opens the storage and reads its config: opening asks the server nothing, so a refusal comes
// with the first request.
Result<Bytes> FirstRead(Options options) {
  Result<std::unique_ptr<backend::Backend>> opened = OpenBackend(std::move(options));
  if (!opened) return opened.error();
  return (*opened)->Load({FileType::kConfig, ""});
}

// Opening asks the server nothing (the first read answers for the bucket): a missing bucket
// is the first request's kNotFound, naming it.
TEST(S3BackendTest, AMissingBucketIsNotFoundAtTheFirstRequestAndNamed) {
  std::string bucket = UniqueBucketName("missing");
  Result<std::unique_ptr<backend::Backend>> opened = OpenBackend(RgwOptions(RgwLocation(bucket)));
  ASSERT_TRUE(opened.has_value()) << opened.error().message();
  Result<Bytes> config = (*opened)->Load({backend::FileType::kConfig, ""});
  ASSERT_FALSE(config.has_value());
  EXPECT_THAT(config, ErrorIs(ErrorCode::kNotFound, HasSubstr("bucket '" + bucket +
                                                              "' does not exist")));
  EXPECT_THAT(config.error().message(), HasSubstr("s3:" + Rgw().endpoint));
  Status listed = (*opened)->List(backend::FileType::kKey, [](const std::string&, uint64_t) {});
  EXPECT_THAT(listed, ErrorIs(ErrorCode::kNotFound, HasSubstr("bucket '" + bucket + "'")));
}

TEST(S3BackendTest, CreatesTheBucketThenOpensIt) {
  std::string location = RgwLocation(UniqueBucketName("create"));
  std::unique_ptr<backend::Backend> created = CreateOk(RgwOptions(location));
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(created->Location(), location);
  ASSERT_THAT(created->Save(Handle{FileType::kConfig, ""}, Pattern(10, 1)), IsOk());
  Result<std::unique_ptr<backend::Backend>> opened = OpenBackend(RgwOptions(location));
  ASSERT_THAT(opened, IsOk());
  Result<Bytes> config = (*opened)->Load(Handle{FileType::kConfig, ""});
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(*config, Pattern(10, 1));
}

TEST(S3BackendTest, CreateRefusesANonEmptyPrefixButTakesAnEmptyOneBeside) {
  std::string bucket = UniqueBucketName("nonempty");
  std::unique_ptr<backend::Backend> first = CreateOk(RgwOptions(RgwLocation(bucket, "hosts/a")));
  ASSERT_NE(first, nullptr);
  ASSERT_THAT(first->Save(Handle{FileType::kKey, Id(1)}, Pattern(5, 1)), IsOk());

  Result<std::unique_ptr<backend::Backend>> again = CreateBackend(RgwOptions(RgwLocation(bucket, "hosts/a")));
  ASSERT_FALSE(again.has_value());
  EXPECT_THAT(again, ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("not empty")));
  EXPECT_THAT(again.error().message(), HasSubstr(RgwLocation(bucket, "hosts/a")));
  // The whole bucket is not empty either; a sibling prefix is.
  EXPECT_THAT(CreateBackend(RgwOptions(RgwLocation(bucket))),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("not empty")));
  EXPECT_THAT(CreateBackend(RgwOptions(RgwLocation(bucket, "hosts/b"))), IsOk());
  // "hosts/a" is not mistaken for a prefix of "hosts/ab".
  EXPECT_THAT(CreateBackend(RgwOptions(RgwLocation(bucket, "hosts/ab"))), IsOk());
}

TEST(S3BackendTest, AWrongSecretIsOneClearLineWithoutTheSecret) {
  std::string location = RgwLocation(UniqueBucketName("secret"));
  ASSERT_NE(CreateOk(RgwOptions(location)), nullptr);
  Options options = RgwOptions(location);
  const std::string wrong = "wrong-secret-0123456789abcdefghij";
  options.credentials.secret_access_key = SecretString(std::string(wrong));
  Result<Bytes> opened = FirstRead(std::move(options));
  ASSERT_FALSE(opened.has_value());
  const std::string& message = opened.error().message();
  EXPECT_THAT(opened, ErrorIs(ErrorCode::kPermissionDenied, HasSubstr("access denied")));
  EXPECT_THAT(message, HasSubstr(location));
  EXPECT_THAT(message, HasSubstr("SignatureDoesNotMatch"));
  EXPECT_THAT(message, HasSubstr("credentials_file"));
  EXPECT_THAT(message, Not(HasSubstr(wrong)));
  EXPECT_THAT(message, Not(HasSubstr(Rgw().secret_key)));
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(S3BackendTest, AnUnknownAccessKeyNamesTheVariableToCheck) {
  std::string location = RgwLocation(UniqueBucketName("keyid"));
  Options options = RgwOptions(location);
  options.credentials.access_key_id = "AKIDNOSUCHUSER";
  Result<Bytes> opened = FirstRead(std::move(options));
  EXPECT_THAT(opened, ErrorIs(ErrorCode::kPermissionDenied,
                              HasSubstr("access denied (InvalidAccessKeyId): check "
                                        "AWS_ACCESS_KEY_ID or the plan's credentials_file")));
}

TEST(S3BackendTest, AClockTwentyMinutesOffSaysSo) {
  Options options = RgwOptions(RgwLocation(UniqueBucketName("skew")));
  options.clock = [] { return SystemNowNs() + int64_t{20} * 60 * 1'000'000'000; };
  Result<std::unique_ptr<backend::Backend>> created = CreateBackend(std::move(options));
  ASSERT_FALSE(created.has_value());
  EXPECT_THAT(created, ErrorIs(ErrorCode::kPermissionDenied, HasSubstr("RequestTimeTooSkewed")));
  EXPECT_THAT(created.error().message(), HasSubstr("off by about 20 minutes"));
  EXPECT_THAT(created.error().message(), HasSubstr("NTP"));
}

TEST(S3BackendTest, NoCredentialsIsNotFound) {
  Options options = RgwOptions(RgwLocation(UniqueBucketName("nocreds")));
  options.credentials = {};
  EXPECT_THAT(OpenBackend(std::move(options)),
              ErrorIs(ErrorCode::kNotFound, HasSubstr("AWS_ACCESS_KEY_ID")));
}

TEST(S3BackendTest, RemoveStaleTemporariesAbortsLeftoverMultipartUploads) {
  std::string bucket = UniqueBucketName("multipart");
  std::unique_ptr<backend::Backend> s3 = CreateOk(RgwOptions(RgwLocation(bucket, "repo")));
  ASSERT_NE(s3, nullptr);
  // An upload a killed writer left behind (started with the client: curl's own SigV4, which
  // the fixture's RgwRequest uses, cannot sign "?uploads").
  internal::Client client(RgwOptions(RgwLocation(bucket)));
  Result<std::string> upload_id = client.CreateMultipartUpload("repo/data/ab/ab" + Id(3).substr(2));
  ASSERT_THAT(upload_id, IsOk());
  // Another directory's upload is not the packs' business.
  ASSERT_THAT(client.CreateMultipartUpload("repo/index/" + Id(4)), IsOk());

  backend::Backend::TemporaryFiles stats;
  ASSERT_THAT(s3->RemoveStaleTemporaries(FileType::kPack, std::chrono::hours(1), &stats), IsOk());
  EXPECT_EQ(stats.files, 0u) << "a young upload is left alone";
  ASSERT_THAT(s3->RemoveStaleTemporaries(FileType::kPack, std::chrono::seconds(0), &stats), IsOk());
  EXPECT_EQ(stats.files, 1u);
  int64_t server_now = 0;
  Result<std::vector<internal::MultipartUpload>> left =
      client.ListMultipartUploads("repo/", &server_now);
  ASSERT_THAT(left, IsOk());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ((*left)[0].key, "repo/index/" + Id(4));
  EXPECT_GT(server_now, 0);
}

// Retries through the fault-injecting proxy: each case ends in a completed operation.
class S3RetryTest : public ::testing::Test {
 protected:
  S3RetryTest() : proxy_(Rgw().host, Rgw().port) {
    std::string bucket = UniqueBucketName("retry");
    s3_ = CreateOk(RgwOptions("s3:" + proxy_.endpoint() + "/" + bucket));
  }
  testing::FaultProxy proxy_;
  std::unique_ptr<backend::Backend> s3_;
};

TEST_F(S3RetryTest, RetriesServerErrorsAndSlowDown) {
  ASSERT_NE(s3_, nullptr);
  Handle handle{FileType::kSnapshot, Id(1)};
  proxy_.FailNext(1, 500);
  proxy_.FailNext(1, 503, "SlowDown");
  proxy_.FailNext(1, 429);
  ASSERT_THAT(s3_->Save(handle, Pattern(1000, 1)), IsOk());
  proxy_.FailNext(2, 503);
  Result<Bytes> loaded = s3_->Load(handle);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, Pattern(1000, 1));
}

TEST_F(S3RetryTest, RetriesConnectionsDroppedMidUploadAndMidDownload) {
  ASSERT_NE(s3_, nullptr);
  Handle handle{FileType::kPack, Id(2)};
  Bytes data = Pattern(300'000, 2);
  proxy_.DropNextRequestMidBody(1);
  ASSERT_THAT(s3_->Save(handle, data), IsOk());
  proxy_.DropNextResponseMidBody(1);
  Result<Bytes> whole = s3_->Load(handle);
  ASSERT_THAT(whole, IsOk());
  EXPECT_EQ(*whole, data);
  proxy_.DropNextResponseMidBody(1);
  Result<Bytes> part = s3_->Load(handle, 1000, 200'000);
  ASSERT_THAT(part, IsOk());
  EXPECT_EQ(*part, Bytes(data.begin() + 1000, data.begin() + 201'000));
}

// A reused connection the server closed is curl's to retry, on a new connection, with the body
// rewound: with no retries of our own the save still completes (it failed with "necessary data
// rewind wasn't possible" before the client could rewind its body).
TEST(S3ReusedConnectionTest, AnUploadOnAConnectionTheServerClosedIsSentAgainWhole) {
  testing::FaultProxy proxy(Rgw().host, Rgw().port);
  s3::Options options = RgwOptions("s3:" + proxy.endpoint() + "/" + UniqueBucketName("rewind"));
  options.retry.max_attempts = 1;
  options.max_in_flight = 1;  // one connection, reused by the second save
  std::unique_ptr<backend::Backend> s3 = CreateOk(std::move(options));
  ASSERT_NE(s3, nullptr);
  ASSERT_THAT(s3->Save({FileType::kSnapshot, Id(7)}, Pattern(100, 7)), IsOk());
  Bytes data = Pattern(300'000, 8);
  proxy.CloseNextWithoutAnswer(1);
  ASSERT_THAT(s3->Save({FileType::kPack, Id(8)}, data), IsOk());
  Result<Bytes> loaded = s3->Load({FileType::kPack, Id(8)});
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, data);
}

TEST_F(S3RetryTest, NeverRetriesAPermanentError) {
  ASSERT_NE(s3_, nullptr);
  proxy_.ResetCounts();
  proxy_.FailNext(1, 403, "AccessDenied");
  Status saved = s3_->Save(Handle{FileType::kKey, Id(3)}, Pattern(10, 3));
  EXPECT_THAT(saved, ErrorIs(ErrorCode::kPermissionDenied, HasSubstr("AccessDenied")));
  EXPECT_EQ(proxy_.counts().put, 1);
}

TEST_F(S3RetryTest, GivesUpAfterTheAttemptsWithOneLine) {
  ASSERT_NE(s3_, nullptr);
  proxy_.FailNext(100, 503, "SlowDown");
  proxy_.ResetCounts();
  Status saved = s3_->Save(Handle{FileType::kKey, Id(4)}, Pattern(10, 4));
  ASSERT_FALSE(saved.has_value());
  EXPECT_THAT(saved, ErrorIs(ErrorCode::kIo, HasSubstr("SlowDown")));
  EXPECT_EQ(proxy_.counts().put, RetryPolicy{}.max_attempts);
}

TEST_F(S3RetryTest, ServerDownTooLongIsOneLineNamingTheObject) {
  ASSERT_NE(s3_, nullptr);
  proxy_.Pause();
  Handle handle{FileType::kIndex, Id(5)};
  Status saved = s3_->Save(handle, Pattern(10, 5));
  ASSERT_FALSE(saved.has_value());
  EXPECT_THAT(saved, ErrorIs(ErrorCode::kIo, HasSubstr(s3_->Location() + "/index/" + Id(5))));
  EXPECT_THAT(saved.error().message(), HasSubstr("attempts"));
  EXPECT_EQ(saved.error().message().find('\n'), std::string::npos);
  proxy_.Resume();
}

TEST_F(S3RetryTest, ServerBackWithinTheRetriesCompletesTheSave) {
  // 20 attempts up to 200 ms apart: about 2 s of retries, far more than the 300 ms outage.
  Options options = RgwOptions(s3_->Location());
  options.retry.max_attempts = 20;
  options.retry.first_delay = std::chrono::milliseconds(50);
  options.retry.max_delay = std::chrono::milliseconds(200);
  Result<std::unique_ptr<backend::Backend>> opened = OpenBackend(std::move(options));
  ASSERT_THAT(opened, IsOk());
  s3_ = std::move(opened).value();
  proxy_.Pause();
  std::thread restart([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    proxy_.Resume();
  });
  Handle handle{FileType::kIndex, Id(6)};
  Status saved = s3_->Save(handle, Pattern(10, 6));
  restart.join();
  ASSERT_THAT(saved, IsOk());
  Result<Bytes> loaded = s3_->Load(handle);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(*loaded, Pattern(10, 6));
}

// A PUT's body is not hashed for its signature (UNSIGNED-PAYLOAD): its signed Content-MD5
// protects it. RGW refuses a body altered on the way (400 BadDigest); the client sends it again.
TEST_F(S3RetryTest, ABodyAlteredOnTheWayIsRefusedThenSentAgain) {
  ASSERT_NE(s3_, nullptr);
  Handle handle{FileType::kPack, Id(8)};
  Bytes data = Pattern(300'000, 8);
  proxy_.ResetCounts();
  proxy_.AlterNextRequestBody(1);
  ASSERT_THAT(s3_->Save(handle, data), IsOk());
  EXPECT_EQ(proxy_.counts().put, 2);
  Result<Bytes> loaded = s3_->Load(handle);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_TRUE(*loaded == data);
}

TEST_F(S3RetryTest, ABodyAlteredOnEveryAttemptIsNeverStored) {
  ASSERT_NE(s3_, nullptr);
  Handle handle{FileType::kPack, Id(9)};
  proxy_.AlterNextRequestBody(RetryPolicy{}.max_attempts);
  Status saved = s3_->Save(handle, Pattern(300'000, 9));
  EXPECT_THAT(saved, ErrorIs(ErrorCode::kIo, HasSubstr("BadDigest")));
  EXPECT_THAT(s3_->Size(handle), ErrorIs(ErrorCode::kNotFound));
}

TEST_F(S3RetryTest, UploadsLargeObjectsInPartsAndRetriesADroppedPart) {
  Options options = RgwOptions(s3_->Location());
  options.multipart_threshold = 6 << 20;
  options.multipart_part_size = 5 << 20;
  Result<std::unique_ptr<backend::Backend>> opened = OpenBackend(std::move(options));
  ASSERT_THAT(opened, IsOk());
  std::unique_ptr<backend::Backend> s3 = std::move(opened).value();
  Handle handle{FileType::kPack, Id(7)};
  Bytes data = Pattern((13 << 20) + 123, 7);  // three parts: 5 MiB, 5 MiB, 3 MiB + 123
  proxy_.ResetCounts();
  proxy_.DropNextRequestMidBody(1);  // the first part's upload is cut off, then retried
  ASSERT_THAT(s3->Save(handle, data), IsOk());
  EXPECT_EQ(proxy_.counts().put, 4);   // three parts, one of them twice
  EXPECT_EQ(proxy_.counts().post, 2);  // initiate, complete
  Result<uint64_t> size = s3->Size(handle);
  ASSERT_THAT(size, IsOk());
  EXPECT_EQ(*size, data.size());
  Result<Bytes> loaded = s3->Load(handle);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_TRUE(*loaded == data);
  Result<Bytes> across = s3->Load(handle, (5 << 20) - 10, 20);  // across a part boundary
  ASSERT_THAT(across, IsOk());
  EXPECT_EQ(*across, Bytes(data.begin() + (5 << 20) - 10, data.begin() + (5 << 20) + 10));
  backend::Backend::TemporaryFiles stats;
  ASSERT_THAT(s3->RemoveStaleTemporaries(FileType::kPack, std::chrono::seconds(0), &stats),
              IsOk());
  EXPECT_EQ(stats.files, 0u) << "a completed upload leaves nothing behind";
}

// A multipart part is sent UNSIGNED-PAYLOAD too; its signed Content-MD5 alone
// protects it. A part altered on the way must be refused (BadDigest) and sent again, never
// stored altered.
TEST_F(S3RetryTest, APartAlteredOnTheWayIsRefusedThenSentAgain) {
  Options options = RgwOptions(s3_->Location());
  options.multipart_threshold = 6 << 20;
  options.multipart_part_size = 5 << 20;
  Result<std::unique_ptr<backend::Backend>> opened = OpenBackend(std::move(options));
  ASSERT_THAT(opened, IsOk());
  std::unique_ptr<backend::Backend> s3 = std::move(opened).value();
  Handle handle{FileType::kPack, Id(10)};
  Bytes data = Pattern((11 << 20) + 7, 10);  // three parts: 5 MiB, 5 MiB, 1 MiB + 7
  proxy_.ResetCounts();
  proxy_.AlterNextRequestBody(1);  // the first part (initiate has no body)
  ASSERT_THAT(s3->Save(handle, data), IsOk());
  EXPECT_EQ(proxy_.counts().put, 4) << "the altered part was not sent again";
  Result<Bytes> loaded = s3->Load(handle);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_TRUE(*loaded == data) << "an altered part was stored";
}

}  // namespace
}  // namespace stormproof::s3
