// Per-system assessments from evidence: RPO compliance, drill recency, RTO confidence, the
// system's own restore time and the 3-2-1-1-0 rule.
#include "readiness/assess.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace stormproof::readiness::internal {
namespace {

constexpr int64_t kNsPerDay = 86400 * kNsPerSecond;

Duration AgeAt(int64_t then_ns, int64_t now_ns) {
  return Duration::Seconds(std::max<int64_t>(0, (now_ns - then_ns) / kNsPerSecond));
}

// Total milliseconds of the drill's verification steps; unset when it has none.
std::optional<int64_t> VerifyMs(const catalog::Drill& drill) {
  std::optional<int64_t> total;
  for (const catalog::DrillStep& step : drill.steps) {
    if (step.name == "verify data" || step.name == "verify application") {
      total = total.value_or(0) + step.duration_ms;
    }
  }
  return total;
}

}  // namespace

int64_t PointOf(const catalog::Run& run) {
  return run.snapshot_time_ns != 0 ? run.snapshot_time_ns : run.started_ns;
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
    if (!status.restore_point_ns || run.snapshot_time_ns > *status.restore_point_ns) {
      status.restore_point_ns = run.snapshot_time_ns;
      status.snapshot_id = run.snapshot_id;
    }
  }
  if (!status.restore_point_ns) return status;
  status.age = AgeAt(*status.restore_point_ns, now_ns);
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
  recency.age = AgeAt(last.started_ns, now_ns);
  recency.state = DrillState::kOk;
  if (!every) return recency;
  Date drilled = Date::FromDaysSinceEpoch(last.started_ns / kNsPerDay);
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
  std::vector<int64_t> achieved_s;  // rounded up per drill: a nearest-rank percentile commutes
                                    // with rounding up, so this is the percentile of the ms
  for (const catalog::DrillRecord& record : drills) {
    ++confidence.drills;
    if (!record.drill.achieved_rto_ms) continue;
    int64_t ms = *record.drill.achieved_rto_ms;
    achieved_s.push_back(*record.drill.achieved_rto_s());
    std::optional<int64_t> target_s =
        rto ? std::optional(rto->seconds()) : record.drill.target_rto_s;
    if (!target_s || ms <= *target_s * 1000) ++confidence.within_target;
  }
  if (confidence.drills > 0) {
    confidence.share_within = static_cast<double>(confidence.within_target) / confidence.drills;
  }
  auto seconds = [](std::optional<int64_t> s) -> std::optional<Duration> {
    if (!s) return std::nullopt;
    return Duration::Seconds(*s);
  };
  confidence.p50 = seconds(Percentile(achieved_s, 50));
  confidence.p95 = seconds(Percentile(achieved_s, 95));
  return confidence;
}

RtoProjection MeasureOwnRestore(const Evidence& evidence, std::optional<Duration> rto,
                                std::optional<Duration> estimate) {
  RtoProjection projection;
  projection.target = rto;
  if (evidence.last_good_backup) {
    projection.data_bytes = evidence.last_good_backup->bytes;
  } else if (!evidence.drills.empty()) {
    projection.data_bytes = evidence.drills.front().run.bytes;
  }
  std::vector<double> throughputs, verify_ms;
  for (const catalog::DrillRecord& record : evidence.drills) {
    if (record.drill.throughput_bytes_per_s > 0) {
      throughputs.push_back(record.drill.throughput_bytes_per_s);
    }
    if (std::optional<int64_t> ms = VerifyMs(record.drill)) verify_ms.push_back(*ms);
  }
  if (!verify_ms.empty()) {
    projection.verify_time = Duration::Seconds(std::llround(Median(verify_ms) / 1000));
  }
  if (!throughputs.empty()) {
    projection.basis = ProjectionBasis::kMeasured;
    projection.throughput_bytes_per_s = Median(throughputs);
    double restore_s =
        static_cast<double>(projection.data_bytes) / *projection.throughput_bytes_per_s;
    projection.own = Duration::Seconds(std::llround(std::ceil(restore_s))) +
                     projection.verify_time.value_or(Duration());
  } else if (estimate) {
    projection.basis = ProjectionBasis::kEstimate;
    projection.own = estimate;
  }
  return projection;
}

Rule32110 AssessRule32110(const analysis::BackupShape& shape, const Evidence& evidence) {
  Rule32110 rule;
  rule.copies = 1 + static_cast<int>(shape.repositories.size());
  std::set<plan::Medium> media = shape.media;
  media.insert(plan::Medium::kDisk);  // production
  rule.media = static_cast<int>(media.size());
  rule.offsite = shape.offsite;
  rule.immutable = shape.immutable;
  std::optional<catalog::Run> last = evidence.last_check;
  if (!evidence.drills.empty()) {
    const catalog::Run& drill = evidence.drills.front().run;
    if (!last || drill.started_ns > last->started_ns) last = drill;
  }
  if (last) rule.zero_errors = catalog::DidItsJob(last->outcome);
  return rule;
}

}  // namespace stormproof::readiness::internal
