// Per-system assessments from evidence: RPO compliance, drill recency and RTO confidence (the
// system's own restore time is in projection.cc, the 3-2-1-1-0 rule in copies.cc).
#include "continuity/readiness/internal/assess.h"

#include <algorithm>
#include <cmath>

namespace stormproof::readiness::internal {

int64_t PointOf(const catalog::Run& run) {
  if (run.snapshot_time_ns == 0) return run.started_ns;
  // A snapshot dated after the run that recorded it ended (its host's clock ahead, or a forged
  // record) is no newer restore point than that.
  return run.finished_ns > 0 ? std::min(run.snapshot_time_ns, run.finished_ns)
                             : run.snapshot_time_ns;
}

std::optional<double> DrillThroughput(const catalog::DrillRecord& record) {
  if (record.drill.throughput_bytes_per_s > 0) return record.drill.throughput_bytes_per_s;
  if (record.run.bytes == 0) return std::nullopt;
  for (const catalog::DrillStep& step : record.drill.steps) {
    if (step.name == "restore" && step.duration_ms == 0 && catalog::DidItsJob(step.outcome)) {
      return static_cast<double>(record.run.bytes) * 1000.0;  // per 1 ms, in bytes per second
    }
  }
  return std::nullopt;
}

double Median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::optional<int64_t> Percentile(std::vector<int64_t> values, int p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

RpoStatus AssessRpo(std::optional<Duration> rpo, int backup_margin_percent,
                    const Evidence& evidence, int64_t now_ns) {
  RpoStatus status;
  status.target = rpo;
  if (rpo) status.interval = plan::BackupInterval(*rpo, backup_margin_percent);
  if (evidence.last_good_backup) {
    status.restore_point_ns = PointOf(*evidence.last_good_backup);
    status.snapshot_id = evidence.last_good_backup->snapshot_id;
  }
  for (const catalog::DrillRecord& drill : evidence.drills) {
    const catalog::Run& run = drill.run;
    if (!catalog::DidItsJob(run.outcome) || run.snapshot_time_ns == 0) continue;
    // The point a drill restored existed when the drill started: one dated later proves no more.
    const int64_t point_ns = std::min(run.snapshot_time_ns, run.started_ns);
    if (!status.restore_point_ns || point_ns > *status.restore_point_ns) {
      status.restore_point_ns = point_ns;
      status.snapshot_id = run.snapshot_id;
    }
  }
  if (!status.restore_point_ns) return status;
  status.age = ElapsedSince(*status.restore_point_ns, now_ns);
  if (!rpo) return status;
  if (*status.age > *rpo) {
    status.state = RpoState::kBreached;
  } else if (*status.age > *status.interval) {
    status.state = RpoState::kAtRisk;
  } else {
    status.state = RpoState::kOk;
  }
  return status;
}

DrillRecency AssessDrillRecency(std::optional<Cadence> every, const Evidence& evidence,
                                int64_t now_ns, Date today) {
  DrillRecency recency;
  recency.every = every;
  if (evidence.drills.empty()) return recency;
  const catalog::Run& last = evidence.drills.front().run;
  recency.last_ns = last.started_ns;
  recency.last_outcome = last.outcome;
  recency.age = ElapsedSince(last.started_ns, now_ns);
  recency.state = DrillState::kOk;
  if (!every) return recency;
  Date drilled = UtcDateOf(last.started_ns);
  recency.due = drilled.Add(*every);
  int64_t days_left = today.DaysUntil(*recency.due);
  int64_t soon = std::min<int64_t>(7, static_cast<int64_t>(every->ApproxDays() / 4));
  if (days_left < 0) {
    recency.state = DrillState::kOverdue;
  } else if (days_left <= soon) {
    recency.state = DrillState::kDueSoon;
  }
  return recency;
}

RtoConfidence AssessConfidence(const std::vector<catalog::DrillRecord>& drills,
                               std::optional<Duration> rto) {
  RtoConfidence confidence;
  std::vector<int64_t> achieved_ms;
  for (const catalog::DrillRecord& record : drills) {
    ++confidence.drills;
    if (!record.drill.achieved_rto_ms) continue;
    int64_t ms = *record.drill.achieved_rto_ms;
    achieved_ms.push_back(ms);
    std::optional<int64_t> target_s = JudgedRtoSeconds(record.drill, rto);
    if (!target_s || ms <= *target_s * 1000) ++confidence.within_target;
  }
  if (confidence.drills > 0) {
    confidence.share_within = static_cast<double>(confidence.within_target) / confidence.drills;
  }
  confidence.verified = static_cast<int>(achieved_ms.size());
  if (achieved_ms.empty()) return confidence;
  auto up_to_second = [](double ms) {
    return Duration::Seconds(static_cast<int64_t>(std::ceil(ms / 1000)));
  };
  std::vector<double> ms_values(achieved_ms.begin(), achieved_ms.end());
  confidence.p50 = up_to_second(Median(std::move(ms_values)));
  confidence.p95 = up_to_second(static_cast<double>(*Percentile(achieved_ms, 95)));
  return confidence;
}

}  // namespace stormproof::readiness::internal
