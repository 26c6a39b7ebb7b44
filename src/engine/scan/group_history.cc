#include "engine/scan/internal/group_history.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace stormproof::scan::internal {
namespace {

using repository::Verdict;

bool Flagged(const detect::PastSnapshot& past) {
  return past.level.has_value() && *past.level != Verdict::Level::kClean;
}

bool Clean(const detect::PastSnapshot& past) { return past.level == Verdict::Level::kClean; }

}  // namespace

GroupHistory::GroupHistory(std::span<const repository::Snapshot> group,
                           const repository::MarkSet& marks)
    : group_(group) {
  for (size_t i = 0; i < group.size(); ++i) index_.emplace(group[i].id, i);
  for (const repository::NamedMark& named : marks.all()) {
    if (index_.contains(named.mark.snapshot)) marks_[named.mark.snapshot].push_back(named);
  }
}

detect::PastSnapshot GroupHistory::PastOf(const repository::Snapshot& snapshot) const {
  auto own = marks_.find(snapshot.id);
  const repository::MarkSet marks(own == marks_.end() ? std::vector<repository::NamedMark>{}
                                                      : own->second);
  return std::move(detect::PastSnapshotsOf(std::span(&snapshot, 1), marks).front());
}

void GroupHistory::PassNext() {
  detect::PastSnapshot past = PastOf(group_[passed_]);
  if (past.level.has_value()) {
    newest_judged_ = passed_;
    attack_ongoing_ = Flagged(past);
  }
  if (Clean(past)) {
    clean_.push_back(std::move(past));
    clean_at_.push_back(passed_);
  }
  ++passed_;
}

void GroupHistory::AddMark(repository::NamedMark mark) {
  const crypto::Id about = mark.mark.snapshot;
  marks_[about].push_back(std::move(mark));
  auto position = index_.find(about);
  if (position == index_.end() || position->second >= passed_) return;
  const size_t at = position->second;
  detect::PastSnapshot past = PastOf(group_[at]);
  auto slot = std::lower_bound(clean_at_.begin(), clean_at_.end(), at);
  const auto offset = std::distance(clean_at_.begin(), slot);
  const bool listed = slot != clean_at_.end() && *slot == at;
  if (listed && !Clean(past)) {
    clean_.erase(clean_.begin() + offset);
    clean_at_.erase(slot);
  } else if (!listed && Clean(past)) {
    clean_.insert(clean_.begin() + offset, past);
    clean_at_.insert(slot, at);
  }
  // Whether an attack is ongoing rests on the newest judged snapshot passed.
  if (past.level.has_value() && (!newest_judged_.has_value() || at >= *newest_judged_)) {
    newest_judged_ = at;
    attack_ongoing_ = Flagged(past);
  }
}

std::span<const detect::PastSnapshot> GroupHistory::Recent() const {
  const size_t keep = std::min(clean_.size(), detect::kMaxHistory);
  return std::span(clean_).last(keep);
}

repository::MarkSet GroupHistory::GroupMarks() const {
  std::vector<repository::NamedMark> all;
  for (const auto& [id, marks] : marks_) all.insert(all.end(), marks.begin(), marks.end());
  return repository::MarkSet(std::move(all));
}

}  // namespace stormproof::scan::internal
