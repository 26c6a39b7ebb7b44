// The history ScanGroup judges each snapshot of one group with, built as it goes oldest first:
// each snapshot enters once, when the scan passes it, from its record and the marks about it
// alone (detect::PastSnapshotsOf of that one snapshot, which reads only its own marks); the clean
// ones are kept in order, and the history of the next snapshot is the last kMaxHistory of them
// (detect::HistoryOf keeps no more). So a scan of n snapshots costs O(n) here, where rebuilding
// a MarkSet and the past of every earlier snapshot for each one cost O(n²).
//
// Thread-compatible: one ScanGroup call owns one.
#ifndef STORMPROOF_ENGINE_SCAN_INTERNAL_GROUP_HISTORY_H_
#define STORMPROOF_ENGINE_SCAN_INTERNAL_GROUP_HISTORY_H_

#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/crypto/crypto.h"
#include "engine/detect/verdict.h"
#include "engine/repository/marks.h"
#include "engine/repository/repository.h"

namespace stormproof::scan::internal {

class GroupHistory {
 public:
  // `group`: one group, oldest first; it must outlive this. `marks`: the repository's marks when
  // the scan began (only those about `group`'s snapshots are kept).
  GroupHistory(std::span<const repository::Snapshot> group, const repository::MarkSet& marks);

  // Passes the group's next snapshot (group[passed()]): it joins the history as its record and
  // the marks about it (given and added so far) make it.
  void PassNext();
  size_t passed() const { return passed_; }

  // A mark made during the scan. When it is about a snapshot already passed (a slow attack's
  // earlier step), that snapshot's place in the history is judged again.
  void AddMark(repository::NamedMark mark);

  // The clean snapshots the next one is judged against: the last ≤ detect::kMaxHistory clean
  // ones passed, oldest first. Valid until the next call of a non-const method.
  std::span<const detect::PastSnapshot> Recent() const;

  // Whether the newest judged snapshot passed is suspicious or infected (and not accepted as a
  // false alarm): the next flagged one then continues that attack rather than starting one.
  bool AttackOngoing() const { return attack_ongoing_; }

  // The marks about the group's snapshots, given and added, as one set: O(their number).
  repository::MarkSet GroupMarks() const;

 private:
  detect::PastSnapshot PastOf(const repository::Snapshot& snapshot) const;

  std::span<const repository::Snapshot> group_;
  size_t passed_ = 0;
  std::unordered_map<crypto::Id, std::vector<repository::NamedMark>, crypto::IdHash> marks_;
  std::unordered_map<crypto::Id, size_t, crypto::IdHash> index_;  // group position of each id
  // The clean snapshots passed, oldest first, with their group positions.
  std::vector<detect::PastSnapshot> clean_;
  std::vector<size_t> clean_at_;
  std::optional<size_t> newest_judged_;  // group position of the newest judged one passed
  bool attack_ongoing_ = false;          // it is flagged
};

}  // namespace stormproof::scan::internal

#endif  // STORMPROOF_ENGINE_SCAN_INTERNAL_GROUP_HISTORY_H_
