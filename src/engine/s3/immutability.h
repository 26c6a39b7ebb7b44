// The immutability proof of a repository in S3 object storage (`stormproof check
// --immutability`, docs/object-storage.md, "Proving immutability"): with the credentials it is
// given (the backup host's), it tries what an attacker holding them would try, and reads the
// retention the server keeps on a sample of the repository's objects. A repository is proven
// immutable only when every forbidden attempt was refused and every object sampled is retained
// as its config promises.
//
// What it writes: one canary object under PREFIX/canary/ (kept by the server for
// ImmutabilityOptions::canary_days, then removable), and, when an overwrite is allowed, a second
// version of it. What it never does: lose data. It tries to delete a real pack only after the
// canary showed the lock holding, and only after reading the pack whole into memory and into a
// local file (mode 0600, under the system's temporary directory: named in the error if the pack
// cannot be written back, removed otherwise); a pack the server let it delete is written back at
// once (same key, same bytes, retained) and read back. It puts a delete marker on a pack only
// after one on the canary could be removed again, and removes it again (or, if that fails,
// writes the pack's bytes on top of it). Under governance mode it also probes the other prefixes
// (snapshots/, index/, keys/, config, evidence/) harmlessly: a version DELETE with the bypass of
// a version that does not exist, and a retention PUT with the bypass of an object's own date.
//
// Plain functions over fresh objects: thread-safe.
#ifndef STORMPROOF_ENGINE_S3_IMMUTABILITY_H_
#define STORMPROOF_ENGINE_S3_IMMUTABILITY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/backend/backend.h"
#include "engine/s3/s3.h"

namespace stormproof::s3 {

// One thing the proof tried that the credentials must not be allowed to do.
struct ImmutabilityAttempt {
  enum class Verdict { kRefused, kAllowed, kSkipped };
  std::string name = {};  // "delete the canary's version", ... (kAttempt* below)
  Verdict verdict = Verdict::kSkipped;
  // kRefused: what the server answered ("AccessDenied", "HTTP 403"); kAllowed: "";
  // kSkipped: why it was not tried.
  std::string answer = {};
  // kAllowed: the one plain sentence that says what was allowed and what it means.
  std::string allowed = {};
};
const char* AttemptVerdictWord(ImmutabilityAttempt::Verdict verdict);  // "refused", ...

// The attempts, in the order they are made (their `name`s).
inline constexpr char kAttemptOverwrite[] = "overwrite the canary";
inline constexpr char kAttemptShorten[] = "shorten the canary's retention";
inline constexpr char kAttemptShortenBypass[] =
    "shorten the canary's retention, bypassing governance";
inline constexpr char kAttemptDeleteVersion[] = "delete the canary's version";
inline constexpr char kAttemptDeleteVersionBypass[] =
    "delete the canary's version, bypassing governance";
inline constexpr char kAttemptDeletePack[] = "delete a pack's version";
inline constexpr char kAttemptDeletePackBypass[] =
    "delete a pack's version, bypassing governance";
inline constexpr char kAttemptHidePack[] = "hide a pack behind a delete marker";

// What the retention sample covered, by kind of object.
struct RetentionSample {
  int snapshots = 0, index = 0, packs = 0, keys = 0, config = 0;
  int evidence = 0;  // evidence files (evidence/), retained as long as the data
  int total() const { return snapshots + index + packs + keys + config + evidence; }
};

struct ImmutabilityReport {
  std::string location = {};          // "s3:https://host/bucket/prefix"
  backend::Retention retention = {};  // what the repository's config records
  std::string canary = {};            // the canary's key
  std::vector<ImmutabilityAttempt> attempts = {};
  RetentionSample sample = {};
  // The earliest retain-until date among the objects sampled that have a retention: what the
  // proof found holds until then only (an object sampled without retention is in
  // short_retention). 0 when no object sampled had one.
  int64_t earliest_retain_until_ns = 0;
  // Every object sampled whose retention is missing, in another mode or too short, one
  // sentence each naming the object and the dates.
  std::vector<std::string> short_retention = {};
  // What else keeps the repository from being immutable, one sentence each: a config that does
  // not verify or was rewritten after the repository was made, files overwritten after they
  // were written (seen in the version listings), a retention weaker than expected.
  std::vector<std::string> problems = {};
  // What the proof did that an operator should know (a delete marker removed, a pack written
  // back), one sentence each.
  std::vector<std::string> notes = {};
  int64_t started_ns = 0, finished_ns = 0;

  // Every sentence of what was allowed: the attempts allowed, short_retention, then problems.
  std::vector<std::string> Allowed() const;
  // True when nothing was allowed and the sample covered at least the config.
  bool proven() const;
};

struct ImmutabilityOptions {
  // The retention the repository's config records (Repository::retention()).
  backend::Retention retention = {};
  // How long the canary is retained: short, so canaries do not pile up for `retention.days`.
  int canary_days = 1;
  int max_index = 32;  // index files sampled (at random)
  int max_packs = 64;  // packs sampled (at random)
  // Evidence files sampled: the oldest (the first whose retention would lapse without upkeep)
  // and the rest at random.
  int max_evidence = 32;
  uint64_t seed = 0;   // of the random sample; 0 = from the clock
  // How long the proof counts once made (the plan's run.check_every): every object sampled must
  // stay retained at least that long past now, or a proof made the day before its objects become
  // deletable would count as "proven" after they are; capped at N - E days
  // (retention.days - backend::RetentionSpareDays(retention)), the least that upkeep keeps, so a
  // lock shorter than the cadence can still be proven while upkeep carries it. 0 (the default, a
  // proof without a plan): N - E days.
  int64_t valid_for_ns = 0;
  // The retention the plan expects (its repository's object_lock), if it says: the proof fails
  // when `retention` is weaker (fewer days, or governance where compliance is expected).
  std::optional<backend::Retention> expected = {};
  // Why the repository's config cannot be trusted, if so (Repository::read_only_reason(): its
  // mac does not verify, so `retention` may be forged): the proof then fails with it at once,
  // trying and writing nothing.
  std::optional<std::string> untrusted_config = {};
};

// Runs the proof on the repository at options.location with options.credentials (and nothing
// else of options.retention: ImmutabilityOptions::retention is what is proven). Returns the
// report, proven or not. Errors (the proof could not run, so it proves nothing either way): the
// canary could not be written or read (a permission the proof needs: s3:PutObject,
// s3:GetObjectVersion, s3:ListBucketVersions, s3:GetObjectRetention; a missing bucket),
// an unreachable server, a pack deleted by an attempt that could not be written back (kIo,
// naming the pack and where its bytes were kept: the message says what to do).
Result<ImmutabilityReport> ProveImmutability(Options options, const ImmutabilityOptions& proof);

// ---- The pure parts, exposed for tests ----

// An object of the sample, as the server keeps it.
struct RetainedObject {
  std::string key = {};
  int64_t modified_ns = 0;  // Last-Modified
  // The retention found: no value when the object has none.
  std::optional<backend::Retention::Mode> mode = {};
  int64_t retain_until_ns = 0;
};
// Why `object` is not retained as `promised` asks (by `now_ns`): no retention, another mode, a
// retain-until before its Last-Modified + days (one second of rounding allowed), not in the
// future, or ending before now_ns + valid_for_ns (while the proof still counts: the sentence
// says how long is left). Nothing when it is retained well enough.
std::optional<std::string> RetentionShortfall(const RetainedObject& object,
                                              const backend::Retention& promised, int64_t now_ns,
                                              int64_t valid_for_ns);
// Why `recorded` (the config's retention; none: no Object Lock) is weaker than `expected`:
// fewer days, governance where compliance is expected, or none at all; naming both. Nothing
// when it is at least as strong.
std::optional<std::string> WeakerRetention(const std::optional<backend::Retention>& recorded,
                                           const backend::Retention& expected);
// The server's word in a refusal's one-line message: the text in the first parentheses up to a
// ':' ("AccessDenied" of "...: access denied (AccessDenied): check ..."), else "refused".
std::string RefusalAnswer(std::string_view message);
// Whether a version under PREFIX/canary/ named `name` (the rest of its key) is one a proof
// wrote, and so one an old-canary cleanup may delete: named as canaries are
// ("20261207T014808Z-cd506771") and a delete marker or holding a canary's text or the overwrite
// attempt's (by `size`).
bool LooksLikeProofCanary(std::string_view name, bool delete_marker, uint64_t size);
// Up to `count` of `items`, chosen at random with `seed` (all of them when there are no more);
// in the order of `items`.
std::vector<std::string> ChooseSample(const std::vector<std::string>& items, int count,
                                      uint64_t seed);

}  // namespace stormproof::s3

#endif  // STORMPROOF_ENGINE_S3_IMMUTABILITY_H_
