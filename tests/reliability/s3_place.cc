// The reliability suites on S3 (repository_place.h): every repository is a prefix of one bucket
// in the test binary's Ceph RGW (tests/engine/s3/rgw.h); stormproof processes get the gateway's
// credentials from the environment and a cache folder inside the suite's scratch directory.
// Repositories are copied and removed object by object through the S3 backend itself.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/s3/s3.h"
#include "tests/engine/s3/rgw.h"
#include "tests/reliability/repository_place.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using backend::FileType;

constexpr FileType kAllTypes[] = {FileType::kConfig,   FileType::kKey,   FileType::kLock,
                                  FileType::kSnapshot, FileType::kIndex, FileType::kPack};

class S3Place : public RepositoryPlace {
 public:
  explicit S3Place(fs::path work) : work_(std::move(work)) {
    ExportRgwCredentials();
    bucket_ = CreateRgwBucket(UniqueBucketName("reliability"));
  }

  std::string Kind() const override { return "s3"; }
  bool HasPowerCut() const override { return false; }
  std::string Location(const std::string& name) const override {
    return RgwLocation(bucket_, name);
  }
  std::string CommandEnvironment() const override {
    return "XDG_CACHE_HOME=" + (work_ / "cache").string() +
           " XDG_STATE_HOME=" + (work_ / "state").string();
  }

  void Copy(const std::string& from, const std::string& to) override {
    Remove(to);
    auto source = Open(from);
    auto target = Open(to);
    for (FileType type : kAllTypes) {
      for (const std::string& name : Names(*source, type)) {
        auto data = source->Load({type, name});
        ASSERT_TRUE(data.has_value()) << data.error().message();
        Status saved = target->Save({type, name}, *data);
        ASSERT_TRUE(saved.has_value()) << saved.error().message();
      }
    }
  }

  void Remove(const std::string& name) override {
    auto store = Open(name);
    for (FileType type : kAllTypes) {
      for (const std::string& file : Names(*store, type)) {
        Status removed = store->Remove({type, file});
        ASSERT_TRUE(removed.has_value()) << removed.error().message();
      }
    }
  }

  std::string PruneOfLeftovers(const std::string&) override {
    return "prune --unindexed-grace 0s";
  }

  std::shared_ptr<backend::Backend> NewStore(const std::string& name, int64_t (*)()) override {
    Remove(name);
    return Open(name);
  }

  size_t DefaultCrashPoints() const override { return 4; }
  const char* CrashPointsVariable() const override { return "STORMPROOF_S3_CRASH_POINTS"; }
  uint64_t DefaultCorruptions() const override { return 100; }
  size_t LargeFileBytes() const override { return 1 << 20; }

 private:
  // The S3 backend (uncached) for repository `name`.
  std::unique_ptr<backend::Backend> Open(const std::string& name) const {
    const RgwServer& server = Rgw();
    auto location = s3::ParseLocation(Location(name));
    EXPECT_TRUE(location.has_value());
    s3::Options options;
    options.location = *location;
    options.region = server.region;
    options.credentials.access_key_id = server.access_key;
    options.credentials.secret_access_key = SecretString(std::string(server.secret_key));
    auto opened = s3::OpenBackend(std::move(options));
    if (!opened) {
      ADD_FAILURE() << opened.error().message();
      std::abort();
    }
    return std::move(opened).value();
  }

  static std::vector<std::string> Names(const backend::Backend& store, FileType type) {
    std::vector<std::string> names;
    Status listed = store.List(type, [&](const std::string& n, uint64_t) { names.push_back(n); });
    EXPECT_TRUE(listed.has_value()) << listed.error().message();
    return names;
  }

  fs::path work_;
  std::string bucket_;
};

}  // namespace

std::unique_ptr<RepositoryPlace> MakeRepositoryPlace(const fs::path& work) {
  return std::make_unique<S3Place>(work);
}

}  // namespace stormproof::testing
