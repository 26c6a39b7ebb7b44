// The XML answers of S3 (errors, ListObjectsV2, ListMultipartUploads, multipart results), parsed
// with expat into plain structs. Namespaces are ignored (elements are matched by local name), so
// AWS's and RGW's answers read the same. Pure functions; thread-safe.
#ifndef STORMPROOF_ENGINE_S3_INTERNAL_XML_H_
#define STORMPROOF_ENGINE_S3_INTERNAL_XML_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stormproof::s3::internal {

// An element: its local name, its text (concatenated character data) and its children.
struct XmlElement {
  std::string name;
  std::string text;
  std::vector<XmlElement> children;

  // The first child named `name`, or nullptr.
  const XmlElement* Child(std::string_view name) const;
  // The text of the first child named `name`, or "".
  std::string ChildText(std::string_view name) const;
};

// Errors: kParse "malformed XML answer: <expat's reason> at line N".
Result<XmlElement> ParseXml(std::string_view text);

// <Error><Code>NoSuchKey</Code><Message>...</Message></Error>; empty fields when absent or when
// `text` is not such a document (a HEAD answer has no body).
struct S3ErrorBody {
  std::string code;
  std::string message;
};
S3ErrorBody ParseErrorBody(std::string_view text);

struct ListedObject {
  std::string key;
  uint64_t size = 0;
};
struct ObjectList {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_continuation_token;
};
// A ListObjectsV2 answer (ListBucketResult).
Result<ObjectList> ParseObjectList(std::string_view text);

struct MultipartUpload {
  std::string key;
  std::string upload_id;
  std::string initiated;  // ISO 8601, as the server wrote it
};
struct MultipartUploadList {
  std::vector<MultipartUpload> uploads;
  bool truncated = false;
  std::string next_key_marker;
  std::string next_upload_id_marker;
};
// A ListMultipartUploads answer (ListMultipartUploadsResult).
Result<MultipartUploadList> ParseMultipartUploadList(std::string_view text);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseInitiateMultipartUpload(std::string_view text);
// A CompleteMultipartUpload answer: S3 may answer 200 with an <Error> body; that error is
// returned as kIo "<Code>: <Message>".
Status ParseCompleteMultipartUpload(std::string_view text);

// A GetObjectRetention answer (<Retention><Mode>GOVERNANCE</Mode><RetainUntilDate>
// 2026-12-14T10:00:00.000Z</RetainUntilDate></Retention>), as the server wrote it.
struct RetentionText {
  std::string mode;
  std::string retain_until;
};
Result<RetentionText> ParseRetention(std::string_view text);
// Whether a GetObjectLockConfiguration answer says <ObjectLockEnabled>Enabled</...>.
Result<bool> ParseObjectLockEnabled(std::string_view text);

struct VersionEntry {
  std::string key;
  std::string version_id;
  bool is_latest = false;
  bool delete_marker = false;
  uint64_t size = 0;
  std::string last_modified;  // ISO 8601, as the server wrote it
  std::string etag = {};      // as the server wrote it, quotes included ("" for a marker)
  std::string owner_id = {};  // <Owner><ID>: who wrote the version or placed the marker
};
struct VersionList {
  std::vector<VersionEntry> versions;  // versions and delete markers, in the answer's order
  bool truncated = false;
  std::string next_key_marker;
  std::string next_version_id_marker;
};
// A ListObjectVersions answer (ListVersionsResult).
Result<VersionList> ParseVersionList(std::string_view text);

}  // namespace stormproof::s3::internal

#endif  // STORMPROOF_ENGINE_S3_INTERNAL_XML_H_
