// The readiness report's ransomware section (issue 16): per system the detection (the flagged
// snapshot, its level, score and reasons, when it was flagged), the holds standing on its
// restore points, and the newest clean restore point with its age, the clean RPO — the real RPO
// after the attack. From the catalog only (readiness::CleanPointStatus).
#include <fmt/format.h>

#include "continuity/readiness/readiness.h"
#include "continuity/report/html/html.h"
#include "continuity/report/readiness_report/internal/readiness_report_parts.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::report::readiness_internal {
namespace {

using html_internal::H;
using html_internal::Row;
using html_internal::Span;
using html_internal::TableHead;
using readiness::CleanPointStatus;
using readiness::CleanState;
using readiness::SystemStatus;

std::string Short(const std::string& id) { return id.substr(0, 8); }

std::string SystemName(const SystemStatus& s) {
  return "<strong>" + H(s.name.empty() ? s.id : s.name) + "</strong> " +
         Span("muted", "(" + H(s.id) + ")");
}

// "infected, score 97 · snapshot 9a8b7c6d of 2026-12-05 10:00:00 UTC in nas · flagged
// 2026-12-05 10:02:11 UTC", then the reasons, one per line.
std::string DetectionCell(const readiness::FlaggedSnapshot& f) {
  std::string level = f.level + (f.score ? fmt::format(", score {}", *f.score) : "");
  std::string out = Span("risk", H(level)) + " · snapshot <code>" + H(Short(f.snapshot_id)) +
                    "</code> of " + H(FormatUtc(f.time_ns)) + " in " + H(f.repository);
  if (f.detected_ns != 0) out += " · flagged " + H(FormatUtc(f.detected_ns));
  return out + "<br>" + html_internal::Lines(f.reasons);
}

std::string HoldsCell(const CleanPointStatus& c) {
  if (c.holds.empty()) return Span("risk", "no hold recorded");
  std::vector<std::string> lines;
  for (const readiness::StandingHold& h : c.holds) {
    std::string when = h.snapshot_time_ns ? " of " + FormatUtc(h.snapshot_time_ns) : "";
    lines.push_back("snapshot " + Short(h.snapshot_id) + when + " in " + h.repository + ": " +
                    h.reason);
  }
  return html_internal::Lines(lines);
}

// The restore point and the clean RPO against the RPO.
std::string PointCell(const CleanPointStatus& c) {
  std::string target = c.target ? ShortDuration(*c.target) : "no RPO";
  if (c.state == CleanState::kNoCleanPoint) {
    return Span("risk", "no clean restore point") + "<br>" + Span("muted", H(c.reason));
  }
  std::string age = fmt::format("clean RPO {} (RPO {})", ShortDuration(*c.age), target);
  std::string out = Span(c.breached ? "risk" : "ok", H(age) + (c.breached ? " breached" : "")) +
                    "<br>restore from snapshot <code>" + H(Short(c.snapshot_id)) + "</code> of " +
                    H(FormatUtc(*c.point_ns)) + " in " + H(c.repository) +
                    (c.held ? " (held)" : " " + Span("warn", "(not held)"));
  return out + "<br>" + Span("muted", H(c.reason));
}

bool Affected(const SystemStatus& s) { return s.clean.flagged.has_value(); }

}  // namespace

std::string CleanRpoCell(const SystemStatus& s) {
  const CleanPointStatus& c = s.clean;
  switch (c.state) {
    case CleanState::kNoEvidence:
      return Span("muted", "no backup");
    case CleanState::kNeverJudged:
      return Span("warn", "never judged");
    case CleanState::kNoCleanPoint:
      return Span("risk", "no clean point");
    case CleanState::kNoneFlagged:
      return "none flagged, age " + ShortDuration(*c.age);
    case CleanState::kFlagged:
      break;
  }
  return Span(c.breached ? "risk" : "warn", c.breached ? "breached" : "flagged") + ", age " +
         ShortDuration(*c.age);
}

void WriteRansomware(const readiness::ClientStatus& client, std::string* out) {
  *out += "<h3>Ransomware detection</h3>\n";
  std::string rows;
  std::vector<std::string> never;
  for (const SystemStatus& s : client.systems) {
    if (s.clean.state == CleanState::kNeverJudged) never.push_back(s.id);
    if (!Affected(s)) continue;
    rows += Row(
        {SystemName(s), DetectionCell(*s.clean.flagged), HoldsCell(s.clean), PointCell(s.clean)});
  }
  if (rows.empty()) {
    *out += "<p class=\"ok\">No backup in the catalog is flagged suspicious or infected.</p>\n";
  } else {
    *out += TableHead({"System", "Detection", "Holds", "Newest clean restore point"}) + rows +
            html_internal::kTableEnd;
    *out +=
        "<p class=\"muted\">A flagged snapshot holds what the attack encrypted: restore from the "
        "newest clean point before it. Its age is the data lost going back to it (the clean "
        "RPO). Holds keep those points from forget and prune until a person releases them.</p>\n";
  }
  if (!never.empty()) {
    *out += "<p class=\"warn\">Never judged by ransomware detection (backups taken without it): " +
            H(Join(never, ", ")) + ". Their clean restore point is unknown.</p>\n";
  }
}

}  // namespace stormproof::report::readiness_internal
