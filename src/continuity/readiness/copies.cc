// 3-2-1-1-0 from evidence: which planned copies (backup repositories) of a system count, whether
// each counted copy was verified, and one reason per rule not met (the rules are in readiness.h,
// Rule32110, and docs/cli.md, "status").
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "continuity/analysis/backup_shape.h"
#include "continuity/readiness/internal/assess.h"

namespace stormproof::readiness {

const char* VerificationName(Verification v) {
  switch (v) {
    case Verification::kPassed:
      return "passed";
    case Verification::kStale:
      return "stale";
    case Verification::kFailed:
      return "failed";
    case Verification::kNever:
      break;
  }
  return "never";
}

namespace internal {
namespace {

constexpr int kNeededCopies = 3;  // as Rule32110::copies_ok()


// A verification that started on a day `every` (or less) before today is current.
bool Current(const catalog::Run& run, const Cadence& every, Date today) {
  return today <= UtcDateOf(run.started_ns).Add(every);
}

const catalog::Run* Newer(const std::optional<catalog::Run>& a,
                          const std::optional<catalog::Run>& b) {
  if (!a) return b ? &*b : nullptr;
  if (!b) return &*a;
  return b->started_ns > a->started_ns ? &*b : &*a;
}

// " reported by a host's evidence" after a verification `reported_by` someone
// (analysis::ReporterOf), "" after one this catalog recorded. Names no host: a client reads
// these reasons, and the host may be another client's.
std::string Reported(const std::string& reported_by) {
  return reported_by.empty() ? "" : " reported by a host's evidence";
}

const char* KindWord(const catalog::Run& run) {
  return run.kind == catalog::RunKind::kDrill ? "drill" : "check";
}

void JudgeRestorePoint(const CopyEvidence& e, const CopyRules& rules, int64_t now_ns,
                       CopyStatus* copy) {
  if (e.last_good_backup) copy->restore_point_ns = PointOf(*e.last_good_backup);
  if (e.last_good_drill && e.last_good_drill->snapshot_time_ns != 0 &&
      (!copy->restore_point_ns || e.last_good_drill->snapshot_time_ns > *copy->restore_point_ns)) {
    copy->restore_point_ns = e.last_good_drill->snapshot_time_ns;
    copy->point_from_drill = true;
  }
  copy->allowed_age = rules.rpo;
  if (!copy->restore_point_ns) return;
  copy->age = ElapsedSince(*copy->restore_point_ns, now_ns);
  copy->counted = !rules.rpo || *copy->age <= *rules.rpo;
}

void JudgeVerification(const CopyEvidence& e, const CopyRules& rules, Date today,
                       CopyStatus* copy) {
  const catalog::Run* pass = Newer(e.checks.last_read_check, e.last_good_drill);
  const catalog::Run* failure = Newer(e.checks.last_failed_check, e.last_failed_drill);
  if (pass != nullptr) {
    copy->verified_ns = pass->started_ns;
    copy->verified_by = KindWord(*pass);
    copy->verified_reported_by = analysis::ReporterOf(*pass);
  }
  if (failure != nullptr && (pass == nullptr || failure->started_ns > pass->started_ns)) {
    copy->verification = Verification::kFailed;
    copy->failed_ns = failure->started_ns;
    copy->failed_by = KindWord(*failure);
    copy->failed_reported_by = analysis::ReporterOf(*failure);
    return;
  }
  if (pass == nullptr) return;  // kNever
  Cadence drill_every = rules.drill_every.value_or(
      Cadence{static_cast<int>(kDefaultDrillEveryDays), Cadence::Unit::kDay});
  bool current =
      (e.checks.last_read_check && Current(*e.checks.last_read_check, rules.check_every, today)) ||
      (e.last_good_drill && Current(*e.last_good_drill, drill_every, today));
  copy->verification = current ? Verification::kPassed : Verification::kStale;
}

CopyStatus JudgeCopy(const analysis::BackupShape& shape, const CopyEvidence& e,
                     const CopyRules& rules, int64_t now_ns, Date today) {
  CopyStatus copy;
  copy.repository = e.repository->id;
  copy.medium = e.repository->medium;
  copy.offsite = analysis::IsOffsite(shape, *e.repository);
  copy.immutable_claimed = analysis::ClaimsImmutable(*e.repository);
  if (rules.immutability != nullptr) {
    auto verdict = rules.immutability->find(copy.repository);
    if (verdict != rules.immutability->end()) {
      copy.immutability = verdict->second.state;
      copy.immutability_text = verdict->second.text;
      copy.immutable_proven = verdict->second.state == analysis::ImmutabilityState::kProven;
      copy.immutable_attested = verdict->second.state == analysis::ImmutabilityState::kAttested;
    }
  }
  JudgeRestorePoint(e, rules, now_ns, &copy);
  JudgeVerification(e, rules, today, &copy);
  return copy;
}

// "copy nas: never written", "copy nas: newest backup 9d old (RPO 1d)"; "" when it counts.
std::string CopyReason(const CopyStatus& copy, const plan::RepositorySpec& repository) {
  if (copy.counted) return "";
  std::string name = "copy " + copy.repository + ": ";
  if (!copy.restore_point_ns) {
    if (repository.copy_from) {
      return name + "never proven: no copy from " + repository.copy_from->id + " recorded";
    }
    if (repository.kind == plan::RepositoryKind::kStormproof) return name + "never written";
    return name +
           "no restore point recorded (written by another program: only a drill from "
           "it proves one)";
  }
  return name + (copy.point_from_drill ? "newest restore point " : "newest backup ") +
         ShortDuration(*copy.age) + " old (RPO " + ShortDuration(*copy.allowed_age) + ")";
}

std::string Repositories(int n) {
  return std::to_string(n) + (n == 1 ? " backup repository" : " backup repositories");
}

std::string CopiesReason(const Rule32110& rule) {
  int repositories = rule.planned_copies - 1;
  if (rule.planned_copies < kNeededCopies) {
    return fmt::format("3 copies: only {} planned (production + {})", rule.planned_copies,
                       Repositories(repositories));
  }
  return fmt::format("3 copies: {} counted (production + {} of {})", rule.copies, rule.copies - 1,
                     Repositories(repositories));
}

std::string MediaReason(const Rule32110& rule) {
  if (rule.copies == 1) return "2 media: no copy counts, only production (disk)";
  return "2 media: every counted copy is on disk, like production";
}

// The first planned copy with `property` that does not count, or "".
template <typename Property>
std::string UncountedWith(const Rule32110& rule, Property property) {
  for (const CopyStatus& copy : rule.copy_status) {
    if (!copy.counted && property(copy)) return copy.repository;
  }
  return "";
}

std::string OffsiteReason(const Rule32110& rule) {
  std::string copy = UncountedWith(rule, [](const CopyStatus& c) { return c.offsite; });
  if (!copy.empty()) return "off-site: copy " + copy + " is off-site but does not count";
  return "off-site: no copy at a site where the system does not run";
}

std::string ImmutableReason(const Rule32110& rule) {
  for (const CopyStatus& copy : rule.copy_status) {
    if (!copy.counted || copy.immutability_text.empty() ||
        copy.immutability == analysis::ImmutabilityState::kNotClaimed) {
      continue;
    }
    return "immutable: copy " + copy.repository + " " + copy.immutability_text;
  }
  for (const CopyStatus& copy : rule.copy_status) {
    if (copy.counted && copy.immutable_claimed) {
      return "immutable: claimed (copy " + copy.repository + "), never proven";
    }
  }
  std::string copy = UncountedWith(rule, [](const CopyStatus& c) { return c.immutable_claimed; });
  if (!copy.empty()) return "immutable: claimed only by copy " + copy + ", which does not count";
  return "immutable: no copy is immutable or offline";
}

// One line per counted copy that is not verified: never, too long ago, or failed.
void ZeroErrorsReasons(const Rule32110& rule, const CopyRules& rules,
                       std::vector<std::string>* out) {
  if (rule.copies == 1) {
    out->push_back("0 errors: no copy counts, nothing verified");
    return;
  }
  std::string drill_every = rules.drill_every ? rules.drill_every->ToString() : "90d";
  for (const CopyStatus& copy : rule.copy_status) {
    if (!copy.counted) continue;
    std::string name = "0 errors: copy " + copy.repository;
    switch (copy.verification) {
      case Verification::kNever:
        out->push_back(name + " never verified");
        break;
      case Verification::kStale:
        out->push_back(fmt::format(
            "{} last verified {} by a {}{}, overdue (check every {}, drill every {})", name,
            UtcDateOf(*copy.verified_ns).ToString(), copy.verified_by,
            Reported(copy.verified_reported_by), rules.check_every.ToString(), drill_every));
        break;
      case Verification::kFailed:
        out->push_back(name + " " + copy.failed_by + " failed " +
                       UtcDateOf(*copy.failed_ns).ToString() + Reported(copy.failed_reported_by));
        break;
      case Verification::kPassed:
        break;
    }
  }
}

std::optional<bool> ZeroErrors(const Rule32110& rule) {
  if (rule.copies == 1) return std::nullopt;
  bool all_passed = true;
  for (const CopyStatus& copy : rule.copy_status) {
    if (!copy.counted) continue;
    if (copy.verification == Verification::kFailed) return false;
    all_passed = all_passed && copy.verification == Verification::kPassed;
  }
  return all_passed ? std::optional(true) : std::nullopt;
}

void AddReasons(const analysis::BackupShape& shape, const CopyRules& rules, Rule32110* rule) {
  std::vector<std::string>& out = rule->reasons;
  for (size_t i = 0; i < rule->copy_status.size(); ++i) {
    std::string line = CopyReason(rule->copy_status[i], *shape.repositories[i]);
    if (!line.empty()) out.push_back(std::move(line));
  }
  if (!rule->copies_ok()) out.push_back(CopiesReason(*rule));
  if (!rule->media_ok()) out.push_back(MediaReason(*rule));
  if (!rule->offsite) out.push_back(OffsiteReason(*rule));
  if (!rule->immutable_met()) out.push_back(ImmutableReason(*rule));
  if (rule->zero_errors != true) ZeroErrorsReasons(*rule, rules, &out);
}

}  // namespace

Rule32110 AssessRule32110(const analysis::BackupShape& shape, const Evidence& evidence,
                          const CopyRules& rules, int64_t now_ns, Date today) {
  Rule32110 rule;
  rule.planned_copies = 1 + static_cast<int>(shape.repositories.size());
  std::set<plan::Medium> media = {plan::Medium::kDisk};  // production
  for (size_t i = 0; i < shape.repositories.size(); ++i) {
    CopyEvidence none;
    none.repository = shape.repositories[i];
    const CopyEvidence& e = i < evidence.copies.size() ? evidence.copies[i] : none;
    CopyStatus copy = JudgeCopy(shape, e, rules, now_ns, today);
    if (copy.counted) {
      ++rule.copies;
      media.insert(copy.medium);
      rule.offsite = rule.offsite || copy.offsite;
      rule.immutable_claimed = rule.immutable_claimed || copy.immutable_claimed;
      rule.immutable_proven = rule.immutable_proven || copy.immutable_proven;
      rule.immutable_attested = rule.immutable_attested || copy.immutable_attested;
    }
    rule.copy_status.push_back(std::move(copy));
  }
  rule.media = static_cast<int>(media.size());
  rule.zero_errors = ZeroErrors(rule);
  AddReasons(shape, rules, &rule);
  return rule;
}

}  // namespace internal
}  // namespace stormproof::readiness
