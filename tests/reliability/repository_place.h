// Where a reliability suite keeps its repositories, so that one suite runs on every kind of
// storage: local directories (the default build of each suite) or prefixes of a bucket in the
// test binary's Ceph RGW (the s3_* builds). The suite's source is the same; which place it gets
// is decided by the file it is linked with (local_place.cc or s3_place.cc), see
// tests/CMakeLists.txt.
//
// Repositories are named by short words ("base-one", "repo"); each place maps a name to a
// location of its own. Not thread-safe.
#ifndef STORMPROOF_TESTS_RELIABILITY_REPOSITORY_PLACE_H_
#define STORMPROOF_TESTS_RELIABILITY_REPOSITORY_PLACE_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "engine/backend/backend.h"

namespace stormproof::testing {

class RepositoryPlace {
 public:
  virtual ~RepositoryPlace() = default;

  // "local" or "s3", for messages.
  virtual std::string Kind() const = 0;
  // Whether a power cut can lose writes the storage acknowledged (a local file system before
  // fsync); not an object store, whose PUT is durable when it is answered.
  virtual bool HasPowerCut() const = 0;

  // The location of repository `name`, as --repo and STORMPROOF_REPOSITORY take it.
  virtual std::string Location(const std::string& name) const = 0;
  // Environment words every stormproof process of the suite gets ("" or "XDG_CACHE_HOME=... XDG_STATE_HOME=...").
  virtual std::string CommandEnvironment() const = 0;
  // Replaces repository `to` (when it exists) by a copy of every file of `from`.
  virtual void Copy(const std::string& from, const std::string& to) = 0;
  // Removes repository `name` and everything in it; nothing when it does not exist.
  virtual void Remove(const std::string& name) = 0;
  // The prune command (arguments after "stormproof") that removes whatever a crash left
  // unindexed in `name`, past prune's grace period: on a local disk the test ages those packs'
  // files by 41 minutes; an object's time cannot be set, so on S3 prune is told that nothing
  // else writes (--unindexed-grace 0s), which is true in the suites.
  virtual std::string PruneOfLeftovers(const std::string& name) = 0;

  // A new, empty store for an in-process suite: the in-memory backend locally (with `clock`
  // stamping files), a fresh prefix of the bucket on S3.
  virtual std::shared_ptr<backend::Backend> NewStore(const std::string& name,
                                                     int64_t (*clock)()) = 0;

  // How much of each suite this place runs by default: crash points per case (all of them
  // locally), seeded corruptions, and the size of the crash suite's large files.
  virtual size_t DefaultCrashPoints() const = 0;
  // The environment variable that overrides DefaultCrashPoints() for this place (one each, so
  // that a pass can sample the local suite more widely without multiplying the S3 one).
  virtual const char* CrashPointsVariable() const = 0;
  virtual uint64_t DefaultCorruptions() const = 0;
  virtual size_t LargeFileBytes() const = 0;
};

// The place this test binary was linked with; `work` is a scratch directory of the suite (local
// repositories live in it; on S3, the cache). Fails the test binary when the place cannot be
// set up (no RGW).
std::unique_ptr<RepositoryPlace> MakeRepositoryPlace(const std::filesystem::path& work);

}  // namespace stormproof::testing

#endif  // STORMPROOF_TESTS_RELIABILITY_REPOSITORY_PLACE_H_
