// The immutability proof (immutability.h): the canary and the attempts on it, the attempts on a
// real pack (only once the canary showed the lock holding, and never losing it), and the
// retention of a sample of the repository's objects.
#include "engine/s3/immutability.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "core/time.h"
#include "engine/s3/internal/client.h"
#include "engine/s3/internal/stored_content.h"

namespace stormproof::s3 {
namespace {

using internal::Bypass;
using internal::Client;
using internal::ObjectLock;
using internal::ObjectRetention;
using internal::ObjectVersion;
using Verdict = ImmutabilityAttempt::Verdict;

// The newest version of an object, as the version listing shows it.
struct Latest {
  std::string version_id;
  int64_t modified_ns = 0;
};
// The newest versions under a prefix, by key.
using Listing = std::map<std::string, Latest>;

// Whether `status` of an attempt means the server refused it. An answer of the server (403,
// another 4xx) is a refusal; a transport failure or a 5xx proves nothing: an error.
Result<bool> WasRefused(const Status& status) {
  if (status) return false;
  const Error& error = status.error();
  if (error.code() == ErrorCode::kPermissionDenied ||
      error.code() == ErrorCode::kInvalidArgument ||
      error.message().find("the server answered HTTP 4") != std::string::npos) {
    return true;
  }
  return error;
}

// A pack's bytes kept in a local file (mode 0600, in a directory of its own under the system's
// temporary directory) while the proof risks the pack; returns the file's path. If the pack
// cannot be written back, the error names this file; ForgetLocalCopy removes it once the pack is
// back and verified (or was never touched).
Result<std::string> KeepLocally(const std::string& key, const Bytes& bytes) {
  std::string dir = (std::filesystem::temp_directory_path() / "stormproof-proof-XXXXXX").string();
  if (::mkdtemp(dir.data()) == nullptr) {
    return Error::Io("the proof could not run: keeping a pack's bytes in a local file before "
                     "trying to delete it: " + dir + ": " + std::strerror(errno));
  }
  const std::string path = dir + "/" + key.substr(key.rfind('/') + 1);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  bool written = fd >= 0;
  for (size_t done = 0; written && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    written = n > 0;
    if (written) done += static_cast<size_t>(n);
  }
  written = written && ::fsync(fd) == 0;
  const int saved = errno;
  if (fd >= 0) ::close(fd);
  if (!written) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return Error::Io("the proof could not run: keeping a pack's bytes in a local file before "
                     "trying to delete it: " + path + ": " + std::strerror(saved));
  }
  return path;
}
void ForgetLocalCopy(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(std::filesystem::path(path).parent_path(), ignored);
}

// What a canary holds (its size is the same whatever `now` and `hex`, 32 digits), and what the
// overwrite attempt writes over it.
std::string CanaryText(int64_t now, const std::string& hex) {
  return "stormproof immutability canary, written " + FormatRfc3339(now) +
         ": it must stay as it is until its retention ends (" + hex + ")\n";
}
constexpr char kOverwriteText[] = "overwritten by the proof\n";

class Prover {
 public:
  Prover(Options options, const ImmutabilityOptions& proof)
      : location_(options.location),
        client_(std::move(options)),
        proof_(proof),
        random_(proof.seed ? proof.seed : SystemNowNs()) {
    root_ = location_.prefix.empty() ? "" : location_.prefix + "/";
    report_.location = location_.ToString();
    report_.retention = proof.retention;
  }

  Result<ImmutabilityReport> Run() {
    report_.started_ns = SystemNowNs();
    if (proof_.untrusted_config) {
      report_.problems.push_back("the repository's config cannot be trusted (" +
                                 *proof_.untrusted_config +
                                 "): the retention it records may be forged, so nothing was "
                                 "tried; see 'repair --as-of' (docs/object-storage.md)");
      report_.finished_ns = SystemNowNs();
      return std::move(report_);
    }
    if (proof_.expected) {
      if (auto weaker = WeakerRetention(proof_.retention, *proof_.expected)) {
        report_.problems.push_back(*weaker);
      }
    }
    STORMPROOF_ASSIGN_OR_RETURN(Listing packs, ListLatest("data/"));
    STORMPROOF_TRY(WriteCanary());
    STORMPROOF_TRY(TryOverwrite());
    STORMPROOF_TRY(TryShorten());
    STORMPROOF_TRY(TryDeleteCanary());
    STORMPROOF_TRY(TryPack(packs));
    STORMPROOF_TRY(ProbePrefixes());
    // Listed again: a pack the proof deleted and wrote back is a new version now.
    STORMPROOF_ASSIGN_OR_RETURN(packs, ListLatest("data/"));
    STORMPROOF_TRY(SampleRetention(packs));
    RemoveOldCanaries();
    report_.finished_ns = SystemNowNs();
    return std::move(report_);
  }

 private:
  // ---- The canary ----
  Status WriteCanary() {
    const int64_t now = client_.ServerNowNs();
    report_.canary = root_ + "canary/" + FormatUtcCompact(now) + "-" + RandomHex(8);
    canary_bytes_ = CanaryText(now, RandomHex(32));
    canary_lock_ = {proof_.retention.mode,
                    FloorSeconds(now) * kNsPerSecond + proof_.canary_days * kNsPerDay};
    STORMPROOF_TRY(Needing("writing the canary", "s3:PutObject",
                           client_.PutObject(report_.canary, AsBytes(canary_bytes_),
                                             internal::Overwrite::kForbidden, &canary_lock_)));
    STORMPROOF_ASSIGN_OR_RETURN(Latest latest, LatestOf(report_.canary));
    canary_version_ = latest.version_id;
    return Ok();
  }

  // An attacker's overwrite: the same key, other bytes, no lock. In a versioned bucket it makes a
  // new version, which passes when the original still reads back unchanged.
  Status TryOverwrite() {
    ImmutabilityAttempt& attempt = Begin(kAttemptOverwrite);
    Status put = client_.PutObject(report_.canary, AsBytes(kOverwriteText),
                                   internal::Overwrite::kAllowed);
    STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(put));
    if (refused) return Refused(&attempt, put.error());
    if (canary_version_.empty() || canary_version_ == "null") {
      return Allowed(&attempt, "overwriting an object was allowed and the bucket keeps no "
                               "versions: overwriting replaces the only version");
    }
    Result<Bytes> original = client_.GetObjectVersion(report_.canary, canary_version_);
    if (!original) return Needing("reading the canary's version", "s3:GetObjectVersion",
                                  original.error());
    if (AsText(*original) != canary_bytes_) {
      return Allowed(&attempt, "overwriting an object changed its original version");
    }
    attempt.verdict = Verdict::kRefused;
    attempt.answer = "a new version; the original is kept unchanged";
    RemoveOverwrite();
    return Ok();
  }

  // The overwrite's version carries no lock (unless the bucket has a default retention): remove
  // it when the credentials may, so that only the locked canary stays.
  void RemoveOverwrite() {
    Result<Latest> latest = LatestOf(report_.canary);
    if (latest && latest->version_id != canary_version_) {
      (void)client_.DeleteObjectVersion(report_.canary, latest->version_id);
    }
  }

  Status TryShorten() {
    // Earlier, yet still in the future: the canary stays retained whatever the server allows.
    ObjectLock shorter = canary_lock_;
    shorter.retain_until_ns -= 12 * kNsPerHour;
    const std::string allowed =
        "shortening an object's retention was allowed: whoever holds these credentials can "
        "shorten every object's retention and delete it once that ends";
    for (Bypass bypass : {Bypass::kNo, Bypass::kGovernance}) {
      ImmutabilityAttempt& attempt =
          Begin(bypass == Bypass::kNo ? kAttemptShorten : kAttemptShortenBypass);
      Status set = client_.PutObjectRetention(report_.canary, canary_version_, shorter, bypass);
      STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(set));
      if (refused) {
        STORMPROOF_TRY(Refused(&attempt, set.error()));
      } else {
        STORMPROOF_TRY(Allowed(&attempt, bypass == Bypass::kNo
                                             ? allowed
                                             : allowed + " (bypassing governance mode)"));
      }
      shorter.retain_until_ns -= kNsPerHour;
    }
    return Ok();
  }

  Status TryDeleteCanary() {
    bool deleted = false;
    for (Bypass bypass : {Bypass::kNo, Bypass::kGovernance}) {
      ImmutabilityAttempt& attempt =
          Begin(bypass == Bypass::kNo ? kAttemptDeleteVersion : kAttemptDeleteVersionBypass);
      if (deleted) {
        attempt.answer = "the version was already deleted";
        continue;
      }
      Status gone = client_.DeleteObjectVersion(report_.canary, canary_version_, bypass);
      STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(gone));
      if (refused) {
        STORMPROOF_TRY(Refused(&attempt, gone.error()));
        continue;
      }
      deleted = true;
      STORMPROOF_TRY(Allowed(
          &attempt, std::string("deleting an object's version for good was allowed") +
                        (bypass == Bypass::kNo ? "" : " (bypassing governance mode)") +
                        ": whoever holds these credentials can destroy the backups"));
    }
    return Ok();
  }

  // Canaries of earlier proofs whose retention has surely ended (written more than canary_days
  // + 1 days ago) are deleted when the credentials may; with upload-only credentials they stay
  // (docs/object-storage.md says how to remove them).
  void RemoveOldCanaries() {
    const int64_t before = client_.ServerNowNs() - (proof_.canary_days + 1) * kNsPerDay;
    std::vector<ObjectVersion> old;
    Status listed = client_.ListObjectVersions(root_ + "canary/", [&](const ObjectVersion& v) {
      if (v.modified_ns < before && IsCanaryVersion(v)) old.push_back(v);
    });
    if (!listed) return;
    for (const ObjectVersion& v : old) (void)client_.DeleteObjectVersion(v.key, v.version_id);
  }

  bool IsCanaryVersion(const ObjectVersion& v) const {
    const std::string prefix = root_ + "canary/";
    return v.key.starts_with(prefix) &&
           LooksLikeProofCanary(std::string_view(v.key).substr(prefix.size()), v.delete_marker,
                                v.size);
  }

  // ---- A real pack ----
  // What a delete marker on the canary showed (tried before any pack is hidden).
  enum class CanaryMarker { kRefused, kRemovable, kStuck };

  // Hides the canary behind a delete marker and removes the marker again: a pack is hidden by
  // the proof only when this shows the marker can be removed.
  Result<CanaryMarker> HideCanary(std::string* refusal) {
    Status hidden = client_.DeleteObject(report_.canary);
    STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(hidden));
    if (refused) {
      *refusal = RefusalAnswer(hidden.error().message());
      return CanaryMarker::kRefused;
    }
    std::string marker;
    STORMPROOF_TRY(client_.ListObjectVersions(report_.canary, [&](const ObjectVersion& v) {
      if (v.key == report_.canary && v.is_latest && v.delete_marker) marker = v.version_id;
    }));
    if (marker.empty()) {
      *refusal = "answered success, but no delete marker was made";
      return CanaryMarker::kRefused;
    }
    if (!client_.DeleteObjectVersion(report_.canary, marker)) {
      report_.notes.push_back(Describe(report_.canary) + ": hidden by the proof's delete marker, "
                              "which these credentials cannot remove (harmless: only the canary)");
      return CanaryMarker::kStuck;
    }
    report_.notes.push_back(Describe(report_.canary) + ": hidden by the proof's delete marker, "
                            "which it removed again");
    return CanaryMarker::kRemovable;
  }

  Status TryPack(const Listing& packs) {
    const bool canary_held =
        std::none_of(report_.attempts.begin(), report_.attempts.end(),
                     [](const ImmutabilityAttempt& a) { return a.verdict != Verdict::kRefused; });
    std::string refusal;
    STORMPROOF_ASSIGN_OR_RETURN(CanaryMarker marker, HideCanary(&refusal));
    std::string why_not = !canary_held   ? "the canary already shows the lock does not hold: no "
                                           "real data is risked"
                          : packs.empty() ? "the repository has no pack"
                                          : "";
    if (!why_not.empty()) {
      for (const char* name : {kAttemptDeletePack, kAttemptDeletePackBypass}) {
        Begin(name).answer = why_not;
      }
      return HideWithoutPack(marker, refusal);
    }
    auto chosen = packs.begin();
    std::advance(chosen, std::uniform_int_distribution<size_t>(0, packs.size() - 1)(random_));
    const std::string& key = chosen->first;
    tried_pack_ = key;  // its retention is judged by the sample, whether or not it was risked
    Result<Bytes> bytes = client_.GetObjectVersion(key, chosen->second.version_id);
    if (!bytes) return Needing("reading a pack", "s3:GetObjectVersion", bytes.error());
    Result<ObjectRetention> held = client_.GetObjectRetention(key, chosen->second.version_id);
    if (!held) return Needing("reading a pack's retention", "s3:GetObjectRetention", held.error());
    // Kept on local disk too before anything is tried on it: if the pack could not be written
    // back, its bytes are not lost with this process.
    STORMPROOF_ASSIGN_OR_RETURN(std::string copy, KeepLocally(key, *bytes));
    const ObjectLock lock = *held ? **held : ObjectLock{proof_.retention.mode, 0};
    Status tried = TryDeletePack(key, chosen->second.version_id, *bytes, *held, copy);
    if (tried && marker == CanaryMarker::kRemovable) {
      tried = TryHidePack(key, *bytes, lock, copy);
    } else if (tried) {
      tried = HideWithoutPack(marker, refusal);
    }
    if (tried) ForgetLocalCopy(copy);  // the pack is back and verified, or was never touched
    return tried;
  }

  // The hide attempt when no pack may be hidden: what the canary showed (a marker allowed), or,
  // when the canary refused it, a marker on a key under data/ that holds no pack (harmless: it
  // hides nothing).
  Status HideWithoutPack(CanaryMarker marker, const std::string& refusal) {
    ImmutabilityAttempt& attempt = Begin(kAttemptHidePack);
    if (marker != CanaryMarker::kRefused) {
      return Allowed(&attempt, std::string("hiding an object behind a delete marker was allowed "
                                           "(shown on the canary") +
                                   (marker == CanaryMarker::kStuck
                                        ? ", whose marker these credentials cannot remove"
                                        : "") +
                                   "; no pack was hidden)");
    }
    const std::string probe = root_ + "data/stormproof-proof-" + RandomHex(16);
    Status hidden = client_.DeleteObject(probe);
    STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(hidden));
    if (refused) {
      STORMPROOF_TRY(Refused(&attempt, hidden.error()));
      attempt.answer += "; on the canary: " + refusal;
      return Ok();
    }
    (void)client_.ListObjectVersions(probe, [&](const ObjectVersion& v) {
      if (v.key == probe && v.delete_marker) (void)client_.DeleteObjectVersion(probe, v.version_id);
    });
    return Allowed(&attempt, "hiding a pack behind a delete marker was allowed under data/ (tried "
                             "on a key that holds no pack; recoverable: a hidden version is kept)");
  }

  // Deletes the pack's version (without, then with the governance bypass) only with its bytes
  // in memory and on disk (`copy`) and its retention in force; a deletion the server allows is
  // undone at once.
  Status TryDeletePack(const std::string& key, const std::string& version_id, const Bytes& bytes,
                       const ObjectRetention& held, const std::string& copy) {
    const bool in_force = held && held->retain_until_ns > client_.ServerNowNs();
    bool deleted = false;
    for (Bypass bypass : {Bypass::kNo, Bypass::kGovernance}) {
      ImmutabilityAttempt& attempt =
          Begin(bypass == Bypass::kNo ? kAttemptDeletePack : kAttemptDeletePackBypass);
      if (!in_force || deleted) {
        attempt.answer = !in_force ? "its retention is not in force (see the sample): not risked"
                                   : "the version was already deleted (and written back)";
        continue;
      }
      Status gone = client_.DeleteObjectVersion(key, version_id, bypass);
      STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(gone));
      if (refused) {
        STORMPROOF_TRY(Refused(&attempt, gone.error()));
        continue;
      }
      deleted = true;
      STORMPROOF_TRY(Allowed(&attempt, std::string("deleting a pack's version for good was "
                                                   "allowed") +
                                           (bypass == Bypass::kNo ? "" : " (bypassing governance "
                                                                         "mode)") +
                                           ": " + Describe(key) + " (written back at once)"));
      STORMPROOF_TRY(WriteBack(key, bytes, *held, copy, "deleted by the proof"));
    }
    return Ok();
  }

  // Writes `bytes` under `key` again (retained at least as `held`) and reads them back. `what`
  // the proof did to the pack ("deleted by the proof"); `copy` the local file of its bytes, named
  // when this fails.
  Status WriteBack(const std::string& key, const Bytes& bytes, const ObjectLock& held,
                   const std::string& copy, const std::string& what) {
    ObjectLock lock = held;
    lock.retain_until_ns = std::max(
        held.retain_until_ns,
        FloorSeconds(client_.ServerNowNs()) * kNsPerSecond + proof_.retention.days * kNsPerDay);
    Status put = client_.PutObject(key, bytes, internal::Overwrite::kAllowed, &lock);
    Result<internal::ObjectRange> back =
        put ? client_.GetObject(key, 0, 0) : Result<internal::ObjectRange>(put.error());
    if (!back || back->data != bytes) {
      return Error::Io(Describe(key) + ": " + what + ", and writing it back failed (" +
                       (back ? std::string("it reads back different") : back.error().message()) +
                       "); its bytes are kept in " + copy + ": upload that file under this key "
                       "with the maintenance credentials (or restore an older version with "
                       "'stormproof repair')");
    }
    report_.notes.push_back(Describe(key) + ": " + what + ", written back and verified");
    return Ok();
  }

  // A delete marker hides the pack but keeps its version: allowed is recorded (it breaks every
  // reader until removed), and the marker is removed again. Tried only once the canary showed a
  // marker can be removed; if this one cannot, the pack's bytes are written again on top of it
  // (a new version: readable again), verified, and noted.
  Status TryHidePack(const std::string& key, const Bytes& bytes, const ObjectLock& held,
                     const std::string& copy) {
    ImmutabilityAttempt& attempt = Begin(kAttemptHidePack);
    Status hidden = client_.DeleteObject(key);
    STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(hidden));
    if (refused) return Refused(&attempt, hidden.error());
    std::string marker;
    STORMPROOF_TRY(client_.ListObjectVersions(key, [&](const ObjectVersion& v) {
      if (v.key == key && v.is_latest && v.delete_marker) marker = v.version_id;
    }));
    if (marker.empty()) {
      attempt.verdict = Verdict::kRefused;
      attempt.answer = "answered success, but no delete marker was made";
      return Ok();
    }
    STORMPROOF_TRY(Allowed(&attempt, "hiding a pack behind a delete marker was allowed "
                                     "(recoverable: its version is kept)"));
    Status removed = client_.DeleteObjectVersion(key, marker);
    if (!removed) {
      // Written again on top of the marker: a new version, readable; the marker stays in the
      // version history.
      return WriteBack(key, bytes, held, copy,
                       "hidden by the proof's delete marker, which these credentials cannot "
                       "remove (" + RefusalAnswer(removed.error().message()) + ")");
    }
    report_.notes.push_back(Describe(key) + ": hidden by the proof's delete marker, which it "
                            "removed again");
    return Ok();
  }

  // ---- The other prefixes (harmless probes) ----
  // The attempts above touch canary/ and one pack; a bucket policy may protect some prefixes and
  // not others. Under GOVERNANCE (COMPLIANCE refuses every delete and shortening under
  // retention, whoever asks), each prefix is probed without risking anything: a version DELETE
  // bypassing governance of a version that does not exist (a key that holds nothing; for the
  // config, a version id it does not have), and a retention PUT bypassing governance that sets
  // an object's own retain-until again. AccessDenied = refused; success or "no such version" =
  // allowed; any other answer cannot tell, which leaves only COMPLIANCE to prove the prefix.
  Status ProbePrefixes() {
    if (proof_.retention.mode == backend::Retention::Mode::kCompliance) return Ok();
    STORMPROOF_ASSIGN_OR_RETURN(bool same_date_tells, SameDateTells());
    for (const char* prefix : {"snapshots/", "index/", "keys/", "config", "evidence/"}) {
      STORMPROOF_TRY(ProbeDelete(prefix));
      STORMPROOF_TRY(ProbeRetention(prefix, same_date_tells));
    }
    return Ok();
  }

  // Whether a same-date retention PUT (bypassing governance) tells anything: on the canary, a
  // shortening was refused (TryShorten); if setting its own date is refused too, an allowed one
  // elsewhere means a policy that differs there. If the canary allows it, it cannot tell.
  Result<bool> SameDateTells() {
    Status set = client_.PutObjectRetention(report_.canary, canary_version_, canary_lock_,
                                            Bypass::kGovernance);
    if (set) return false;
    return set.error().code() == ErrorCode::kPermissionDenied;
  }

  Status ProbeDelete(const std::string& prefix) {
    ImmutabilityAttempt& attempt = Begin("delete a version under " + prefix +
                                         ", bypassing governance (probe)");
    const bool config = prefix == "config";
    const std::string key = root_ + prefix + (config ? "" : "stormproof-probe-" + RandomHex(16));
    // A version id no object has (RGW's are 32 letters and digits).
    std::string version;
    for (int i = 0; i < 32; ++i) version += "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[random_() % 36];
    Status gone = client_.DeleteObjectVersion(key, version, Bypass::kGovernance);
    if (!gone && gone.error().code() == ErrorCode::kPermissionDenied) {
      return Refused(&attempt, gone.error());
    }
    if (gone || gone.error().code() == ErrorCode::kNotFound) {
      return Allowed(&attempt, "under " + Describe(root_ + prefix) + ", deleting a version "
                               "bypassing governance mode is not refused (a probe on a version "
                               "that does not exist): whoever holds these credentials can "
                               "destroy what is there");
    }
    STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(gone));  // a 5xx: an error
    (void)refused;
    return CannotTell(&attempt, prefix, gone.error());
  }

  Status ProbeRetention(const std::string& prefix, bool same_date_tells) {
    ImmutabilityAttempt& attempt = Begin("change a retention under " + prefix +
                                         ", bypassing governance (probe)");
    STORMPROOF_ASSIGN_OR_RETURN(Listing listed, ListLatest(prefix));
    std::erase_if(listed, [&](const auto& entry) {
      return prefix == "config" && entry.first != root_ + "config";
    });
    if (listed.empty()) {
      attempt.answer = "no object there to probe yet";
      return Ok();
    }
    const auto& [key, latest] = *listed.begin();
    Result<ObjectRetention> held = client_.GetObjectRetention(key, latest.version_id);
    if (!held) return Needing("reading a retention", "s3:GetObjectRetention", held.error());
    if (!*held) {
      attempt.answer = "its first object has no retention (see the sample): not probed";
      return Ok();
    }
    // Its own date again: changes nothing, whatever the server allows.
    Status set = client_.PutObjectRetention(key, latest.version_id, **held, Bypass::kGovernance);
    if (!set && set.error().code() == ErrorCode::kPermissionDenied) {
      return Refused(&attempt, set.error());
    }
    if (set && same_date_tells) {
      return Allowed(&attempt, "under " + Describe(root_ + prefix) + ", changing an object's "
                               "retention bypassing governance mode was allowed (refused on the "
                               "canary): whoever holds these credentials can shorten it and "
                               "delete the object");
    }
    if (set) {
      return CannotTell(&attempt, prefix, Error::InvalidArgument(
                                              "setting an object's own date is allowed on the "
                                              "canary too, where shortening is refused"));
    }
    STORMPROOF_ASSIGN_OR_RETURN(bool refused, WasRefused(set));
    (void)refused;
    return CannotTell(&attempt, prefix, set.error());
  }

  // A probe whose answer tells neither way: only COMPLIANCE mode could prove the prefix.
  Status CannotTell(ImmutabilityAttempt* attempt, const std::string& prefix, const Error& error) {
    return Allowed(attempt, "under " + Describe(root_ + prefix) + ", a harmless probe cannot tell "
                            "whether these credentials may bypass governance mode (" +
                            RefusalAnswer(error.message()) + "): only compliance mode proves "
                            "it (init --object-lock-mode compliance)");
  }

  // ---- The retention sample ----
  Status SampleRetention(const Listing& packs) {
    STORMPROOF_ASSIGN_OR_RETURN(auto snapshots, ListLatest("snapshots/"));
    STORMPROOF_ASSIGN_OR_RETURN(auto index, ListLatest("index/"));
    STORMPROOF_ASSIGN_OR_RETURN(auto keys, ListLatest("keys/"));
    STORMPROOF_ASSIGN_OR_RETURN(auto config, ListLatest("config"));
    STORMPROOF_ASSIGN_OR_RETURN(auto evidence, ListLatest("evidence/"));
    const int64_t now = client_.ServerNowNs();
    STORMPROOF_TRY(Check(snapshots, Keys(snapshots), now, &report_.sample.snapshots));
    STORMPROOF_TRY(Check(index, ChooseSample(Keys(index), proof_.max_index, random_()), now,
                         &report_.sample.index));
    STORMPROOF_TRY(Check(packs, PackSample(packs), now, &report_.sample.packs));
    STORMPROOF_TRY(Check(keys, Keys(keys), now, &report_.sample.keys));
    STORMPROOF_TRY(Check(evidence, EvidenceSample(evidence), now, &report_.sample.evidence));
    // ListLatest("config") finds every key that starts with it: keep the config alone.
    std::erase_if(config, [&](const auto& entry) { return entry.first != root_ + "config"; });
    if (config.empty()) {
      return Error::NotFound(Describe(root_ + "config") + ": no repository config found");
    }
    return Check(config, Keys(config), now, &report_.sample.config);
  }

  // Up to max_packs packs at random, always with the one TryPack chose if it is still listed
  // (even when max_packs is 0):
  // a pack whose retention was not in force is not risked, and must not pass unseen either.
  std::vector<std::string> PackSample(const Listing& packs) {
    std::vector<std::string> chosen = ChooseSample(Keys(packs), proof_.max_packs, random_());
    if (tried_pack_.empty() || !packs.contains(tried_pack_) ||
        std::find(chosen.begin(), chosen.end(), tried_pack_) != chosen.end()) {
      return chosen;
    }
    if (!chosen.empty() && chosen.size() >= static_cast<size_t>(proof_.max_packs)) {
      chosen.pop_back();
    }
    chosen.insert(chosen.begin(), tried_pack_);
    return chosen;
  }

  // Up to max_evidence evidence files: the oldest (evidence is never removed, so it is the first
  // whose retention would lapse if upkeep left evidence out) and the rest at random.
  std::vector<std::string> EvidenceSample(const Listing& evidence) {
    if (evidence.empty() || proof_.max_evidence <= 0) return {};
    auto oldest = std::min_element(evidence.begin(), evidence.end(), [](const auto& a,
                                                                        const auto& b) {
      return a.second.modified_ns < b.second.modified_ns;
    });
    std::vector<std::string> others;
    for (const auto& [key, latest] : evidence) {
      if (key != oldest->first) others.push_back(key);
    }
    std::vector<std::string> chosen = ChooseSample(others, proof_.max_evidence - 1, random_());
    chosen.insert(chosen.begin(), oldest->first);
    return chosen;
  }

  Status Check(const Listing& listed, const std::vector<std::string>& keys,
               int64_t now, int* counted) {
    for (const std::string& key : keys) {
      const Latest& latest = listed.at(key);
      Result<ObjectRetention> held = client_.GetObjectRetention(key, latest.version_id);
      if (!held) return Needing("reading a retention", "s3:GetObjectRetention", held.error());
      RetainedObject object{Describe(key), latest.modified_ns, std::nullopt, 0};
      if (*held) {
        object.mode = (*held)->mode;
        object.retain_until_ns = (*held)->retain_until_ns;
        int64_t& earliest = report_.earliest_retain_until_ns;
        if (earliest == 0 || object.retain_until_ns < earliest) earliest = object.retain_until_ns;
      }
      if (auto shortfall = RetentionShortfall(object, proof_.retention, now, ValidForNs())) {
        report_.short_retention.push_back(*shortfall);
      }
      ++*counted;
    }
    return Ok();
  }

  // How long past now every object sampled must stay retained (ImmutabilityOptions::valid_for_ns):
  // the proof's own validity, but never more than upkeep keeps (N - E days), which a repository
  // kept up as designed always meets; beyond that, upkeep carries it (and its lapse is a finding
  // of its own, retention-upkeep-lapsing).
  int64_t ValidForNs() const {
    const int days = proof_.retention.days - backend::RetentionSpareDays(proof_.retention);
    const int64_t upkeep_keeps = int64_t{std::max(days, 0)} * kNsPerDay;
    if (proof_.valid_for_ns > 0) return std::min(proof_.valid_for_ns, upkeep_keeps);
    return upkeep_keeps;
  }

  // The newest version of every object under root_ + `rest` that is not hidden by a delete
  // marker (a hidden one is noted). The older versions listed tell of overwrites (NoteRewrites).
  Result<Listing> ListLatest(const std::string& rest) {
    Listing latest;
    std::map<std::string, internal::StoredContent> stored;
    Status listed = client_.ListObjectVersions(root_ + rest, [&](const ObjectVersion& v) {
      if (!v.delete_marker) stored[v.key].Add(v);
      if (!v.is_latest) return;
      if (v.delete_marker) {
        report_.notes.push_back(Describe(v.key) + " is hidden behind a delete marker");
        return;
      }
      latest[v.key] = {v.version_id, v.modified_ns};
    });
    if (!listed) return Needing("listing versions", "s3:ListBucketVersions", listed.error());
    NoteRewrites(stored);
    return latest;
  }

  // A config stored with other content, or any other file, is a problem while it is
  // overwritten (stored_content.h: its current content differs from its oldest, the one the
  // repository wrote); one `repair --as-of` restored (the attacker's version stays beside it)
  // is noted. Each is reported once.
  void NoteRewrites(const std::map<std::string, internal::StoredContent>& stored) {
    using Rewrite = internal::StoredContent::Rewrite;
    for (const auto& [key, s] : stored) {
      if (key.starts_with(root_ + "canary/")) continue;  // the proof overwrites its canary
      if (s.rewrite() == Rewrite::kNone || !rewrites_seen_.insert(key).second) continue;
      const std::string versions = std::to_string(s.versions()) + " versions";
      if (s.rewrite() == Rewrite::kRestored) {
        report_.notes.push_back(Describe(key) + ": restored after an overwrite (" + versions +
                                "; its current content is the one first written)");
      } else if (key == root_ + "config") {
        report_.problems.push_back(
            Describe(key) + ": the config was rewritten after the repository was made (" +
            versions + "): whoever did can change what every writer obeys, the retention "
            "included; see 'repair --as-of' (docs/object-storage.md)");
      } else {
        report_.problems.push_back(
            Describe(key) + " was overwritten after it was written (" + versions +
            " with different content), by an attack or a faulty tool: run 'stormproof check "
            "--read-data' and see 'repair --as-of' (docs/object-storage.md)");
      }
    }
  }

  Result<Latest> LatestOf(const std::string& key) {
    STORMPROOF_ASSIGN_OR_RETURN(auto listed, ListLatest(key.substr(root_.size())));
    auto found = listed.find(key);
    if (found == listed.end()) {
      return Error::NotFound(Describe(key) + ": written, but the version listing does not show it");
    }
    return found->second;
  }

  // ---- Helpers ----
  ImmutabilityAttempt& Begin(const std::string& name) {
    report_.attempts.push_back({name});
    return report_.attempts.back();
  }
  Status Refused(ImmutabilityAttempt* attempt, const Error& error) {
    attempt->verdict = Verdict::kRefused;
    attempt->answer = RefusalAnswer(error.message());
    return Ok();
  }
  Status Allowed(ImmutabilityAttempt* attempt, const std::string& sentence) {
    attempt->verdict = Verdict::kAllowed;
    attempt->allowed = sentence;
    return Ok();
  }
  // `error` of a step the proof needs, saying so and which permission it takes.
  static Error Needing(const std::string& step, const char* permission, const Error& error) {
    std::string hint = error.code() == ErrorCode::kPermissionDenied
                           ? std::string(" (the proof needs ") + permission + ")"
                           : "";
    return Error(error.code(), "the proof could not run: " + step + ": " + error.message() + hint);
  }
  static Status Needing(const std::string& step, const char* permission, const Status& status) {
    if (status) return Ok();
    return Needing(step, permission, status.error());
  }
  std::string Describe(const std::string& key) const { return client_.Describe(key); }
  static std::vector<std::string> Keys(const Listing& listed) {
    std::vector<std::string> keys;
    for (const auto& [key, latest] : listed) keys.push_back(key);
    return keys;
  }
  std::string RandomHex(int digits) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string text;
    for (int i = 0; i < digits; ++i) text += kHex[random_() % 16];
    return text;
  }

  Location location_;
  Client client_;
  ImmutabilityOptions proof_;
  std::mt19937_64 random_;
  std::string root_;
  ImmutabilityReport report_;
  std::string canary_bytes_;
  ObjectLock canary_lock_;
  std::string canary_version_;
  std::set<std::string> rewrites_seen_;  // keys NoteRewrites reported
  std::string tried_pack_;  // the pack TryPack chose: always in the retention sample
};

}  // namespace

bool LooksLikeProofCanary(std::string_view name, bool delete_marker, uint64_t size) {
  auto digits = [&](size_t from, size_t to) {
    return std::all_of(name.begin() + from, name.begin() + to,
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  const bool named = name.size() == 25 && digits(0, 8) && name[8] == 'T' && digits(9, 15) &&
                     name[15] == 'Z' && name[16] == '-' &&
                     std::all_of(name.begin() + 17, name.end(), [](char c) {
                       return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                     });
  return named && (delete_marker || size == CanaryText(0, std::string(32, '0')).size() ||
                   size == std::string_view(kOverwriteText).size());
}

Result<ImmutabilityReport> ProveImmutability(Options options, const ImmutabilityOptions& proof) {
  options.retention.reset();  // the proof says what each request carries
  Prover prover(std::move(options), proof);
  return prover.Run();
}

}  // namespace stormproof::s3
