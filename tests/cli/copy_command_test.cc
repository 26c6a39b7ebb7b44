// End-to-end tests of `stormproof copy`: the real binary copying between two local repositories
// with different passwords (and keys): restores byte-identical, --json, a second copy that
// writes nothing, `snapshots` naming where a copy came from, filters and id prefixes, and the
// one-line errors of a wrong source password and a missing source.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "engine/backend/backend.h"
#include "engine/repository/repository.h"
#include "tests/cli/cli_runner.h"
#include "tests/matchers.h"
#include "tests/reliability/restored_tree.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class CopyCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stormproof-copy-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "docs");
    for (int i = 0; i < 12; ++i) {
      std::ofstream(dir_ / "data" / "docs" / ("doc" + std::to_string(i) + ".txt"))
          << std::string(2000 + i * 300, static_cast<char>('a' + i)) << i << "\n";
    }
    std::ofstream(dir_ / "source-password") << "source secret\n";
    std::ofstream(dir_ / "destination-password") << "destination secret\n";
    fs::permissions(dir_ / "source-password", fs::perms::owner_read | fs::perms::owner_write);
    fs::permissions(dir_ / "destination-password", fs::perms::owner_read | fs::perms::owner_write);
    ASSERT_EQ(Source("init").exit_code, 0);
    ASSERT_EQ(Destination("init").exit_code, 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string SourceEnv() const {
    return "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" + (dir_ / "source-password").string() +
           " STORMPROOF_REPOSITORY=" + (dir_ / "source").string();
  }
  std::string DestinationEnv() const {
    return "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" +
           (dir_ / "destination-password").string() +
           " STORMPROOF_REPOSITORY=" + (dir_ / "destination").string();
  }
  CliResult Source(const std::string& args) {
    return RunStormproof("--quiet " + args, SourceEnv());
  }
  CliResult Destination(const std::string& args) {
    return RunStormproof("--quiet " + args, DestinationEnv());
  }
  // `stormproof copy` from the source into the destination.
  CliResult Copy(const std::string& args = "") {
    return Destination("copy --from-repo " + (dir_ / "source").string() +
                       " --from-password-file " + (dir_ / "source-password").string() + " " +
                       args);
  }
  std::vector<json> Snapshots(const std::function<CliResult(const std::string&)>& run) {
    CliResult r = run("--json snapshots");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out).get<std::vector<json>>() : std::vector<json>{};
  }
  std::string Backup(const std::string& tag = "client=acme") {
    CliResult r = Source("--json backup --tag " + tag + " " + (dir_ / "data").string());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json summary = json::parse(r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1));
    return summary["snapshot_id"].get<std::string>();
  }

  fs::path dir_;
};

TEST_F(CopyCliTest, CopiesAndTheCopyRestoresByteIdentical) {
  std::string id = Backup();
  CliResult copied = Copy();
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_THAT(copied.out, HasSubstr("snapshot " + id.substr(0, 8) + " copied as "));
  EXPECT_THAT(copied.out, HasSubstr("1 snapshot(s) copied, 0 already there"));

  std::vector<json> copies = Snapshots([&](const std::string& a) { return Destination(a); });
  ASSERT_EQ(copies.size(), 1u);
  EXPECT_EQ(copies[0]["copied_from"]["snapshot"], id);
  EXPECT_EQ(copies[0]["tags"]["client"], "acme");
  EXPECT_EQ(Snapshots([&](const std::string& a) { return Source(a); })[0]["copied_from"],
            nullptr);
  CliResult table = Destination("snapshots");
  EXPECT_THAT(table.out, HasSubstr("Copied from"));
  EXPECT_THAT(table.out, HasSubstr(id.substr(0, 8) + " (repository "));

  CliResult restore = Destination("restore latest --verify --target " + (dir_ / "target").string());
  ASSERT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(Contents(dir_ / "target" / (dir_ / "data").relative_path()), Contents(dir_ / "data"));
  CliResult check = Destination("check --read-data");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
}

TEST_F(CopyCliTest, JsonSummaryAndASecondCopyWritesNothing) {
  std::string first = Backup();
  std::ofstream(dir_ / "data" / "docs" / "doc3.txt") << "changed\n";
  std::string second = Backup();
  CliResult copied = Copy("--json " + first.substr(0, 10));  // an id prefix
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  ASSERT_EQ(Lines(copied.out), 1u) << copied.out;  // one summary object
  json summary = json::parse(copied.out);
  EXPECT_EQ(summary["message_type"], "summary");
  ASSERT_EQ(summary["snapshots"].size(), 1u);
  EXPECT_EQ(summary["snapshots"][0]["source"], first);
  EXPECT_EQ(summary["snapshots"][0]["already_copied"], false);
  EXPECT_EQ(summary["copied"], 1);
  EXPECT_GT(summary["bytes_written"].get<uint64_t>(), 0u);
  EXPECT_GT(summary["data_blobs_written"].get<uint64_t>(), 0u);

  // All of them: the first is there already, the second reuses what the first copy holds.
  json all = json::parse(Copy("--json").out);
  ASSERT_EQ(all["snapshots"].size(), 2u);
  EXPECT_EQ(all["snapshots"][0]["already_copied"], true);
  EXPECT_EQ(all["snapshots"][1]["source"], second);
  EXPECT_EQ(all["data_blobs_written"], 1);
  EXPECT_GE(all["blobs_mapped"].get<uint64_t>(), 11u);

  json again = json::parse(Copy("--json").out);
  EXPECT_EQ(again["copied"], 0);
  EXPECT_EQ(again["already_copied"], 2);
  EXPECT_EQ(again["bytes_written"], 0);
  // Only the trees that prove the copies hold the snapshots' content (copier.h), no file data.
  EXPECT_LT(again["bytes_read"].get<uint64_t>(), 20'000u);
  EXPECT_EQ(Snapshots([&](const std::string& a) { return Destination(a); }).size(), 2u);
}

// A snapshot planted in the destination (by someone holding its password) that claims to be the
// copy of a source snapshot without holding its content is named: in --json (unproven_claims,
// always there) and, in either mode, by a warning on stderr.
TEST_F(CopyCliTest, APlantedClaimantIsNamedInJsonAndOnStderr) {
  std::string id = Backup();
  json first = json::parse(Copy("--json").out);
  EXPECT_EQ(first["unproven_claims"], json::array());
  EXPECT_EQ(Copy().err, "");
  std::string planted;
  {
    auto backend = backend::OpenLocalBackend((dir_ / "destination").string());
    ASSERT_THAT(backend, IsOk());
    auto repo = repository::Repository::Open(std::move(backend).value(), "destination secret");
    ASSERT_THAT(repo, IsOk());
    auto copies = (*repo)->LoadSnapshots();
    ASSERT_THAT(copies, IsOk());
    ASSERT_EQ(copies->size(), 1u);
    repository::Snapshot claimant = copies->front();  // copied_from names `id`
    claimant.id = {};
    claimant.tree = (*repo)->BlobId(AsBytes(std::string_view("not the tree")));
    auto saved = (*repo)->SaveSnapshot(claimant);
    ASSERT_THAT(saved, IsOk());
    planted = saved->Hex();
  }
  CliResult again = Copy("--json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json summary = json::parse(again.out);
  EXPECT_EQ(summary["unproven_claims"], json::array({planted})) << again.out;
  EXPECT_EQ(summary["already_copied"], 1);  // the genuine copy still counts
  const std::string warning =
      "warning: 1 snapshot(s) in --repo claim to be the copy of a snapshot of --from-repo "
      "without holding its content, the first " +
      planted.substr(0, 8) + ": not counted as copies";
  EXPECT_THAT(again.err, HasSubstr(warning));
  CliResult text = Copy();
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.err, HasSubstr(warning));
  EXPECT_THAT(text.out, HasSubstr("snapshot " + id.substr(0, 8) + " already copied as"));
}

TEST_F(CopyCliTest, FiltersChooseWhatIsCopied) {
  Backup("client=acme");
  std::string other = Backup("client=globex");
  CliResult copied = Copy("--json --tag client=globex --host " +
                          Snapshots([&](const std::string& a) { return Source(a); })[0]["hostname"]
                              .get<std::string>());
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  json summary = json::parse(copied.out);
  ASSERT_EQ(summary["snapshots"].size(), 1u);
  EXPECT_EQ(summary["snapshots"][0]["source"], other);
  CliResult none = Copy("--json --host no-such-host");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  EXPECT_EQ(json::parse(none.out)["snapshots"].size(), 0u);
}

TEST_F(CopyCliTest, WrongSourcePasswordIsOneLineExit12) {
  Backup();
  std::ofstream(dir_ / "wrong") << "not the password\n";
  fs::permissions(dir_ / "wrong", fs::perms::owner_read | fs::perms::owner_write);
  CliResult r = Destination("copy --from-repo " + (dir_ / "source").string() +
                            " --from-password-file " + (dir_ / "wrong").string());
  EXPECT_EQ(r.exit_code, 12) << r.err;
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--from-repo " + (dir_ / "source").string()));
  EXPECT_THAT(r.err, HasSubstr("wrong password"));
  EXPECT_THAT(r.err, Not(HasSubstr("not the password")));
  EXPECT_TRUE(Snapshots([&](const std::string& a) { return Destination(a); }).empty());
}

TEST_F(CopyCliTest, MissingSourceIsOneLineExit10) {
  CliResult r = Destination("copy --from-repo " + (dir_ / "nowhere").string() +
                            " --from-password-file " + (dir_ / "source-password").string());
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_EQ(Lines(r.err), 1u) << r.err;
  EXPECT_THAT(r.err, HasSubstr((dir_ / "nowhere").string()));
}

TEST_F(CopyCliTest, SourceFromTheEnvironmentAndNoSourceIsAUsageError) {
  Backup();
  CliResult from_env = RunStormproof(
      "--quiet copy", DestinationEnv() + " STORMPROOF_FROM_REPOSITORY=" +
                          (dir_ / "source").string() + " STORMPROOF_FROM_PASSWORD_FILE=" +
                          (dir_ / "source-password").string());
  EXPECT_EQ(from_env.exit_code, 0) << from_env.err;
  CliResult none = Destination("copy");
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_THAT(none.err, HasSubstr("--from-repo"));
  CliResult same = RunStormproof("--quiet copy --from-repo " + (dir_ / "destination").string() +
                                     " --from-password-file " +
                                     (dir_ / "destination-password").string(),
                                 DestinationEnv());
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_THAT(same.err, HasSubstr("same repository"));
}

// A source snapshot whose packs are damaged is not copied, the others are: one line names it
// and why, --json lists it under "failed", and the exit is 3 (a partial failure).
TEST_F(CopyCliTest, DamagedSourceSnapshotIsListedAndTheOthersAreCopied) {
  std::string first = Backup();
  auto packs = [&] {
    std::set<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(dir_ / "source" / "data")) {
      if (e.is_regular_file()) out.insert(e.path());
    }
    return out;
  };
  const std::set<fs::path> before = packs();
  std::ofstream(dir_ / "data" / "docs" / "new.txt") << std::string(5000, 'n') << "\n";
  std::string second = Backup();
  for (const fs::path& pack : packs()) {
    if (before.contains(pack)) continue;
    fs::permissions(pack, fs::perms::owner_read | fs::perms::owner_write);
    std::fstream file(pack, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(10);
    file.put('\x5a');
  }
  CliResult text = Copy();
  EXPECT_EQ(text.exit_code, 3) << text.err;
  EXPECT_THAT(text.err, HasSubstr("snapshot " + second.substr(0, 8) + " not copied: "));
  EXPECT_THAT(text.out, HasSubstr("1 snapshot(s) copied, 0 already there, 1 could not be copied"));
  CliResult copied = Copy("--json");
  EXPECT_EQ(copied.exit_code, 3) << copied.err;
  json summary = json::parse(copied.out);
  ASSERT_EQ(summary["failed"].size(), 1u) << copied.out;
  EXPECT_EQ(summary["failed"][0]["source"], second);
  EXPECT_THAT(summary["failed"][0]["reason"].get<std::string>(), HasSubstr("pack"));
  ASSERT_EQ(summary["snapshots"].size(), 1u);
  EXPECT_EQ(summary["snapshots"][0]["source"], first);
  EXPECT_EQ(Snapshots([&](const std::string& a) { return Destination(a); }).size(), 1u);
}

// Snapshots named on the command line, one of whose file is damaged: the others are copied, the
// damaged one is named (text and --json) and the exit is 3 (a partial failure).
TEST_F(CopyCliTest, NamedSnapshotWithADamagedFileIsListedAndTheOthersAreCopied) {
  std::string first = Backup();
  std::ofstream(dir_ / "data" / "docs" / "new.txt") << std::string(5000, 'n') << "\n";
  std::string second = Backup();
  bool damaged = false;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "source" / "snapshots")) {
    if (e.path().filename() != first) continue;
    fs::permissions(e.path(), fs::perms::owner_read | fs::perms::owner_write);
    std::fstream file(e.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(40);
    file.put('\x5a');
    damaged = true;
  }
  ASSERT_TRUE(damaged);
  CliResult text = Copy(first.substr(0, 8) + " " + second.substr(0, 8));
  EXPECT_EQ(text.exit_code, 3) << text.err;
  EXPECT_THAT(text.err, HasSubstr("snapshot " + first.substr(0, 8) + " not copied: "));
  EXPECT_THAT(text.out, HasSubstr("1 snapshot(s) copied, 0 already there, 1 could not be copied"));
  CliResult copied = Copy("--json " + first + " " + second);
  EXPECT_EQ(copied.exit_code, 3) << copied.err;
  json summary = json::parse(copied.out);
  ASSERT_EQ(summary["failed"].size(), 1u) << copied.out;
  EXPECT_EQ(summary["failed"][0]["source"], first);
  EXPECT_THAT(summary["failed"][0]["reason"].get<std::string>(), HasSubstr("damaged"));
  ASSERT_EQ(summary["snapshots"].size(), 1u);
  EXPECT_EQ(summary["snapshots"][0]["source"], second);
  EXPECT_TRUE(summary["snapshots"][0]["already_copied"].get<bool>());
  // A prefix matching no snapshot file at all is still an error that copies nothing.
  EXPECT_EQ(Copy("00000000").exit_code, 1);
}

// Killed at seeded crash points (src/engine/backend/crash_points.h), with and without a
// simulated power cut: the destination stays consistent and the next copy finishes the work.
TEST_F(CopyCliTest, KilledAtAnyPointTheNextCopyFinishes) {
  std::ofstream(dir_ / "data" / "big.bin") << std::string(3 << 20, 'x') + std::string(1 << 20, 'y');
  Backup();
  const fs::path trace = dir_ / "trace";
  // Count the crash points of a whole copy into a scratch destination.
  const std::string scratch_env = "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE=" +
                                  (dir_ / "destination-password").string();
  auto copy_into = [&](const fs::path& repo, const std::string& env) {
    return RunStormproof("--quiet --repo " + repo.string() + " copy --from-repo " +
                             (dir_ / "source").string() + " --from-password-file " +
                             (dir_ / "source-password").string(),
                         scratch_env + " " + env);
  };
  ASSERT_EQ(RunStormproof("--repo " + (dir_ / "counted").string() + " init", scratch_env).exit_code,
            0);
  ASSERT_EQ(copy_into(dir_ / "counted", "STORMPROOF_TEST_CRASH_TRACE=" + trace.string()).exit_code,
            0);
  const size_t points = Lines(ReadAll(trace.string()));
  ASSERT_GT(points, 8u);
  for (const std::string mode : {"", "STORMPROOF_TEST_POWER_CUT=1 "}) {
    for (size_t point : {size_t{2}, points / 3, points / 2, points - 2}) {
      SCOPED_TRACE(mode + "crash point " + std::to_string(point) + " of " + std::to_string(points));
      const fs::path repo =
          dir_ / ("crashed-" + std::to_string(point) + (mode.empty() ? "" : "-cut"));
      ASSERT_EQ(RunStormproof("--repo " + repo.string() + " init", scratch_env).exit_code, 0);
      CliResult killed =
          copy_into(repo, mode + "STORMPROOF_TEST_CRASH_AT=" + std::to_string(point));
      EXPECT_NE(killed.exit_code, 0);
      CliResult finished = copy_into(repo, "");
      ASSERT_EQ(finished.exit_code, 0) << finished.err;
      auto in_repo = [&](const std::string& args) {
        return RunStormproof("--quiet --repo " + repo.string() + " " + args, scratch_env);
      };
      CliResult check = in_repo("check --read-data");
      EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
      CliResult list = in_repo("--json snapshots");
      EXPECT_EQ(json::parse(list.out).size(), 1u) << list.out;
      const fs::path target = repo.string() + "-restored";
      ASSERT_EQ(in_repo("restore latest --target " + target.string()).exit_code, 0);
      EXPECT_EQ(Contents(target / (dir_ / "data").relative_path()), Contents(dir_ / "data"));
    }
  }
}

}  // namespace
}  // namespace stormproof::testing
