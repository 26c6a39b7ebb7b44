#include "engine/repository/index.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "engine/repository/encoding.h"

namespace stormproof::repository {
namespace {

constexpr size_t kPackRecordHeader = 32 + 4;

constexpr auto ById = [](const auto& a, const auto& b) { return a.id < b.id; };

}  // namespace

Bytes EncodeIndex(std::span<const IndexedPack> packs) {
  Bytes out;
  size_t blobs = 0;
  for (const IndexedPack& p : packs) blobs += p.blobs.size();
  out.reserve(4 + packs.size() * kPackRecordHeader + blobs * kPackEntrySize);
  PutU32(static_cast<uint32_t>(packs.size()), &out);
  for (const IndexedPack& p : packs) {
    out.insert(out.end(), p.pack.bytes.begin(), p.pack.bytes.end());
    PutU32(static_cast<uint32_t>(p.blobs.size()), &out);
    EncodePackEntries(p.blobs, &out);
  }
  return out;
}

Result<std::vector<IndexedPack>> DecodeIndex(ByteView plain) {
  if (plain.size() < 4) return Error::FailedCheck("truncated index");
  uint32_t count = GetU32(plain.data());
  size_t pos = 4;
  std::vector<IndexedPack> packs;
  for (uint32_t i = 0; i < count; ++i) {
    if (plain.size() - pos < kPackRecordHeader) return Error::FailedCheck("truncated index");
    IndexedPack pack;
    std::copy_n(plain.data() + pos, 32, pack.pack.bytes.begin());
    uint32_t blobs = GetU32(plain.data() + pos + 32);
    pos += kPackRecordHeader;
    if ((plain.size() - pos) / kPackEntrySize < blobs) return Error::FailedCheck("truncated index");
    auto entries =
        DecodePackEntries(plain.subspan(pos), blobs, std::numeric_limits<uint32_t>::max());
    if (!entries) return entries.error().WithContext("pack " + pack.pack.Hex());
    pack.blobs = std::move(entries).value();
    pos += size_t{blobs} * kPackEntrySize;
    packs.push_back(std::move(pack));
  }
  if (pos != plain.size()) return Error::FailedCheck("trailing bytes in index");
  return packs;
}

void BlobIndex::Add(const Id& pack, std::span<const PackEntry> blobs) {
  packs_.push_back(pack);
  uint32_t number = static_cast<uint32_t>(packs_.size() - 1);
  for (const PackEntry& b : blobs) {
    if (FindEntry(b.type, b.id) != nullptr) continue;
    Table& table = tables_[static_cast<size_t>(b.type)];
    Entry entry{b.id, number, b.offset, b.length, b.raw_length};
    table.recent.insert(std::upper_bound(table.recent.begin(), table.recent.end(), entry, ById),
                        entry);
    if (table.recent.size() >= kMergeAt) Merge(&table);
  }
}

void BlobIndex::BulkAdd(const Id& pack, std::span<const PackEntry> blobs) {
  packs_.push_back(pack);
  uint32_t number = static_cast<uint32_t>(packs_.size() - 1);
  for (const PackEntry& b : blobs) {
    tables_[static_cast<size_t>(b.type)].recent.push_back(
        {b.id, number, b.offset, b.length, b.raw_length});
  }
}

void BlobIndex::Commit() {
  // By id, then in the order added (pack numbers grow as packs are added), so that a blob's
  // locations are adjacent, first added first; ties within one pack record by place and length,
  // so that the order does not depend on the sort.
  auto by_id_then_added = [](const Entry& a, const Entry& b) {
    if (a.id != b.id) return a.id < b.id;
    return std::tie(a.pack, a.offset, a.length, a.raw_length) <
           std::tie(b.pack, b.offset, b.length, b.raw_length);
  };
  for (Table& table : tables_) {
    std::sort(table.recent.begin(), table.recent.end(), by_id_then_added);
    if (table.sorted.empty()) {
      table.sorted.swap(table.recent);  // the usual case at open: no second copy
    } else {
      Merge(&table);  // keeps `sorted` before `recent` among equal ids
    }
    std::vector<Entry>().swap(table.recent);
    DropRepeatedLocations(&table);
    table.sorted.shrink_to_fit();
  }
  packs_.shrink_to_fit();
}

bool BlobIndex::SameLocation(const Entry& a, const Entry& b) const {
  return packs_[a.pack] == packs_[b.pack] && a.offset == b.offset && a.length == b.length &&
         a.raw_length == b.raw_length;
}

void BlobIndex::DropRepeatedLocations(Table* table) {
  std::vector<Entry>& entries = table->sorted;
  table->extra_locations = 0;
  size_t kept = 0;
  size_t run_start = 0;  // in the kept prefix: the first location of the current blob
  bool dropped_in_run = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (kept == 0 || entries[i].id != entries[kept - 1].id) {
      run_start = kept;
      dropped_in_run = false;
    } else {
      // Another location of the same blob: kept unless the same one is already kept (at most
      // kMaxLocationsPerBlob to compare with) or the blob has all it may keep.
      bool repeated = std::any_of(entries.begin() + static_cast<ptrdiff_t>(run_start),
                                  entries.begin() + static_cast<ptrdiff_t>(kept),
                                  [&](const Entry& e) { return SameLocation(e, entries[i]); });
      if (repeated) continue;
      if (kept - run_start >= kMaxLocationsPerBlob) {
        ++dropped_locations_;
        if (!dropped_in_run) {
          ++blobs_with_dropped_locations_;
          auto at = std::lower_bound(table->capped.begin(), table->capped.end(), entries[i].id);
          if (at == table->capped.end() || *at != entries[i].id) {
            table->capped.insert(at, entries[i].id);
          }
        }
        dropped_in_run = true;
        continue;
      }
      ++table->extra_locations;
    }
    entries[kept++] = entries[i];
  }
  entries.resize(kept);
}

// Merges `recent` into `sorted` in place, from the back, without a temporary copy.
void BlobIndex::Merge(Table* table) {
  std::vector<Entry>& big = table->sorted;
  std::vector<Entry>& small = table->recent;
  size_t old_size = big.size();
  if (big.capacity() < old_size + small.size()) big.reserve(old_size + old_size / 4 + small.size());
  big.resize(old_size + small.size());
  auto out = big.rbegin();
  auto b = big.rbegin() + static_cast<ptrdiff_t>(small.size());
  auto s = small.rbegin();
  while (s != small.rend()) {
    *out++ = (b != big.rend() && ById(*s, *b)) ? *b++ : *s++;
  }
  small.clear();
}

bool BlobIndex::LostLocations(BlobType type, const Id& id) const {
  const std::vector<Id>& capped = tables_[static_cast<size_t>(type)].capped;
  return std::binary_search(capped.begin(), capped.end(), id);
}

const BlobIndex::Entry* BlobIndex::Search(const std::vector<Entry>& entries, const Id& id) {
  auto it = std::lower_bound(entries.begin(), entries.end(), id,
                             [](const Entry& e, const Id& key) { return e.id < key; });
  return it != entries.end() && it->id == id ? &*it : nullptr;
}

const BlobIndex::Entry* BlobIndex::FindEntry(BlobType type, const Id& id) const {
  const Table& table = tables_[static_cast<size_t>(type)];
  const Entry* found = Search(table.sorted, id);
  return found != nullptr ? found : Search(table.recent, id);
}

BlobLocation BlobIndex::Locate(BlobType type, const Entry& entry) const {
  return BlobLocation{packs_[entry.pack], entry.offset, entry.length, entry.raw_length, type};
}

std::optional<BlobLocation> BlobIndex::Find(BlobType type, const Id& id) const {
  const Entry* entry = FindEntry(type, id);
  if (entry == nullptr) return std::nullopt;
  return Locate(type, *entry);
}

std::vector<BlobLocation> BlobIndex::FindAll(BlobType type, const Id& id) const {
  std::vector<BlobLocation> out;
  const Entry* entry = FindEntry(type, id);
  if (entry == nullptr) return out;
  // FindEntry gives a blob's first entry; its other locations follow it (never in `recent`).
  const Table& table = tables_[static_cast<size_t>(type)];
  const Entry* end = table.sorted.data() + table.sorted.size();
  bool in_sorted = entry >= table.sorted.data() && entry < end;
  do {
    out.push_back(Locate(type, *entry++));
  } while (in_sorted && entry != end && entry->id == id);
  return out;
}

size_t BlobIndex::size() const {
  size_t n = 0;
  for (const Table& table : tables_) {
    n += table.sorted.size() - table.extra_locations + table.recent.size();
  }
  return n;
}

void BlobIndex::ForEach(const std::function<void(const Id&, const BlobLocation&)>& each) const {
  for (size_t type = 0; type < tables_.size(); ++type) {
    for (const auto* entries : {&tables_[type].sorted, &tables_[type].recent}) {
      const Entry* previous = nullptr;
      for (const Entry& e : *entries) {
        if (previous == nullptr || previous->id != e.id) {
          each(e.id, Locate(static_cast<BlobType>(type), e));
        }
        previous = &e;
      }
    }
  }
}

void BlobIndex::ForEachLocation(
    const std::function<void(const Id&, const BlobLocation&)>& each) const {
  for (size_t type = 0; type < tables_.size(); ++type) {
    for (const auto* entries : {&tables_[type].sorted, &tables_[type].recent}) {
      for (const Entry& e : *entries) each(e.id, Locate(static_cast<BlobType>(type), e));
    }
  }
}

size_t BlobIndex::MemoryBytes() const {
  size_t bytes = packs_.capacity() * sizeof(Id);
  for (const Table& t : tables_) {
    bytes += (t.sorted.capacity() + t.recent.capacity()) * sizeof(Entry);
  }
  return bytes;
}

}  // namespace stormproof::repository
