// Which kind of place a repository location names (storage.h: ParseLocation, IsRemote).
#include <string>
#include <string_view>

#include "engine/storage/storage.h"

namespace stormproof::storage {
namespace {

constexpr std::string_view kLocalScheme = "local:";
constexpr const char* kSupported =
    "supported: a local path, local:PATH, s3:https://host/bucket[/prefix]";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsSchemeCharacter(char c) {
  return IsLetter(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
}

// The scheme `text` starts with ("sftp" for "sftp:host:/x", "https" for "https://x"), or "" when
// it is a path: no ':' before the first '/', a character no scheme has, or a single letter (a
// Windows drive, "D:/backup").
std::string_view SchemeOf(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon < 2) return {};
  std::string_view scheme = text.substr(0, colon);
  if (!IsLetter(scheme.front())) return {};
  for (char c : scheme) {
    if (!IsSchemeCharacter(c)) return {};  // also stops at a '/' before the ':'
  }
  return scheme;
}

std::string Quoted(std::string_view text) {
  return "repository location '" + std::string(text) + "'";
}

}  // namespace

Result<Location> ParseLocation(std::string_view text) {
  if (text.empty()) return Error::InvalidArgument("the repository location is empty");
  // A pasted " s3:https://..." would be a local directory named " s3:https:".
  if (IsSpace(text.front()) || IsSpace(text.back())) {
    return Error::InvalidArgument(Quoted(text) +
                                  ": has a space before or after it; remove it (write local:PATH "
                                  "for a path that really begins or ends with one)");
  }
  if (text.starts_with("s3://")) {
    return Error::InvalidArgument(
        Quoted(text) + ": s3://BUCKET is the AWS CLI's spelling; write " +
        "s3:https://s3.amazonaws.com/" + std::string(text.substr(5)) +
        " (or s3:https://ENDPOINT/BUCKET for other object storage)");
  }
  if (s3::IsS3Location(text)) {
    STORMPROOF_ASSIGN_OR_RETURN(s3::Location s3, s3::ParseLocation(text));
    return Location{LocationKind::kS3, "", std::move(s3)};
  }
  if (text.substr(0, kLocalScheme.size()) == kLocalScheme) {
    std::string_view path = text.substr(kLocalScheme.size());
    if (path.empty()) return Error::InvalidArgument(Quoted(text) + ": no path after 'local:'");
    return Location{LocationKind::kLocal, std::string(path), {}};
  }
  std::string_view scheme = SchemeOf(text);
  if (!scheme.empty()) {
    return Error::InvalidArgument(Quoted(text) + ": this build cannot use " + std::string(scheme) +
                                  ": locations (" + kSupported + ")");
  }
  return Location{LocationKind::kLocal, std::string(text), {}};
}

bool IsRemote(std::string_view location) { return s3::IsS3Location(location); }

}  // namespace stormproof::storage
