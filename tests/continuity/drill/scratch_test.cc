#include "continuity/drill/scratch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/matchers.h"

namespace stormproof::drill {
namespace {

namespace fs = std::filesystem;

class ScratchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stormproof-scratch-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    parent_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    for (auto it = fs::recursive_directory_iterator(parent_, ignored);
         it != fs::recursive_directory_iterator(); it.increment(ignored)) {
      if (it->is_directory(ignored) && !it->is_symlink(ignored)) {
        fs::permissions(it->path(), fs::perms::owner_all, ignored);
      }
    }
    fs::remove_all(parent_, ignored);
  }

  ScratchDirectory MakeScratch() {
    auto scratch = ScratchDirectory::Make(parent_ + "/drills", "app");
    EXPECT_THAT(scratch, IsOk());
    return std::move(scratch).value();
  }

  // `live`'s owner file with the pid of a process that has ended: a drill that died.
  static std::string DeadOwner(const ScratchDirectory& live) {
    std::ifstream in(fs::path(live.path()) / ScratchDirectory::kOwnerFile);
    std::string owner((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    pid_t child = ::fork();
    if (child == 0) ::_exit(0);
    EXPECT_GT(child, 0);
    ::waitpid(child, nullptr, 0);
    std::string pid = "\"pid\":" + std::to_string(::getpid());
    owner.replace(owner.find(pid), pid.size(), "\"pid\":" + std::to_string(child));
    return owner;
  }

  static void WriteFile(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << content;
  }

  std::string parent_;
};

TEST_F(ScratchTest, MakesAPrivateDirectoryWithARestoreFolder) {
  ScratchDirectory scratch = MakeScratch();
  EXPECT_EQ(fs::path(scratch.path()).parent_path(), fs::path(parent_ + "/drills"));
  EXPECT_EQ(fs::path(scratch.path()).filename().string().rfind("stormproof-drill-app-", 0), 0u);
  struct stat st {};
  ASSERT_EQ(::stat(scratch.path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0700u);
  EXPECT_TRUE(fs::is_directory(scratch.restore_path()));
}

TEST_F(ScratchTest, RemovesAWideDeepReadOnlyTree) {
  ScratchDirectory scratch = MakeScratch();
  // A restored copy: a long chain of single directories (the backed-up path) above a wide
  // level, read-only directories and files, and a chain deeper than the parallel split goes.
  fs::path top = fs::path(scratch.restore_path()) / "var/lib/app/data";
  for (int d = 0; d < 40; ++d) {
    for (int f = 0; f < 5; ++f) {
      WriteFile(top / ("dir" + std::to_string(d)) / ("file" + std::to_string(f)), "x");
    }
  }
  fs::path deep = top / "deep";
  for (int level = 0; level < 100; ++level) deep /= "d";
  WriteFile(deep / "leaf", "leaf");
  fs::permissions(top / "dir3", fs::perms::owner_read | fs::perms::owner_exec);
  fs::permissions(deep, fs::perms::owner_read | fs::perms::owner_exec);

  const std::string path = scratch.path();
  ASSERT_THAT(scratch.Remove(), IsOk());
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(parent_ + "/drills"));
}

TEST_F(ScratchTest, NeverFollowsSymlinksOutOfTheDirectory) {
  WriteFile(parent_ + "/outside/keep.txt", "precious");
  ScratchDirectory scratch = MakeScratch();
  fs::path restored = fs::path(scratch.restore_path()) / "srv";
  fs::create_directories(restored);
  fs::create_directory_symlink(parent_ + "/outside", restored / "link-to-dir");
  fs::create_symlink(parent_ + "/outside/keep.txt", restored / "link-to-file");
  for (int d = 0; d < 20; ++d) WriteFile(restored / ("d" + std::to_string(d)) / "f", "x");

  ASSERT_THAT(scratch.Remove(), IsOk());
  EXPECT_FALSE(fs::exists(scratch.path()));
  std::ifstream kept(parent_ + "/outside/keep.txt");
  std::string content;
  kept >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(ScratchTest, KeptDirectoryOutlivesTheObject) {
  std::string path;
  {
    ScratchDirectory scratch = MakeScratch();
    WriteFile(fs::path(scratch.restore_path()) / "file", "x");
    scratch.Keep();
    ASSERT_THAT(scratch.Remove(), IsOk());
    path = scratch.path();
  }
  EXPECT_TRUE(fs::exists(path + "/restore/file"));
}

TEST_F(ScratchTest, DestructorRemovesWhatWasNotKept) {
  std::string path;
  {
    ScratchDirectory scratch = MakeScratch();
    WriteFile(fs::path(scratch.restore_path()) / "a/b/file", "x");
    path = scratch.path();
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST_F(ScratchTest, UnusableParentIsAClearError) {
  WriteFile(parent_ + "/a-file", "x");
  auto scratch = ScratchDirectory::Make(parent_ + "/a-file/below", "app");
  ASSERT_FALSE(scratch.has_value());
  EXPECT_THAT(scratch.error().message(), HasSubstr(parent_ + "/a-file/below"))
      << scratch.error().message();
}

// A scratch copy is client data: while its drill runs it carries an owner file naming the
// drill's process, so that copies of drills that died are found and removed (and only those).
TEST_F(ScratchTest, ACopyIsMarkedAsItsDrillsWhileItRunsAndNotOnceKept) {
  ScratchDirectory scratch = MakeScratch();
  fs::path owner = fs::path(scratch.path()) / ScratchDirectory::kOwnerFile;
  std::ifstream in(owner);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THAT(text, HasSubstr("\"pid\":" + std::to_string(::getpid()))) << text;
  EXPECT_THAT(text, HasSubstr("\"boot_id\"")) << text;
  scratch.Keep();
  EXPECT_FALSE(fs::exists(owner));  // the technician's now: never removed behind their back
}

TEST_F(ScratchTest, RemovesOnlyTheCopiesOfDrillsThatDied) {
  ScratchDirectory live = MakeScratch();  // this process: still running
  WriteFile(fs::path(live.restore_path()) / "data", "x");
  // A copy whose drill died: the same owner file, with the pid of a process that has ended.
  ScratchDirectory dead_scratch = MakeScratch();
  const std::string dead = dead_scratch.path();
  dead_scratch.Keep();  // let the object go without removing the directory...
  std::string owner = DeadOwner(live);
  WriteFile(fs::path(dead) / ScratchDirectory::kOwnerFile,
            owner);  // ...and mark it as the dead one's
  WriteFile(fs::path(dead) / "restore/client/ledger.db", "client data");
  // Another host's (a shared scratch disk), an unmarked directory and an unrelated one stay.
  std::string other = owner;
  other.replace(other.find("\"hostname\":\""), 12, "\"hostname\":\"elsewhere-");
  WriteFile(parent_ + "/drills/stormproof-drill-app-other1/" + ScratchDirectory::kOwnerFile, other);
  WriteFile(parent_ + "/drills/stormproof-drill-app-nomark/restore/file", "x");
  WriteFile(parent_ + "/drills/unrelated/" + ScratchDirectory::kOwnerFile, owner);

  ScratchDirectory::Abandoned abandoned = ScratchDirectory::RemoveAbandoned(parent_ + "/drills");
  EXPECT_EQ(abandoned.removed, (std::vector<std::string>{dead}));
  EXPECT_TRUE(abandoned.errors.empty());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(fs::path(live.restore_path()) / "data"));
  EXPECT_TRUE(fs::exists(parent_ + "/drills/stormproof-drill-app-other1"));
  EXPECT_TRUE(fs::exists(parent_ + "/drills/stormproof-drill-app-nomark/restore/file"));
  EXPECT_TRUE(fs::exists(parent_ + "/drills/unrelated"));
  EXPECT_TRUE(ScratchDirectory::RemoveAbandoned(parent_ + "/none").removed.empty());
}

// Only a directory as Make creates it is swept: this user's, mode 0700, with a regular owner
// file of this user. Another local user could otherwise plant a "dead drill" in a shared
// scratch parent (/var/tmp) for a run as root to delete.
TEST_F(ScratchTest, NeverRemovesADirectoryItDidNotMake) {
  ScratchDirectory live = MakeScratch();
  std::string owner = DeadOwner(live);
  auto plant = [&](const std::string& name) {
    fs::path dir = parent_ + "/drills/" + name;
    WriteFile(dir / ScratchDirectory::kOwnerFile, owner);
    WriteFile(dir / "restore/victim", "x");
    ::chmod(dir.c_str(), 0700);
    return dir;
  };
  fs::path open_dir = plant("stormproof-drill-app-open01");
  ::chmod(open_dir.c_str(), 0755);  // others may enter: not made by Make
  fs::path linked = plant("stormproof-drill-app-link01");
  fs::remove(linked / ScratchDirectory::kOwnerFile);
  WriteFile(parent_ + "/owner-elsewhere", owner);
  fs::create_symlink(parent_ + "/owner-elsewhere", linked / ScratchDirectory::kOwnerFile);
  std::vector<fs::path> kept = {open_dir, linked};
  if (::geteuid() == 0) {  // as root (CI), a directory of another user
    fs::path foreign = plant("stormproof-drill-app-user01");
    ASSERT_EQ(::chown(foreign.c_str(), 65534, 65534), 0);
    kept.push_back(foreign);
  }
  fs::path ours = plant("stormproof-drill-app-dead01");  // the control: swept

  ScratchDirectory::Abandoned abandoned = ScratchDirectory::RemoveAbandoned(parent_ + "/drills");
  EXPECT_EQ(abandoned.removed, (std::vector<std::string>{ours.string()}));
  for (const fs::path& dir : kept) EXPECT_TRUE(fs::exists(dir / "restore/victim")) << dir;
}

}  // namespace
}  // namespace stormproof::drill
