// What the way back after an attack (as_of.h) asks of the server besides the version
// primitives: whether the bucket keeps versions, and CopyObject of one version onto a key (PUT
// with x-amz-copy-source), which makes an old version current again without moving its bytes
// through this machine.
#include "core/text.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/sigv4.h"

namespace stormproof::s3::internal {

Status Client::CopyObjectVersion(const std::string& key, const std::string& source_key,
                                 const std::string& version_id, const ObjectLock* lock) {
  std::string what = Describe(key) + " (copying version " + version_id + " of " + source_key + ")";
  // "/bucket/key?versionId=V", the key URI-encoded ('/' kept) as S3 asks.
  std::string source = "/" + options_.location.bucket + "/" + UriEncode(source_key, true) +
                       "?versionId=" + UriEncode(version_id, false);
  Call call{"PUT", key, {}, {{"x-amz-copy-source", source}}, {}};
  if (lock != nullptr) {
    for (auto& header : ObjectLockHeaders(*lock)) call.headers.push_back(std::move(header));
  }
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  const HttpResponse& response = answer.response;
  if (response.status >= 300) {
    return lock != nullptr ? ObjectLockRefusal(response, what) : AnswerError(response, what);
  }
  // S3 may answer 200 and still fail a copy: the error is then in the body.
  std::string body(AsText(response.body));
  if (body.find("<Error>") != std::string::npos) {
    S3ErrorBody error = ParseErrorBody(body);
    return Error::Io(what + ": the server failed the copy (" + ServerReason(error) + ")");
  }
  if (lock == nullptr) return Ok();
  // A server may store the copy without the lock headers (Ceph RGW does so for multipart
  // uploads): read the new version's retention back, and set it when short.
  return EnsureRetention(key, response.Header("x-amz-version-id"), *lock, "a copy");
}

Result<std::string> Client::BucketVersioning() const {
  std::string what = options_.location.ToString();
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer,
                              Execute(Call{"GET", "", {{"versioning", ""}}, {}, {}}, what));
  if (answer.response.status >= 300) return AnswerError(answer.response, what);
  // <VersioningConfiguration><Status>Enabled</Status>...; no Status when never enabled.
  std::string_view body = AsText(answer.response.body);
  size_t open = body.find("<Status>");
  if (open == std::string_view::npos) return std::string();
  size_t start = open + 8, end = body.find("</Status>", start);
  if (end == std::string_view::npos) return Error::Io(what + ": malformed versioning status");
  return std::string(body.substr(start, end - start));
}

}  // namespace stormproof::s3::internal
