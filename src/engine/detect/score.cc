// The per-snapshot score: a system's usual churn from its history, and the rule table (design
// §2, "Verdict"). The rules compare with the system's own median and spread, never below floors
// that keep a quiet system from alarming on one odd file.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/detect/internal/findings.h"
#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {
namespace {

using repository::SnapshotSignals;
using repository::Verdict;
using Rule = internal::Finding::Rule;

constexpr double kMadToSigma = 1.4826;  // MAD × this estimates σ of a normal distribution
constexpr double kStrongZ = 8, kWeakZ = 4, kSlowMemberZ = 2;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The usual of a quantity over clean snapshots; zeros below kMinHistory records.
Usual UsualOf(std::span<const SnapshotSignals* const> records,
              const std::function<uint64_t(const SnapshotSignals&)>& quantity) {
  Usual usual;
  if (records.size() < kMinHistory) return usual;
  std::vector<double> values, deviations;
  usual.low = UINT64_MAX;
  for (const SnapshotSignals* s : records) {
    const uint64_t x = quantity(*s);
    values.push_back(static_cast<double>(x));
    usual.low = std::min(usual.low, x);
    usual.high = std::max(usual.high, x);
  }
  usual.median = Median(values);
  for (const double x : values) deviations.push_back(std::abs(x - usual.median));
  usual.mad = Median(deviations);
  return usual;
}

double Sigma(const Usual& usual, double floor) { return std::max(kMadToSigma * usual.mad, floor); }

double Share(const SnapshotSignals& s, double fraction) {
  return fraction * static_cast<double>(s.files_total);
}

// How unusual the snapshot's suspect file count is: (x − median) / σ, σ ≥ 1 file and 0.05 %.
double SuspectZ(const SnapshotSignals& s, const History& h) {
  const double x = static_cast<double>(s.suspect_files);
  return (x - h.suspect_files.median) / Sigma(h.suspect_files, std::max(1.0, Share(s, 0.0005)));
}

// Encryption: many more suspect files than usual. Strong → infected, weak → suspicious.
int EncryptionScore(const SnapshotSignals& s, const History& h) {
  const double x = static_cast<double>(s.suspect_files);
  const double z = SuspectZ(s, h);
  if (x >= std::max(3.0, Share(s, 0.0025)) && z >= kStrongZ) {
    return 70 + static_cast<int>(std::min(29.0, 2 * (z - kStrongZ)));
  }
  if (x >= 2 && z >= kWeakZ) return std::min(69, 30 + static_cast<int>(5 * (z - kWeakZ)));
  return 0;
}

// Note directories beyond the system's usual (some systems have note-like names of their own).
double NoteExcess(const SnapshotSignals& s, const History& h) {
  return static_cast<double>(s.note_dirs) - h.note_dirs.median;
}

int NotesScore(const SnapshotSignals& s, const History& h) {
  const double excess = NoteExcess(s, h);
  if (excess >= 20) return 75;
  return excess >= 3 ? 40 : 0;
}

// The same new small text file in ≥ 20 directories and ≥ 5 % of them, with suspect files: an
// unknown family's note.
bool RepeatedNoteLikeName(const SnapshotSignals& s) {
  return s.repeated_name_dirs >= 20 && uint64_t{s.repeated_name_dirs} * 20 >= s.dirs_total &&
         s.suspect_files >= 1;
}

// The slow-attack window: this snapshot and the earlier ones of the last kSlowWindow whose
// suspect files exceeded the usual median by 2 σ or more, when together their excess is an
// attack: at least max(3, 0.25 %) files and 8 σ, over at least two snapshots (this one among
// them). `members` gets the earlier ones.
bool SlowAttackFound(const SnapshotSignals& s, const History& h,
                     std::vector<const History::Record*>* members, internal::SlowAttack* slow) {
  const double m = h.suspect_files.median;
  const double sigma = Sigma(h.suspect_files, std::max(1.0, Share(s, 0.0005)));
  const double least = kSlowMemberZ * sigma;  // ordinary churn above the median is no member
  double excess = static_cast<double>(s.suspect_files) - m;
  if (excess < least) return false;
  *slow = {s.suspect_files, 1, 0};
  const size_t first = h.records.size() > kSlowWindow ? h.records.size() - kSlowWindow : 0;
  for (size_t i = first; i < h.records.size(); ++i) {
    const History::Record& r = h.records[i];
    if (static_cast<double>(r.suspect_files) - m < least) continue;
    excess += static_cast<double>(r.suspect_files) - m;
    members->push_back(&r);
    slow->suspect_files += r.suspect_files;
    ++slow->backups;
  }
  if (members->empty()) return false;
  slow->since_ns = members->front()->time_ns;
  return excess >= std::max(3.0, Share(s, 0.0025)) && excess >= kStrongZ * sigma;
}

// Whether `gone` files of `gone_bytes` (deleted, or unreadable and deleted together) are a mass
// deletion: far more than renamed, usual or archived.
bool MassGone(const SnapshotSignals& s, const History& h, uint64_t gone, uint64_t gone_bytes) {
  const double usual = h.deletions.median + kStrongZ * Sigma(h.deletions, Share(s, 0.01));
  const double threshold =
      std::max({100.0, 0.3 * static_cast<double>(internal::ParentFiles(s)), usual});
  return static_cast<double>(gone) >= threshold && s.archives_added_bytes * 10 < gone_bytes;
}

// Mass deletion: far more files gone than renamed, usual or archived. Never infected alone.
bool MassDeletion(const SnapshotSignals& s, const History& h) {
  return s.has_parent && MassGone(s, h, internal::UnexplainedDeletions(s), s.bytes_deleted);
}

// Files the parent held that this backup could not read, far beyond the system's usual (σ ≥ 1
// file and 0.05 % of the parent's files; at least max(20, 0.25 %) files), or enough that with
// the deletions they are a mass deletion: hiding files from the backup is no better than
// deleting them. Never infected alone.
bool MassUnreadable(const SnapshotSignals& s, const History& h) {
  if (!s.has_parent || s.files_unreadable == 0) return false;
  const double parent_files = static_cast<double>(internal::ParentFiles(s));
  const double sigma = Sigma(h.unreadable, std::max(1.0, 0.0005 * parent_files));
  const double threshold =
      std::max({20.0, 0.0025 * parent_files, h.unreadable.median + kStrongZ * sigma});
  if (static_cast<double>(s.files_unreadable) >= threshold) return true;
  return MassGone(s, h, internal::UnexplainedDeletions(s) + s.files_unreadable,
                  s.bytes_deleted + s.bytes_unreadable);
}

std::vector<internal::Finding> Findings(const SnapshotSignals& s, const History& h,
                                        internal::SlowAttack* slow) {
  std::vector<internal::Finding> found;
  if (!s.canary_hits.empty()) found.push_back({Rule::kCanary, 100});
  if (NoteExcess(s, h) >= 2 && s.suspect_files >= 1) {
    found.push_back({Rule::kNotesWithEncryption, 90});
  } else if (const int notes = NotesScore(s, h); notes > 0) {
    found.push_back({Rule::kNotes, notes});
  }
  std::vector<const History::Record*> members;
  if (SlowAttackFound(s, h, &members, slow)) found.push_back({Rule::kSlowAttack, 75});
  if (const int encryption = EncryptionScore(s, h); encryption > 0) {
    found.push_back({Rule::kEncryption, encryption});
  }
  if (RepeatedNoteLikeName(s)) found.push_back({Rule::kRepeatedName, 60});
  if (MassUnreadable(s, h)) found.push_back({Rule::kUnreadable, 40});
  if (MassDeletion(s, h)) found.push_back({Rule::kMassDeletion, 35});
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.score > b.score; });
  return found;
}

Verdict::Level LevelOf(int score) {
  if (score >= kInfectedScore) return Verdict::Level::kInfected;
  return score >= kSuspiciousScore ? Verdict::Level::kSuspicious : Verdict::Level::kClean;
}

}  // namespace

namespace internal {

uint64_t UnexplainedDeletions(const SnapshotSignals& s) {
  return s.files_deleted > s.files_known_content ? s.files_deleted - s.files_known_content : 0;
}

uint64_t ParentFiles(const SnapshotSignals& s) {
  const uint64_t before_new = s.files_total + s.files_deleted + s.files_unreadable;
  return before_new > s.files_new ? before_new - s.files_new : 0;
}

}  // namespace internal

bool History::KnowsExtension(std::string_view extension) const {
  return records.empty() || extensions.contains(std::string(extension));
}

History HistoryOf(std::span<const PastSnapshot> snapshots) {
  std::vector<const PastSnapshot*> clean;
  for (const PastSnapshot& p : snapshots) {
    if (p.level == Verdict::Level::kClean) clean.push_back(&p);
  }
  if (clean.size() > kMaxHistory) clean.erase(clean.begin(), clean.end() - kMaxHistory);
  History history;
  std::vector<const SnapshotSignals*> signals;
  for (const PastSnapshot* p : clean) {
    history.records.push_back({p->id, p->time_ns, p->signals.suspect_files});
    signals.push_back(&p->signals);
    for (const auto& [extension, files] : p->signals.extensions)
      history.extensions.insert(extension);
  }
  history.suspect_files = UsualOf(signals, [](const auto& s) { return s.suspect_files; });
  history.note_dirs = UsualOf(signals, [](const auto& s) { return uint64_t{s.note_dirs}; });
  history.deletions = UsualOf(signals, internal::UnexplainedDeletions);
  history.unreadable = UsualOf(signals, [](const auto& s) { return s.files_unreadable; });
  return history;
}

Verdict Judge(const SnapshotSignals& signals, const History& history) {
  internal::SlowAttack slow;
  const std::vector<internal::Finding> findings = Findings(signals, history, &slow);
  Verdict verdict;
  verdict.score = findings.empty() ? 0 : std::min(100, findings.front().score);
  verdict.level = LevelOf(verdict.score);
  if (verdict.level != Verdict::Level::kClean) {
    verdict.reasons = internal::Reasons(signals, history, findings, slow);
  }
  return verdict;
}

std::vector<std::string> SlowAttackMembers(const History& history, const SnapshotSignals& signals) {
  std::vector<const History::Record*> members;
  internal::SlowAttack slow;
  std::vector<std::string> ids;
  if (!SlowAttackFound(signals, history, &members, &slow)) return ids;
  for (const History::Record* r : members) ids.push_back(r->id);
  return ids;
}

}  // namespace stormproof::detect
