// Where S3 credentials and the region come from: the plan's credentials file, the environment,
// or a profile of the shared credentials file (the order s3.h states).
#include <cstdlib>
#include <string>

#include "engine/s3/internal/profile_file.h"
#include "engine/s3/s3.h"

namespace stormproof::s3 {
namespace {

using internal::ProfileFile;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string HomeFile(const char* relative) {
  std::string home = Env("HOME");
  return home.empty() ? std::string() : home + "/" + relative;
}

const char kNoCredentials[] =
    "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or the "
    "plan's credentials_file";

// The credentials of `profile` in `file` (read from `path`).
Result<Credentials> FromProfile(ProfileFile& file, const std::string& profile,
                                const std::string& path) {
  auto section = file.sections.find(profile);
  if (section == file.sections.end()) {
    return Error::NotFound(path + ": no profile [" + profile + "]");
  }
  auto& values = section->second;
  std::string where = path + ": profile [" + profile + "]";
  if (values["aws_access_key_id"].empty()) {
    return Error::InvalidArgument(where + " has no aws_access_key_id");
  }
  if (values["aws_secret_access_key"].empty()) {
    return Error::InvalidArgument(where + " has no aws_secret_access_key");
  }
  Credentials credentials;
  credentials.access_key_id = values["aws_access_key_id"];
  credentials.secret_access_key = SecretString(std::move(values["aws_secret_access_key"]));
  credentials.session_token = SecretString(std::move(values["aws_session_token"]));
  return credentials;
}

struct FromFile {
  Credentials credentials;
  std::string region;  // the profile's `region`, if any
};

Result<FromFile> ReadCredentialsFile(const std::string& path, const std::string& profile) {
  STORMPROOF_ASSIGN_OR_RETURN(ProfileFile file, internal::ReadProfileFile(path));
  STORMPROOF_ASSIGN_OR_RETURN(Credentials credentials, FromProfile(file, profile, path));
  return FromFile{std::move(credentials), file.sections[profile]["region"]};
}

// The `region` of `profile` in the config file (AWS_CONFIG_FILE, else ~/.aws/config), where
// profiles other than "default" are "[profile NAME]"; "" when absent.
Result<std::string> ConfigRegion(const std::string& profile) {
  std::string path = Env("AWS_CONFIG_FILE");
  if (path.empty()) path = HomeFile(".aws/config");
  if (path.empty()) return std::string();
  Result<ProfileFile> file = internal::ReadProfileFile(path);
  if (!file) {
    if (file.error().code() == ErrorCode::kNotFound) return std::string();
    return file.error();
  }
  for (const std::string& name : {"profile " + profile, profile}) {
    auto section = file->sections.find(name);
    if (section != file->sections.end() && section->second.count("region")) {
      return section->second["region"];
    }
  }
  return std::string();
}

// `profile_named`: the user named the profile (AWS_PROFILE or CredentialSources::profile), so
// its absence is an error rather than "no credentials". The environment's keys come first unless
// the caller named a profile itself (`prefer_profile`).
Result<ResolvedCredentials> FromEnvironmentOrSharedFile(const std::string& profile,
                                                        bool profile_named, bool prefer_profile) {
  ResolvedCredentials resolved;
  if (!Env("AWS_ACCESS_KEY_ID").empty() && !prefer_profile) {
    if (Env("AWS_SECRET_ACCESS_KEY").empty()) {
      return Error::InvalidArgument("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }
    resolved.credentials.access_key_id = Env("AWS_ACCESS_KEY_ID");
    resolved.credentials.secret_access_key = SecretString(Env("AWS_SECRET_ACCESS_KEY"));
    resolved.credentials.session_token = SecretString(Env("AWS_SESSION_TOKEN"));
    resolved.source = "AWS_ACCESS_KEY_ID";
    return resolved;
  }
  std::string path = Env("AWS_SHARED_CREDENTIALS_FILE");
  if (path.empty()) path = HomeFile(".aws/credentials");
  if (path.empty()) return Error::NotFound(kNoCredentials);
  Result<FromFile> file = ReadCredentialsFile(path, profile);
  if (!file) {
    if (file.error().code() == ErrorCode::kNotFound && !profile_named) {
      return Error::NotFound(kNoCredentials);
    }
    return file.error();
  }
  resolved.credentials = std::move(file->credentials);
  resolved.region = file->region;
  resolved.source = "profile '" + profile + "' of " + path;
  return resolved;
}

}  // namespace

Result<ResolvedCredentials> ResolveCredentials(const CredentialSources& sources) {
  std::string profile = sources.profile.empty() ? Env("AWS_PROFILE") : sources.profile;
  bool profile_named = !profile.empty();
  if (profile.empty()) profile = "default";
  ResolvedCredentials resolved;
  if (!sources.credentials_file.empty()) {
    Result<FromFile> file = ReadCredentialsFile(sources.credentials_file, profile);
    if (!file) return file.error().WithContext("credentials_file");
    resolved.credentials = std::move(file->credentials);
    resolved.region = file->region;
    resolved.source = "profile '" + profile + "' of " + sources.credentials_file;
  } else {
    STORMPROOF_ASSIGN_OR_RETURN(resolved, FromEnvironmentOrSharedFile(profile, profile_named,
                                                                       !sources.profile.empty()));
  }
  // Region: the plan's, the environment's, the profile's (credentials, then config file).
  std::string profile_region = resolved.region;
  resolved.region = sources.region;
  if (resolved.region.empty()) resolved.region = Env("AWS_REGION");
  if (resolved.region.empty()) resolved.region = Env("AWS_DEFAULT_REGION");
  if (resolved.region.empty()) resolved.region = profile_region;
  if (resolved.region.empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(resolved.region, ConfigRegion(profile));
  }
  if (resolved.region.empty()) resolved.region = "us-east-1";
  return resolved;
}

}  // namespace stormproof::s3
