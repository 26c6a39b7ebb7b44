// stormproof check --immutability (check_immutability.h).
#include "apps/stormproof/check_immutability.h"

#include <fmt/format.h>

#include <filesystem>
#include <optional>

#include "apps/stormproof/host_evidence.h"
#include "apps/stormproof/repo_access.h"
#include "continuity/analysis/evidence_rules.h"
#include "continuity/catalog/catalog.h"
#include "continuity/readiness/readiness.h"
#include "continuity/runner/immutability.h"
#include "core/text.h"
#include "core/time.h"
#include "engine/s3/immutability.h"
#include "engine/storage/storage.h"

namespace stormproof::cli {
namespace {

using s3::ImmutabilityAttempt;
using s3::ImmutabilityReport;

// Where the proof is recorded: the plan's catalog, under the plan repository at --repo (its id)
// or else the location.
struct RecordTarget {
  std::string catalog;  // "" = not recorded (no plan)
  std::string repository;
  // The plan repository at the location, whose object_lock the proof expects at least; none
  // when the plan names none (or does not load).
  std::optional<plan::RepositorySpec> spec = {};
  // How long the proof counts (the plan's run.check_every); none without a plan.
  std::optional<Cadence> check_every = {};
};

// The plan at --plan (default plan.yaml) when there is one: its catalog records the proof.
RecordTarget FindRecordTarget(const Context& context, const s3::Location& location) {
  RecordTarget target{"", location.ToString()};
  std::error_code ec;
  if (!std::filesystem::exists(context.plan_path, ec)) return target;
  auto usable = LoadUsablePlan(context);
  if (!usable) {
    PrintError("warning: the proof is not recorded: the plan " + context.plan_path +
               " does not load (run `stormproof plan check`)");
    return target;
  }
  target.catalog = usable->plan().run.catalog;
  target.check_every = usable->plan().run.check_every;
  for (const plan::RepositorySpec& spec : usable->plan().repositories) {
    auto parsed = storage::ParseLocation(spec.location);
    if (parsed && parsed->kind == storage::LocationKind::kS3 &&
        parsed->s3.ToString() == location.ToString()) {
      target.repository = spec.id;
      target.spec = spec;
    }
  }
  return target;
}

catalog::ImmutabilityProof ProofRecord(const RecordTarget& target, const std::string& location,
                                       const std::string& credentials) {
  catalog::ImmutabilityProof proof;
  proof.repository = target.repository;
  proof.location = location;
  proof.credentials = credentials;
  proof.host = HostOrThisOne("");
  proof.record_id = catalog::NewRecordId();
  return proof;
}

// Why `status` will not count `proof` (analysis::WhyProofDoesNotCount against the plan
// repository's backup hosts' credentials); "" when it counts or names no plan repository.
std::string WhyNotCounted(const RecordTarget& target, const catalog::ImmutabilityProof& proof) {
  if (!target.spec || target.catalog.empty()) return "";
  return analysis::WhyProofDoesNotCount(proof, readiness::ProofOwnerOf(*target.spec));
}

// Records `proof` in the target's catalog; returns where ("" when not recorded), warning on
// stderr when it cannot.
std::string Record(const RecordTarget& target, const catalog::ImmutabilityProof& proof) {
  if (target.catalog.empty()) return "";
  auto opened = catalog::Catalog::Open(target.catalog);
  Result<int64_t> added =
      opened ? (*opened)->AddImmutabilityProof(proof) : Result<int64_t>(opened.error());
  if (!added) {
    PrintError("warning: the proof is not recorded: " + added.error().message());
    return "";
  }
  return target.catalog;
}

nlohmann::json AttemptsJson(const ImmutabilityReport& report) {
  nlohmann::json attempts = nlohmann::json::array();
  for (const ImmutabilityAttempt& a : report.attempts) {
    attempts.push_back({{"attempt", a.name},
                        {"verdict", s3::AttemptVerdictWord(a.verdict)},
                        {"answer", a.answer},
                        {"allowed", a.allowed}});
  }
  return attempts;
}

void PrintJsonReport(const catalog::ImmutabilityProof& proof, const ImmutabilityReport* report,
                     const std::string& recorded_in, const std::string& not_counted) {
  nlohmann::json json = {
      {"message_type", "immutability"},
      {"repository", proof.repository},
      {"location", proof.location},
      {"credentials", proof.credentials},
      {"access_key_id", proof.access_key_id},
      {"retention", proof.retention_days == 0
                        ? nlohmann::json(nullptr)
                        : nlohmann::json::object({{"mode", proof.retention_mode},
                                                  {"days", proof.retention_days}})},
      {"proven", proof.outcome == catalog::Outcome::kOk},
      {"verdict", proof.outcome == catalog::Outcome::kOk ? "immutability proven"
                                                         : "NOT immutable"},
      {"allowed", proof.allowed},
      {"recorded_in", recorded_in.empty() ? nlohmann::json(nullptr) : nlohmann::json(recorded_in)},
      {"not_counted", not_counted.empty() ? nlohmann::json(nullptr) : nlohmann::json(not_counted)}};
  if (report != nullptr) {
    json["canary"] = report->canary;
    json["attempts"] = AttemptsJson(*report);
    json["sample"] = {{"snapshots", report->sample.snapshots}, {"index", report->sample.index},
                      {"packs", report->sample.packs},         {"keys", report->sample.keys},
                      {"config", report->sample.config},
                      {"evidence", report->sample.evidence},   {"total", report->sample.total()}};
    json["earliest_retain_until"] =
        proof.earliest_retain_until_ns == 0 ? nlohmann::json(nullptr)
                                            : nlohmann::json(FormatRfc3339(
                                                  proof.earliest_retain_until_ns));
    json["notes"] = report->notes;
    json["started"] = FormatRfc3339(report->started_ns);
    json["finished"] = FormatRfc3339(report->finished_ns);
    json["duration_ms"] = (report->finished_ns - report->started_ns) / kNsPerMillisecond;
  }
  PrintJson(json);
}

void PrintAttempts(const ImmutabilityReport& report) {
  size_t width = 0;
  for (const ImmutabilityAttempt& a : report.attempts) width = std::max(width, a.name.size());
  for (const ImmutabilityAttempt& a : report.attempts) {
    std::string why = a.verdict == ImmutabilityAttempt::Verdict::kAllowed ? "" : a.answer;
    fmt::print("  {:<{}}  {}{}\n", a.name, width, s3::AttemptVerdictWord(a.verdict),
               why.empty() ? "" : " (" + EscapeControls(why) + ")");
  }
  const s3::RetentionSample& s = report.sample;
  fmt::print("retention read of {} objects: {} snapshots, {} index files, {} packs, {} keys, "
             "{} config, {} evidence files\n",
             s.total(), s.snapshots, s.index, s.packs, s.keys, s.config, s.evidence);
  for (const std::string& note : report.notes) fmt::print("note: {}\n", EscapeControls(note));
}

void PrintTextReport(const catalog::ImmutabilityProof& proof, const ImmutabilityReport* report,
                     const std::string& recorded_in, const std::string& not_counted) {
  fmt::print("immutability of {} with the credentials of {} (access key {})\n", proof.location,
             proof.credentials, proof.access_key_id);
  if (report != nullptr) {
    fmt::print("Object Lock: {} mode, {} days; canary {}\n", proof.retention_mode,
               proof.retention_days, report->canary);
    PrintAttempts(*report);
    fmt::print("took {:.1f} s\n",
               static_cast<double>(report->finished_ns - report->started_ns) / kNsPerSecond);
  }
  if (proof.outcome == catalog::Outcome::kOk) {
    fmt::print("immutability proven: every attempt was refused and every object sampled is "
               "retained as the repository promises\n");
    if (proof.earliest_retain_until_ns != 0) {
      fmt::print("it counts before {} only: the earliest retention sampled ends that day\n",
                 UtcDateOf(proof.earliest_retain_until_ns).ToString());
    }
  } else {
    for (size_t i = 0; report != nullptr && i < proof.allowed.size(); ++i) {
      fmt::print("allowed: {}\n", EscapeControls(proof.allowed[i]));
    }
    fmt::print("NOT immutable: {}\n", EscapeControls(proof.allowed.front()));
  }
  if (recorded_in.empty()) {
    fmt::print("not recorded: no plan's catalog (--plan names the plan whose catalog records "
               "it)\n");
  } else {
    fmt::print("recorded in {}\n", recorded_in);
  }
  if (!not_counted.empty()) {
    fmt::print("not counted by status: {}\n", EscapeControls(not_counted));
  }
}

Outcome Finish(const Context& context, const RecordTarget& target,
               const catalog::ImmutabilityProof& proof, const ImmutabilityReport* report) {
  std::string recorded_in = Record(target, proof);
  const std::string not_counted = recorded_in.empty() ? "" : WhyNotCounted(target, proof);
  if (context.json) {
    PrintJsonReport(proof, report, recorded_in, not_counted);
  } else {
    PrintTextReport(proof, report, recorded_in, not_counted);
  }
  return proof.outcome == catalog::Outcome::kOk ? Outcome::Ok() : Outcome::Problems();
}

// The proof could not run: one line, recorded as such (it proves nothing either way).
Outcome CouldNotRun(const RecordTarget& target, catalog::ImmutabilityProof proof,
                    const Error& error) {
  runner::SetCouldNotRun(error, SystemNowNs(), &proof);
  (void)Record(target, proof);
  return ReportEngineError(error.WithContext("cannot prove immutability"));
}

Result<s3::Location> S3LocationOrReport(const Context& context, Outcome* failure) {
  auto parsed = storage::ParseLocation(context.repo);
  if (parsed && parsed->kind == storage::LocationKind::kLocal) {
    PrintError("cannot be proven: a local directory (" + parsed->path +
               ") has no Object Lock; keep an immutable copy in object storage (`stormproof "
               "init --object-lock`), or record offline media with `stormproof attest`");
    *failure = Outcome::Failed();
    return Error::InvalidArgument("local");
  }
  if (!parsed) {
    *failure = ReportEngineError(parsed.error());
    return parsed.error();
  }
  return parsed->s3;
}

}  // namespace

Outcome RunImmutabilityCheck(Context* context) {
  Outcome failed;
  if (context->repo.empty()) {
    PrintError("no repository: use --repo or STORMPROOF_REPOSITORY");
    return Outcome::Usage();
  }
  auto location = S3LocationOrReport(*context, &failed);
  if (!location) return failed;
  RecordTarget target = FindRecordTarget(*context, *location);
  std::string source;
  auto options = storage::S3OptionsFor(*location, StorageOptionsOf(*context), &source);
  if (!options) return ReportEngineError(options.error());
  catalog::ImmutabilityProof proof = ProofRecord(target, location->ToString(), source);
  proof.access_key_id = options->credentials.access_key_id;
  proof.started_ns = SystemNowNs();
  context->no_cache = true;  // the proof reads the config only, from the storage itself
  auto repo =
      OpenRepositoryOrReport(*context, &failed, repository::Repository::IndexLoad::kUnderFirstLock);
  if (!repo) return failed;
  std::optional<backend::Retention> retention = repo->retention();
  if (!retention) {
    runner::SetNoObjectLock(SystemNowNs(), &proof);
    return Finish(*context, target, proof, nullptr);
  }
  proof.retention_mode = backend::RetentionModeWord(retention->mode);
  proof.retention_days = retention->days;
  const plan::RepositorySpec* spec = target.spec ? &*target.spec : nullptr;
  auto report = s3::ProveImmutability(std::move(options).value(),
                                      runner::ProofInputs(*repo, spec, target.check_every));
  if (!report) return CouldNotRun(target, proof, report.error());
  runner::SetVerdict(*report, &proof);
  return Finish(*context, target, proof, &*report);
}

}  // namespace stormproof::cli
