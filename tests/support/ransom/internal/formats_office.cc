// Documents: DOCX/XLSX/PPTX as real ZIP containers, PDFs, and downloaded archives.
#include <algorithm>
#include <string>

#include "tests/support/ransom/internal/containers.h"
#include "tests/support/ransom/internal/kinds.h"

namespace stormproof::testing::ransom::internal {
namespace {

struct OfficeParts {
  std::string_view main_part, main_type, media;
};

OfficeParts PartsOf(FileKind kind) {
  switch (kind) {
    case FileKind::kXlsx:
      return {"xl/worksheets/sheet1.xml",
              "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
              "xl/media/image1.png"};
    case FileKind::kPptx:
      return {"ppt/slides/slide1.xml",
              "application/vnd.openxmlformats-officedocument.presentationml.slide+xml",
              "ppt/media/image1.jpeg"};
    default:
      return {"word/document.xml",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
              "word/media/image1.png"};
  }
}

std::string ContentTypes(const OfficeParts& parts) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
         "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
         "<Default Extension=\"rels\" ContentType=\"application/"
         "vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" "
         "ContentType=\"application/xml\"/><Override PartName=\"/" +
         std::string(parts.main_part) + "\" ContentType=\"" + std::string(parts.main_type) +
         "\"/></Types>";
}

std::string XmlBody(size_t n, SplitMix64& rng) {
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<body>";
  while (xml.size() < n) {
    xml += "<p><r><t>";
    AppendProse(xml, 40 + rng.Below(400), rng);
    xml += "</t></r></p>\n";
  }
  return xml + "</body>";
}

}  // namespace

std::string MakeOfficeDocument(FileKind kind, size_t size, SplitMix64& rng) {
  const OfficeParts parts = PartsOf(kind);
  ZipWriter zip;
  zip.Add({"[Content_Types].xml", ContentTypes(parts)});
  zip.Add({"_rels/.rels",
           "<?xml version=\"1.0\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/"
           "package/2006/relationships\"><Relationship Id=\"rId1\" Target=\"" +
               std::string(parts.main_part) + "\"/></Relationships>"});
  // Text deflates about 4x; a large document is mostly its pictures (stored, random).
  const size_t text = std::min<size_t>(size, 256 * 1024);
  zip.Add({std::string(parts.main_part), XmlBody(text, rng)});
  if (zip.size() + 256 < size) {
    zip.Add({std::string(parts.media), MakeImage(FileKind::kPng, size - zip.size() - 256, rng),
             ZipMember::Method::kStore});
  }
  return zip.Finish();
}

std::string MakePdf(size_t size, SplitMix64& rng) {
  std::string out =
      "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
      "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n";
  int object = 3;
  while (out.size() + 200 < size) {
    const size_t part = std::min<size_t>(size - out.size(), 2048 + rng.Below(64 * 1024));
    const bool image = rng.Chance(0.4);
    out += std::to_string(object++) + " 0 obj\n<< /Length " + std::to_string(part) +
           (image ? " /Filter /DCTDecode /Subtype /Image" : "") + " >>\nstream\n";
    if (image) {
      rng.AppendBytes(out, part);
    } else {
      out += "BT /F1 11 Tf 72 720 Td (";
      AppendProse(out, part, rng);
      out += ") Tj ET";
    }
    out += "\nendstream\nendobj\n";
  }
  out += "xref\n0 " + std::to_string(object) + "\ntrailer\n<< /Size " + std::to_string(object) +
         " /Root 1 0 R >>\nstartxref\n" + std::to_string(out.size()) + "\n%%EOF\n";
  return out;
}

std::string MakeArchive(FileKind kind, size_t size, SplitMix64& rng) {
  std::string out;
  if (kind == FileKind::kZip) {
    ZipWriter zip;
    zip.Add({"readme.txt", std::string(), ZipMember::Method::kDeflate});
    std::string notes;
    AppendProse(notes, std::min<size_t>(size, 64 * 1024), rng);
    zip.Add({"notes.txt", notes});
    if (zip.size() + 128 < size) {
      zip.Add({"data.bin", rng.Bytes(size - zip.size() - 128), ZipMember::Method::kStore});
    }
    return zip.Finish();
  }
  if (kind == FileKind::k7z) {
    out = std::string("7z\xbc\xaf\x27\x1c\x00\x04", 8);
  } else {
    out = std::string("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);  // gzip, no name
  }
  if (out.size() < size) rng.AppendBytes(out, size - out.size());
  return out;
}

}  // namespace stormproof::testing::ransom::internal
