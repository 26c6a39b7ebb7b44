// S3's XML answers, parsed with expat into a small element tree, then into plain structs.
#include "engine/s3/internal/xml.h"

#include <expat.h>

#include <charconv>
#include <memory>

namespace stormproof::s3::internal {
namespace {

std::string_view LocalName(const char* name) {
  std::string_view full(name);
  size_t separator = full.rfind('|');  // the namespace separator given to XML_ParserCreateNS
  return separator == std::string_view::npos ? full : full.substr(separator + 1);
}

// Builds the tree: a stack of open elements; the root is kept in `root`.
struct TreeBuilder {
  XML_Parser parser = nullptr;
  XmlElement root;
  std::vector<XmlElement*> open;
  bool seen_root = false;
  const char* refused = nullptr;  // why parsing was stopped, if it was
};

// S3's answers nest a few levels deep; a deeper document (which would exhaust the stack when
// the tree is destroyed) is refused.
constexpr size_t kMaxDepth = 32;

void Refuse(TreeBuilder* builder, const char* why) {
  if (builder->refused == nullptr) builder->refused = why;
  XML_StopParser(builder->parser, XML_FALSE);
}

// S3's answers have no document type; one with a DTD (entities that expand a few bytes into
// gigabytes, "billion laughs") is refused before any entity is declared.
void OnDoctype(void* data, const XML_Char* /*name*/, const XML_Char* /*system_id*/,
               const XML_Char* /*public_id*/, int /*has_internal_subset*/) {
  Refuse(static_cast<TreeBuilder*>(data), "a document type (DTD) is not allowed");
}

void OnStart(void* data, const XML_Char* name, const XML_Char** /*attributes*/) {
  auto* builder = static_cast<TreeBuilder*>(data);
  if (builder->open.size() >= kMaxDepth) {
    Refuse(builder, "elements nested too deep");
    return;
  }
  XmlElement* element;
  if (builder->open.empty()) {
    element = &builder->root;
    builder->seen_root = true;
  } else {
    builder->open.back()->children.emplace_back();
    element = &builder->open.back()->children.back();
  }
  element->name = std::string(LocalName(name));
  builder->open.push_back(element);
}

void OnEnd(void* data, const XML_Char* /*name*/) {
  auto* builder = static_cast<TreeBuilder*>(data);
  if (!builder->open.empty()) builder->open.pop_back();
}

void OnText(void* data, const XML_Char* text, int length) {
  auto* builder = static_cast<TreeBuilder*>(data);
  if (!builder->open.empty()) builder->open.back()->text.append(text, static_cast<size_t>(length));
}

bool ParseBool(const std::string& text) { return text == "true"; }

uint64_t ParseSize(const std::string& text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

Result<XmlElement> ParseExpecting(std::string_view text, std::string_view root) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document, ParseXml(text));
  if (document.name == "Error") {
    return Error::Io(document.ChildText("Code") + ": " + document.ChildText("Message"));
  }
  if (document.name != root) {
    return Error::Parse("unexpected XML answer <" + document.name + ">, expected <" +
                        std::string(root) + ">");
  }
  return document;
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view child_name) const {
  const XmlElement* child = Child(child_name);
  return child == nullptr ? std::string() : child->text;
}

Result<XmlElement> ParseXml(std::string_view text) {
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(
      XML_ParserCreateNS(nullptr, '|'), &XML_ParserFree);
  if (!parser) return Error::Internal("cannot create an XML parser");
  TreeBuilder builder;
  builder.parser = parser.get();
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  XML_SetStartDoctypeDeclHandler(parser.get(), OnDoctype);
  if (text.size() > static_cast<size_t>(INT32_MAX)) return Error::Parse("XML answer too large");
  bool parsed = XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), XML_TRUE) ==
                XML_STATUS_OK;
  if (builder.refused != nullptr) {
    return Error::Parse(std::string("refused XML answer: ") + builder.refused);
  }
  if (!parsed || !builder.seen_root) {
    return Error::Parse(std::string("malformed XML answer: ") +
                        XML_ErrorString(XML_GetErrorCode(parser.get())) + " at line " +
                        std::to_string(XML_GetCurrentLineNumber(parser.get())));
  }
  return std::move(builder.root);
}

S3ErrorBody ParseErrorBody(std::string_view text) {
  Result<XmlElement> document = ParseXml(text);
  if (!document || document->name != "Error") return {};
  return {document->ChildText("Code"), document->ChildText("Message")};
}

Result<ObjectList> ParseObjectList(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document, ParseExpecting(text, "ListBucketResult"));
  ObjectList list;
  list.truncated = ParseBool(document.ChildText("IsTruncated"));
  list.next_continuation_token = document.ChildText("NextContinuationToken");
  for (const XmlElement& child : document.children) {
    if (child.name != "Contents") continue;
    list.objects.push_back({child.ChildText("Key"), ParseSize(child.ChildText("Size"))});
  }
  if (list.truncated && list.next_continuation_token.empty()) {
    return Error::Parse("truncated object list without NextContinuationToken");
  }
  return list;
}

Result<MultipartUploadList> ParseMultipartUploadList(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document,
                              ParseExpecting(text, "ListMultipartUploadsResult"));
  MultipartUploadList list;
  list.truncated = ParseBool(document.ChildText("IsTruncated"));
  list.next_key_marker = document.ChildText("NextKeyMarker");
  list.next_upload_id_marker = document.ChildText("NextUploadIdMarker");
  for (const XmlElement& child : document.children) {
    if (child.name != "Upload") continue;
    list.uploads.push_back(
        {child.ChildText("Key"), child.ChildText("UploadId"), child.ChildText("Initiated")});
  }
  return list;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document,
                              ParseExpecting(text, "InitiateMultipartUploadResult"));
  std::string id = document.ChildText("UploadId");
  if (id.empty()) return Error::Parse("InitiateMultipartUploadResult without UploadId");
  return id;
}

Status ParseCompleteMultipartUpload(std::string_view text) {
  STORMPROOF_TRY(ParseExpecting(text, "CompleteMultipartUploadResult"));
  return Ok();
}

Result<RetentionText> ParseRetention(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document, ParseExpecting(text, "Retention"));
  RetentionText retention{document.ChildText("Mode"), document.ChildText("RetainUntilDate")};
  if (retention.mode.empty() || retention.retain_until.empty()) {
    return Error::Parse("Retention without Mode or RetainUntilDate");
  }
  return retention;
}

Result<bool> ParseObjectLockEnabled(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document,
                              ParseExpecting(text, "ObjectLockConfiguration"));
  return document.ChildText("ObjectLockEnabled") == "Enabled";
}

namespace {
// The <Owner><ID> of a listed version ("" when the server does not say).
std::string OwnerId(const XmlElement& entry) {
  const XmlElement* owner = entry.Child("Owner");
  return owner != nullptr ? owner->ChildText("ID") : "";
}
}  // namespace

Result<VersionList> ParseVersionList(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(XmlElement document, ParseExpecting(text, "ListVersionsResult"));
  VersionList list;
  list.truncated = ParseBool(document.ChildText("IsTruncated"));
  list.next_key_marker = document.ChildText("NextKeyMarker");
  list.next_version_id_marker = document.ChildText("NextVersionIdMarker");
  for (const XmlElement& child : document.children) {
    bool marker = child.name == "DeleteMarker";
    if (child.name != "Version" && !marker) continue;
    list.versions.push_back({child.ChildText("Key"), child.ChildText("VersionId"),
                             ParseBool(child.ChildText("IsLatest")), marker,
                             ParseSize(child.ChildText("Size")), child.ChildText("LastModified"),
                             child.ChildText("ETag"), OwnerId(child)});
  }
  if (list.truncated && list.next_key_marker.empty()) {
    return Error::Parse("truncated version list without NextKeyMarker");
  }
  return list;
}

}  // namespace stormproof::s3::internal
