// End-to-end tests of forget, ls, diff, stats and key: the real binary on real files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class EngineMoreCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-more-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    repo_ = (dir_ / "repo").string();
    WriteFile("password", "correct horse\n");
    WriteFile("password2", "battery staple\n");
    env_ = EnvWith("password");
    WriteFile("data/hello.txt", "hello, world\n");
    WriteFile("data/sub/big.bin", RandomBytes(3 << 20));
    WriteFile("data/sub/empty", "");
    ASSERT_EQ(Run("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string RandomBytes(size_t n, uint64_t seed = 7) {
    std::mt19937_64 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  std::string EnvWith(const std::string& password_file) {
    return "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / password_file).string() +
           " STORMPROOF_REPOSITORY=" + repo_;
  }
  CliResult Run(const std::string& args) { return RunStormproof(args, env_); }
  std::string Path(const std::string& name) { return (dir_ / name).string(); }
  // Backs up and returns the new snapshot's id.
  std::string Backup(const std::string& args) {
    CliResult r = Run("backup --json " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return LastJsonLine(r.out)["snapshot_id"];
  }
  json Snapshots() { return json::parse(Run("snapshots --json").out); }
  static std::vector<json> JsonLines(const std::string& out) {
    std::vector<json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
    return lines;
  }
  size_t SnapshotFiles() {
    auto files = fs::directory_iterator(fs::path(repo_) / "snapshots");
    return static_cast<size_t>(std::distance(files, fs::directory_iterator()));
  }
  // Standard output of a shell command.
  static std::string Shell(const std::string& command) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    char buffer[4096];
    for (size_t n; pipe && (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
      out.append(buffer, n);
    }
    if (pipe) ::pclose(pipe);
    return out;
  }

  fs::path dir_;
  std::string repo_, env_;
};

TEST_F(EngineMoreCliTest, ForgetDryRunChangesNothing) {
  for (int i = 0; i < 3; ++i) Backup(Path("data"));
  CliResult r = Run("forget --keep-last 1 --dry-run");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("would remove 2 snapshot(s)")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("last snapshot")) << r.out;
  EXPECT_EQ(Snapshots().size(), 3u);
  EXPECT_EQ(SnapshotFiles(), 3u);
}

TEST_F(EngineMoreCliTest, ForgetKeepLastLeavesOneSnapshotPerGroup) {
  fs::copy(dir_ / "data", dir_ / "data2", fs::copy_options::recursive);
  Backup(Path("data"));
  std::string newest_data = Backup(Path("data"));
  Backup(Path("data2"));
  std::string newest_data2 = Backup(Path("data2"));
  std::string other_host = Backup("--host elsewhere " + Path("data"));
  CliResult r = Run("forget --json --keep-last 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json summary = json::parse(r.out);
  EXPECT_EQ(summary["groups"].size(), 3u);
  EXPECT_EQ(summary["removed"], 2);
  std::set<std::string> left;
  for (const json& s : Snapshots()) left.insert(s["id"].get<std::string>());
  EXPECT_EQ(left, (std::set<std::string>{newest_data, newest_data2, other_host}));
  for (const json& group : summary["groups"]) {
    ASSERT_EQ(group["keep"].size(), 1u);
    EXPECT_EQ(group["keep"][0]["reasons"], json::array({"last snapshot"}));
  }
}

TEST_F(EngineMoreCliTest, ForgetNeverTouchesSnapshotsOutsideTheSelection) {
  std::string acme_old = Backup("--tag client=acme " + Path("data"));
  Backup("--tag client=acme " + Path("data"));
  Backup("--tag client=other " + Path("data"));
  Backup("--tag client=other " + Path("data"));
  CliResult r = Run("forget --tag client=acme --keep-last 1");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json left = Snapshots();
  EXPECT_EQ(left.size(), 3u);
  for (const json& s : left) EXPECT_NE(s["id"], acme_old);
  EXPECT_EQ(json::parse(Run("snapshots --json --tag client=other").out).size(), 2u);
  ASSERT_EQ(Run("forget --host nobody --keep-last 1").exit_code, 0);
  EXPECT_EQ(Snapshots().size(), 3u);
}

TEST_F(EngineMoreCliTest, ForgetRefusesAnEmptyPolicy) {
  Backup(Path("data"));
  CliResult empty = Run("forget");
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_THAT(empty.err, HasSubstr("no policy given: refusing to remove all snapshots"))
      << empty.err;
  CliResult zero = Run("forget --keep-daily 0");
  EXPECT_EQ(zero.exit_code, 2);
  CliResult prune = Run("forget --prune");
  EXPECT_EQ(prune.exit_code, 2);
  CliResult ambiguous = Run("forget --keep-within 6m");
  EXPECT_EQ(ambiguous.exit_code, 2);
  EXPECT_THAT(ambiguous.err, HasSubstr("'mo'")) << ambiguous.err;
  EXPECT_EQ(Snapshots().size(), 1u);
}

TEST_F(EngineMoreCliTest, ForgetByIdRemovesJustThatSnapshot) {
  std::string first = Backup(Path("data"));
  std::string second = Backup(Path("data"));
  CliResult r = Run("forget " + first.substr(0, 8));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("removed snapshot " + first.substr(0, 8))) << r.out;
  json left = Snapshots();
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0]["id"], second);
  EXPECT_NE(Run("forget deadbeef").exit_code, 0);
}

TEST_F(EngineMoreCliTest, LsEscapesANonUtf8Name) {
  WriteFile("data/bad\xff name", "x");
  WriteFile("data/tab\there\\", "x");
  WriteFile("data/caf\xc3\xa9", "x");
  Backup(Path("data"));
  CliResult text = Run("ls latest");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr(Path("data") + "/bad\\xff name")) << text.out;
  EXPECT_THAT(text.out, Not(HasSubstr("\xff")));
  EXPECT_THAT(text.out, HasSubstr("/tab\\x09here\\\\\n")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("/caf\xc3\xa9\n")) << text.out;
  EXPECT_THAT(text.out, HasSubstr("/sub/big.bin"));
  std::istringstream lines(text.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.ends_with("/hello.txt")) {
      EXPECT_EQ(line.substr(0, 3), "-rw") << line;
    }
    if (line.ends_with("/sub")) {
      EXPECT_EQ(line[0], 'd') << line;
    }
  }
  CliResult js = Run("ls --json latest");
  ASSERT_EQ(js.exit_code, 0) << js.err;
  bool found = false;
  for (const json& node : JsonLines(js.out)) {
    if (!node.contains("path_base64")) continue;
    found = true;
    EXPECT_EQ(node["path"], Path("data") + "/bad\\xff name");
    std::string decoded = Shell("echo " + node["path_base64"].get<std::string>() + " | base64 -d");
    EXPECT_EQ(decoded, Path("data") + "/bad\xff name");
  }
  EXPECT_TRUE(found) << js.out;
}

TEST_F(EngineMoreCliTest, LsPathListsOneDirectory) {
  Backup(Path("data"));
  CliResult r = Run("ls latest " + Path("data") + "/sub");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("/sub/big.bin")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("/sub/empty")) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("hello.txt"))) << r.out;
  CliResult missing = Run("ls latest " + Path("data") + "/nope");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("nope: not in the snapshot")) << missing.err;
}

TEST_F(EngineMoreCliTest, DiffShowsAddedRemovedModifiedAndMetadata) {
  std::string before = Backup(Path("data"));
  WriteFile("data/hello.txt", "HELLO, world!\n");
  WriteFile("data/new.txt", "new file\n");
  fs::remove(dir_ / "data/sub/empty");
  fs::permissions(dir_ / "data/sub/big.bin", fs::perms::owner_read);
  std::string after = Backup(Path("data"));
  CliResult r = Run("diff " + before.substr(0, 8) + " " + after.substr(0, 8));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("+    " + Path("data") + "/new.txt\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("-    " + Path("data") + "/sub/empty\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("M    " + Path("data") + "/hello.txt\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("U    " + Path("data") + "/sub/big.bin\n")) << r.out;
  EXPECT_THAT(r.out, HasSubstr("files: 1 added, 1 removed, 1 modified")) << r.out;
  json summary = JsonLines(Run("diff --json " + before + " " + after).out).back();
  EXPECT_EQ(summary["files_added"], 1);
  EXPECT_EQ(summary["files_removed"], 1);
  EXPECT_EQ(summary["files_modified"], 1);
  EXPECT_EQ(summary["bytes_added"], 9 + 14);    // new.txt + hello.txt's new size
  EXPECT_EQ(summary["bytes_removed"], 0 + 13);  // empty + hello.txt's old size
  CliResult same = Run("diff " + after + " " + after);
  ASSERT_EQ(same.exit_code, 0);
  EXPECT_THAT(same.out, Not(HasSubstr("    /"))) << same.out;
}

TEST_F(EngineMoreCliTest, StatsNumbersAreConsistent) {
  fs::copy(dir_ / "data", dir_ / "data2", fs::copy_options::recursive);
  std::string one = Backup(Path("data"));
  Backup(Path("data2"));
  const uint64_t data_size = 13 + (3 << 20);
  CliResult r = Run("stats --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json all = json::parse(r.out);
  EXPECT_EQ(all["snapshots"], 2);
  EXPECT_EQ(all["files"], 6);
  EXPECT_EQ(all["logical_bytes"], 2 * data_size);
  EXPECT_EQ(all["data_raw_bytes"], data_size);
  EXPECT_GE(all["dedup_ratio"].get<double>(), 2.0);
  EXPECT_EQ(all["unreferenced_bytes"], 0);
  EXPECT_EQ(all["stored_bytes"], all["repository_bytes"]);        // nothing unreferenced
  EXPECT_GE(all["data_stored_bytes"].get<uint64_t>(), 3u << 20);  // random data: no shrinking
  json single = json::parse(Run("stats --json " + one.substr(0, 8)).out);
  EXPECT_EQ(single["snapshots"], 1);
  EXPECT_EQ(single["logical_bytes"], data_size);
  EXPECT_NEAR(single["dedup_ratio"].get<double>(), 1.0, 1e-9);
  EXPECT_LT(single["stored_bytes"].get<uint64_t>(), all["repository_bytes"].get<uint64_t>());
  // After forgetting one snapshot its trees are unreferenced until prune.
  ASSERT_EQ(Run("forget " + one).exit_code, 0);
  json after = json::parse(Run("stats --json").out);
  EXPECT_EQ(after["logical_bytes"], data_size);
  EXPECT_GT(after["unreferenced_bytes"].get<uint64_t>(), 0u);
}

TEST_F(EngineMoreCliTest, PruneFreesWhatForgetLeftAndKeepsTheRest) {
  WriteFile("other.bin", RandomBytes(2 << 20, 8));  // shares nothing with data/
  std::string gone = Backup(Path("other.bin"));
  std::string kept = Backup(Path("data"));
  ASSERT_EQ(Run("forget " + gone).exit_code, 0);
  std::string listing = Shell("find " + repo_ + " -type f | sort");
  CliResult dry = Run("prune --dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_THAT(dry.out, HasSubstr("nothing was changed")) << dry.out;
  EXPECT_EQ(Shell("find " + repo_ + " -type f | sort"), listing);

  CliResult r = Run("prune --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json summary = JsonLines(r.out).back();
  EXPECT_EQ(summary["message_type"], "summary");
  EXPECT_EQ(summary["snapshots"], 1);
  EXPECT_GE(summary["bytes_freed"].get<int64_t>(), 2 << 20);
  EXPECT_EQ(json::parse(Run("stats --json").out)["unreferenced_bytes"], 0);
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_THAT(check.out, Not(HasSubstr("note:"))) << check.out;
  ASSERT_EQ(Run("restore " + kept + " --target " + Path("back") + " --verify").exit_code, 0);
  EXPECT_EQ(Shell("cmp " + Path("data/sub/big.bin") + " " + Path("back") +
                  Path("data/sub/big.bin") + " && echo same"),
            "same\n");
}

// One directory too large for a single tree blob: its tree is split into parts
// (docs/tree-format.md), which every command must read as one directory. Symlinks with long
// targets make a large tree from few entries (creating inodes is what costs time here).
TEST_F(EngineMoreCliTest, ADirectoryTooLargeForOneTreeBlobWorksEverywhere) {
  constexpr int kEntries = 2800;  // ~3.5 KB each in a tree: 9.8 MB, over the 8 MiB limit
  const fs::path huge = dir_ / "huge";
  fs::create_directories(huge);
  auto name = [](int i) { return std::string(200, 'm') + "." + std::to_string(100000 + i); };
  auto target = [](int i) { return "/srv/mail/" + std::string(3300, 't') + std::to_string(i); };
  for (int i = 0; i < kEntries; ++i) fs::create_symlink(target(i), huge / name(i));
  // The first backup reads every link, which sets its access time once (relatime): back up
  // again so that the snapshots compared below differ only by what the test changes.
  Backup(huge.string());
  std::string first = Backup(huge.string());
  ASSERT_EQ(Run("forget --keep-last 1 --prune").exit_code, 0);
  json stats = json::parse(Run("stats --json").out);
  const std::string huge_path = huge.string();
  const int directories =  // from the root down to huge/, each a tree blob
      static_cast<int>(std::count(huge_path.begin(), huge_path.end(), '/')) + 1;
  const int parts = stats["tree_blobs"].get<int>() - directories;  // huge's head is counted
  EXPECT_GE(parts, 3) << stats.dump();

  // One more entry: the part it lands in changes, the others are kept.
  fs::create_symlink("new", huge / (name(kEntries / 2) + "-new"));
  std::string second = Backup(huge.string());
  json after = json::parse(Run("stats --json").out);
  const int added = after["tree_blobs"].get<int>() - stats["tree_blobs"].get<int>();
  EXPECT_LE(added, directories + 2) << "new tree blobs: the changed chain and at most 2 parts";

  CliResult ls = Run("ls " + second + " " + huge_path);
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(std::count(ls.out.begin(), ls.out.end(), '\n'), kEntries + 1);
  CliResult diff = Run("diff --json " + first + " " + second);
  ASSERT_EQ(diff.exit_code, 0) << diff.err;
  EXPECT_EQ(JsonLines(diff.out).back()["others_added"], 1);

  // Forget the first snapshot and prune: every part of the second is still in use.
  ASSERT_EQ(Run("forget " + first + " --prune").exit_code, 0);
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  CliResult restore = Run("restore latest --target " + Path("back") + " --verify");
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  const fs::path restored = dir_ / "back" / huge.relative_path();
  auto entries = fs::directory_iterator(restored);
  EXPECT_EQ(std::distance(entries, fs::directory_iterator()), kEntries + 1);
  EXPECT_EQ(fs::read_symlink(restored / name(7)), target(7));
  EXPECT_EQ(fs::read_symlink(restored / name(kEntries - 1)), target(kEntries - 1));
}

TEST_F(EngineMoreCliTest, ForgetPruneRemovesSnapshotsAndTheirData) {
  WriteFile("other.bin", RandomBytes(1 << 20) + "first");
  Backup(Path("other.bin"));
  WriteFile("other.bin", RandomBytes(1 << 20) + "second");  // the same MiB, another tail
  Backup(Path("other.bin"));
  CliResult r = Run("forget --keep-last 1 --prune --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json summary = JsonLines(r.out).back();
  EXPECT_EQ(summary["removed"], 1);
  ASSERT_TRUE(summary.contains("prune")) << summary.dump();
  EXPECT_EQ(summary["prune"]["snapshots"], 1);
  EXPECT_GT(summary["prune"]["bytes_deleted"].get<uint64_t>(), 0u);
  CliResult text = Run("forget --keep-last 1 --prune");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("freed")) << text.out;
  EXPECT_EQ(Run("check --read-data").exit_code, 0);
}

TEST_F(EngineMoreCliTest, KeyAddLetsTheSecondPasswordOpenTheRepository) {
  Backup(Path("data"));
  EXPECT_NE(RunStormproof("snapshots", EnvWith("password2")).exit_code, 0);
  CliResult add = Run("key add --new-password-file " + Path("password2"));
  ASSERT_EQ(add.exit_code, 0) << add.err;
  CliResult second = RunStormproof("snapshots --json", EnvWith("password2"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(json::parse(second.out).size(), 1u);
  json keys = json::parse(Run("key list --json").out);
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_NE(keys[0]["current"], keys[1]["current"]);
  CliResult text = Run("key list");
  EXPECT_EQ(std::count(text.out.begin(), text.out.end(), '*'), 1) << text.out;
}

TEST_F(EngineMoreCliTest, KeyPasswdMakesTheOldPasswordFail) {
  CliResult passwd = Run("key passwd --new-password-file " + Path("password2"));
  ASSERT_EQ(passwd.exit_code, 0) << passwd.err;
  CliResult old = Run("snapshots");
  EXPECT_EQ(old.exit_code, 12);  // wrong password
  EXPECT_THAT(old.err, HasSubstr("wrong password")) << old.err;
  EXPECT_EQ(RunStormproof("snapshots", EnvWith("password2")).exit_code, 0);
  EXPECT_EQ(json::parse(RunStormproof("key list --json", EnvWith("password2")).out).size(), 1u);
}

TEST_F(EngineMoreCliTest, KeyRemoveRefusesTheCurrentKeyButRemovesAnother) {
  ASSERT_EQ(Run("key add --new-password-file " + Path("password2")).exit_code, 0);
  json keys = json::parse(Run("key list --json").out);
  std::string current, other;
  for (const json& k : keys) {
    if (k["current"]) {
      current = k["id"];
    } else {
      other = k["id"];
    }
  }
  CliResult refused = Run("key remove " + current.substr(0, 8));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_THAT(refused.err, HasSubstr(current)) << refused.err;
  EXPECT_EQ(json::parse(Run("key list --json").out).size(), 2u);
  CliResult removed = Run("key remove " + other.substr(0, 8));
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(RunStormproof("snapshots", EnvWith("password2")).exit_code, 0);
  EXPECT_EQ(Run("snapshots").exit_code, 0);
}

TEST_F(EngineMoreCliTest, KeyAddWithoutATerminalNeedsAFile) {
  CliResult r = Run("key add </dev/null");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--new-password-file")) << r.err;
  EXPECT_EQ(json::parse(Run("key list --json").out).size(), 1u);
}

TEST_F(EngineMoreCliTest, RepairIndexFixesADamagedIndexFile) {
  std::string snapshot = Backup(Path("data"));
  fs::path index;
  for (const auto& entry : fs::directory_iterator(fs::path(repo_) / "index")) index = entry.path();
  ASSERT_FALSE(index.empty());
  {
    std::fstream file(index, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(40);
    char byte = 0;
    file.seekg(40);
    file.get(byte);
    file.seekp(40);
    file.put(static_cast<char>(byte ^ 0x10));
  }
  std::string name = index.filename().string();
  CliResult damaged = Run("check");
  EXPECT_EQ(damaged.exit_code, 3) << damaged.out << damaged.err;
  EXPECT_THAT(damaged.out, HasSubstr("index " + name)) << damaged.out;
  EXPECT_THAT(damaged.err, HasSubstr("warning: index file " + name + " is damaged")) << damaged.err;
  EXPECT_NE(Run("prune").exit_code, 0);  // refuses on partial knowledge

  CliResult repaired = Run("repair index --json");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  json summary = JsonLines(repaired.out).back();
  EXPECT_EQ(summary["damaged_index_files"].size(), 1u);
  EXPECT_EQ(summary["damaged_packs"].size(), 0u);
  EXPECT_EQ(summary["packs_indexed"], summary["packs"]);
  EXPECT_FALSE(fs::exists(index));

  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_EQ(Run("repair snapshots").exit_code, 0);
  ASSERT_EQ(Run("restore " + snapshot + " --target " + Path("back") + " --verify").exit_code, 0);
  EXPECT_EQ(Shell("cmp " + Path("data/sub/big.bin") + " " + Path("back") +
                  Path("data/sub/big.bin") + " && echo same"),
            "same\n");
}

// The review's reproduction: one flipped byte in each pack's trailer (the sealed header's length)
// makes every header unreadable, yet every blob still opens where the index says. repair index
// keeps them all (copied into new packs), and after prune the repository checks clean and
// restores byte-identical.
TEST_F(EngineMoreCliTest, RepairIndexKeepsTheBlobsOfPacksWithADamagedTrailer) {
  std::string snapshot = Backup(Path("data"));
  std::vector<fs::path> packs;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(repo_) / "data")) {
    if (entry.is_regular_file()) packs.push_back(entry.path());
  }
  ASSERT_GE(packs.size(), 2u);
  for (const fs::path& pack : packs) {
    std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
    file.seekg(-4, std::ios::end);
    char byte = 0;
    file.get(byte);
    file.seekp(-4, std::ios::end);
    file.put(static_cast<char>(byte ^ 0x01));
  }
  EXPECT_EQ(Run("check").exit_code, 3);

  CliResult dry = Run("repair index --dry-run");
  EXPECT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  std::string name = packs.front().filename().string();
  EXPECT_THAT(dry.out, HasSubstr("damaged pack " + name + ": header cannot be decrypted"))
      << dry.out;
  EXPECT_THAT(dry.out, HasSubstr("would keep")) << dry.out;

  CliResult repaired = Run("repair index --json");
  ASSERT_EQ(repaired.exit_code, 0) << repaired.out << repaired.err;
  json summary = JsonLines(repaired.out).back();
  ASSERT_EQ(summary["damaged_packs"].size(), packs.size()) << repaired.out;
  uint64_t kept = 0;
  for (const json& p : summary["damaged_packs"]) {
    EXPECT_GT(p["blobs_indexed"].get<uint64_t>(), 0u) << p;
    EXPECT_EQ(p["blobs_kept"], p["blobs_indexed"]) << p;
    EXPECT_TRUE(p["lost_blobs"].empty()) << p;
    kept += p["blobs_kept"].get<uint64_t>();
  }
  EXPECT_EQ(summary["blobs_kept"], kept);
  EXPECT_EQ(summary["blobs_after"], summary["blobs_before"]);
  EXPECT_GE(summary["packs_written"].get<uint64_t>(), 1u);
  EXPECT_EQ(Run("check --read-data").exit_code, 0);

  ASSERT_EQ(Run("prune").exit_code, 0);
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  ASSERT_EQ(Run("restore " + snapshot + " --target " + Path("back") + " --verify").exit_code, 0);
  EXPECT_EQ(Shell("cmp " + Path("data/sub/big.bin") + " " + Path("back") +
                  Path("data/sub/big.bin") + " && echo same"),
            "same\n");
}

// An index naming packs that are not in storage (lost, or named by an index file a backup host
// planted): while nothing in use depends on them, prune drops their entries with a warning on
// standard error (and in --json) rather than refusing until someone repairs the index.
TEST_F(EngineMoreCliTest, PruneDropsTheIndexEntriesOfMissingPacksNothingInUseNeeds) {
  auto packs = [&] {
    std::set<std::string> names;
    for (const auto& f : fs::recursive_directory_iterator(fs::path(repo_) / "data")) {
      if (f.is_regular_file()) names.insert(f.path().string());
    }
    return names;
  };
  Backup(Path("data"));
  const std::set<std::string> kept_packs = packs();
  WriteFile("other.bin", RandomBytes(1 << 20, 9));  // shares nothing with data/
  const std::string gone = Backup(Path("other.bin"));
  ASSERT_EQ(Run("forget " + gone).exit_code, 0);
  size_t lost = 0;
  for (const std::string& pack : packs()) {
    if (!kept_packs.contains(pack)) lost += fs::remove(pack) ? 1 : 0;
  }
  ASSERT_GT(lost, 0u);
  CliResult r = Run("prune --json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(std::to_string(lost) + " pack(s) that are not in storage")) << r.err;
  json summary = JsonLines(r.out).back();
  EXPECT_EQ(summary["packs_missing"], lost) << r.out;
  EXPECT_GE(summary["entries_for_missing_packs"].get<uint64_t>(), lost) << r.out;
  CliResult again = Run("prune");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, Not(HasSubstr("not in storage"))) << again.err;
  CliResult check = Run("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

}  // namespace
}  // namespace stormproof::testing
