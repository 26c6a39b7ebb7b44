// The newest clean restore point of a system and its clean RPO (issue 16), from the catalog:
// the verdicts and marks backup runs recorded and the newest forget run's view of the marks
// (docs/catalog.md, "Verdicts and marks"). The rule itself is detect::NewestClean's.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "continuity/readiness/internal/assess.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::readiness {

const char* CleanStateName(CleanState state) {
  switch (state) {
    case CleanState::kNeverJudged:
      return "never judged";
    case CleanState::kNoneFlagged:
      return "none flagged";
    case CleanState::kFlagged:
      return "flagged";
    case CleanState::kNoCleanPoint:
      return "no clean point";
    case CleanState::kNoEvidence:
      break;
  }
  return "no evidence";
}

namespace internal {
namespace {

using nlohmann::json;
using repository::Verdict;

// Rows more than the window fetched, to make up for backups still running at the moment.
constexpr size_t kSpareRows = 8;
// Forget runs looked through for the newest that recorded the marks.
constexpr size_t kForgetsScanned = 16;

// A run's details as an object (empty when absent or not JSON: evidence may be hostile).
json DetailsOf(const catalog::Run& run) {
  json details = json::parse(run.details, nullptr, false);
  return details.is_object() ? details : json::object();
}

std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<Verdict::Level> LevelIn(const json& j) {
  return repository::LevelNamed(Text(j, "level"));
}

const json& ArrayIn(const json& j, const char* key) {
  static const json kEmpty = json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : kEmpty;
}

// A verdict given to a snapshot after its backup: by a later backup (a slow attack's earlier
// step) or as the newest forget saw the marks.
struct LaterVerdict {
  Verdict::Level level = Verdict::Level::kClean;
  std::string reason;
  int64_t detected_ns = 0;  // when the run that recorded it finished
};

// What one repository's marks say, as the catalog saw them.
struct RecordedMarks {
  std::map<std::string, LaterVerdict> later;  // snapshot id -> the worst later verdict
  std::set<std::string> false_alarms;
  std::set<std::string> resolutions;  // snapshots a person vouched for after an attack
  std::vector<StandingHold> holds;
};

void Raise(const std::string& snapshot, Verdict::Level level, std::string reason,
           int64_t detected_ns, RecordedMarks* marks) {
  auto [it, added] = marks->later.try_emplace(snapshot);
  if (!added && it->second.level >= level) return;
  it->second = {level, std::move(reason), detected_ns};
}

void AddHold(StandingHold hold, RecordedMarks* marks) {
  if (hold.snapshot_id.empty()) return;
  for (const StandingHold& h : marks->holds) {
    if (h.snapshot_id == hold.snapshot_id) return;
  }
  marks->holds.push_back(std::move(hold));
}

// The newest forget's view (standing holds, false alarms, later verdicts), then what backups
// recorded: their verdict marks, and the holds they placed since that forget started (older
// ones are in its view, or were released).
RecordedMarks MarksOf(const CleanEvidence& e) {
  RecordedMarks marks;
  int64_t forget_started = INT64_MIN;
  if (e.last_forget) {
    forget_started = e.last_forget->started_ns;
    json details = DetailsOf(*e.last_forget);
    const json& seen = details.contains("marks") && details["marks"].is_object() ? details["marks"]
                                                                                 : json::object();
    for (const json& hold : ArrayIn(seen, "holds")) {
      if (!hold.is_object()) continue;
      auto time = hold.find("snapshot_time_ns");
      AddHold({Text(hold, "snapshot"),
               time != hold.end() && time->is_number_integer() ? time->get<int64_t>() : 0,
               e.repository, Text(hold, "reason"), Text(hold, "because").empty()},
              &marks);
    }
    for (const json& id : ArrayIn(seen, "false_alarms")) {
      if (id.is_string()) marks.false_alarms.insert(id.get<std::string>());
    }
    for (const json& id : ArrayIn(seen, "resolutions")) {
      if (id.is_string()) marks.resolutions.insert(id.get<std::string>());
    }
    for (const json& v : ArrayIn(seen, "later_verdicts")) {
      if (!v.is_object()) continue;
      if (auto level = LevelIn(v)) {
        Raise(Text(v, "snapshot"), *level, Text(v, "reason"), e.last_forget->finished_ns, &marks);
      }
    }
  }
  for (const catalog::Run& run : e.backups) {
    json details = DetailsOf(run);
    for (const json& mark : ArrayIn(details, "marks")) {
      if (!mark.is_object()) continue;
      std::string kind = Text(mark, "kind");
      if (kind == "verdict") {
        if (auto level = LevelIn(mark)) {
          Raise(Text(mark, "snapshot"), *level, Text(mark, "reason"), run.finished_ns, &marks);
        }
      } else if (kind == "hold" && run.started_ns >= forget_started) {
        AddHold({Text(mark, "snapshot"), 0, e.repository, Text(mark, "reason"), false}, &marks);
      }
    }
  }
  return marks;
}

// One snapshot on the system's time line.
struct Entry {
  detect::JudgedSnapshot judged;
  size_t repository = 0;                // index in the evidence
  const catalog::Run* run = nullptr;    // the backup that wrote it
  const LaterVerdict* later = nullptr;  // the later verdict that raised it, when one did
};

// Whether `a` says worse of its snapshot than `b`: a higher level (never judged is lowest), or
// the same flag not accepted as a false alarm.
bool Worse(const detect::JudgedSnapshot& a, const detect::JudgedSnapshot& b) {
  if (a.level != b.level) return !b.level || (a.level && *a.level > *b.level);
  return !a.accepted && b.accepted;
}

// The snapshots of one repository's backups as the rule sees them.
// A snapshot several runs recorded (evidence imported from hosts, any of which could forge a
// record) keeps the worst verdict any of them gives it.
void AddEntries(const CleanEvidence& e, size_t index, const RecordedMarks& marks,
                std::vector<Entry>* out) {
  std::map<std::string, size_t> seen;  // snapshot id -> its entry in *out
  for (const catalog::Run& run : e.backups) {
    if (run.snapshot_id.empty()) continue;
    Entry entry;
    entry.judged.id = run.snapshot_id;
    entry.judged.time_ns = PointOf(run);
    json details = DetailsOf(run);
    if (details.contains("verdict") && details["verdict"].is_object()) {
      entry.judged.level = LevelIn(details["verdict"]);
    }
    if (auto it = marks.later.find(run.snapshot_id); it != marks.later.end()) {
      const std::optional<Verdict::Level>& level = entry.judged.level;
      if (!level || it->second.level > *level) {
        entry.judged.level = it->second.level;
        entry.later = &it->second;
      }
    }
    entry.judged.accepted = entry.judged.level && *entry.judged.level != Verdict::Level::kClean &&
                            marks.false_alarms.contains(run.snapshot_id);
    entry.repository = index;
    entry.run = &run;
    auto [it, added] = seen.try_emplace(run.snapshot_id, out->size());
    if (added) {
      out->push_back(std::move(entry));
    } else if (Worse(entry.judged, (*out)[it->second].judged)) {
      (*out)[it->second] = std::move(entry);
    }
  }
}

// The flagged snapshot `entry` as people read it: the backup's score and reasons, or the later
// verdict's reason.
FlaggedSnapshot Describe(const Entry& entry, const std::vector<CleanEvidence>& evidence) {
  FlaggedSnapshot flagged;
  flagged.snapshot_id = entry.judged.id;
  flagged.time_ns = entry.judged.time_ns;
  flagged.repository = evidence[entry.repository].repository;
  flagged.level = std::string(repository::LevelName(*entry.judged.level));
  if (entry.later != nullptr) {
    flagged.reasons = {entry.later->reason};
    flagged.detected_ns = entry.later->detected_ns;
    return flagged;
  }
  json verdict = DetailsOf(*entry.run)["verdict"];
  auto score = verdict.find("score");
  if (score != verdict.end() && score->is_number_integer()) flagged.score = score->get<int>();
  for (const json& reason : ArrayIn(verdict, "reasons")) {
    if (reason.is_string()) flagged.reasons.push_back(reason.get<std::string>());
  }
  flagged.detected_ns = entry.run->finished_ns;
  return flagged;
}

void SetPoint(const Entry& entry, const std::vector<CleanEvidence>& evidence,
              CleanPointStatus* status) {
  status->snapshot_id = entry.judged.id;
  status->point_ns = entry.judged.time_ns;
  status->repository = evidence[entry.repository].repository;
  for (const StandingHold& hold : status->holds) {
    if (hold.snapshot_id == status->snapshot_id && hold.repository == status->repository) {
      status->held = true;
    }
  }
}

// Dates the holds a backup's marks named (their snapshots' times from the time line) and sorts
// them newest snapshot first.
void SortHolds(const std::vector<Entry>& entries, const std::vector<CleanEvidence>& evidence,
               std::vector<StandingHold>* holds) {
  for (StandingHold& hold : *holds) {
    for (const Entry& entry : entries) {
      if (hold.snapshot_time_ns == 0 && entry.judged.id == hold.snapshot_id &&
          evidence[entry.repository].repository == hold.repository) {
        hold.snapshot_time_ns = entry.judged.time_ns;
      }
    }
  }
  std::stable_sort(holds->begin(), holds->end(), [](const StandingHold& a, const StandingHold& b) {
    return a.snapshot_time_ns > b.snapshot_time_ns;
  });
}

// The newest backup's failure to save its marks that no later forget made good (a forget that
// recorded the marks placed the holds the flag asked for); "" when none.
std::string NewestMarksFailure(const std::vector<CleanEvidence>& evidence) {
  int64_t newest = INT64_MIN;
  std::string failure;
  for (const CleanEvidence& e : evidence) {
    const int64_t made_good = e.last_forget ? e.last_forget->started_ns : INT64_MIN;
    for (const catalog::Run& run : e.backups) {
      std::string text = Text(DetailsOf(run), "marks_failed");
      if (!text.empty() && run.started_ns > made_good && run.started_ns > newest) {
        newest = run.started_ns;
        failure = std::move(text);
      }
    }
  }
  return failure;
}

}  // namespace

// The snapshots of every repository go on one time line before NewestClean decides: what a
// technician needs at 3 a.m. is one answer per system — the newest point that predates the
// attack wherever it was first flagged. Taking each repository's own point and then the newest
// of them would be wrong: a repository whose backups were judged without a baseline (or not
// judged) could offer an encrypted snapshot taken after another repository flagged the attack.
CleanPointStatus AssessCleanPoint(const std::vector<CleanEvidence>& repositories,
                                  std::optional<Duration> rpo, int64_t now_ns) {
  CleanPointStatus status;
  status.target = rpo;
  std::vector<RecordedMarks> marks;
  std::vector<Entry> entries;
  for (size_t i = 0; i < repositories.size(); ++i) {
    marks.push_back(MarksOf(repositories[i]));
    for (const StandingHold& hold : marks.back().holds) status.holds.push_back(hold);
  }
  for (size_t i = 0; i < repositories.size(); ++i) {
    AddEntries(repositories[i], i, marks[i], &entries);
  }
  // By time, ties by id (repository::OlderThan's order, which holds and retention use).
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.judged.time_ns, a.judged.id) < std::tie(b.judged.time_ns, b.judged.id);
  });
  SortHolds(entries, repositories, &status.holds);
  status.marks_failed = NewestMarksFailure(repositories);
  status.backups = entries.size();
  // A person's resolution lets the flagged snapshots before it go (detect::ApplyResolutions),
  // in the repository it was written to only: lowering protection is decided per repository,
  // so a resolution in a weakly protected local repository frees no flag of the offsite one.
  for (size_t r = 0; r < repositories.size(); ++r) {
    std::vector<size_t> own;
    std::vector<detect::JudgedSnapshot> sub;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].repository != r) continue;
      own.push_back(i);
      sub.push_back(entries[i].judged);
    }
    detect::ApplyResolutions(sub, marks[r].resolutions);
    for (size_t k = 0; k < own.size(); ++k) entries[own[k]].judged = sub[k];
  }
  std::vector<detect::JudgedSnapshot> line;
  for (const Entry& entry : entries) {
    line.push_back(entry.judged);
    status.judged += entry.judged.level ? 1 : 0;
  }
  if (entries.empty()) return status;
  if (status.judged == 0) {
    status.state = CleanState::kNeverJudged;
    SetPoint(entries.back(), repositories, &status);
    status.reason = "no backup was judged (taken without ransomware detection)";
    return status;
  }
  for (const Entry& entry : entries) {
    if (!entry.judged.flagged()) continue;
    if (status.flagged_count++ == 0) status.flagged = Describe(entry, repositories);
  }
  Result<detect::CleanPoint> point = detect::NewestClean(line);
  if (!point) {
    status.state = CleanState::kNoCleanPoint;
    status.reason = point.error().message();
    status.breached = true;
    return status;
  }
  status.state = point->flagged ? CleanState::kFlagged : CleanState::kNoneFlagged;
  SetPoint(entries[point->index], repositories, &status);
  status.reason = detect::DescribeCleanPoint(line, *point);
  status.age = ElapsedSince(*status.point_ns, now_ns);
  status.breached = point->flagged && rpo && *status.age > *rpo;
  return status;
}

// The newest forget of `system` in `repository` finished by `now_ns` that recorded the marks:
// one this catalog ran, or one imported from the system's own host (`host`, the plan's; none
// when the plan names none). A forget's view may lower a flag (false alarms), and any backup
// host can write evidence: another host's word on this system is not taken.
Result<std::optional<catalog::Run>> LastForgetWithMarks(const catalog::Catalog& catalog,
                                                        const std::string& system,
                                                        const std::string& repository,
                                                        const std::string& host,
                                                        int64_t now_ns) {
  catalog::RunQuery query;
  query.kind = catalog::RunKind::kForget;
  query.system = system;
  query.repository = repository;
  query.until_ns = now_ns == INT64_MAX ? now_ns : now_ns + 1;
  query.limit = kForgetsScanned;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> forgets, catalog.Runs(query));
  for (catalog::Run& run : forgets) {
    json details = DetailsOf(run);
    const bool trusted = run.imported_from.empty() || (!host.empty() && run.host == host);
    if (trusted && FinishedBy(run, now_ns) && details.contains("marks") &&
        details["marks"].is_object()) {
      return std::optional(std::move(run));
    }
  }
  return std::optional<catalog::Run>();
}

Result<std::vector<CleanEvidence>> GatherCleanEvidence(
    const catalog::Catalog& catalog, const std::string& system, const std::string& host,
    const std::vector<const plan::RepositorySpec*>& repositories, int64_t now_ns) {
  std::vector<CleanEvidence> out;
  for (const plan::RepositorySpec* repository : repositories) {
    out.push_back({repository->id, {}, std::nullopt});
  }
  // Every backup of the system counts, as for the ordinary RPO: also one into a repository the
  // plan no longer names.
  catalog::RunQuery query;
  query.kind = catalog::RunKind::kBackup;
  query.system = system;
  query.outcomes = {catalog::Outcome::kOk, catalog::Outcome::kWarning};
  query.until_ns = now_ns == INT64_MAX ? now_ns : now_ns + 1;
  query.limit = kCleanPointWindow + kSpareRows;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> backups, catalog.Runs(query));
  size_t kept = 0;
  for (catalog::Run& run : backups) {
    if (!FinishedBy(run, now_ns) || kept == kCleanPointWindow) continue;
    ++kept;
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const CleanEvidence& e) { return e.repository == run.repository; });
    if (it == out.end()) it = out.insert(out.end(), {run.repository, {}, std::nullopt});
    it->backups.push_back(std::move(run));
  }
  for (CleanEvidence& e : out) {
    if (e.backups.empty()) continue;
    STORMPROOF_ASSIGN_OR_RETURN(e.last_forget,
                                LastForgetWithMarks(catalog, system, e.repository, host, now_ns));
  }
  return out;
}

}  // namespace internal

std::string RestoreFromText(const CleanPointStatus& clean) {
  auto point = [&] {
    return "snapshot " + clean.snapshot_id.substr(0, 8) + " (" + FormatUtc(*clean.point_ns) +
           ") in " + clean.repository;
  };
  std::string text;
  switch (clean.state) {
    case CleanState::kNoEvidence:
      return "unknown: no backup recorded";
    case CleanState::kNeverJudged:
      text = "latest " + point() + ", never judged (taken without detection)";
      break;
    case CleanState::kNoneFlagged:
      text = "latest " + point() + ", none flagged";
      break;
    case CleanState::kFlagged: {
      const FlaggedSnapshot& f = *clean.flagged;
      text = point() + ", the newest clean point; " + f.level + " snapshot " +
             f.snapshot_id.substr(0, 8) + " (" + FormatUtc(f.time_ns) + ") after it";
      break;
    }
    case CleanState::kNoCleanPoint:
      text = "NO CLEAN RESTORE POINT: " + clean.reason;
      break;
  }
  return EscapeControls(text);
}

Result<CleanPointStatus> CleanPointOf(const plan::Plan& plan, const catalog::Catalog& catalog,
                                      const plan::System& system, int64_t now_ns) {
  STORMPROOF_ASSIGN_OR_RETURN(
      std::vector<internal::CleanEvidence> evidence,
      internal::GatherCleanEvidence(catalog, system.id, system.host,
                                    plan::SystemRepositories(plan, system), now_ns));
  return internal::AssessCleanPoint(evidence, plan::ObjectivesOf(plan, system).rpo, now_ns);
}

}  // namespace stormproof::readiness
