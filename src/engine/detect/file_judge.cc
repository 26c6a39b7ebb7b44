// The per-file rules R1–R5 and the pairing of encrypted copies with deleted originals.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engine/detect/detect.h"
#include "engine/detect/verdict.h"

namespace stormproof::detect {
namespace {

bool IsCompressible(int ratio) { return ratio > 0 && ratio <= kCompressibleRatio; }
bool IsIncompressible(int ratio) { return ratio >= kIncompressibleRatio; }

// Formats whose first 4 KiB are structure (a header sector, allocation tables, a ustar record,
// a disk image's header), never random bytes, whatever they hold: OLE documents, PST mail
// stores, TAR and disk images. Their magic followed by random bytes is encryption that kept the
// magic (review R10-5). Formats whose first bytes may be compressed or noise-like data are not
// among them: zip, PDF object streams, TIFF strips, media, and WAV and BMP (a WAV of MP3 or GSM
// audio or loud noise, a BMP of noise, can sample as random right after their short headers).
bool HasStructuredHeader(MagicKind kind) {
  switch (kind) {
    case MagicKind::kOle:
    case MagicKind::kPst:
    case MagicKind::kTar:
    case MagicKind::kQcow2:
    case MagicKind::kVmdk:
    case MagicKind::kVhdx:
    case MagicKind::kVhd:
      return true;
    default:
      return false;
  }
}

// Random-looking first bytes that no format explains: the shape of encrypted data. Unclassified
// headers (< 512 bytes) are never "high". A container's magic explains random bytes after it,
// except where its header is structure (HasStructuredHeader).
bool UnexplainedRandomHeader(const HeaderSample& header) {
  return header.high && (!IsContainerMagic(header.magic) || HasStructuredHeader(header.magic));
}

bool ChunkChanged(const FileFacts& f, size_t i) {
  return f.chunk_changed.empty() || (i < f.chunk_changed.size() && f.chunk_changed[i] != 0);
}

// R1: same path, compressible before, random now as a whole (reused chunks included), and no
// format explains it (a container's magic does, unless its structured header is random now). A
// VM image with a few chunks rewritten barely moves its whole-file ratio.
bool RewrittenHighEntropy(const FileFacts& f, int new_ratio) {
  return f.change == FileFacts::Change::kContentChanged && IsCompressible(f.old_ratio) &&
         new_ratio >= kRandomWholeFileRatio &&
         (!IsContainerMagic(f.header.magic) || UnexplainedRandomHeader(f.header));
}

// R2: the extension promises a magic, the file starts with random bytes and no magic at all.
// A file starting with another recognised magic (a PNG named .jpg) is mislabelled, not encrypted.
bool HeaderMismatch(const FileFacts& f) {
  return ExpectedMagic(Extension(f.name)) != MagicKind::kUnknown &&
         f.header.magic == MagicKind::kUnknown && f.header.high;
}

// (a) of R3: the first chunk changed to random bytes, some changed chunk is incompressible and
// some chunk is still compressible: every Nth block encrypted.
bool RandomBlocksBetweenPlainOnes(const FileFacts& f) {
  if (f.ratios.empty() || !ChunkChanged(f, 0)) return false;
  bool changed_random = false, still_plain = false;
  for (size_t i = 0; i < f.ratios.size(); ++i) {
    changed_random |= ChunkChanged(f, i) && IsIncompressible(f.ratios[i]);
    still_plain |= IsCompressible(f.ratios[i]);
  }
  return changed_random && still_plain;
}

// R3: a file that was compressible now starts with random bytes without magic, and either its
// old first chunk was plain ("first 4 KiB only", stride and small-file encryption: whole-file
// ratios stay mid-range, only the header shows it) or its blocks alternate (a). A VM image or a
// database whose header stays intact is never R3.
bool Intermittent(const FileFacts& f, bool r1) {
  if (f.change != FileFacts::Change::kContentChanged || r1) return false;
  if (!IsCompressible(f.old_ratio) || !UnexplainedRandomHeader(f.header)) return false;
  return IsCompressible(f.old_first_ratio) || RandomBlocksBetweenPlainOnes(f);
}

// R5: random content under an extension the system never had.
bool NewExtension(const FileFacts& f) {
  const std::string extension = Extension(f.name);
  return f.extension_new && !extension.empty() && !IsVolumeExtension(extension) &&
         UnexplainedRandomHeader(f.header);
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlphanumeric(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The name without its extension (as Extension() finds it); the whole name when it has none.
std::string_view Stem(std::string_view name) {
  const std::string extension = Extension(name);
  return extension.empty() ? name : name.substr(0, name.size() - extension.size() - 1);
}

// An original worth encrypting: compressible before, or of a type whose header is known.
bool WorthEncrypting(const DeletedFile& d) {
  return IsCompressible(d.ratio) || ExpectedMagic(Extension(d.name)) != MagicKind::kUnknown;
}

}  // namespace

int WholeFileRatio(std::span<const uint16_t> ratios, std::span<const uint32_t> sizes) {
  const bool weighted = sizes.size() == ratios.size();
  uint64_t stored = 0, raw = 0;
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (ratios[i] == 0) continue;
    const uint64_t weight = weighted ? sizes[i] : 1;
    stored += weight * ratios[i];
    raw += weight;
  }
  return raw == 0 ? -1 : static_cast<int>(stored / raw);
}

bool IsVolumeExtension(std::string_view extension) {
  if (extension.empty()) return false;
  size_t digits_from = IsDigit(extension[0]) ? 0 : 1;
  if (digits_from == 1 && extension.size() < 3) return false;  // "z01", not "z1" or "mp3"
  for (size_t i = digits_from; i < extension.size(); ++i) {
    if (!IsDigit(extension[i])) return false;
  }
  return true;
}

FileMarks JudgeFile(const FileFacts& facts) {
  FileMarks marks;
  // A new file made of stored content is a rename or a copy; a changed file is judged whatever
  // it stores (content stored before may be what a backup without detection took of an attack).
  if (facts.all_chunks_known && facts.change == FileFacts::Change::kNew) return marks;
  const int new_ratio = WholeFileRatio(facts.ratios, facts.sizes);
  marks.r1 = RewrittenHighEntropy(facts, new_ratio);
  marks.r2 = HeaderMismatch(facts);
  marks.r3 = Intermittent(facts, marks.r1);
  marks.r5 = NewExtension(facts);
  marks.r4_candidate =
      facts.change == FileFacts::Change::kNew && UnexplainedRandomHeader(facts.header);
  return marks;
}

std::vector<std::pair<size_t, size_t>> PairEncryptedCopies(
    std::span<const DeletedFile> deleted, std::span<const std::string_view> candidates) {
  std::unordered_map<std::string_view, size_t> by_name, by_stem;
  for (size_t i = 0; i < deleted.size(); ++i) {
    if (!WorthEncrypting(deleted[i])) continue;
    by_name.emplace(deleted[i].name, i);
    by_stem.emplace(Stem(deleted[i].name), i);
  }
  std::vector<bool> taken(deleted.size(), false);
  std::vector<std::pair<size_t, size_t>> pairs;
  auto take = [&](size_t candidate, const auto& map, std::string_view key) {
    const auto it = map.find(key);
    if (it == map.end() || taken[it->second]) return false;
    taken[it->second] = true;
    pairs.emplace_back(candidate, it->second);
    return true;
  };
  for (size_t c = 0; c < candidates.size(); ++c) {
    const std::string_view name = candidates[c];
    if (name.empty()) continue;
    bool paired = false;
    for (size_t end = name.size() - 1; end > 0 && !paired; --end) {  // the longest first
      if (!IsAlphanumeric(name[end])) paired = take(c, by_name, name.substr(0, end));
    }
    if (!paired && Stem(name) != name) take(c, by_stem, Stem(name));
  }
  return pairs;
}

}  // namespace stormproof::detect
