// Writing evidence on a host (hosts.h): RecordsSince, WriteEvidence.
#include <algorithm>
#include <map>
#include <set>

#include "continuity/hosts/hosts.h"
#include "continuity/hosts/internal/open.h"

namespace stormproof::hosts {
namespace internal {

Result<std::unique_ptr<backend::Backend>> OpenFiles(const plan::RepositorySpec& spec,
                                                    const access::AccessOptions& access) {
  STORMPROOF_ASSIGN_OR_RETURN(std::string location, access::RepositoryLocation(spec, access));
  auto files = storage::OpenBackendAt(location, access::RepositoryStorage(spec, access));
  if (!files) return files.error().WithContext("repository " + spec.id);
  return files;
}

Result<std::unique_ptr<repository::Repository>> OpenRepository(
    const plan::RepositorySpec& spec, const access::AccessOptions& access,
    std::unique_ptr<backend::Backend> files) {
  STORMPROOF_ASSIGN_OR_RETURN(std::string password, access::RepositoryPassword(spec, access));
  auto repo = repository::Repository::Open(std::move(files), password);
  if (!repo) return repo.error().WithContext("repository " + spec.id);
  return repo;
}

}  // namespace internal

namespace {

// True when `run` concerns repository `id`: it ran on it, or its system backs up into it.
bool Concerns(const plan::Plan& plan, const catalog::Run& run, const std::string& id) {
  if (run.repository == id) return true;
  const plan::System* system = run.system.empty() ? nullptr : plan.FindSystem(run.system);
  if (system == nullptr) return false;
  const auto& refs = system->backup.repositories;
  return std::any_of(refs.begin(), refs.end(), [&](const plan::Ref& ref) { return ref.id == id; });
}

Result<std::string> WriteOne(const plan::RepositorySpec& spec, const std::string& text,
                             const WriteOptions& options) {
  STORMPROOF_ASSIGN_OR_RETURN(auto files, internal::OpenFiles(spec, options.access));
  STORMPROOF_ASSIGN_OR_RETURN(auto repo,
                              internal::OpenRepository(spec, options.access, std::move(files)));
  auto lock = repo->AcquireLock(repository::Repository::LockKind::kShared, options.lock_wait);
  if (!lock) return lock.error().WithContext("repository " + spec.id);
  auto saved = repo->SaveEvidence(text);
  lock->reset();  // REQUIRES of AcquireLock: released before the repository
  if (!saved) return saved.error().WithContext("repository " + spec.id);
  return saved;
}

}  // namespace

Result<std::vector<catalog::ImportedRecord>> RecordsSince(const catalog::Catalog& catalog,
                                                          const std::string& host,
                                                          int64_t since_ns) {
  catalog::RunQuery query;
  query.since_ns = since_ns;
  // Never what was imported, whatever host it names: a forged record naming this host would
  // otherwise travel on as this host's own, into repositories its forger cannot write.
  query.own_only = true;
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::Run> runs, catalog.Runs(query));
  STORMPROOF_ASSIGN_OR_RETURN(std::vector<catalog::DrillRecord> drills, catalog.Drills(query));
  std::map<int64_t, catalog::Drill> drill_of;
  for (catalog::DrillRecord& d : drills) drill_of[d.run.id] = std::move(d.drill);
  std::vector<catalog::ImportedRecord> records;
  for (catalog::Run& run : runs) {
    if (run.host != host || run.record_id.empty()) continue;
    catalog::ImportedRecord record;
    if (auto it = drill_of.find(run.id); it != drill_of.end()) {
      record.drill = std::move(it->second);
      record.drill->report_path.clear();  // a file on this host
    }
    record.run = std::move(run);
    records.push_back(std::move(record));
  }
  std::reverse(records.begin(), records.end());  // oldest first
  return records;
}

std::vector<WrittenEvidence> WriteEvidence(const plan::Plan& plan, const std::string& host,
                                           const std::vector<catalog::ImportedRecord>& records,
                                           int64_t now_ns, const WriteOptions& options) {
  std::vector<WrittenEvidence> written;
  for (const plan::RepositorySpec* spec : EvidenceRepositories(plan)) {
    EvidenceFile file{host, now_ns, {}};
    for (const catalog::ImportedRecord& record : records) {
      if (Concerns(plan, record.run, spec->id)) file.records.push_back(record);
    }
    if (file.records.empty()) continue;
    WrittenEvidence out{spec->id, "", file.records.size(), ""};
    Result<std::string> name = WriteOne(*spec, EncodeEvidence(file), options);
    if (name) {
      out.file = *name;
    } else {
      out.error = name.error().message();
    }
    written.push_back(std::move(out));
  }
  return written;
}

}  // namespace stormproof::hosts
