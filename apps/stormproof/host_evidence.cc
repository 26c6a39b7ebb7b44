#include "apps/stormproof/host_evidence.h"

#include <fmt/format.h>
#include <algorithm>


#include "apps/stormproof/repo_access.h"
#include "continuity/readiness/readiness.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::cli {

std::string HostOrThisOne(const std::string& flag) {
  return flag.empty() ? hosts::ThisHost() : flag;
}

namespace {

std::string CatalogAge(int64_t refreshed_ns, int64_t now_ns) {
  if (refreshed_ns == 0) return "the catalog has none from it";
  return "the catalog's is from " + ShortDurationNs(std::max<int64_t>(0, now_ns - refreshed_ns)) +
         " ago";
}

void PrintImport(const hosts::ImportedEvidence& r, int64_t now_ns) {
  for (const std::string& damaged : r.damaged) {
    fmt::print(stderr, "stormproof: repository {}: {}; skipped (run 'stormproof check')\n",
               r.repository, EscapeControls(damaged));
  }
  if (!r.error.empty()) {
    fmt::print(stderr, "evidence from {} not refreshed: {}; {}\n", r.repository,
               EscapeControls(r.error), CatalogAge(r.refreshed_ns, now_ns));
  } else if (r.files > 0) {
    fmt::print(stderr, "evidence from {}: {} new file(s), {} run(s) imported\n", r.repository,
               r.files, r.runs);
  }
}

}  // namespace

std::vector<hosts::ImportedEvidence> RefreshEvidence(const Context& context,
                                                     const plan::Plan& plan,
                                                     catalog::Catalog& catalog) {
  const int64_t now_ns = SystemNowNs();
  std::vector<hosts::ImportedEvidence> imported =
      hosts::ImportEvidence(plan, catalog, PlanAccess(context, ""), now_ns);
  for (const hosts::ImportedEvidence& r : imported) PrintImport(r, now_ns);
  return imported;
}

nlohmann::json EvidenceJson(const std::vector<hosts::ImportedEvidence>& imported) {
  const int64_t now_ns = SystemNowNs();
  nlohmann::json out = nlohmann::json::array();
  for (const hosts::ImportedEvidence& r : imported) {
    nlohmann::json age = nullptr;
    if (r.refreshed_ns != 0) age = std::max<int64_t>(0, now_ns - r.refreshed_ns) / kNsPerSecond;
    out.push_back({{"repository", r.repository},
                   {"refreshed", r.refreshed_ns == 0 ? nlohmann::json(nullptr)
                                                     : nlohmann::json(FormatRfc3339(r.refreshed_ns))},
                   {"age_s", age},
                   {"files_imported", r.files},
                   {"runs_imported", r.runs},
                   {"damaged", r.damaged},
                   {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)}});
  }
  return out;
}

Result<std::unique_ptr<catalog::Catalog>> OpenCatalogToRead(const plan::Plan& plan) {
  if (plan.NamesHosts()) return catalog::Catalog::Open(plan.run.catalog);
  return readiness::OpenExistingCatalog(plan.run.catalog);
}

std::vector<EvidenceLine> ShipEvidence(const plan::Plan& plan, const catalog::Catalog& catalog,
                                       const std::string& host, int64_t since_ns,
                                       const hosts::WriteOptions& options) {
  std::vector<EvidenceLine> lines;
  if (!plan.NamesHosts()) return lines;
  auto records = hosts::RecordsSince(catalog, host, since_ns);
  if (!records) {
    lines.push_back({"evidence not written: " + records.error().message(), true, {}});
    return lines;
  }
  for (hosts::WrittenEvidence& w :
       hosts::WriteEvidence(plan, host, *records, SystemNowNs(), options)) {
    EvidenceLine line;
    line.failed = !w.error.empty();
    line.text = line.failed ? fmt::format("evidence not written to {}: {}", w.repository, w.error)
                            : fmt::format("evidence: {} run(s) written to {}", w.runs, w.repository);
    line.written = std::move(w);
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace stormproof::cli
