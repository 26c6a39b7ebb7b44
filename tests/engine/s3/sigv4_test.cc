// The signer against AWS's published worked examples: the SigV4 test suite ("get-vanilla") and
// the S3 examples of "Examples: Signature Calculations in AWS Signature Version 4" (GET object
// with Range, PUT object, GET bucket lifecycle, list objects). Exact signatures.
#include "engine/s3/internal/sigv4.h"

#include <gtest/gtest.h>

#include "tests/matchers.h"

namespace stormproof::s3::internal {
namespace {

using ::testing::StartsWith;

constexpr char kEmptySha256[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr char kS3Host[] = "examplebucket.s3.amazonaws.com";
constexpr char kS3Date[] = "20130524T000000Z";

SigningScope S3ExampleScope() {
  return {"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "us-east-1", "s3",
          kS3Date};
}

NameValues S3Headers(const std::string& payload_sha256) {
  return {{"Host", kS3Host}, {"x-amz-content-sha256", payload_sha256}, {"x-amz-date", kS3Date}};
}

TEST(SigV4Test, GetVanillaOfTheAwsTestSuite) {
  SigningRequest request{"GET", "/", {}, {{"Host", "example.amazonaws.com"},
                                          {"X-Amz-Date", "20150830T123600Z"}},
                         kEmptySha256};
  SigningScope scope{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1",
                     "service", "20150830T123600Z"};
  Signature signature = Sign(request, scope);
  EXPECT_EQ(signature.signed_headers, "host;x-amz-date");
  EXPECT_EQ(signature.signature,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
  EXPECT_EQ(signature.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
            "SignedHeaders=host;x-amz-date,"
            "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

TEST(SigV4Test, GetVanillaQueryOrderKeyCaseSortsTheQuery) {
  SigningRequest request{"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}},
                         {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
                         kEmptySha256};
  SigningScope scope{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1",
                     "service", "20150830T123600Z"};
  EXPECT_EQ(Sign(request, scope).signature,
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

TEST(SigV4Test, S3GetObjectWithRange) {
  SigningRequest request{"GET", "/test.txt", {}, S3Headers(kEmptySha256), kEmptySha256};
  request.headers.emplace_back("Range", "bytes=0-9");
  Signature signature = Sign(request, S3ExampleScope());
  EXPECT_EQ(signature.canonical_request,
            "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
            "x-amz-content-sha256:" + std::string(kEmptySha256) +
            "\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
            kEmptySha256);
  EXPECT_EQ(signature.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signature.signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, S3PutObjectEncodesTheKeyAndSignsThePayload) {
  std::string payload = Sha256Hex(AsBytes("Welcome to Amazon S3."));
  ASSERT_EQ(payload, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  SigningRequest request{"PUT", "/test$file.text", {}, S3Headers(payload), payload};
  request.headers.emplace_back("Date", "Fri, 24 May 2013 00:00:00 GMT");
  request.headers.emplace_back("x-amz-storage-class", "REDUCED_REDUNDANCY");
  Signature signature = Sign(request, S3ExampleScope());
  EXPECT_THAT(signature.canonical_request, StartsWith("PUT\n/test%24file.text\n\n"));
  EXPECT_EQ(signature.signed_headers,
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class");
  EXPECT_EQ(signature.signature,
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4Test, S3GetBucketLifecycleGivesAValuelessKeyAnEqualsSign) {
  SigningRequest request{"GET", "/", {{"lifecycle", ""}}, S3Headers(kEmptySha256), kEmptySha256};
  Signature signature = Sign(request, S3ExampleScope());
  EXPECT_THAT(signature.canonical_request, StartsWith("GET\n/\nlifecycle=\n"));
  EXPECT_EQ(signature.signature,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4Test, S3ListObjectsSortsTheQuery) {
  SigningRequest request{"GET", "/", {{"prefix", "J"}, {"max-keys", "2"}},
                         S3Headers(kEmptySha256), kEmptySha256};
  Signature signature = Sign(request, S3ExampleScope());
  EXPECT_THAT(signature.canonical_request, StartsWith("GET\n/\nmax-keys=2&prefix=J\n"));
  EXPECT_EQ(signature.signature,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
  EXPECT_EQ(signature.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
            "SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
            "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4Test, EncodesPathsPerSegmentAndQueryValuesIncludingSlashes) {
  EXPECT_EQ(UriEncode("a-b_c.d~e", false), "a-b_c.d~e");
  EXPECT_EQ(UriEncode("a b+c=é", false), "a%20b%2Bc%3D%C3%A9");
  EXPECT_EQ(UriEncode("/bucket/data/ab/x y", true), "/bucket/data/ab/x%20y");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(CanonicalQuery({{"prefix", "repo/data/"}, {"list-type", "2"}, {"uploads", ""}}),
            "list-type=2&prefix=repo%2Fdata%2F&uploads=");
  EXPECT_EQ(CanonicalQuery({{"continuation-token", "1/a+b=="}}),
            "continuation-token=1%2Fa%2Bb%3D%3D");
}

TEST(SigV4Test, TrimsHeaderValuesAndSignsEveryHeaderGiven) {
  SigningRequest a{"GET", "/", {}, S3Headers(kEmptySha256), kEmptySha256};
  SigningRequest b = a;
  a.headers.emplace_back("X-Amz-Security-Token", "  token  with   spaces ");
  b.headers.emplace_back("x-amz-security-token", "token with spaces");
  Signature signed_a = Sign(a, S3ExampleScope());
  EXPECT_EQ(signed_a.signature, Sign(b, S3ExampleScope()).signature);
  EXPECT_EQ(signed_a.signed_headers, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
  // A different secret is a different signature, and the secret never appears in the output.
  SigningScope other = S3ExampleScope();
  other.secret_access_key = "another-secret";
  Signature signed_other = Sign(a, other);
  EXPECT_NE(signed_other.signature, signed_a.signature);
  EXPECT_THAT(signed_other.authorization + signed_other.canonical_request +
                  signed_other.string_to_sign,
              Not(HasSubstr("another-secret")));
}

TEST(SigV4Test, FormatsTheRequestDate) {
  EXPECT_EQ(AmzDate(0), "19700101T000000Z");
  EXPECT_EQ(AmzDate(1369353600LL * 1'000'000'000 + 999'999'999), "20130524T000000Z");
}

}  // namespace
}  // namespace stormproof::s3::internal
