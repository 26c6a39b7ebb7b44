// The copy job: a system's snapshots that its copy (plan copy_from) lacks, from the source
// repository, with the engine's copier. What it records is the evidence that the copy holds the
// system's data: the newest copy there after the copy that this copy wrote or proved (its
// time is its source's), never one dated in the future; and which copies it wrote
// (kCopiesWrittenKey), what `run`'s forget counts as made here.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "continuity/runner/facts.h"
#include "continuity/runner/internal/jobs.h"
#include "engine/copier/copier.h"

namespace stormproof::runner::internal {
namespace {

using repository::Snapshot;

// The system's snapshots in `copy` that are copies of snapshots of `source` (`in_source`, the
// system's there), oldest first: not those whose source snapshot disagrees with them
// (copier::IsCopyOf: repaired in the copy, or a false claim); those whose source snapshot is
// gone (forgotten there) count.
std::vector<Snapshot> CopiedFrom(const std::vector<Snapshot>& in_copy,
                                 const repository::Id& source,
                                 const std::vector<Snapshot>& in_source) {
  std::vector<Snapshot> out;
  for (const Snapshot& s : in_copy) {
    if (!s.copied_from || s.copied_from->repository != source) continue;
    auto original = std::find_if(in_source.begin(), in_source.end(), [&](const Snapshot& o) {
      return o.id == s.copied_from->snapshot;
    });
    if (original == in_source.end() || copier::IsCopyOf(s, *original)) out.push_back(s);
  }
  return out;
}

// What to copy: every snapshot of the system in the source (of its host, when it names one),
// oldest first — whatever their times, so that a snapshot dated in the future stops nothing, and
// one that failed to copy is tried again on the next run. Those the destination holds a copy of
// are among them: only the copier proves a claimant's content (copier.h, "What counts as a
// copy"), so a snapshot planted there with a genuine copied_from does not hold back the real
// copy. (The copy's retention is the system's tier's, as in the source, so it keeps the same
// snapshots and nothing is copied back in.)
std::vector<repository::Id> ToCopy(const plan::System& system,
                                   const std::vector<Snapshot>& source) {
  std::vector<const Snapshot*> wanted;
  for (const Snapshot& s : source) {
    if (!system.host.empty() && s.hostname != system.host) continue;
    wanted.push_back(&s);
  }
  std::stable_sort(wanted.begin(), wanted.end(),
                   [](const Snapshot* a, const Snapshot* b) { return a->time_ns < b->time_ns; });
  std::vector<repository::Id> ids;
  for (const Snapshot* s : wanted) ids.push_back(s->id);
  return ids;
}

// Fills the run from the copier's summary and the newest copy of the system now in the copy;
// names the source snapshots dated in the future (`future`).
void Finish(const JobContext& context, const Action& action, const copier::CopySummary& summary,
            const std::optional<Snapshot>& newest, const std::vector<Snapshot>& future,
            ActionResult* result) {
  catalog::Run& run = result->run;
  run.finished_ns = context.clock.now_ns();
  size_t copied = std::count_if(summary.snapshots.begin(), summary.snapshots.end(),
                                [](const copier::CopiedSnapshot& s) { return !s.already_copied; });
  run.files = copied;
  run.bytes = summary.bytes_written;
  if (newest) {
    run.snapshot_id = newest->id.Hex();
    run.snapshot_time_ns = newest->time_ns;
  }
  // What this run wrote, so that `run`'s forget knows the copies this machine made
  // (OwnSnapshots); a copy already there is not listed: nothing here says who wrote it.
  nlohmann::json written = nlohmann::json::array();
  for (const copier::CopiedSnapshot& s : summary.snapshots) {
    if (!s.already_copied) {
      written.push_back({{"source", s.source.Hex()}, {"copy", s.destination.Hex()}});
    }
  }
  run.details = nlohmann::json{{"from", action.source},
                               {"snapshots_copied", copied},
                               {"already_copied", summary.snapshots.size() - copied},
                               {"bytes_read", summary.bytes_read},
                               {"bytes_written", summary.bytes_written},
                               {"blobs_mapped", summary.blobs_mapped},
                               {"unproven_claims", summary.unproven_claims.size()},
                               {"data_blobs_written", summary.data_blobs_written},
                               {"tree_blobs_written", summary.tree_blobs_written},
                               {kCopiesWrittenKey, std::move(written)}}
                    .dump();
  result->summary =
      fmt::format("copied {} snapshot(s) from {}, read {}, wrote {}", copied, action.source,
                  HumanBytes(summary.bytes_read), HumanBytes(summary.bytes_written));
  if (newest) result->summary += ", newest snapshot " + newest->id.ShortHex();
  if (!summary.unproven_claims.empty()) {
    result->summary += fmt::format(
        "; {} snapshot(s) in {} claim to be the copy of a snapshot of {} without holding its "
        "content, the first {}: not counted as copies (the snapshots were copied again); "
        "written by someone holding the copy's password",
        summary.unproven_claims.size(), action.repository, action.source,
        summary.unproven_claims.front().ShortHex());
  }
  for (const Snapshot& s : future) {
    result->summary += fmt::format(
        "; snapshot {} in {} is dated in the future ({}): its host's clock was ahead, or it was "
        "not written by a backup; it is not counted as the newest copy",
        s.id.ShortHex(), action.source, UtcDateOf(s.time_ns).ToString());
  }
  if (!summary.failed.empty()) {
    // A partial failure: what was copied is recorded, the action fails with every reason.
    run.outcome = catalog::Outcome::kFailed;
    run.error = fmt::format("{} snapshot(s) could not be copied from {}:", summary.failed.size(),
                            action.source);
    for (const copier::FailedSnapshot& f : summary.failed) {
      run.error += fmt::format(" {} ({});", f.source.ShortHex(), f.reason);
    }
    run.error.pop_back();
  }
}

// The copy itself, both repositories open and locked. `source` is only read. `newest`: the
// newest copy in `copy` afterwards that this copy wrote or proved (CopySummary::snapshots: the
// copies of the system's snapshots in the source), not dated after `now_ns`; `future`: the
// system's source snapshots dated after `now_ns`.
Result<copier::CopySummary> CopyNew(const plan::System& system,
                                    const repository::Repository& source,
                                    repository::Repository& copy, int64_t now_ns,
                                    std::optional<Snapshot>* newest, std::vector<Snapshot>* future) {
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> in_source, SystemSnapshots(source, system.id));
  std::vector<repository::Id> wanted = ToCopy(system, in_source);
  copier::CopySummary summary;
  if (!wanted.empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(summary, copier::Copy(source, copy, wanted, {}));
  }
  // Only the copies this copy wrote or proved count (a claimant whose source snapshot is gone
  // proves nothing: anyone holding the copy's password can plant one dated a minute ago).
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<Snapshot> in_copy, SystemSnapshots(copy, system.id));
  std::set<repository::Id> vouched;
  for (const copier::CopiedSnapshot& c : summary.snapshots) vouched.insert(c.destination);
  for (const Snapshot& s : CopiedFrom(in_copy, source.id(), in_source)) {
    if (s.time_ns > now_ns || !vouched.contains(s.id)) continue;
    if (!*newest || s.time_ns > (*newest)->time_ns) *newest = s;
  }
  for (const Snapshot& s : in_source) {
    if (s.time_ns > now_ns) future->push_back(s);
  }
  return summary;
}

}  // namespace

ActionResult CopyJob(const JobContext& context, const Action& action) {
  ActionResult result = Start(context, action);
  const plan::System* system = context.plan.FindSystem(action.system);
  auto source = context.repositories.Get(action.source);
  if (!source) return FailRun(context, source.error(), std::move(result));
  auto copy = context.repositories.Get(action.repository);
  if (!copy) return FailRun(context, copy.error(), std::move(result));
  MutexLock writer((*copy)->write);
  const repository::Repository& from = *(*source)->repo;
  repository::Repository& into = *(*copy)->repo;
  if (Status kept = CheckRetention(context, action.repository, into); !kept) {
    return FailRun(context, kept.error(), std::move(result));
  }
  // Shared locks on both: backups may run meanwhile, prune may not (the source is only read).
  auto source_lock = SharedLock(context, *(*source)->repo);
  if (!source_lock) return FailRun(context, source_lock.error(), std::move(result));
  auto copy_lock = SharedLock(context, into);
  if (!copy_lock) return FailRun(context, copy_lock.error(), std::move(result));
  std::optional<Snapshot> newest;
  std::vector<Snapshot> future;
  auto summary = CopyNew(*system, from, into, context.clock.now_ns(), &newest, &future);
  if (!summary && summary.error().code() == ErrorCode::kInterrupted) {
    // "interrupted by SIG...", as every interrupted action records it (catalog::WasInterrupted).
    return FailRun(context, summary.error(), std::move(result));
  }
  if (!summary) {
    return FailRun(
        context,
        summary.error().WithContext("copy from " + action.source + " into " + action.repository),
        std::move(result));
  }
  Finish(context, action, *summary, newest, future, &result);
  return result;
}

}  // namespace stormproof::runner::internal
