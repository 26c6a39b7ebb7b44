// Multipart upload of objects larger than Options::multipart_threshold: initiate, upload the
// parts one after another (each with its Content-MD5), complete; abort on any failure so that
// no upload is left behind (prune aborts what a killed process leaves).
#include <algorithm>

#include "engine/s3/internal/client.h"

namespace stormproof::s3::internal {
namespace {

constexpr uint64_t kMinPartSize = uint64_t{5} << 20;  // S3's minimum, but for the last part

std::string CompletionBody(const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags[i] +
            "</ETag></Part>";
  }
  return body + "</CompleteMultipartUpload>";
}

}  // namespace

Result<std::string> Client::UploadPart(const std::string& key, const std::string& upload_id,
                                       int number, ByteView part) {
  std::string what = Describe(key) + " (part " + std::to_string(number) + ")";
  Call call{"PUT", key, {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}},
            {{"Content-MD5", ContentMd5(part)}}, part};
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status >= 300) return AnswerError(answer.response, what);
  std::string etag = answer.response.Header("etag");
  if (etag.empty()) return Error::Io(what + ": the server's answer has no ETag");
  return etag;
}

Result<std::string> Client::CompleteMultipartUpload(const std::string& key,
                                                    const std::string& upload_id,
                                                    const std::vector<std::string>& etags,
                                                    uint64_t size) {
  std::string what = Describe(key);
  std::string body = CompletionBody(etags);
  Call call{"POST", key, {{"uploadId", upload_id}}, {{"Content-Type", "application/xml"}},
            AsBytes(body)};
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  const HttpResponse& response = answer.response;
  if (response.status == 404 && answer.attempts > 1) {
    // An earlier attempt may have completed it and lost its answer: the object says.
    Result<ObjectInfo> stored = HeadObject(key);
    if (stored && stored->size == size) return std::string();  // its version: the latest
  }
  if (response.status >= 300) return AnswerError(response, what);
  // S3 may answer 200 and report the failure in the body.
  Status completed = ParseCompleteMultipartUpload(AsText(response.body));
  if (!completed) return completed.error().WithContext(what + ": completing a multipart upload");
  return response.Header("x-amz-version-id");
}

Status Client::PutMultipart(const std::string& key, ByteView data, const ObjectLock* lock) {
  STORMPROOF_ASSIGN_OR_RETURN(std::string upload_id, CreateMultipartUpload(key, lock));
  const uint64_t part_size = std::max(options_.multipart_part_size, kMinPartSize);
  std::vector<std::string> etags;
  Status status = Ok();
  for (uint64_t offset = 0; offset < data.size() && status; offset += part_size) {
    ByteView part = data.subspan(offset, std::min<uint64_t>(part_size, data.size() - offset));
    Result<std::string> etag = UploadPart(key, upload_id, static_cast<int>(etags.size() + 1), part);
    if (etag) {
      etags.push_back(std::move(etag).value());
    } else {
      status = etag.error();
    }
  }
  std::string version_id;
  if (status) {
    Result<std::string> completed = CompleteMultipartUpload(key, upload_id, etags, data.size());
    if (completed) {
      version_id = std::move(completed).value();
    } else {
      status = completed.error();
    }
  }
  if (!status) {
    (void)AbortMultipartUpload(key, upload_id);  // best effort: prune aborts what remains
    return status;
  }
  // Ceph RGW 16 stores a multipart upload without the lock headers of its initiation.
  if (lock != nullptr) return EnsureRetention(key, version_id, *lock);
  return Ok();
}

}  // namespace stormproof::s3::internal
