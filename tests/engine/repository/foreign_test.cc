// What Open and Probe say about a location that holds something other than a stormproof
// repository, judged through the backend (restic's binary config beside key files, borg's INI
// config); real restic and borg directories are covered end to end in
// tests/cli/user_mistakes_test.cc.
#include "engine/repository/internal/foreign.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

Bytes BytesOf(std::string_view text) { return Bytes(text.begin(), text.end()); }

const std::string kKeyName(64, 'a');

TEST(ForeignRepositoryTest, ABinaryConfigBesideKeysIsRestic) {
  auto backend = backend::NewMemoryBackend();
  ASSERT_TRUE(backend
                  ->Save({backend::FileType::kConfig, ""},
                         BytesOf(std::string("\x28\x45\x94\xc5\x00\x01", 6)))
                  .has_value());
  // Without key files it is only a damaged config.
  Status probe = Repository::Probe(*backend);
  ASSERT_FALSE(probe.has_value());
  EXPECT_EQ(probe.error().message(), "memory:/config: config is not valid JSON");
  // Nor beside key files that are not restic's (a damaged stormproof config beside our keys).
  ASSERT_THAT(backend->Save({backend::FileType::kKey, kKeyName}, BytesOf("{}")), IsOk());
  probe = Repository::Probe(*backend);
  ASSERT_FALSE(probe.has_value());
  EXPECT_EQ(probe.error().message(), "memory:/config: config is not valid JSON");
  ASSERT_TRUE(backend
                  ->Save({backend::FileType::kKey, kKeyName},
                         BytesOf(R"({"kdf":"scrypt","N":32768,"r":8,"p":1,"data":"..."})"))
                  .has_value());
  probe = Repository::Probe(*backend);
  ASSERT_FALSE(probe.has_value());
  EXPECT_THAT(probe, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(probe.error().message(),
            "memory:: this is a restic repository, not a stormproof one (use restic, or the "
            "plan's kind: restic)");
  auto opened = Repository::Open(std::move(backend), "password");
  ASSERT_FALSE(opened.has_value());
  EXPECT_EQ(opened.error().message(), probe.error().message());
}

TEST(ForeignRepositoryTest, AnIniConfigWithARepositorySectionIsBorg) {
  auto backend = backend::NewMemoryBackend();
  ASSERT_TRUE(backend
                  ->Save({backend::FileType::kConfig, ""},
                         BytesOf("[repository]\nversion = 1\nsegments_per_dir = 1000\n"))
                  .has_value());
  std::optional<Error> foreign = IdentifyForeignRepository(*backend, nullptr);
  EXPECT_FALSE(foreign.has_value());  // no config given: nothing to judge by
  Bytes config = BytesOf("[repository]\nversion = 1\n");
  foreign = IdentifyForeignRepository(*backend, &config);
  ASSERT_TRUE(foreign.has_value());
  EXPECT_EQ(foreign->message(),
            "memory:: this is a borg repository, not a stormproof one (use borg, or the plan's "
            "kind: borg)");
}

TEST(ForeignRepositoryTest, ADamagedStormproofConfigIsNeverCalledForeign) {
  auto backend = backend::NewMemoryBackend();
  ASSERT_TRUE(
      backend
          ->Save({backend::FileType::kKey, kKeyName}, BytesOf(R"({"kdf":"scrypt","data":"..."})"))
          .has_value());
  std::string damaged = R"({"format":"stormproof-repository","version":1,"id":")";
  damaged += std::string(20, '\0');
  Bytes config = BytesOf(damaged);
  EXPECT_FALSE(IdentifyForeignRepository(*backend, &config).has_value());
}

TEST(ForeignRepositoryTest, OtherTextAndNoConfigKeepTheirOwnErrors) {
  auto backend = backend::NewMemoryBackend();
  Status missing = Repository::Probe(*backend);
  ASSERT_FALSE(missing.has_value());
  EXPECT_THAT(missing, ErrorIs(ErrorCode::kNotFound));
  EXPECT_EQ(missing.error().message(), "memory:: not a stormproof repository (no config)");
  ASSERT_THAT(backend->Save({backend::FileType::kKey, kKeyName}, BytesOf("{}")), IsOk());
  Bytes text = BytesOf("just some text\n");
  EXPECT_FALSE(IdentifyForeignRepository(*backend, &text).has_value());
}

// A hostile directory: a README that is a FIFO (reading it would block forever), a symlink to
// an endless device, or huge, is never read beyond its first bytes, and says nothing.
TEST(ForeignRepositoryTest, AHostileReadmeIsNeverReadWhole) {
  namespace fs = std::filesystem;
  std::string pattern = (fs::temp_directory_path() / "stormproof-foreign-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  auto backend = backend::OpenLocalBackend(dir.string());
  ASSERT_THAT(backend, IsOk());
  ASSERT_EQ(::mkfifo((dir / "README").c_str(), 0600), 0);
  EXPECT_FALSE(IdentifyForeignRepository(**backend, nullptr).has_value());
  fs::remove(dir / "README");
  fs::create_symlink("/dev/zero", dir / "README");
  EXPECT_FALSE(IdentifyForeignRepository(**backend, nullptr).has_value());
  fs::remove(dir / "README");
  // The real thing is still recognised.
  std::ofstream(dir / "README")
      << "This is a Borg Backup repository.\nSee https://borgbackup.org\n";
  std::optional<Error> borg = IdentifyForeignRepository(**backend, nullptr);
  ASSERT_TRUE(borg.has_value());
  EXPECT_THAT(borg->message(), HasSubstr("this is a borg repository"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stormproof::repository
