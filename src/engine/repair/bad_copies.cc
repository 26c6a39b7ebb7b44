#include "engine/repair/internal/bad_copies.h"

#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace stormproof::repair {
namespace {

using repository::BlobLocation;
using repository::IndexedPack;
using repository::PackEntry;

// One pack's entry for a blob: where in `packs` it is.
struct Copy {
  uint32_t pack;   // into packs
  uint32_t entry;  // into packs[pack].blobs
};

const PackEntry& EntryOf(const std::vector<IndexedPack>& packs, const Copy& c) {
  return packs[c.pack].blobs[c.entry];
}

// Every entry of `packs`, sorted so that the copies of one blob are adjacent.
std::vector<Copy> SortedCopies(const std::vector<IndexedPack>& packs) {
  std::vector<Copy> copies;
  for (uint32_t p = 0; p < packs.size(); ++p) {
    for (uint32_t e = 0; e < packs[p].blobs.size(); ++e) copies.push_back({p, e});
  }
  std::sort(copies.begin(), copies.end(), [&](const Copy& a, const Copy& b) {
    const PackEntry& x = EntryOf(packs, a);
    const PackEntry& y = EntryOf(packs, b);
    return x.type != y.type ? x.type < y.type : x.id < y.id;
  });
  return copies;
}

// Verifies each of `copies` (one blob's); adds those that fail to `bad` with why, when another
// verifies. Errors: a copy cannot be read for another reason than damage.
Status VerifyCopies(const repository::Repository& repo, const std::vector<IndexedPack>& packs,
                    std::span<const Copy> copies, std::vector<std::pair<Copy, std::string>>* bad) {
  std::vector<std::pair<Copy, std::string>> failed;
  for (const Copy& c : copies) {
    const PackEntry& e = EntryOf(packs, c);
    BlobLocation at{packs[c.pack].pack, e.offset, e.length, e.raw_length, e.type};
    auto plain = repo.LoadBlobAt(e.type, e.id, at, repository::IdCheck::kRehash);
    if (plain) continue;
    if (!plain.error().SaysDamaged()) return plain.error();
    failed.emplace_back(c, plain.error().message());
  }
  if (failed.size() < copies.size()) bad->insert(bad->end(), failed.begin(), failed.end());
  return Ok();
}

// Removes the `bad` entries from `packs`, then the packs left empty.
void Remove(const std::vector<std::pair<Copy, std::string>>& bad, std::vector<IndexedPack>* packs) {
  std::vector<std::vector<bool>> drop(packs->size());
  for (const auto& [c, why] : bad) {
    drop[c.pack].resize((*packs)[c.pack].blobs.size());
    drop[c.pack][c.entry] = true;
  }
  for (size_t p = 0; p < packs->size(); ++p) {
    if (drop[p].empty()) continue;
    std::vector<PackEntry>& blobs = (*packs)[p].blobs;
    size_t kept = 0;
    for (size_t e = 0; e < blobs.size(); ++e) {
      if (!drop[p][e]) blobs[kept++] = blobs[e];
    }
    blobs.resize(kept);
  }
  std::erase_if(*packs, [](const IndexedPack& pack) { return pack.blobs.empty(); });
}

}  // namespace


Result<std::vector<std::string>> DropBadCopies(const repository::Repository& repo,
                                               std::vector<IndexedPack>* packs) {
  std::vector<Copy> copies = SortedCopies(*packs);
  std::vector<std::pair<Copy, std::string>> bad;
  for (size_t i = 0; i < copies.size();) {
    const PackEntry& first = EntryOf(*packs, copies[i]);
    size_t end = i + 1;
    while (end < copies.size() && EntryOf(*packs, copies[end]).type == first.type &&
           EntryOf(*packs, copies[end]).id == first.id) {
      ++end;
    }
    if (end - i > 1) {
      STORMPROOF_TRY(VerifyCopies(repo, *packs, std::span(copies).subspan(i, end - i), &bad));
    }
    i = end;
  }
  std::vector<std::string> lines;
  for (const auto& [c, why] : bad) lines.push_back(why);
  Remove(bad, packs);
  return lines;
}

}  // namespace stormproof::repair
