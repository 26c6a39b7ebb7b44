// The AWS shared credentials and config files (~/.aws/credentials, ~/.aws/config): INI text of
// "[section]" headers and "key = value" lines, comments starting with '#' or ';', indented
// lines continuing a nested setting (ignored). Thread-compatible.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_PROFILE_FILE_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_PROFILE_FILE_H_

#include <map>
#include <string>
#include <string_view>

#include "core/result.h"

namespace stormproof::s3::internal {

// section name -> key (lower case) -> value. Values may be secrets: the struct wipes them.
struct ProfileFile {
  std::map<std::string, std::map<std::string, std::string>> sections;
  ~ProfileFile();
};

// Parses `text` read from `path` (used in messages). Errors: kInvalidArgument
// "<path>:<line>: <problem>", never quoting the line (it may hold a secret).
Result<ProfileFile> ParseProfileFile(std::string_view text, const std::string& path);

// Reads and parses the file at `path`. kNotFound when it does not exist; else as above.
Result<ProfileFile> ReadProfileFile(const std::string& path);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_PROFILE_FILE_H_
