#include "engine/copier/internal/verdicts.h"

#include <optional>
#include <vector>

namespace stormproof::copier::internal {
namespace {

using repository::Id;
using repository::Mark;
using repository::MarkSet;
using repository::Snapshot;
using Level = repository::Verdict::Level;

// The copy's level as it stands in the destination; nullopt when never judged.
std::optional<Level> LevelOfCopy(const Snapshot& copy, const MarkSet& marks) {
  std::optional<Level> level;
  if (copy.verdict) level = copy.verdict->level;
  if (const Mark* later = marks.WorstLaterVerdict(copy.id)) {
    if (!level || later->verdict->level > *level) level = later->verdict->level;
  }
  return level;
}

}  // namespace

Result<size_t> CarryVerdicts(const repository::Repository& source,
                             repository::Repository& destination,
                             std::span<const CopiedSnapshot> copied,
                             const std::map<Id, Id>& copy_of) {
  if (copied.empty()) return size_t{0};
  STORMPROOF_ASSIGN_OR_RETURN(MarkSet in_source, source.LoadMarks());
  if (in_source.empty()) return size_t{0};
  STORMPROOF_ASSIGN_OR_RETURN(MarkSet in_destination, destination.LoadMarks());
  size_t written = 0;
  for (const CopiedSnapshot& pair : copied) {
    const Mark* worst = in_source.WorstLaterVerdict(pair.source);
    if (worst == nullptr) continue;
    STORMPROOF_ASSIGN_OR_RETURN(Snapshot copy, destination.LoadSnapshot(pair.destination));
    std::optional<Level> now = LevelOfCopy(copy, in_destination);
    if (now && *now >= worst->verdict->level) continue;
    Mark carried = *worst;
    carried.snapshot = pair.destination;
    carried.because.reset();
    if (worst->because) {
      if (auto it = copy_of.find(*worst->because); it != copy_of.end()) {
        carried.because = it->second;
      }
    }
    STORMPROOF_TRY(destination.SaveMark(carried));
    ++written;
  }
  return written;
}

}  // namespace stormproof::copier::internal
