// The reliability suites on local storage (repository_place.h): repositories are directories
// under the suite's scratch directory; in-process suites use the in-memory backend.
#include <chrono>

#include "tests/reliability/repository_place.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

class LocalPlace : public RepositoryPlace {
 public:
  explicit LocalPlace(fs::path work) : work_(std::move(work)) {}

  std::string Kind() const override { return "local"; }
  bool HasPowerCut() const override { return true; }
  std::string Location(const std::string& name) const override { return (work_ / name).string(); }
  std::string CommandEnvironment() const override { return ""; }

  void Copy(const std::string& from, const std::string& to) override {
    fs::remove_all(work_ / to);
    fs::copy(work_ / from, work_ / to, fs::copy_options::recursive);
  }
  void Remove(const std::string& name) override { fs::remove_all(work_ / name); }

  // Packs the crash left unindexed are removed once past prune's grace period (40 minutes, by
  // the storage's clock): let that time pass for them.
  std::string PruneOfLeftovers(const std::string& name) override {
    for (const auto& e : fs::recursive_directory_iterator(work_ / name / "data")) {
      if (e.is_regular_file()) {
        fs::last_write_time(e.path(), e.last_write_time() - std::chrono::minutes(41));
      }
    }
    return "prune";
  }

  std::shared_ptr<backend::Backend> NewStore(const std::string&, int64_t (*clock)()) override {
    return backend::NewMemoryBackend(clock);
  }

  size_t DefaultCrashPoints() const override { return 40; }
  const char* CrashPointsVariable() const override { return "STORMPROOF_CRASH_POINTS"; }
  uint64_t DefaultCorruptions() const override { return 300; }
  size_t LargeFileBytes() const override { return 5 << 20; }

 private:
  fs::path work_;
};

}  // namespace

std::unique_ptr<RepositoryPlace> MakeRepositoryPlace(const fs::path& work) {
  return std::make_unique<LocalPlace>(work);
}

}  // namespace stormproof::testing
