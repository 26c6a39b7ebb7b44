// The S3 operations: objects (PUT, GET, HEAD, DELETE), listings, the bucket, multipart uploads.
#include <openssl/evp.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include "core/time.h"
#include "engine/crypto/base64.h"
#include "engine/s3/internal/client.h"

namespace stormproof::s3::internal {

std::string ContentMd5(ByteView data) {
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_md5(), nullptr);
  return crypto::Base64Encode(ByteView(digest, length));
}

namespace {

std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return {};
  return value;
}

// The total of "bytes 10-99/1000" or "bytes */1000".
std::optional<uint64_t> TotalOfContentRange(std::string_view header) {
  size_t slash = header.rfind('/');
  if (slash == std::string_view::npos) return {};
  return ParseNumber(header.substr(slash + 1));
}

// "bytes=O-E" for [offset, offset + length), or "bytes=O-" to the end (also when the end
// would overflow).
std::string RangeHeader(uint64_t offset, uint64_t length) {
  std::string range = "bytes=" + std::to_string(offset) + "-";
  if (length != 0 && length - 1 <= UINT64_MAX - offset) range += std::to_string(offset + length - 1);
  return range;
}

// A 206 answer: the bytes asked for, up to the end of the object, and the object's size.
Result<ObjectRange> PartialContent(HttpResponse response, const std::string& what,
                                   uint64_t offset, uint64_t length) {
  std::optional<uint64_t> total = TotalOfContentRange(response.Header("content-range"));
  if (!total) return Error::Io(what + ": the server's answer has no valid Content-Range");
  uint64_t available = *total - std::min(offset, *total);
  uint64_t expected = length == 0 ? available : std::min(length, available);
  if (response.body.size() != expected) {
    return Error::Io(what + ": short read: got " + std::to_string(response.body.size()) +
                     " bytes, expected " + std::to_string(expected));
  }
  return ObjectRange{std::move(response.body), *total};
}

// A 200 answer: the whole object (also when a server ignores Range); the range is cut out here.
Result<ObjectRange> WholeContent(HttpResponse response, const std::string& what, uint64_t offset,
                                 uint64_t length) {
  Bytes& data = response.body;
  std::optional<uint64_t> declared = ParseNumber(response.Header("content-length"));
  if (declared && *declared != data.size()) {
    return Error::Io(what + ": short read: got " + std::to_string(data.size()) +
                     " bytes, expected " + std::to_string(*declared));
  }
  ObjectRange range{{}, data.size()};
  uint64_t begin = std::min<uint64_t>(offset, data.size());
  uint64_t end = length == 0 ? data.size() : begin + std::min<uint64_t>(length, data.size() - begin);
  if (begin == 0 && end == data.size()) {
    range.data = std::move(data);
  } else {
    range.data = Bytes(data.begin() + static_cast<std::ptrdiff_t>(begin),
                       data.begin() + static_cast<std::ptrdiff_t>(end));
  }
  return range;
}

}  // namespace

Status Client::PutObject(const std::string& key, ByteView data, Overwrite overwrite,
                         const ObjectLock* lock) {
  if (overwrite == Overwrite::kAllowed && data.size() > options_.multipart_threshold) {
    return PutMultipart(key, data, lock);
  }
  Call call{"PUT", key, {}, {{"Content-MD5", ContentMd5(data)}}, data};
  if (overwrite == Overwrite::kForbidden) call.headers.emplace_back("If-None-Match", "*");
  if (lock != nullptr) {
    for (auto& header : ObjectLockHeaders(*lock)) call.headers.push_back(std::move(header));
  }
  std::string what = Describe(key);
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status < 300) return Ok();
  // 412: the object exists. 409 (AWS's ConditionalRequestConflict): another writer is creating
  // it right now; of the two, the other one wins.
  bool exists = answer.response.status == 412 || answer.response.status == 409;
  if (exists && overwrite == Overwrite::kForbidden) {
    // After a retry, the object may be ours: an earlier attempt succeeded, its answer was lost.
    if (answer.attempts > 1) {
      Result<ObjectRange> stored = GetObject(key, 0, 0);
      if (stored && stored->data.size() == data.size() &&
          std::equal(data.begin(), data.end(), stored->data.begin())) {
        return Ok();
      }
    }
    return Error::InvalidArgument(what + ": already exists");
  }
  if (lock != nullptr) return ObjectLockRefusal(answer.response, what);
  return AnswerError(answer.response, what);
}

Result<ObjectRange> Client::GetObject(const std::string& key, uint64_t offset,
                                      uint64_t length) const {
  Call call{"GET", key, {}, {}, {}};
  bool ranged = offset != 0 || length != 0;
  if (ranged) call.headers.emplace_back("Range", RangeHeader(offset, length));
  // No more than the range's end (a server that ignores Range sends the object from its start).
  call.max_answer = length != 0 && length <= kMaxWholeObject - std::min(offset, kMaxWholeObject)
                        ? offset + length
                        : kMaxWholeObject;
  std::string what = Describe(key);
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  HttpResponse& response = answer.response;
  if (response.status == 416) {  // the range starts at or past the end
    std::optional<uint64_t> total = TotalOfContentRange(response.Header("content-range"));
    if (!total) {
      STORMPROOF_ASSIGN_OR_RETURN(ObjectInfo info, HeadObject(key));
      total = info.size;
    }
    return ObjectRange{{}, *total};
  }
  if (response.status >= 300) return AnswerError(response, what);
  if (response.status == 206) return PartialContent(std::move(response), what, offset, length);
  return WholeContent(std::move(response), what, offset, length);
}

Result<ObjectInfo> Client::HeadObject(const std::string& key) const {
  std::string what = Describe(key);
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(Call{"HEAD", key, {}, {}, {}}, what));
  const HttpResponse& response = answer.response;
  if (response.status >= 300) return AnswerError(response, what);
  std::optional<uint64_t> size = ParseNumber(response.Header("content-length"));
  if (!size) return Error::Io(what + ": the server's answer has no Content-Length");
  Result<int64_t> modified = ParseHttpDate(response.Header("last-modified"));
  if (!modified) return Error::Io(what + ": the server's answer has no valid Last-Modified");
  return ObjectInfo{*size, *modified};
}

Status Client::DeleteObject(const std::string& key, std::string* marker_version_id) {
  std::string what = Describe(key);
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(Call{"DELETE", key, {}, {}, {}}, what));
  if (answer.response.status >= 300 && answer.response.status != 404) {
    return AnswerError(answer.response, what);
  }
  if (marker_version_id != nullptr) {
    *marker_version_id =
        answer.response.status < 300 ? answer.response.Header("x-amz-version-id") : "";
  }
  return Ok();
}

Status Client::ListObjects(const std::string& prefix,
                           const std::function<void(const ListedObject&)>& each,
                           int max_objects) const {
  std::string what = Describe(prefix);
  std::string token;
  std::set<std::string> tokens_seen;
  int listed = 0;
  do {
    Call call{"GET", "", {{"list-type", "2"}, {"prefix", prefix}}, {}, {}};
    if (max_objects > 0) call.query.emplace_back("max-keys", std::to_string(max_objects));
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
    if (answer.response.status >= 300) return AnswerError(answer.response, what);
    Result<ObjectList> page = ParseObjectList(AsText(answer.response.body));
    if (!page) return page.error().WithContext(what + ": listing");
    for (const ListedObject& object : page->objects) {
      each(object);
      if (max_objects > 0 && ++listed >= max_objects) return Ok();
    }
    token = page->truncated ? page->next_continuation_token : "";
    // A token seen before would list the same pages again, for ever.
    if (!token.empty() && !tokens_seen.insert(token).second) {
      return Error::Io(what + ": the server's listing does not end (it repeats a continuation "
                       "token): a broken server or proxy");
    }
  } while (!token.empty());
  return Ok();
}

Status Client::CreateBucket(BucketObjectLock object_lock) {
  std::string body;
  if (options_.region != "us-east-1") {
    body = "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
           "<LocationConstraint>" + options_.region +
           "</LocationConstraint></CreateBucketConfiguration>";
  }
  std::string what = options_.location.ToString();
  Call call{"PUT", "", {}, {}, AsBytes(body)};
  if (!body.empty()) call.headers.emplace_back("Content-Type", "application/xml");
  if (object_lock == BucketObjectLock::kEnabled) {
    call.headers.emplace_back("x-amz-bucket-object-lock-enabled", "true");
  }
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status < 300) return Ok();
  std::string code = ParseErrorBody(AsText(answer.response.body)).code;
  if (code == "BucketAlreadyOwnedByYou") return Ok();
  if (code == "BucketAlreadyExists") {
    return Error::PermissionDenied(what + ": bucket '" + options_.location.bucket +
                                   "' belongs to someone else: choose another name");
  }
  return AnswerError(answer.response, what).WithContext("creating the bucket");
}

Status Client::CheckBucket() const {
  std::string what = options_.location.ToString();
  Call call{"GET", "", {{"list-type", "2"}, {"max-keys", "1"}}, {}, {}};
  if (!options_.location.prefix.empty()) {
    call.query.emplace_back("prefix", options_.location.prefix + "/");
  }
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status < 300) return Ok();
  return AnswerError(answer.response, what);
}

Status Client::HeadBucket() const {
  std::string what = options_.location.ToString();
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(Call{"HEAD", "", {}, {}, {}}, what));
  if (answer.response.status < 300) return Ok();
  if (answer.response.status == 404) {
    return Error::NotFound(what + ": bucket '" + options_.location.bucket + "' does not exist");
  }
  return AnswerError(answer.response, what);
}

Result<std::vector<MultipartUpload>> Client::ListMultipartUploads(const std::string& prefix,
                                                                  int64_t* server_now_ns) const {
  std::string what = Describe(prefix);
  std::vector<MultipartUpload> uploads;
  std::string key_marker, upload_id_marker;
  std::set<std::string> markers_seen;
  for (;;) {
    Call call{"GET", "", {{"uploads", ""}, {"prefix", prefix}}, {}, {}};
    if (!key_marker.empty()) call.query.emplace_back("key-marker", key_marker);
    if (!upload_id_marker.empty()) call.query.emplace_back("upload-id-marker", upload_id_marker);
    STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
    if (answer.response.status >= 300) return AnswerError(answer.response, what);
    Result<int64_t> date = ParseHttpDate(answer.response.Header("date"));
    *server_now_ns = date ? *date : NowNs();
    Result<MultipartUploadList> page = ParseMultipartUploadList(AsText(answer.response.body));
    if (!page) return page.error().WithContext(what + ": listing multipart uploads");
    uploads.insert(uploads.end(), page->uploads.begin(), page->uploads.end());
    if (!page->truncated || page->next_key_marker.empty()) return uploads;
    if (!markers_seen.insert(page->next_key_marker + '\n' + page->next_upload_id_marker).second) {
      return Error::Io(what + ": the server's listing of multipart uploads does not end (it "
                       "repeats a marker): a broken server or proxy");
    }
    key_marker = page->next_key_marker;
    upload_id_marker = page->next_upload_id_marker;
  }
}

Result<std::string> Client::CreateMultipartUpload(const std::string& key,
                                                  const ObjectLock* lock) {
  std::string what = Describe(key);
  Call call{"POST", key, {{"uploads", ""}}, lock ? ObjectLockHeaders(*lock) : NameValues{}, {}};
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status >= 300) {
    return lock ? ObjectLockRefusal(answer.response, what) : AnswerError(answer.response, what);
  }
  Result<std::string> id = ParseInitiateMultipartUpload(AsText(answer.response.body));
  if (!id) return id.error().WithContext(what + ": starting a multipart upload");
  return id;
}

Status Client::AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  std::string what = Describe(key);
  Call call{"DELETE", key, {{"uploadId", upload_id}}, {}, {}};
  STORMPROOF_ASSIGN_OR_RETURN(Answer answer, Execute(call, what));
  if (answer.response.status < 300 || answer.response.status == 404) return Ok();
  return AnswerError(answer.response, what).WithContext("aborting a multipart upload");
}

}  // namespace stormproof::s3::internal
