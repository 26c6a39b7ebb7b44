// Parsing and printing S3 locations ("s3:https://host[:port]/bucket[/prefix]").
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "engine/s3/s3.h"

namespace stormproof::s3 {
namespace {

constexpr std::string_view kScheme = "s3:";

bool IsBucketCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

bool LooksLikeIpv4(std::string_view name) {
  int dots = 0;
  for (char c : name) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

// Why `bucket` is not a name S3 accepts (docs.aws.amazon.com, "Bucket naming rules"), or
// nullptr when it is.
const char* BucketProblem(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return "must be 3 to 63 characters long";
  for (char c : bucket) {
    if (!IsBucketCharacter(c)) {
      return "may contain only lower-case letters, digits, '.' and '-'";
    }
  }
  auto is_alnum = [](char c) { return c != '.' && c != '-'; };
  if (!is_alnum(bucket.front()) || !is_alnum(bucket.back())) {
    return "must begin and end with a letter or digit";
  }
  if (bucket.find("..") != std::string_view::npos) return "must not contain '..'";
  if (LooksLikeIpv4(bucket)) return "must not look like an IP address";
  return nullptr;
}

// Parses "host[:port]" (an IPv6 literal in brackets keeps its colons).
Status ParseAuthority(std::string_view authority, Location* location) {
  std::string_view host = authority;
  std::string_view port;
  size_t bracket = authority.rfind(']');
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Error::InvalidArgument("no host");
  for (char c : host) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '@' || c == '?' || c == '#') {
      return Error::InvalidArgument("invalid host '" + std::string(host) + "'");
    }
  }
  location->host = std::string(host);
  if (colon != std::string_view::npos && port.data() != nullptr && !port.empty()) {
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) {
        return Error::InvalidArgument("invalid port '" + std::string(port) + "'");
      }
      value = value * 10 + (c - '0');
    }
    if (value < 1 || value > 65535) {
      return Error::InvalidArgument("invalid port '" + std::string(port) + "'");
    }
    location->port = value;
  } else if (host.size() != authority.size()) {
    return Error::InvalidArgument("empty port");
  }
  return Ok();
}

// Splits "bucket[/prefix]", dropping empty path segments ("a//b/" is "a/b").
Status ParsePath(std::string_view path, Location* location) {
  std::string prefix;
  bool first = true;
  while (!path.empty()) {
    size_t slash = path.find('/');
    std::string_view segment = path.substr(0, slash);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (segment.empty()) continue;
    if (segment == "." || segment == "..") {
      return Error::InvalidArgument("the prefix must not contain '.' or '..' segments");
    }
    if (first) {
      location->bucket = std::string(segment);
      first = false;
      continue;
    }
    if (!prefix.empty()) prefix += '/';
    prefix += segment;
  }
  if (location->bucket.empty()) return Error::InvalidArgument("no bucket after the host");
  if (const char* problem = BucketProblem(location->bucket)) {
    return Error::InvalidArgument("bucket name '" + location->bucket + "' " + problem);
  }
  location->prefix = std::move(prefix);
  return Ok();
}

Result<Location> Parse(std::string_view text) {
  if (!IsS3Location(text)) return Error::InvalidArgument("does not start with 's3:'");
  std::string_view rest = text.substr(kScheme.size());
  Location location;
  if (rest.starts_with("https://")) {
    location.scheme = "https";
  } else if (rest.starts_with("http://")) {
    location.scheme = "http";
  } else {
    return Error::InvalidArgument("expected s3:https://host/bucket or s3:http://host/bucket");
  }
  rest.remove_prefix(location.scheme.size() + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Error::InvalidArgument("a location has no query ('?') or fragment ('#')");
  }
  size_t slash = rest.find('/');
  STORMPROOF_TRY(ParseAuthority(rest.substr(0, slash), &location));
  if (slash == std::string_view::npos) return Error::InvalidArgument("no bucket after the host");
  STORMPROOF_TRY(ParsePath(rest.substr(slash + 1), &location));
  return location;
}

}  // namespace

std::string Location::ToString() const {
  std::string text = "s3:" + scheme + "://" + host;
  if (port != 0) text += ":" + std::to_string(port);
  text += "/" + bucket;
  if (!prefix.empty()) text += "/" + prefix;
  return text;
}

bool IsS3Location(std::string_view text) { return text.starts_with(kScheme); }

const char* BucketLookupWord(Addressing addressing) {
  switch (addressing) {
    case Addressing::kPath:
      return "path";
    case Addressing::kVirtualHost:
      return "dns";
    case Addressing::kAuto:
      break;
  }
  return "auto";
}

std::optional<Addressing> ParseBucketLookup(std::string_view word) {
  for (Addressing a : {Addressing::kAuto, Addressing::kPath, Addressing::kVirtualHost}) {
    std::string_view known = BucketLookupWord(a);
    if (word.size() == known.size() &&
        std::equal(word.begin(), word.end(), known.begin(), [](char x, char y) {
          return std::tolower(static_cast<unsigned char>(x)) == y;
        })) {
      return a;
    }
  }
  return std::nullopt;
}

Result<Location> ParseLocation(std::string_view text) {
  // "user:secret@host" would put a secret into every message that echoes the location.
  if (text.find('@') != std::string_view::npos) {
    return Error::InvalidArgument(
        "invalid S3 location: credentials do not belong in it (no '@'); use AWS_ACCESS_KEY_ID "
        "and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the plan's credentials_file");
  }
  Result<Location> location = Parse(text);
  if (!location) {
    return Error::InvalidArgument("invalid S3 location '" + std::string(text) +
                                  "': " + location.error().message());
  }
  return location;
}

}  // namespace stormproof::s3
