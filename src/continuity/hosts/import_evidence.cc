// Importing evidence on the central machine (hosts.h): ImportEvidence.
#include <algorithm>

#include "continuity/hosts/hosts.h"
#include "continuity/hosts/internal/open.h"
#include "core/time.h"
#include "engine/repository/marks.h"

namespace stormproof::hosts {
namespace {

// Larger than any evidence file a run writes (a few KiB per run): whoever can write into the
// bucket, even without the key, could otherwise make every `status` download an object of any
// size.
constexpr uint64_t kMaxEvidenceBytes = uint64_t{64} << 20;

// The evidence files of `files` the catalog has not imported; one larger than kMaxEvidenceBytes
// is not read but noted in out->damaged (and again next time).
Result<std::vector<std::string>> NewFiles(const backend::Backend& files,
                                          const catalog::EvidenceSource& known,
                                          ImportedEvidence* out) {
  std::vector<std::string> names;
  STORMPROOF_TRY(files.List(backend::FileType::kEvidence, [&](const std::string& name,
                                                              uint64_t size) {
    if (known.files.count(name) != 0 || repository::IsMarkName(name)) return;  // marks.h
    if (size > kMaxEvidenceBytes) {
      out->damaged.push_back("evidence " + name + ": " + std::to_string(size) +
                             " bytes, more than evidence ever holds (" +
                             std::to_string(kMaxEvidenceBytes) + "): not read");
      return;
    }
    names.push_back(name);
  }));
  std::sort(names.begin(), names.end());
  return names;
}

// What becomes of a run read from a repository's evidence.
enum class Admission {
  kAdmitted,
  kRefused,    // it does not concern the repository: counted in out->damaged
  kElsewhere,  // it did its job in another repository of its system: left to that one's evidence
};

// Whether `run`, read from repository `id`, may stand as evidence: a run of a system the plan
// backs up into `id` (or into a repository `id` is a copy of: plan::SystemRepositories), or a
// run without system (check, prune) on `id` itself. Anything else would let whoever holds one
// repository's key (a client's, say) vouch for another client's systems.
// The run's repository is tied to the file too: a run that names another repository of its
// system is admitted only when it did not do its job there (a backup that could not reach one
// copy is told through the others); what succeeded in another repository is that repository's
// to prove, in its own evidence, under its own key, else a holder of one copy's key could
// vouch for a copy (an offsite copy_from, say) it cannot write. A run naming a repository
// that is not its system's is refused.
// The run's client becomes the plan's, whatever the file claims.
Admission Admit(const plan::Plan& plan, const std::string& id, catalog::Run* run) {
  if (run->system.empty()) {
    run->client.clear();
    return run->repository == id ? Admission::kAdmitted : Admission::kRefused;
  }
  const plan::System* system = plan.FindSystem(run->system);
  if (system == nullptr) return Admission::kRefused;
  // The repositories holding the system's data: its own and their copies (copy_from).
  std::vector<const plan::RepositorySpec*> holders = plan::SystemRepositories(plan, *system);
  auto holds = [&](const std::string& repository) {
    return std::any_of(holders.begin(), holders.end(),
                       [&](const plan::RepositorySpec* r) { return r->id == repository; });
  };
  if (!holds(id)) return Admission::kRefused;
  if (!run->repository.empty() && run->repository != id) {
    if (!holds(run->repository)) return Admission::kRefused;
    if (catalog::DidItsJob(run->outcome)) return Admission::kElsewhere;
  }
  run->client = system->client ? system->client->id : "";
  return Admission::kAdmitted;
}

// How far ahead of this machine's clock a host's clock may run: a run that started later than
// now + this is refused, or one forged record dated years ahead (a prune, say) would stand as
// the newest for years and keep `run` from doing what is due (retention upkeep).
constexpr int64_t kClockSkewAllowed = 15 * 60 * kNsPerSecond;

// Keeps the records of `file` that Admit admits and that are not dated in the future, noting
// how many it refused in out->damaged.
void KeepAdmitted(const plan::Plan& plan, const std::string& name, int64_t now_ns,
                  EvidenceFile* file, ImportedEvidence* out) {
  size_t refused = 0;
  size_t future = 0;
  std::erase_if(file->records, [&](catalog::ImportedRecord& record) {
    if (record.run.started_ns > now_ns + kClockSkewAllowed) {
      ++future;
      return true;
    }
    Admission admission = Admit(plan, out->repository, &record.run);
    refused += admission == Admission::kRefused;
    return admission != Admission::kAdmitted;
  });
  if (future > 0) {
    out->damaged.push_back("evidence " + name + ": " + std::to_string(future) +
                           " runs dated more than 15 minutes in the future refused (a host's "
                           "clock far ahead, or a forged record)");
  }
  if (refused == 0) return;
  out->damaged.push_back("evidence " + name + ": " + std::to_string(refused) +
                         " runs that do not concern repository " + out->repository +
                         " (neither its own nor of a system the plan backs up into it, or "
                         "naming a repository that is not the system's) refused");
}

// Reads and imports one file; a file that cannot be read is added to out->damaged.
Status ImportFile(const plan::Plan& plan, const repository::Repository& repo,
                  const std::string& name, catalog::Catalog& catalog, int64_t now_ns,
                  ImportedEvidence* out) {
  Result<std::string> text = repo.LoadEvidence(name);
  Result<EvidenceFile> file = text ? DecodeEvidence(*text) : Result<EvidenceFile>(text.error());
  if (!file) {
    std::string reason = file.error().message();
    std::string prefix = "evidence " + name + ": ";
    if (reason.rfind(prefix, 0) == 0) reason.erase(0, prefix.size());
    out->damaged.push_back("evidence " + name + ": " + reason);
    return Ok();
  }
  KeepAdmitted(plan, name, now_ns, &*file, out);
  STORMPROOF_ASSIGN_OR_RETURN(size_t added,
                              catalog.ImportRecords(out->repository, name, file->records, now_ns));
  ++out->files;
  out->runs += added;
  return Ok();
}

// Imports what is new in one repository; an error leaves out->error for the caller.
Status ImportFrom(const plan::Plan& plan, const plan::RepositorySpec& spec,
                  catalog::Catalog& catalog,
                  const access::AccessOptions& access, int64_t now_ns, ImportedEvidence* out) {
  STORMPROOF_ASSIGN_OR_RETURN(catalog::EvidenceSource known, catalog.EvidenceOf(spec.id));
  out->refreshed_ns = known.refreshed_ns;
  STORMPROOF_ASSIGN_OR_RETURN(auto files, internal::OpenFiles(spec, access));
  Result<std::vector<std::string>> names = NewFiles(*files, known, out);
  if (!names) return names.error().WithContext("repository " + spec.id);
  if (!names->empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(auto repo, internal::OpenRepository(spec, access, std::move(files)));
    for (const std::string& name : *names) {
      STORMPROOF_TRY(ImportFile(plan, *repo, name, catalog, now_ns, out));
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
    Status done = ImportFrom(plan, *spec, catalog, access, now_ns, &out);
    if (!done) out.error = done.error().message();
    imported.push_back(std::move(out));
  }
  return imported;
}

}  // namespace stormproof::hosts
