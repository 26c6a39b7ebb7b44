#include "engine/s3/internal/xml.h"

#include <gtest/gtest.h>

#include "tests/matchers.h"

namespace stormproof::s3::internal {
namespace {

TEST(XmlTest, ReadsAnErrorAnswer) {
  S3ErrorBody error = ParseErrorBody(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code>"
      "<Message>The specified key does not exist.</Message><Key>a/b</Key></Error>");
  EXPECT_EQ(error.code, "NoSuchKey");
  EXPECT_EQ(error.message, "The specified key does not exist.");
  EXPECT_EQ(ParseErrorBody("").code, "");
  EXPECT_EQ(ParseErrorBody("<html>not xml").code, "");
  EXPECT_EQ(ParseErrorBody("<ListBucketResult/>").code, "");
}

TEST(XmlTest, ReadsAListObjectsV2PageWithItsNamespaceAndToken) {
  Result<ObjectList> list = ParseObjectList(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>acme</Name><Prefix>repo/data/</Prefix><KeyCount>2</KeyCount>"
      "<IsTruncated>true</IsTruncated><NextContinuationToken>1/a+b=</NextContinuationToken>"
      "<Contents><Key>repo/data/ab/abc</Key><Size>8388608</Size></Contents>"
      "<Contents><Key>repo/data/cd/cd&amp;e</Key><Size>0</Size></Contents>"
      "</ListBucketResult>");
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->objects.size(), 2u);
  EXPECT_EQ(list->objects[0].key, "repo/data/ab/abc");
  EXPECT_EQ(list->objects[0].size, 8388608u);
  EXPECT_EQ(list->objects[1].key, "repo/data/cd/cd&e");
  EXPECT_TRUE(list->truncated);
  EXPECT_EQ(list->next_continuation_token, "1/a+b=");
}

TEST(XmlTest, ALastPageIsNotTruncated) {
  Result<ObjectList> list =
      ParseObjectList("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_THAT(list, IsOk());
  EXPECT_FALSE(list->truncated);
  EXPECT_TRUE(list->objects.empty());
}

TEST(XmlTest, RejectsMalformedAndUnexpectedAnswers) {
  EXPECT_THAT(ParseObjectList("<ListBucketResult><Contents>"), ErrorIs(ErrorCode::kParse));
  EXPECT_THAT(ParseObjectList("<Other/>"), ErrorIs(ErrorCode::kParse));
  EXPECT_THAT(ParseObjectList("<ListBucketResult><IsTruncated>true</IsTruncated>"
                              "</ListBucketResult>"),
              ErrorIs(ErrorCode::kParse, HasSubstr("NextContinuationToken")));
  Result<ObjectList> error = ParseObjectList("<Error><Code>SlowDown</Code></Error>");
  EXPECT_THAT(error, ErrorIs(ErrorCode::kIo, HasSubstr("SlowDown")));
  EXPECT_THAT(ParseXml(""), ErrorIs(ErrorCode::kParse));
}

TEST(XmlTest, ReadsMultipartAnswers) {
  Result<MultipartUploadList> uploads = ParseMultipartUploadList(
      "<ListMultipartUploadsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Bucket>acme</Bucket><IsTruncated>true</IsTruncated>"
      "<NextKeyMarker>repo/data/ab/x</NextKeyMarker><NextUploadIdMarker>2~z</NextUploadIdMarker>"
      "<Upload><Key>repo/data/ab/x</Key><UploadId>2~abc</UploadId>"
      "<Initiated>2026-12-06T17:00:00.000Z</Initiated></Upload>"
      "</ListMultipartUploadsResult>");
  ASSERT_THAT(uploads, IsOk());
  ASSERT_EQ(uploads->uploads.size(), 1u);
  EXPECT_EQ(uploads->uploads[0].key, "repo/data/ab/x");
  EXPECT_EQ(uploads->uploads[0].upload_id, "2~abc");
  EXPECT_EQ(uploads->uploads[0].initiated, "2026-12-06T17:00:00.000Z");
  EXPECT_TRUE(uploads->truncated);
  EXPECT_EQ(uploads->next_key_marker, "repo/data/ab/x");
  EXPECT_EQ(uploads->next_upload_id_marker, "2~z");

  Result<std::string> id = ParseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>VXBsb2Fk</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_THAT(id, IsOk());
  EXPECT_EQ(*id, "VXBsb2Fk");
  EXPECT_THAT(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>"),
              ErrorIs(ErrorCode::kParse));

  EXPECT_THAT(ParseCompleteMultipartUpload(
                  "<CompleteMultipartUploadResult><ETag>\"x\"</ETag></CompleteMultipartUploadResult>"),
              IsOk());
  // S3 may answer 200 and still fail the completion, in the body.
  EXPECT_THAT(ParseCompleteMultipartUpload(
                  "<Error><Code>InternalError</Code><Message>try again</Message></Error>"),
              ErrorIs(ErrorCode::kIo, HasSubstr("InternalError")));
}

// A hostile server's answers: entity expansion ("billion laughs") and nesting deep enough to
// exhaust the stack are refused, quickly and without a crash.
TEST(XmlTest, RefusesADocumentTypeWithEntities) {
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lollollollollol\">";
  for (int i = 1; i <= 9; ++i) {
    std::string previous = i == 1 ? "lol" : "lol" + std::to_string(i - 1);
    bomb += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int j = 0; j < 10; ++j) bomb += "&" + previous + ";";
    bomb += "\">";
  }
  bomb += "]><ListBucketResult><Contents><Key>&lol9;</Key></Contents></ListBucketResult>";
  EXPECT_THAT(ParseObjectList(bomb), ErrorIs(ErrorCode::kParse, HasSubstr("document type")));
  EXPECT_EQ(ParseErrorBody("<!DOCTYPE Error [<!ENTITY x \"y\">]><Error><Code>&x;</Code></Error>")
                .code,
            "");
}

TEST(XmlTest, RefusesElementsNestedTooDeep) {
  constexpr int kDepth = 1'000'000;
  std::string deep;
  deep.reserve(kDepth * 7 + 40);
  deep += "<ListBucketResult>";
  for (int i = 0; i < kDepth; ++i) deep += "<a>";
  for (int i = 0; i < kDepth; ++i) deep += "</a>";
  deep += "</ListBucketResult>";
  EXPECT_THAT(ParseObjectList(deep), ErrorIs(ErrorCode::kParse, HasSubstr("too deep")));
}

TEST(XmlTest, ReadsARetentionAndTheBucketsObjectLockConfiguration) {
  Result<RetentionText> retention = ParseRetention(
      "<Retention xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Mode>COMPLIANCE</Mode>"
      "<RetainUntilDate>2026-12-14T10:00:00.000Z</RetainUntilDate></Retention>");
  ASSERT_THAT(retention, IsOk());
  EXPECT_EQ(retention->mode, "COMPLIANCE");
  EXPECT_EQ(retention->retain_until, "2026-12-14T10:00:00.000Z");
  EXPECT_THAT(ParseRetention("<Retention><Mode>GOVERNANCE</Mode></Retention>"),
              ErrorIs(ErrorCode::kParse));
  EXPECT_THAT(ParseObjectLockEnabled("<ObjectLockConfiguration><ObjectLockEnabled>Enabled"
                                     "</ObjectLockEnabled></ObjectLockConfiguration>"),
              IsOkAndHolds(true));
  EXPECT_THAT(ParseObjectLockEnabled("<ObjectLockConfiguration/>"), IsOkAndHolds(false));
}

TEST(XmlTest, ReadsVersionsAndDeleteMarkersInTheirOrder) {
  Result<VersionList> list = ParseVersionList(
      "<ListVersionsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<IsTruncated>true</IsTruncated><NextKeyMarker>repo/data/ab/ab1</NextKeyMarker>"
      "<NextVersionIdMarker>v1</NextVersionIdMarker>"
      "<DeleteMarker><Key>repo/data/ab/ab1</Key><VersionId>v2</VersionId>"
      "<IsLatest>true</IsLatest><LastModified>2026-12-07T01:00:00.000Z</LastModified>"
      "<Owner><ID>intruder</ID><DisplayName>Intruder</DisplayName></Owner></DeleteMarker>"
      "<Version><Key>repo/data/ab/ab1</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest>"
      "<LastModified>2026-12-07T00:00:00.000Z</LastModified><Size>42</Size></Version>"
      "</ListVersionsResult>");
  ASSERT_THAT(list, IsOk());
  ASSERT_EQ(list->versions.size(), 2u);
  EXPECT_TRUE(list->versions[0].delete_marker);
  EXPECT_TRUE(list->versions[0].is_latest);
  EXPECT_EQ(list->versions[0].version_id, "v2");
  EXPECT_EQ(list->versions[0].owner_id, "intruder");  // who placed the marker
  EXPECT_EQ(list->versions[1].owner_id, "");          // the server did not say
  EXPECT_FALSE(list->versions[1].delete_marker);
  EXPECT_EQ(list->versions[1].size, 42u);
  EXPECT_EQ(list->versions[1].last_modified, "2026-12-07T00:00:00.000Z");
  EXPECT_TRUE(list->truncated);
  EXPECT_EQ(list->next_version_id_marker, "v1");
  EXPECT_THAT(ParseVersionList("<ListVersionsResult><IsTruncated>true</IsTruncated>"
                               "</ListVersionsResult>"),
              ErrorIs(ErrorCode::kParse));
}

}  // namespace
}  // namespace stormproof::s3::internal
