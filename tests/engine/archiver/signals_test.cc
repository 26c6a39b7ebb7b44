// The ransomware signals a backup gathers (issue 16): exact counts on small hand-built trees —
// new, changed, deleted, renamed and metadata-only files; a file rewritten with random bytes;
// an encrypted copy beside its deleted original; ransom notes; canaries — and the verdict judged
// from them. Detection off leaves both out.
#include "engine/repository/signals.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/archiver/internal/pipeline.h"
#include "engine/detect/verdict.h"
#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::archiver::testing {
namespace {

using repository::SnapshotSignals;
using repository::Verdict;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

// The backup is of root_/data: the snapshot also holds the directories above it.
constexpr uint64_t kDirsAbove = 2;  // "tmp", "stormproof-archiver-…"

class SignalsTest : public ArchiverTest {
 protected:
  void SetUp() override {
    ArchiverTest::SetUp();
    MakeDir("data");
  }

  void Remove(const std::string& relative) const {
    ASSERT_EQ(std::remove(Path(relative).c_str()), 0) << relative;
  }
  void Rename(const std::string& from, const std::string& to) const {
    ASSERT_EQ(std::rename(Path(from).c_str(), Path(to).c_str()), 0) << from;
  }
  // Sets a file's mtime to `ns` (its ctime moves on regardless).
  void SetMtime(const std::string& relative, int64_t ns) const {
    const struct timespec times[2] = {{0, UTIME_OMIT}, {ns / 1000000000, ns % 1000000000}};
    ASSERT_EQ(::utimensat(AT_FDCWD, Path(relative).c_str(), times, 0), 0) << relative;
  }
};

TEST_F(SignalsTest, CountsNewChangedDeletedRenamedAndMetadataOnlyFiles) {
  MakeDir("data/sub");
  Write("data/a.txt", TextData(20000, 1));
  Write("data/b.txt", TextData(30000, 2));
  Write("data/sub/c.txt", TextData(40000, 3));
  Write("data/sub/d.md", TextData(5000, 4));
  Write("data/empty", "");
  const Snapshot first = BackUpData();
  ASSERT_TRUE(first.signals.has_value());
  const SnapshotSignals& s1 = *first.signals;
  EXPECT_FALSE(s1.has_parent);
  EXPECT_EQ(s1.files_total, 5u);
  EXPECT_EQ(s1.dirs_total, kDirsAbove + 2);
  EXPECT_EQ(s1.files_new, 5u);
  EXPECT_EQ(s1.files_changed, 0u);
  EXPECT_EQ(s1.files_deleted, 0u);
  EXPECT_EQ(s1.suspect_files, 0u);
  EXPECT_THAT(s1.extensions, ElementsAre(Pair("md", 1u), Pair("txt", 3u)));
  ASSERT_TRUE(first.verdict.has_value());
  EXPECT_EQ(first.verdict->level, Verdict::Level::kClean);

  Write("data/a.txt", TextData(20000, 11));                    // changed
  Remove("data/b.txt");                                        // deleted
  Rename("data/sub/c.txt", "data/sub/c-renamed.txt");          // deleted + new with known content
  ASSERT_EQ(::chmod(Path("data/sub/d.md").c_str(), 0600), 0);  // metadata only
  Write("data/new.txt", TextData(7000, 5));                    // new
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.signals.has_value());
  const SnapshotSignals& s2 = *second.signals;
  EXPECT_TRUE(s2.has_parent);
  EXPECT_EQ(s2.files_total, 5u);
  EXPECT_EQ(s2.files_new, 2u);
  EXPECT_EQ(s2.files_changed, 1u) << "the chmod'ed file's content did not change";
  EXPECT_EQ(s2.files_deleted, 2u);
  EXPECT_EQ(s2.bytes_deleted, 30000u + 40000u);
  EXPECT_EQ(s2.files_known_content, 1u);
  EXPECT_EQ(s2.files_judged, 1u);
  EXPECT_GT(s2.bytes_changed, 0u);
  EXPECT_EQ(s2.bytes_incompressible, 0u);
  EXPECT_EQ(s2.suspect_files, 0u);
  EXPECT_EQ(second.verdict->level, Verdict::Level::kClean);

  // A whole directory removed: its files are counted from the parent's subtree.
  MakeDir("data/sub/deeper");
  Write("data/sub/deeper/e.txt", TextData(6000, 6));
  const Snapshot third = BackUpData(second);
  std::filesystem::remove_all(Path("data/sub"));
  const Snapshot fourth = BackUpData(third);
  ASSERT_TRUE(fourth.signals.has_value());
  EXPECT_EQ(fourth.signals->files_deleted, 3u) << "c-renamed.txt, d.md, deeper/e.txt";
  EXPECT_EQ(fourth.signals->bytes_deleted, 40000u + 5000u + 6000u);
}

TEST_F(SignalsTest, MarksAFileRewrittenWithRandomBytesThatKeptItsMtime) {
  Write("data/ledger.csv", TextData(300000, 1));
  Write("data/other.txt", TextData(1000, 2));
  const Snapshot first = BackUpData();
  const int64_t mtime = FindRelative(first, "data/ledger.csv")->mtime_ns;

  Write("data/ledger.csv", RandomData(300000, 9));
  SetMtime("data/ledger.csv", mtime);
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.signals.has_value());
  const SnapshotSignals& s = *second.signals;
  EXPECT_EQ(s.files_changed, 1u);
  EXPECT_EQ(s.files_judged, 1u);
  EXPECT_EQ(s.rewritten_high_entropy, 1u);
  EXPECT_EQ(s.suspect_files, 1u);
  EXPECT_EQ(s.suspect_bytes, 300000u);
  EXPECT_EQ(s.suspect_mtime_kept, 1u);
  EXPECT_EQ(s.bytes_incompressible, s.bytes_changed);
  EXPECT_EQ(s.bytes_changed, 300000u);
  EXPECT_THAT(s.examples, ElementsAre(Path("data/ledger.csv") + ": was compressible, now random"));
}

TEST_F(SignalsTest, MarksAPlainFileWhoseFirstBlockIsNowRandomAsIntermittent) {
  Bytes text = TextData(1 << 20, 1);
  Write("data/mailbox.mbox", text);
  const Snapshot first = BackUpData();

  const Bytes random = RandomData(64 << 10, 2);
  std::copy(random.begin(), random.end(), text.begin());  // the first 64 KiB only
  Write("data/mailbox.mbox", text);
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.signals.has_value());
  const SnapshotSignals& s = *second.signals;
  EXPECT_EQ(s.files_changed, 1u);
  EXPECT_EQ(s.intermittent, 1u);
  EXPECT_EQ(s.rewritten_high_entropy, 0u) << "most of the file is still plain text";
  EXPECT_EQ(s.suspect_files, 1u);
  EXPECT_LT(s.bytes_changed, uint64_t{1} << 20) << "unchanged chunks are reused";
  EXPECT_THAT(s.examples,
              ElementsAre(Path("data/mailbox.mbox") + ": random blocks in a file that was plain"));
}

TEST_F(SignalsTest, PairsANewRandomFileWithItsDeletedOriginal) {
  MakeDir("data/docs");
  Write("data/docs/report.txt", TextData(50000, 1));
  Write("data/docs/plan.txt", TextData(50000, 2));
  const Snapshot first = BackUpData();

  Write("data/docs/report.txt.lockd", RandomData(50000, 3));
  Remove("data/docs/report.txt");
  Write("data/docs/noise.bin", RandomData(50000, 4));  // random, but no original went
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.signals.has_value());
  const SnapshotSignals& s = *second.signals;
  EXPECT_EQ(s.files_new, 2u);
  EXPECT_EQ(s.files_deleted, 1u);
  EXPECT_EQ(s.encrypted_copies, 1u);
  EXPECT_EQ(s.suspect_files, 1u);
  EXPECT_EQ(s.suspect_bytes, 50000u);
  EXPECT_THAT(s.examples, ElementsAre(Path("data/docs/report.txt.lockd") +
                                      ": random copy of the deleted report.txt"));
}

TEST_F(SignalsTest, CountsRansomNotesAndARepeatedSmallFileInManyDirectories) {
  for (int i = 0; i < 6; ++i) {
    MakeDir("data/d" + std::to_string(i));
    Write("data/d" + std::to_string(i) + "/work.txt", TextData(3000, i));
  }
  const Snapshot first = BackUpData();
  EXPECT_EQ(first.signals->note_dirs, 0u);

  for (int i = 0; i < 6; ++i) {
    Write("data/d" + std::to_string(i) + "/README-DECRYPT.txt", "pay us 1 BTC\n");
  }
  Write("data/d0/how-to-restore-files.txt", "pay us\n");
  const Snapshot second = BackUpData(first);
  ASSERT_TRUE(second.signals.has_value());
  const SnapshotSignals& s = *second.signals;
  EXPECT_EQ(s.dirs_total, kDirsAbove + 1 + 6);
  EXPECT_EQ(s.note_dirs, 6u);
  EXPECT_EQ(s.note_copies, 7u);
  EXPECT_EQ(s.note_name, "README-DECRYPT.txt");
  EXPECT_EQ(s.repeated_name_dirs, 6u);
  EXPECT_EQ(s.repeated_name, "README-DECRYPT.txt");
  ASSERT_TRUE(second.verdict.has_value());
  EXPECT_EQ(second.verdict->level, Verdict::Level::kSuspicious) << "notes alone, in 6 directories";
  EXPECT_THAT(second.verdict->reasons.at(0), HasSubstr("7 copies of README-DECRYPT.txt"));
}

TEST_F(SignalsTest, ACanaryChangedDeletedOrRenamedIsAnInfectedVerdict) {
  MakeDir("data/decoy");
  Write("data/budget.xlsx", TextData(8000, 1));
  Write("data/decoy/salaries.docx", TextData(8000, 2));
  Write("data/keys.txt", TextData(8000, 3));
  Write("data/plain.txt", TextData(8000, 4));
  const std::set<std::string> canaries = {Path("data/budget.xlsx"),
                                          Path("data/decoy/salaries.docx"), Path("data/keys.txt")};
  auto with_canaries = [&](BackupOptions& o) { o.canaries = canaries; };
  const Snapshot first = BackUpData(std::nullopt, with_canaries);
  EXPECT_TRUE(first.signals->canary_hits.empty());

  // Metadata only: no hit.
  ASSERT_EQ(::chmod(Path("data/budget.xlsx").c_str(), 0600), 0);
  const Snapshot quiet = BackUpData(first, with_canaries);
  EXPECT_TRUE(quiet.signals->canary_hits.empty());
  EXPECT_EQ(quiet.verdict->level, Verdict::Level::kClean);

  Write("data/budget.xlsx", TextData(8000, 11));
  std::filesystem::remove_all(Path("data/decoy"));
  Rename("data/keys.txt", "data/keys-moved.txt");
  const Snapshot second = BackUpData(quiet, with_canaries);
  ASSERT_TRUE(second.signals.has_value());
  EXPECT_THAT(second.signals->canary_hits,
              ElementsAre(Path("data/budget.xlsx") + ": changed",
                          Path("data/decoy/salaries.docx") + ": deleted",
                          Path("data/keys.txt") + ": renamed"));
  ASSERT_TRUE(second.verdict.has_value());
  EXPECT_EQ(second.verdict->level, Verdict::Level::kInfected);
  EXPECT_EQ(second.verdict->score, 100);
  EXPECT_THAT(second.verdict->reasons.at(0), HasSubstr("budget.xlsx changed"));
}

TEST_F(SignalsTest, RandomContentUnderAnExtensionTheHistoryNeverHadIsMarked) {
  Write("data/a.txt", TextData(5000, 1));
  const Snapshot first = BackUpData();
  detect::PastSnapshot past;
  past.id = first.id.Hex();
  past.time_ns = first.time_ns;
  past.signals = *first.signals;
  past.level = Verdict::Level::kClean;

  Write("data/b.lockd", RandomData(5000, 2));
  Write("data/c.jpg", "\xFF\xD8\xFF\xE0" + std::string(4000, 'j'));  // new, but has its magic
  const Snapshot second = BackUpData(first, [&](BackupOptions& o) { o.history = {past}; });
  ASSERT_TRUE(second.signals.has_value());
  const SnapshotSignals& s = *second.signals;
  EXPECT_EQ(s.new_extension_files, 1u);
  EXPECT_EQ(s.suspect_files, 1u);
  EXPECT_THAT(s.new_extensions, ElementsAre(Pair("jpg", 1u), Pair("lockd", 1u)));
  EXPECT_THAT(s.examples,
              ElementsAre(Path("data/b.lockd") + ": random content with the new extension .lockd"));
}

TEST_F(SignalsTest, DetectionOffLeavesSignalsAndVerdictOut) {
  Write("data/a.txt", TextData(5000, 1));
  const Snapshot first = BackUpData(std::nullopt, [](BackupOptions& o) { o.detect = false; });
  EXPECT_FALSE(first.signals.has_value());
  EXPECT_FALSE(first.verdict.has_value());
  Write("data/a.txt", RandomData(5000, 2));
  const Snapshot second = BackUpData(first, [](BackupOptions& o) { o.detect = false; });
  EXPECT_FALSE(second.signals.has_value());
  EXPECT_FALSE(second.verdict.has_value());
  // The snapshot file read back has neither.
  Result<Snapshot> loaded = repo_->LoadSnapshot(second.id);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_FALSE(loaded->signals.has_value());
  EXPECT_FALSE(loaded->verdict.has_value());
}

// Off means no detection work at all: not even the header sample of each file.
TEST_F(SignalsTest, DetectionOffSamplesNoHeaders) {
  Write("data/a.txt", TextData(5000, 1));
  std::vector<detect::HeaderSample> headers;
  internal::SetFileFactsHookForTesting([&](const Node&, const internal::ContentFacts& facts) {
    headers.push_back(facts.header);  // one file, one worker: no race
  });
  BackUpData(std::nullopt, [](BackupOptions& o) { o.detect = false; });
  BackUpData(std::nullopt);
  internal::SetFileFactsHookForTesting({});
  ASSERT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers[0].sampled, 0u) << "detection off";
  EXPECT_EQ(headers[1].sampled, detect::kHeaderSampleBytes) << "detection on";
}

TEST_F(SignalsTest, TheSignalsAndVerdictAreSavedWithTheSnapshot) {
  Write("data/a.txt", TextData(5000, 1));
  const Snapshot first = BackUpData();
  Result<Snapshot> loaded = repo_->LoadSnapshot(first.id);
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ(loaded->signals, first.signals);
  EXPECT_EQ(loaded->verdict, first.verdict);
}

}  // namespace
}  // namespace stormproof::archiver::testing
