// What a repository written by someone else can do through the CLI: text from it (file names,
// snapshot paths, host names, tags) never reaches the terminal with a raw control byte, and
// `restore --untrusted` keeps special files and setuid bits off the disk. The real binary on
// real files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Names that would move the cursor, recolour or retitle a terminal, or fake a line.
const std::string kHost = "h\x1b[2Jost\nfake line";
const std::string kTagKey = "k\x1b[1m";
const std::string kTagValue = "v\nw";
const std::string kDirName = "evil\x1b[31m\ndir";
const std::string kFileName =
    "\x1b]0;pwned\x07"
    "file";

// The bytes of `text` a terminal would act on: C0 controls other than the newline that ends a
// line, DEL, and the C1 controls U+0080..U+009F (as UTF-8).
std::vector<std::string> RawControls(const std::string& text) {
  std::vector<std::string> found;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    bool c1 = c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
              static_cast<unsigned char>(text[i + 1]) < 0xA0;
    if ((c < 0x20 && c != '\n') || c == 0x7F || c1) {
      found.push_back("byte " + std::to_string(c) + " at " + std::to_string(i));
    }
  }
  return found;
}

size_t Lines(const std::string& text) {
  size_t n = 0;
  for (char c : text) n += c == '\n';
  return n;
}

// `s` as one word for /bin/sh: single-quoted, so control bytes and newlines pass unchanged.
std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

class HostileRepositoryCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-hostile-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    data_ = dir_ / "data" / kDirName;
    fs::create_directories(data_);
    std::ofstream(data_ / kFileName, std::ios::binary) << "payload\n";
    std::ofstream(dir_ / "password") << "correct horse\n";
    repo_ = (dir_ / "repo").string();
    env_ = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "password").string() +
           " STORMPROOF_REPOSITORY=" + repo_;
    ASSERT_EQ(Run("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }

  // Backs up the hostile directory under a hostile host name and tag; returns the snapshot id.
  std::string BackupHostile() {
    CliResult r = Run("backup --json --host " + Quote(kHost) + " --tag " +
                      Quote(kTagKey + "=" + kTagValue) + " " + Quote(data_.string()));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return LastJsonLine(r.out)["snapshot_id"];
  }

  fs::path dir_, data_;
  std::string repo_, env_;
};

TEST_F(HostileRepositoryCliTest, SnapshotsEscapesHostTagsAndPaths) {
  BackupHostile();
  CliResult r = Run("snapshots");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(RawControls(r.out), std::vector<std::string>{}) << r.out;
  EXPECT_EQ(Lines(r.out), 3u) << "header, one snapshot, count:\n" << r.out;
  EXPECT_THAT(r.out, HasSubstr("h\\x1b[2Jost\\x0afake line")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("k\\x1b[1m=v\\x0aw")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("evil\\x1b[31m\\x0adir")) << r.out;

  // JSON carries the raw values (the JSON encoder escapes them).
  CliResult j = Run("snapshots --json");
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(RawControls(j.out), std::vector<std::string>{}) << j.out;
  json list = json::parse(j.out);
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["hostname"], kHost);
  EXPECT_EQ(list[0]["tags"][kTagKey], kTagValue);
  EXPECT_EQ(list[0]["paths"][0], data_.string());
}

TEST_F(HostileRepositoryCliTest, ForgetEscapesTheGroupItPrints) {
  BackupHostile();
  CliResult r = Run("forget --keep-last 1 --dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(RawControls(r.out), std::vector<std::string>{}) << r.out;
  EXPECT_THAT(r.out, HasSubstr("host h\\x1b[2Jost\\x0afake line, paths [")) << r.out;
}

TEST_F(HostileRepositoryCliTest, RestoreErrorsEscapeTheNamesTheyQuote) {
  BackupHostile();
  fs::path target = dir_ / "target";
  // A directory where the file goes: the file cannot be restored, and the error names it.
  fs::create_directories(target / data_.relative_path() / kFileName);
  CliResult r = Run("restore latest --target " + Quote(target.string()));
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(RawControls(r.err), std::vector<std::string>{}) << r.err;
  EXPECT_EQ(RawControls(r.out), std::vector<std::string>{}) << r.out;
  EXPECT_THAT(r.err, HasSubstr("evil\\x1b[31m\\x0adir/\\x1b]0;pwned\\x07file: ")) << r.err;

  CliResult j = Run("restore latest --json --target " + Quote(target.string()));
  EXPECT_EQ(j.exit_code, 3) << j.err;
  bool found = false;
  std::istringstream lines(j.out);
  for (std::string line; std::getline(lines, line);) {
    json message = json::parse(line);
    if (message["message_type"] == "error") {
      EXPECT_EQ(message["item"], (data_ / kFileName).string()) << "JSON keeps the raw path";
      found = true;
    }
  }
  EXPECT_TRUE(found) << j.out;
}

TEST_F(HostileRepositoryCliTest, CheckEscapesThePathsOfDamagedFiles) {
  BackupHostile();
  std::vector<fs::path> packs;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(repo_) / "data")) {
    if (entry.is_regular_file()) packs.push_back(entry.path());
  }
  ASSERT_FALSE(packs.empty());
  bool named = false;
  for (const fs::path& pack : packs) {  // one of them holds the file's data
    fs::path aside = dir_ / "aside";
    fs::rename(pack, aside);
    CliResult r = Run("check");
    fs::rename(aside, pack);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_EQ(RawControls(r.out), std::vector<std::string>{}) << r.out;
    EXPECT_EQ(RawControls(r.err), std::vector<std::string>{}) << r.err;
    named |= r.out.find("\\x1b]0;pwned\\x07file") != std::string::npos;
  }
  EXPECT_TRUE(named) << "check names the file whose data is gone";
}

TEST_F(HostileRepositoryCliTest, UntrustedRestoreLeavesOutFifosAndSetuidBits) {
  fs::path plain = dir_ / "plain";
  fs::create_directories(plain);
  ASSERT_EQ(::mkfifo((plain / "pipe").c_str(), 0644), 0);
  std::ofstream(plain / "tool") << "#!/bin/true\n";
  ASSERT_EQ(::chmod((plain / "tool").c_str(), 04755), 0);
  ASSERT_EQ(Run("backup " + plain.string()).exit_code, 0);

  fs::path target = dir_ / "untrusted";
  CliResult r = Run("restore latest --untrusted --json --target " + target.string());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  json summary = LastJsonLine(r.out);
  EXPECT_EQ(summary["special_skipped"], 1);
  EXPECT_EQ(summary["setid_cleared"], 1);
  EXPECT_EQ(summary["errors"], 0);
  fs::path restored = target / plain.relative_path();
  EXPECT_FALSE(fs::exists(fs::symlink_status(restored / "pipe")));
  struct stat st {};
  ASSERT_EQ(::stat((restored / "tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0755u);

  CliResult text = Run("restore latest --untrusted --target " + (dir_ / "again").string());
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("setuid/setgid bits cleared on 1 entries (--untrusted)"))
      << text.out;
  EXPECT_THAT(text.out, HasSubstr("1 device nodes, fifos and sockets not created")) << text.out;

  // Without --untrusted, root keeps both (a non-root run clears setuid and says so).
  fs::path trusted = dir_ / "trusted";
  CliResult t = Run("restore latest --json --target " + trusted.string());
  ASSERT_EQ(t.exit_code, 0) << t.out << t.err;
  EXPECT_TRUE(fs::is_fifo(trusted / plain.relative_path() / "pipe"));
  ASSERT_EQ(::stat((trusted / plain.relative_path() / "tool").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, ::geteuid() == 0 ? 04755u : 0755u);
}

}  // namespace
}  // namespace stormproof::testing
