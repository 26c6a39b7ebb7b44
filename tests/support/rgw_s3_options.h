// The S3 set-up tests against the test RGW (tests/engine/s3/rgw.h) repeat: options for the S3
// client and backend (engine/s3) at an "s3:" location of Rgw()'s cluster, signed as its user or as
// another (CreateRgwUser, AddRgwOwnerKey).
#ifndef STORMPROOF_TESTS_SUPPORT_RGW_S3_OPTIONS_H_
#define STORMPROOF_TESTS_SUPPORT_RGW_S3_OPTIONS_H_

#include <gtest/gtest.h>

#include <string>

#include "core/result.h"
#include "core/secret.h"
#include "engine/s3/s3.h"
#include "tests/engine/s3/rgw.h"

namespace stormproof::testing {

// s3::Options for `location` ("s3:http://127.0.0.1:PORT/<bucket>[/<prefix>]", as RgwLocation or
// a FaultProxy's endpoint gives) in Rgw()'s region, signed as `user` (default: Rgw()'s user,
// who owns every bucket); everything else s3::Options' defaults. A location that does not parse
// fails the current test.
inline s3::Options RgwS3Options(const std::string& location, const RgwUser* user = nullptr) {
  Result<s3::Location> parsed = s3::ParseLocation(location);
  EXPECT_TRUE(parsed.has_value()) << location << ": " << parsed.error().message();
  s3::Options options;
  if (parsed) options.location = *parsed;
  options.region = Rgw().region;
  options.credentials.access_key_id = user ? user->access_key : Rgw().access_key;
  options.credentials.secret_access_key =
      SecretString(std::string(user ? user->secret_key : Rgw().secret_key));
  return options;
}

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_SUPPORT_RGW_S3_OPTIONS_H_
