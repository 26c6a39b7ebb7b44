// S3 Object Lock and object versions: the lock headers of a PUT, the retention of one version
// (GetObjectRetention, PutObjectRetention), the bucket's Object Lock configuration, and the
// versions a versioned bucket keeps (ListObjectVersions, GET and DELETE of one version).
#include <algorithm>
#include <cstdlib>
#include <set>

#include "core/text.h"
#include "core/time.h"
#include "engine/s3/internal/client.h"

namespace stormproof::s3::internal {
namespace {

constexpr char kS3Namespace[] = "http://s3.amazonaws.com/doc/2006-03-01/";

NameValues VersionQuery(const char* operation, const std::string& version_id) {
  NameValues query{{operation, ""}};
  if (!version_id.empty()) query.emplace_back("versionId", version_id);
  return query;
}

std::string DescribeVersion(const std::string& described, const std::string& version_id) {
  return version_id.empty() ? described : described + " (version " + version_id + ")";
}

Result<ObjectLock> LockOf(const RetentionText& text) {
  ObjectLock lock;
  if (text.mode == "GOVERNANCE") {
    lock.mode = backend::Retention::Mode::kGovernance;
  } else if (text.mode == "COMPLIANCE") {
    lock.mode = backend::Retention::Mode::kCompliance;
  } else {
    return Error::Parse("unknown retention mode '" + OneLine(text.mode) + "'");
  }
  Result<int64_t> until = ParseRfc3339(text.retain_until);
  if (!until) return Error::Parse("invalid retain-until date '" + OneLine(text.retain_until) + "'");
  lock.retain_until_ns = *until;
  return lock;
}

// Whether `held` keeps a version at least as long and as strictly as `wanted` asks.
bool Covers(const ObjectRetention& held, const ObjectLock& wanted) {
  if (!held) return false;
  bool strict_enough =
      held->mode == wanted.mode || held->mode == backend::Retention::Mode::kCompliance;
  return strict_enough && held->retain_until_ns >= wanted.retain_until_ns;
}

}  // namespace

const char* S3RetentionMode(backend::Retention::Mode mode) {
  return mode == backend::Retention::Mode::kCompliance ? "COMPLIANCE" : "GOVERNANCE";
}

NameValues ObjectLockHeaders(const ObjectLock& lock) {
  // UTC with a "Z": Ceph RGW refuses an offset (400).
  return {{"x-amz-object-lock-mode", S3RetentionMode(lock.mode)},
          {"x-amz-object-lock-retain-until-date", FormatRfc3339(lock.retain_until_ns)}};
}

Error Client::ObjectLockRefusal(const HttpResponse& response, const std::string& what) const {
  S3ErrorBody body = ParseErrorBody(AsText(response.body));
  if (response.status != 400) return AnswerError(response, what);
  std::string message = AsciiLower(body.message);
  if (message.find("objectlockconfiguration") != std::string::npos ||
      message.find("object lock") != std::string::npos || body.code == "InvalidRequest") {
    return Error::InvalidArgument(
        what + ": the server refused to store it under Object Lock (" + ServerReason(body) +
        "): bucket '" + options_.location.bucket +
        "' must have Object Lock enabled (it can only be turned on when a bucket is created: "
        "`stormproof init --object-lock` creates a new bucket with it)");
  }
  if (body.code == "InvalidArgument") {
    return Error::InvalidArgument(what + ": the server refused the Object Lock retention (" +
                                  ServerReason(body) +
                                  "): choose another --object-lock-mode or fewer days");
  }
  return AnswerError(response, what);
}

Result<bool> Client::BucketHasObjectLock() const {
  std::string what = options_.location.ToString();
  Call call{"GET", "", {{"object-lock", ""}}, {}, {}};
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  const HttpResponse& response = answer.response;
  S3ErrorBody body = ParseErrorBody(AsText(response.body));
  if (response.status == 404) {
    // AWS and RGW: ObjectLockConfigurationNotFoundError; a missing bucket is NoSuchBucket.
    if (body.code != "NoSuchBucket") return false;
  }
  if (response.status == 403 && (body.code == "AccessDenied" || body.code.empty())) {
    return Error::PermissionDenied(
        what + ": cannot tell whether bucket '" + options_.location.bucket +
        "' has Object Lock: access denied (" + (body.code.empty() ? "HTTP 403" : body.code) +
        "): these credentials lack s3:GetBucketObjectLockConfiguration");
  }
  // Storage without the call (GetObjectLockConfiguration): 501 NotImplemented, the S3 error-code
  // table's answer for functionality it does not implement.
  if (response.status == 501 || body.code == "NotImplemented") {
    return Error::PermissionDenied(what + ": cannot tell whether bucket '" +
                                   options_.location.bucket +
                                   "' has Object Lock: the storage does not answer "
                                   "GetObjectLockConfiguration (" +
                                   (body.code.empty() ? "HTTP 501" : OneLine(body.code)) + ")");
  }
  if (response.status >= 300) return AnswerError(response, what);
  Result<bool> enabled = ParseObjectLockEnabled(AsText(response.body));
  if (!enabled) return enabled.error().WithContext(what + ": Object Lock configuration");
  return enabled;
}

Result<ObjectRetention> Client::GetObjectRetention(const std::string& key,
                                                   const std::string& version_id) const {
  std::string what = DescribeVersion(Describe(key), version_id);
  Call call{"GET", key, VersionQuery("retention", version_id), {}, {}};
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  const HttpResponse& response = answer.response;
  if (response.status >= 300) {
    S3ErrorBody body = ParseErrorBody(AsText(response.body));
    // A version without retention (404): AWS says NoSuchObjectLockConfiguration, Ceph RGW
    // ObjectLockConfigurationNotFoundError.
    if (body.code == "NoSuchObjectLockConfiguration" ||
        body.code == "ObjectLockConfigurationNotFoundError") {
      return ObjectRetention{};
    }
    return AnswerError(response, what);
  }
  Result<RetentionText> text = ParseRetention(AsText(response.body));
  if (!text) return text.error().WithContext(what + ": retention");
  Result<ObjectLock> lock = LockOf(*text);
  if (!lock) return lock.error().WithContext(what + ": retention");
  return ObjectRetention{*lock};
}

Status Client::PutObjectRetention(const std::string& key, const std::string& version_id,
                                  const ObjectLock& lock, Bypass bypass) {
  std::string what = DescribeVersion(Describe(key), version_id);
  std::string body = std::string("<Retention xmlns=\"") + kS3Namespace + "\"><Mode>" +
                     S3RetentionMode(lock.mode) + "</Mode><RetainUntilDate>" +
                     FormatRfc3339(lock.retain_until_ns) + "</RetainUntilDate></Retention>";
  Call call{"PUT",
            key,
            VersionQuery("retention", version_id),
            {{"Content-MD5", ContentMd5(AsBytes(body))}, {"Content-Type", "application/xml"}},
            AsBytes(body)};
  if (bypass == Bypass::kGovernance) {
    call.headers.emplace_back("x-amz-bypass-governance-retention", "true");
  }
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status < 300) return Ok();
  return ObjectLockRefusal(answer.response, what);
}

Status Client::EnsureRetention(const std::string& key, const std::string& version_id,
                               const ObjectLock& lock, std::string_view made) {
  STORMPROOF_ASSIGN_OR_RETURN(ObjectRetention held, GetObjectRetention(key, version_id));
  if (Covers(held, lock)) return Ok();
  Status set = PutObjectRetention(key, version_id, lock);
  if (!set) {
    // The object was uploaded unretained: say why setting its retention matters.
    return Error(set.error().code(),
                 set.error().message() +
                     " (setting the retention of " + std::string(made) +
                     ", whose lock headers the server ignored: the credentials need "
                     "s3:PutObjectRetention)");
  }
  STORMPROOF_ASSIGN_OR_RETURN(held, GetObjectRetention(key, version_id));
  if (Covers(held, lock)) return Ok();
  return Error::Io(DescribeVersion(Describe(key), version_id) +
                   ": uploaded, but the server does not keep it under the retention asked for (" +
                   S3RetentionMode(lock.mode) + " until " + FormatRfc3339(lock.retain_until_ns) +
                   "): the upload failed");
}

Result<int64_t> RetainUntilNs(int64_t server_now_ns, int64_t own_now_ns, int64_t keep_ns,
                              const std::string& where) {
  const int64_t skew = server_now_ns - own_now_ns;
  if (skew > kMaxServerClockSkewNs || -skew > kMaxServerClockSkewNs) {
    return Error::InvalidArgument(
        where + ": the server's clock (" + FormatRfc3339(server_now_ns) + ") is " +
        std::to_string(std::llabs(skew) / kNsPerMinute) + " minutes " +
        (skew > 0 ? "ahead of" : "behind") +
        " this machine's: no Object Lock date is computed from it (more than 15 minutes off); "
        "fix the clock (NTP) of whichever is wrong");
  }
  const int64_t until = std::max(server_now_ns, own_now_ns) + keep_ns;
  return (FloorSeconds(until - 1) + 1) * kNsPerSecond;  // up to a whole second
}

Status Client::ListObjectVersions(const std::string& prefix,
                                  const std::function<void(const ObjectVersion&)>& each) const {
  std::string what = Describe(prefix);
  std::string key_marker, version_marker;
  std::set<std::string> markers_seen;
  for (;;) {
    Call call{"GET", "", {{"versions", ""}, {"prefix", prefix}}, {}, {}};
    if (!key_marker.empty()) call.query.emplace_back("key-marker", key_marker);
    if (!version_marker.empty()) call.query.emplace_back("version-id-marker", version_marker);
    STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
    if (answer.response.status >= 300) return AnswerError(answer.response, what);
    Result<VersionList> page = ParseVersionList(AsText(answer.response.body));
    if (!page) return page.error().WithContext(what + ": listing versions");
    for (const VersionEntry& entry : page->versions) {
      Result<int64_t> modified = ParseRfc3339(entry.last_modified);
      each(ObjectVersion{entry.key, entry.version_id, entry.is_latest, entry.delete_marker,
                         entry.size, modified ? *modified : 0, entry.etag, entry.owner_id});
    }
    if (!page->truncated) return Ok();
    if (!markers_seen.insert(page->next_key_marker + '\n' + page->next_version_id_marker).second) {
      return Error::Io(what +
                       ": the server's listing of versions does not end (it repeats a "
                       "marker): a broken server or proxy");
    }
    key_marker = page->next_key_marker;
    version_marker = page->next_version_id_marker;
  }
}

Result<Bytes> Client::GetObjectVersion(const std::string& key,
                                       const std::string& version_id) const {
  std::string what = DescribeVersion(Describe(key), version_id);
  Call call{"GET", key, {{"versionId", version_id}}, {}, {}};
  call.max_answer = kMaxWholeObject;
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status >= 300) return AnswerError(answer.response, what);
  return std::move(answer.response.body);
}

Status Client::DeleteObjectVersion(const std::string& key, const std::string& version_id,
                                   Bypass bypass) {
  std::string what = DescribeVersion(Describe(key), version_id);
  Call call{"DELETE", key, {{"versionId", version_id}}, {}, {}};
  if (bypass == Bypass::kGovernance) {
    call.headers.emplace_back("x-amz-bypass-governance-retention", "true");
  }
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status < 300 || answer.response.status == 404) return Ok();
  return AnswerError(answer.response, what);
}

}  // namespace stormproof::s3::internal
