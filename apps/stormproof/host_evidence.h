// Evidence that travels with the backups, as the commands show it (continuity/hosts/hosts.h;
// docs/catalog.md, "Many hosts, one catalog"): `run` and `drill` write what they recorded into
// the repositories, `status` and `report` import every host's before they read the catalog.
// Only for a plan that names hosts (systems[].host); a one-machine plan has one catalog.
#ifndef STORMPROOF_APPS_STORMPROOF_HOST_EVIDENCE_H_
#define STORMPROOF_APPS_STORMPROOF_HOST_EVIDENCE_H_

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "apps/stormproof/context.h"
#include "continuity/catalog/catalog.h"
#include "continuity/hosts/hosts.h"

namespace stormproof::cli {

// --host as given, else this machine's host name.
std::string HostOrThisOne(const std::string& flag);

// Imports every host's evidence into `catalog`; prints to stderr what was imported, each damaged
// file ("stormproof: evidence <name> in <repo>: <why>; skipped") and each repository whose
// evidence could not be refreshed ("evidence from <repo> not refreshed: <why>; the catalog's
// is from <age> ago" or "... has none"). Returns what happened, for --json.
std::vector<hosts::ImportedEvidence> RefreshEvidence(const Context& context,
                                                     const plan::Plan& plan,
                                                     catalog::Catalog& catalog);
// Ages are from the system clock (when the files were read), whatever --as-of says.
nlohmann::json EvidenceJson(const std::vector<hosts::ImportedEvidence>& imported);

// Opens the catalog status and report read: created when the plan names hosts (the central
// machine's first import), else only when it exists (null when absent). Errors name the file.
Result<std::unique_ptr<catalog::Catalog>> OpenCatalogToRead(const plan::Plan& plan);

// Writes the runs `host` recorded since `since_ns` into the repositories they concern; returns
// one line per repository: "evidence: N run(s) written to REPO" or, with `failed` set, "evidence
// not written to REPO: why".
struct EvidenceLine {
  std::string text;
  bool failed = false;
  hosts::WrittenEvidence written;
};
std::vector<EvidenceLine> ShipEvidence(const plan::Plan& plan, const catalog::Catalog& catalog,
                                       const std::string& host, int64_t since_ns,
                                       const hosts::WriteOptions& options);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_HOST_EVIDENCE_H_
