// Importing evidence on the central machine (hosts.h): ImportEvidence.
#include <algorithm>

#include "continuity/hosts/hosts.h"
#include "continuity/hosts/internal/open.h"

namespace stormproof::hosts {
namespace {

// The evidence files of `files` the catalog has not imported.
Result<std::vector<std::string>> NewFiles(const backend::Backend& files,
                                          const catalog::EvidenceSource& known) {
  std::vector<std::string> names;
  STORMPROOF_TRY(files.List(backend::FileType::kEvidence, [&](const std::string& name, uint64_t) {
    if (known.files.count(name) == 0) names.push_back(name);
  }));
  std::sort(names.begin(), names.end());
  return names;
}

// Reads and imports one file; a file that cannot be read is added to out->damaged.
Status ImportFile(const repository::Repository& repo, const std::string& name,
                  catalog::Catalog& catalog, int64_t now_ns, ImportedEvidence* out) {
  Result<std::string> text = repo.LoadEvidence(name);
  Result<EvidenceFile> file = text ? DecodeEvidence(*text) : Result<EvidenceFile>(text.error());
  if (!file) {
    std::string reason = file.error().message();
    std::string prefix = "evidence " + name + ": ";
    if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    out->damaged.push_back("evidence " + name + ": " + reason);
    return Ok();
  }
  STORMPROOF_ASSIGN_OR_RETURN(size_t added,
                              catalog.ImportRecords(out->repository, name, file->records, now_ns));
  ++out->files;
  out->runs += added;
  return Ok();
}

// Imports what is new in one repository; an error leaves out->error for the caller.
Status ImportFrom(const plan::RepositorySpec& spec, catalog::Catalog& catalog,
                  const access::AccessOptions& access, int64_t now_ns, ImportedEvidence* out) {
  STORMPROOF_ASSIGN_OR_RETURN(catalog::EvidenceSource known, catalog.EvidenceOf(spec.id));
  out->refreshed_ns = known.refreshed_ns;
  STORMPROOF_ASSIGN_OR_RETURN(auto files, internal::OpenFiles(spec, access));
  Result<std::vector<std::string>> names = NewFiles(*files, known);
  if (!names) return names.error().WithContext("repository " + spec.id);
  if (!names->empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(auto repo, internal::OpenRepository(spec, access, std::move(files)));
    for (const std::string& name : *names) {
      STORMPROOF_TRY(ImportFile(*repo, name, catalog, now_ns, out));
    }
  }
  STORMPROOF_TRY(catalog.SetEvidenceRefreshed(spec.id, now_ns));
  out->refreshed_ns = now_ns;
  return Ok();
}

}  // namespace

std::vector<ImportedEvidence> ImportEvidence(const plan::Plan& plan, catalog::Catalog& catalog,
                                             const access::AccessOptions& access,
                                             int64_t now_ns) {
  std::vector<ImportedEvidence> imported;
  if (!plan.NamesHosts()) return imported;
  for (const plan::RepositorySpec* spec : EvidenceRepositories(plan)) {
    ImportedEvidence out;
    out.repository = spec->id;
    Status done = ImportFrom(*spec, catalog, access, now_ns, &out);
    if (!done) out.error = done.error().message();
    imported.push_back(std::move(out));
  }
  return imported;
}

}  // namespace stormproof::hosts
