// What the judge and the restore-point rule need of a group's snapshots, from the snapshots
// themselves (verdict.h, PastSnapshotsOf / JudgedSnapshotsOf).
#include <span>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/repository/repository.h"

namespace stormproof::detect {

std::vector<PastSnapshot> PastSnapshotsOf(std::span<const repository::Snapshot> oldest_first) {
  std::vector<PastSnapshot> out;
  out.reserve(oldest_first.size());
  for (const repository::Snapshot& snapshot : oldest_first) {
    PastSnapshot past;
    past.id = snapshot.id.Hex();
    past.time_ns = snapshot.time_ns;
    if (snapshot.signals && snapshot.verdict) {  // judged: its signals describe its normal
      past.signals = *snapshot.signals;
      past.level = snapshot.verdict->level;
    }
    out.push_back(std::move(past));
  }
  return out;
}

std::vector<JudgedSnapshot> JudgedSnapshotsOf(
    std::span<const repository::Snapshot> oldest_first) {
  std::vector<JudgedSnapshot> out;
  out.reserve(oldest_first.size());
  for (const repository::Snapshot& snapshot : oldest_first) {
    JudgedSnapshot judged;
    judged.id = snapshot.id.Hex();
    judged.time_ns = snapshot.time_ns;
    if (snapshot.verdict) judged.level = snapshot.verdict->level;
    out.push_back(std::move(judged));
  }
  return out;
}

}  // namespace stormproof::detect
