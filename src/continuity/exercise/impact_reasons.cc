#include "continuity/exercise/internal/impact_reasons.h"

#include "core/text.h"

namespace stormproof::exercise::internal {
namespace {

constexpr size_t kChainLinks = 8;  // links of "depends on X, which ..." before it is cut short

std::string For(const std::optional<Duration>& duration) {
  return duration ? " for " + duration->ToString() : "";
}

std::string DescribeCause(const DirectCause& c) {
  switch (c.cause) {
    case Cause::kNamed:
      return "lost" + For(c.duration);
    case Cause::kRansomware:
      return "encrypted by ransomware at " + c.id;
    case Cause::kSiteLost:
      return "at site " + c.id + ", lost" + For(c.duration);
    case Cause::kSiteCutOff:
      return "at site " + c.id + ", cut off (" + (c.isps.size() == 1 ? "its ISP " : "its ISPs ") +
             Join(c.isps, ", ") + " lost)" + For(c.duration);
    case Cause::kVendorLost:
      return "uses vendor " + c.id + ", lost" + For(c.duration);
  }
  return "lost";
}

// "; its failover dc2 is down too" for a system whose failovers do not run.
std::string FailoversDown(const plan::Plan& plan, const DownSystem& d) {
  if (d.failovers.empty()) return "";
  std::vector<std::string> ids;
  for (size_t f : d.failovers) ids.push_back(plan.systems[f].id);
  return (ids.size() == 1 ? "; its failover " : "; its failovers ") + Join(ids, ", ") +
         (ids.size() == 1 ? " is" : " are") + " not running";
}

// What made `d` go down, without its id: its causes, else the chain through its dependencies.
std::string Why(const plan::Plan& plan, const std::vector<size_t>& down_at,
                const std::vector<DownSystem>& down, const DownSystem& d) {
  std::string why;
  const DownSystem* at = &d;
  size_t links = 0;
  while (at->causes.empty() && !at->dependencies.empty()) {
    if (links++ == kChainLinks) return why + "...";
    size_t next = at->dependencies.front();
    why += "depends on " + plan.systems[next].id + ", which ";
    at = &down[down_at[next]];
  }
  if (at->causes.empty()) return why + "is down";
  std::string causes = DescribeCauses(at->causes);
  // "which is at site hq, lost", "which is lost", but "which uses vendor x, lost".
  if (at != &d && at->causes.front().cause != Cause::kVendorLost) causes = "is " + causes;
  return why + causes;
}

}  // namespace

std::string DescribeCauses(const std::vector<DirectCause>& causes) {
  std::vector<std::string> parts;
  for (const DirectCause& c : causes) parts.push_back(DescribeCause(c));
  return Join(parts, "; ");
}

void DescribeDown(const plan::Plan& plan, const std::vector<size_t>& down_at,
                  std::vector<DownSystem>* down) {
  for (DownSystem& d : *down) {
    d.reason =
        plan.systems[d.system].id + ": " + Why(plan, down_at, *down, d) + FailoversDown(plan, d);
  }
}

}  // namespace stormproof::exercise::internal
