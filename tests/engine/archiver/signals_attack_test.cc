// Attack review of the signal collector (issue 16): what an attacker who controls the backed-up
// files, or a careless operator, can do to the verdict. Each test states the behaviour wanted;
// a failing one demonstrates a finding of the review.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/time.h"
#include "engine/archiver/archiver.h"
#include "engine/archiver/internal/file_reader.h"
#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"
#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

using repository::Verdict;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SignalsAttackTest : public ArchiverTest {
 protected:
  void SetUp() override {
    ArchiverTest::SetUp();
    MakeDir("data");
  }

  // Makes the next backup skip the files `unreadable` (relative to root_): each changes whenever
  // it is read (a file locked and written by another program). Returns their absolute paths.
  std::set<std::string> SkipWhenRead(const std::set<std::string>& unreadable) const {
    std::set<std::string> paths;
    for (const std::string& relative : unreadable) {
      paths.insert(Path(relative));
      EXPECT_EQ(::chmod(Path(relative).c_str(), 0644), 0);  // its ctime moves: read again
    }
    internal::SetReadHooksForTesting({{}, [paths](const std::string& path) {
                                        if (!paths.contains(path)) return;
                                        const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
                                        ASSERT_GE(fd, 0);
                                        ASSERT_EQ(::write(fd, "x", 1), 1);
                                        ::close(fd);
                                      }});
    return paths;
  }

  // Backs up root_/data with `parent` and the history of the snapshots stored so far, skipping
  // the files `unreadable` (SkipWhenRead), and nothing else.
  Snapshot BackUpWithUnreadable(const Snapshot& parent, const std::set<std::string>& unreadable) {
    const std::set<std::string> paths = SkipWhenRead(unreadable);
    BackupOptions options = Options({Path("data")});
    options.parent = parent;
    Result<std::vector<Snapshot>> stored = repo_->LoadSnapshots();
    EXPECT_THAT(stored, IsOk());
    if (stored.has_value()) options.history = detect::PastSnapshotsOf(*stored, {});
    Result<Snapshot> snapshot = Run(options);
    internal::SetReadHooksForTesting({});
    EXPECT_THAT(snapshot, IsOk());
    EXPECT_EQ(errors_.size(), unreadable.size());
    for (const std::string& path : paths) EXPECT_TRUE(HasError(path, "changed while being read"));
    return snapshot.has_value() ? *snapshot : Snapshot{};
  }

  static Bytes Concat(std::string_view head, const Bytes& tail) {
    Bytes out(head.begin(), head.end());
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
  }
};

// A wiper (or ransomware aware of canaries) truncates the decoy instead of rewriting it.
TEST_F(SignalsAttackTest, ACanaryTruncatedToZeroBytesIsAHit) {
  Write("data/budget.xlsx", TextData(8000, 1));
  Write("data/plain.txt", TextData(8000, 2));
  auto with_canary = [&](BackupOptions& o) { o.canaries = {Path("data/budget.xlsx")}; };
  const Snapshot first = BackUpData(std::nullopt, with_canary);
  Write("data/budget.xlsx", "");
  const Snapshot second = BackUpData(first, with_canary);
  ASSERT_TRUE(second.signals.has_value());
  EXPECT_THAT(second.signals->canary_hits, ElementsAre(Path("data/budget.xlsx") + ": emptied"));
  EXPECT_EQ(second.verdict->level, Verdict::Level::kInfected);
}

// The backup path is canonicalised (symlinked parents resolved), the canaries are not: a canary
// named the way the operator named the path is never matched.
TEST_F(SignalsAttackTest, ACanaryNamedThroughASymlinkedParentIsStillWatched) {
  MakeDir("data/share");
  Write("data/share/budget.xlsx", TextData(8000, 1));
  Write("data/share/plain.txt", TextData(8000, 2));
  std::filesystem::create_directory_symlink(Path("data"), Path("link"));
  auto through_link = [&](BackupOptions& o) {
    o.paths = {Path("link/share")};
    o.canaries = {Path("link/share/budget.xlsx")};
  };
  const Snapshot first = BackUpData(std::nullopt, through_link);
  Write("data/share/budget.xlsx", TextData(8000, 99));
  const Snapshot second = BackUpData(first, through_link);
  ASSERT_TRUE(second.signals.has_value());
  EXPECT_FALSE(second.signals->canary_hits.empty()) << "the canary changed";
  EXPECT_EQ(second.verdict->level, Verdict::Level::kInfected);
}

constexpr std::string_view kOleMagic("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8);
constexpr int kDocuments = 30;

// Control: legacy Office (OLE2) documents encrypted from their first byte are flagged.
TEST_F(SignalsAttackTest, OleDocumentsEncryptedWholeAreFlagged) {
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/d" + std::to_string(i) + ".doc", Concat(kOleMagic, TextData(60000, i + 1)));
  }
  const Snapshot first = BackUpData();
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/d" + std::to_string(i) + ".doc", RandomData(60008, 100 + i));
  }
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.verdict.has_value());
  EXPECT_EQ(second.verdict->level, Verdict::Level::kInfected);
}

// The same documents encrypted after their 8 magic bytes: R1 exempts a "container" magic (kOle,
// kPst, kTar, kBmp, kWav, kTiff, kPdf…), R2/R3 need a random header without magic.
// Review R10-5: encryption that keeps a container's magic bytes (OLE .doc, PST, TAR, BMP, WAV,
// disk images) once evaded R1-R3, which exempted container magic; a container whose first 4 KiB
// are structure and now random bytes is no longer exempt.
TEST_F(SignalsAttackTest, OleDocumentsEncryptedAfterTheirMagicAreFlagged) {
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/d" + std::to_string(i) + ".doc", Concat(kOleMagic, TextData(60000, i + 1)));
  }
  const Snapshot first = BackUpData();
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/d" + std::to_string(i) + ".doc", Concat(kOleMagic, RandomData(60000, 100 + i)));
  }
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.signals.has_value());
  EXPECT_EQ(second.signals->files_changed, static_cast<uint64_t>(kDocuments));
  EXPECT_GT(second.signals->suspect_files, 0u) << "30 compressible documents now random";
  EXPECT_NE(second.verdict->level, Verdict::Level::kClean);
}

// A parent record (a planted or future-dated snapshot stays the parent of every later backup)
// that claims more files than its tree holds makes an unchanged tree a mass deletion.
// Review R10-2b: deletions were counted from the parent's own record of its file count, which a
// hostile repository can forge; they are counted from the parent's trees now.
TEST_F(SignalsAttackTest, AParentRecordClaimingMoreFilesDoesNotFlagAnUnchangedTree) {
  Write("data/a.txt", TextData(8000, 1));
  Write("data/b.txt", TextData(8000, 2));
  Snapshot forged = BackUpData();
  ASSERT_TRUE(forged.signals.has_value());
  forged.signals->files_total = 1000000;
  forged.summary.bytes_processed = uint64_t{1} << 40;
  const Snapshot second = BackUpData(forged);
  ASSERT_TRUE(second.signals.has_value());
  EXPECT_EQ(second.signals->files_deleted, 0u) << "nothing was deleted";
  EXPECT_EQ(second.verdict->level, Verdict::Level::kClean);
}

// Clock skew (or an attacker who sets the clock forward): the infected snapshot is dated in the
// future. Were it the next backups' parent (the newest by time), they would see nothing changed,
// be judged clean and sort before it: the newest clean point would then be a snapshot holding
// the encrypted files. BackupBasis leaves it out of what backup and run build on.
TEST_F(SignalsAttackTest, ASnapshotTakenAfterAFutureDatedInfectedOneIsNotTheCleanPoint) {
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/r" + std::to_string(i) + ".txt", TextData(20000, i + 1));
  }
  const Snapshot before = BackUpData();
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/r" + std::to_string(i) + ".txt", RandomData(20000, 100 + i));
  }
  Snapshot infected = BackUpData(before);
  ASSERT_TRUE(infected.verdict.has_value());
  ASSERT_EQ(infected.verdict->level, Verdict::Level::kInfected);
  infected.time_ns += int64_t{365} * 24 * 3600 * 1000000000;  // its host's clock a year ahead
  // As if its host's clock had been ahead when it was taken: only the future-dated record.
  ASSERT_THAT(repo_->RemoveSnapshot(infected.id), IsOk());
  Result<crypto::Id> saved = repo_->SaveSnapshot(infected);
  ASSERT_THAT(saved, IsOk());
  infected.id = *saved;

  Result<std::vector<Snapshot>> stored = repo_->LoadSnapshots();
  ASSERT_THAT(stored, IsOk());
  const Snapshot after = BackUpData(ParentOf(BackupBasis(*stored, SystemNowNs()), true));
  ASSERT_TRUE(after.verdict.has_value());
  // The data directory's tree (the root's holds the temporary directory's parents, whose
  // times change as other processes use them).
  const std::optional<Node> after_data = Find(after, Path("data"));
  const std::optional<Node> infected_data = Find(infected, Path("data"));
  ASSERT_TRUE(after_data.has_value() && infected_data.has_value());
  EXPECT_EQ(after_data->subtree, infected_data->subtree) << "the same encrypted files";
  EXPECT_EQ(after.verdict->level, Verdict::Level::kInfected) << "compared with the clean parent";

  Result<std::vector<Snapshot>> all = repo_->LoadSnapshots();  // oldest first, by time
  ASSERT_THAT(all, IsOk());
  const std::vector<detect::JudgedSnapshot> judged = detect::JudgedSnapshotsOf(*all, {});
  Result<detect::CleanPoint> point = detect::NewestClean(judged);
  ASSERT_THAT(point, IsOk());
  EXPECT_EQ((*all)[point->index].id, before.id)
      << "chosen: " << (*all)[point->index].id.Hex()
      << (((*all)[point->index].id == after.id) ? " (the backup of the encrypted files)" : "")
      << "; " << detect::DescribeCleanPoint(judged, *point);
}

// A hostile repository (any backup host holds the key: ransomware on it can add snapshot files
// to an append-only repository): three future-dated "clean" snapshots of the group claiming a
// huge usual churn. Were they the history (and the parent) of every later backup, whole-tree
// encryption would be judged against them; BackupBasis leaves them out.
TEST_F(SignalsAttackTest, ForgedFutureDatedHistoryDoesNotHideAnEncryptedTree) {
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/r" + std::to_string(i) + ".txt", TextData(20000, i + 1));
  }
  const Snapshot before = BackUpData();
  for (int k = 1; k <= 3; ++k) {
    Snapshot forged = before;
    forged.time_ns += int64_t{k} * 365 * 24 * 3600 * 1000000000;
    forged.signals->suspect_files = 1000000;
    ASSERT_THAT(repo_->SaveSnapshot(forged), IsOk());
  }
  Result<std::vector<Snapshot>> stored = repo_->LoadSnapshots();
  ASSERT_THAT(stored, IsOk());
  const std::vector<Snapshot> group = BackupBasis(*stored, SystemNowNs());  // as backup and run
  for (int i = 0; i < kDocuments; ++i) {
    Write("data/r" + std::to_string(i) + ".txt", RandomData(20000, 100 + i));
  }
  const Snapshot attacked = BackUpData(ParentOf(group, true), [&](BackupOptions& o) {
    o.history = detect::PastSnapshotsOf(group, {});
  });
  ASSERT_TRUE(attacked.signals.has_value());
  EXPECT_EQ(attacked.signals->suspect_files, static_cast<uint64_t>(kDocuments));
  ASSERT_TRUE(attacked.verdict.has_value());
  EXPECT_NE(attacked.verdict->level, Verdict::Level::kClean)
      << "every file of the tree rewritten with random bytes";
}

// Ransomware running as another user, or one that locks the files it works on, makes a share's
// files unreadable to the backup. Review R10-8: they were skipped and counted nowhere (a scan
// of the stored snapshots counted them as deleted, under the deletion rule's 30 %); they are
// counted as unreadable now, not deleted, and judged.
TEST_F(SignalsAttackTest, FilesMadeUnreadableAreCountedAsUnreadableAndFlagged) {
  constexpr int kFiles = 200;
  std::set<std::string> locked;
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = "data/f" + std::to_string(i) + ".txt";
    Write(name, TextData(1000 + i, i + 1));
    if (i % 4 == 0) locked.insert(name);
  }
  const Snapshot first = BackUpData();
  const Snapshot second = BackUpWithUnreadable(first, locked);
  ASSERT_TRUE(second.signals.has_value());
  const repository::SnapshotSignals& s = *second.signals;
  EXPECT_EQ(s.files_unreadable, locked.size());
  uint64_t bytes = 0;
  for (int i = 0; i < kFiles; i += 4) bytes += 1000 + i;
  EXPECT_EQ(s.bytes_unreadable, bytes);
  EXPECT_EQ(s.files_deleted, 0u) << "nothing was deleted";
  EXPECT_EQ(s.files_total, kFiles - locked.size());
  ASSERT_TRUE(second.verdict.has_value());
  EXPECT_EQ(second.verdict->level, Verdict::Level::kSuspicious);
  EXPECT_THAT(second.verdict->reasons,
              ElementsAre(HasSubstr("50 files the previous backup read could not be read "
                                    "(permission denied, locked or changed while read), 25%")));
}

// A canary the backup cannot read any more is a hit of its own kind, not a deletion.
TEST_F(SignalsAttackTest, ACanaryMadeUnreadableIsAHit) {
  Write("data/budget.xlsx", TextData(8000, 1));
  Write("data/plain.txt", TextData(8000, 2));
  auto with_canary = [&](BackupOptions& o) { o.canaries = {Path("data/budget.xlsx")}; };
  const Snapshot first = BackUpData(std::nullopt, with_canary);
  SkipWhenRead({"data/budget.xlsx"});
  BackupOptions options = Options({Path("data")});
  options.parent = first;
  with_canary(options);
  Result<Snapshot> second = Run(options);
  ASSERT_THAT(second, IsOk());
  ASSERT_TRUE(second->signals.has_value());
  EXPECT_THAT(second->signals->canary_hits, ElementsAre(Path("data/budget.xlsx") + ": unreadable"));
  EXPECT_EQ(second->signals->files_unreadable, 1u);
  EXPECT_EQ(second->verdict->level, Verdict::Level::kInfected);
}

// A few files locked now and then (a mailbox being written while the backup reads it) are this
// system's normal: each backup counts them, none is flagged. A file that is never readable is in
// no snapshot, so it is never counted at all.
TEST_F(SignalsAttackTest, AFewFilesUnreadableInEveryBackupStayClean) {
  for (int i = 0; i < 40; ++i) Write("data/m" + std::to_string(i) + ".eml", TextData(3000, i + 1));
  Write("data/always-locked.pst", TextData(5000, 99));
  Snapshot parent = BackUpWithUnreadable(BackUpData(), {"data/always-locked.pst"});
  for (int backup = 0; backup < 6; ++backup) {
    SCOPED_TRACE("backup " + std::to_string(backup));
    const std::string a = "data/m" + std::to_string(2 * backup) + ".eml";
    const std::string b = "data/m" + std::to_string(2 * backup + 1) + ".eml";
    parent = BackUpWithUnreadable(parent, {a, b, "data/always-locked.pst"});
    ASSERT_TRUE(parent.signals.has_value());
    EXPECT_EQ(parent.signals->files_unreadable, 2u);
    EXPECT_EQ(parent.signals->files_deleted, 0u);
    ASSERT_TRUE(parent.verdict.has_value());
    EXPECT_EQ(parent.verdict->level, Verdict::Level::kClean);
  }
}

}  // namespace
}  // namespace stormproof::archiver::testing
