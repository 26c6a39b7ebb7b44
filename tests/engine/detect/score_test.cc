#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::detect {
namespace {

using repository::SnapshotSignals;
using repository::Verdict;
using Level = Verdict::Level;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr int64_t kDay = int64_t{86400} * 1000 * 1000 * 1000;
constexpr int64_t kDec1 = int64_t{1796083200} * 1000 * 1000 * 1000;  // 2026-12-01 00:00 UTC

// A backup of a 1,000-file system with a parent.
SnapshotSignals Backup(uint64_t suspect_files) {
  SnapshotSignals s;
  s.has_parent = true;
  s.files_total = 1000;
  s.dirs_total = 100;
  s.suspect_files = suspect_files;
  s.extensions = {{"docx", 400}, {"txt", 600}};
  return s;
}

PastSnapshot Past(int day, const SnapshotSignals& signals,
                  std::optional<Level> level = Level::kClean) {
  return {"snap" + std::to_string(day), kDec1 + day * kDay, signals, level};
}

// Clean past backups with these suspect file counts, one a day from 2026-12-01.
std::vector<PastSnapshot> PastWithSuspects(const std::vector<uint64_t>& suspects) {
  std::vector<PastSnapshot> past;
  for (size_t i = 0; i < suspects.size(); ++i) {
    past.push_back(Past(static_cast<int>(i), Backup(suspects[i])));
  }
  return past;
}

TEST(ScoreTest, HistoryKeepsTheLastThirtyCleanSnapshots) {
  std::vector<PastSnapshot> past;
  for (int day = 0; day < 35; ++day) past.push_back(Past(day, Backup(day % 3)));
  past.push_back(Past(35, Backup(500), Level::kInfected));
  past.push_back(Past(36, Backup(400), std::nullopt));  // never judged
  past[34].signals.extensions["heic"] = 10;
  const History h = HistoryOf(past);
  ASSERT_EQ(h.records.size(), kMaxHistory);
  EXPECT_EQ(h.records.front().id, "snap5");
  EXPECT_EQ(h.records.back().id, "snap34");
  EXPECT_EQ(h.suspect_files.median, 1);
  EXPECT_EQ(h.suspect_files.mad, 1);
  EXPECT_EQ(h.suspect_files.low, 0u);
  EXPECT_EQ(h.suspect_files.high, 2u);
  EXPECT_TRUE(h.has_baseline());
  EXPECT_TRUE(h.KnowsExtension("heic"));
  EXPECT_TRUE(h.KnowsExtension("docx"));
  EXPECT_FALSE(h.KnowsExtension("lockd"));
  EXPECT_TRUE(HistoryOf({}).KnowsExtension("lockd"));  // a first backup has no new extension
}

TEST(ScoreTest, FewerThanThreeRecordsUseTheFloorsAlone) {
  const History h = HistoryOf(PastWithSuspects({0, 0}));
  EXPECT_FALSE(h.has_baseline());
  EXPECT_EQ(h.suspect_files.median, 0);
  // σ = max(1 file, 0.05 % of 1,000) = 1; z = x.
  struct {
    uint64_t suspect;
    Level level;
    int score;
  } const cases[] = {
      {0, Level::kClean, 0},       {2, Level::kClean, 0},       {3, Level::kClean, 0},
      {4, Level::kSuspicious, 30}, {7, Level::kSuspicious, 45}, {8, Level::kInfected, 70},
      {20, Level::kInfected, 94},  {200, Level::kInfected, 99},
  };
  for (const auto& c : cases) {
    const Verdict v = Judge(Backup(c.suspect), h);
    EXPECT_EQ(v.level, c.level) << c.suspect;
    EXPECT_EQ(v.score, c.score) << c.suspect;
  }
  EXPECT_THAT(Judge(Backup(8), h).reasons, ElementsAre("8 files look encrypted (no history yet)"));
}

TEST(ScoreTest, TheSystemsOwnChurnRaisesItsThresholds) {
  // A build server: 5–15 suspect files a backup (median 10, MAD 5 → σ ≈ 7.4).
  const History busy = HistoryOf(PastWithSuspects({5, 10, 15, 10, 5, 15, 10}));
  const History quiet = HistoryOf(PastWithSuspects({0, 0, 0, 1, 0, 0, 0}));
  EXPECT_EQ(Judge(Backup(15), busy).level, Level::kClean);
  EXPECT_EQ(Judge(Backup(40), busy).level, Level::kSuspicious);  // z ≈ 4.0: weak
  EXPECT_EQ(Judge(Backup(70), busy).level, Level::kInfected);    // z ≈ 8.1: strong
  EXPECT_EQ(Judge(Backup(15), quiet).level, Level::kInfected);
  EXPECT_THAT(Judge(Backup(70), busy).reasons.front(),
              HasSubstr("(this system's usual: 5\u201315 per backup)"));
}

TEST(ScoreTest, StrongEncryptionNeedsAShareOfTheFiles) {
  // 100,000 files: σ floor 50 (0.05 %); 250 files (0.25 %) needed for infected.
  SnapshotSignals big = Backup(0);
  big.files_total = 100000;
  const History none = HistoryOf({});
  big.suspect_files = 1000;  // 1 %: z = 20
  EXPECT_EQ(Judge(big, none).score, 94);
  big.suspect_files = 300;  // z = 6: weak only
  EXPECT_EQ(Judge(big, none).level, Level::kSuspicious);
  big.suspect_files = 150;  // z = 3
  EXPECT_EQ(Judge(big, none).level, Level::kClean);
}

TEST(ScoreTest, NotesAloneAndWithEncryption) {
  const History h = HistoryOf(PastWithSuspects({0, 0, 0, 0}));
  struct {
    uint32_t note_dirs;
    uint64_t suspect;
    int score;
  } const cases[] = {
      {2, 0, 0}, {3, 0, 40}, {19, 0, 40}, {20, 0, 75}, {2, 1, 90}, {1, 1, 0},
  };
  for (const auto& c : cases) {
    SnapshotSignals s = Backup(c.suspect);
    s.note_dirs = s.note_copies = c.note_dirs;
    s.note_name = "README-DECRYPT.txt";
    EXPECT_EQ(Judge(s, h).score, c.score) << c.note_dirs << " dirs, " << c.suspect << " suspect";
  }
  // A system whose own files match a note pattern in 5 directories every backup.
  std::vector<PastSnapshot> past = PastWithSuspects({0, 0, 0, 0});
  for (PastSnapshot& p : past) p.signals.note_dirs = 5;
  SnapshotSignals s = Backup(1);
  s.note_dirs = 6;
  EXPECT_EQ(Judge(s, HistoryOf(past)).level, Level::kClean);
  s.note_dirs = 7;
  EXPECT_EQ(Judge(s, HistoryOf(past)).score, 90);
}

TEST(ScoreTest, RepeatedNoteLikeNameNeedsManyDirectoriesAndSuspectFiles) {
  const History h = HistoryOf(PastWithSuspects({0, 0, 0}));
  SnapshotSignals s = Backup(1);
  s.repeated_name = "HOW_TO_BACK_FILES.txt";
  s.repeated_name_dirs = 20;
  EXPECT_EQ(Judge(s, h).score, 60);
  s.dirs_total = 401;  // 20 is < 5 % of them
  EXPECT_EQ(Judge(s, h).score, 0);
  s.dirs_total = 100;
  s.suspect_files = 0;
  EXPECT_EQ(Judge(s, h).score, 0);
}

TEST(ScoreTest, SlowAttackSumsTheLastBackups) {
  // Four quiet backups, then 3 suspect files in each of two, then 3 in this one: each alone is
  // below the weak threshold (z = 3), together 9 ≥ 8 σ.
  const History h = HistoryOf(PastWithSuspects({0, 0, 0, 0, 3, 3}));
  const Verdict v = Judge(Backup(3), h);
  EXPECT_EQ(v.level, Level::kInfected);
  EXPECT_EQ(v.score, 75);
  EXPECT_THAT(v.reasons, ElementsAre("slow attack: 9 suspect files over 3 backups since "
                                     "2026-12-05 00:00:00 UTC"));
  EXPECT_THAT(SlowAttackMembers(h, Backup(3)), ElementsAre("snap4", "snap5"));

  // Nothing suspect now: no slow attack, even though earlier backups had some.
  EXPECT_EQ(Judge(Backup(0), h).level, Level::kClean);
  EXPECT_THAT(SlowAttackMembers(h, Backup(0)), IsEmpty());
  // Suspect files older than the last six records do not count.
  const History old = HistoryOf(PastWithSuspects({0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(Judge(Backup(3), old).level, Level::kClean);
  // One earlier record alone is not enough here (6 < 8 σ).
  EXPECT_EQ(Judge(Backup(3), HistoryOf(PastWithSuspects({0, 0, 0, 0, 3}))).level, Level::kClean);
}

TEST(ScoreTest, MassDeletionIsSuspiciousUnlessExplained) {
  const History h = HistoryOf(PastWithSuspects({0, 0, 0}));
  SnapshotSignals s = Backup(0);
  s.files_total = 700;
  s.files_deleted = 300;  // of 1,000
  s.bytes_deleted = 300 << 20;
  Verdict v = Judge(s, h);
  EXPECT_EQ(v.level, Level::kSuspicious);
  EXPECT_EQ(v.score, 35);
  EXPECT_THAT(v.reasons, ElementsAre("300 files deleted (30%), not renamed or archived "
                                     "(this system's usual: 0 per backup)"));

  SnapshotSignals renamed = s;  // a bulk rename: the "new" files are known content
  renamed.files_new = renamed.files_known_content = 290;
  renamed.files_total = 990;
  EXPECT_EQ(Judge(renamed, h).level, Level::kClean);

  SnapshotSignals zipped = s;  // a user zipped the folder, then deleted it
  zipped.archives_added_bytes = 100 << 20;
  EXPECT_EQ(Judge(zipped, h).level, Level::kClean);

  SnapshotSignals almost_all = s;  // never infected alone
  almost_all.files_total = 100;
  almost_all.files_deleted = 900;
  EXPECT_EQ(Judge(almost_all, h).score, 35);

  SnapshotSignals first = s;  // a first backup deletes nothing
  first.has_parent = false;
  EXPECT_EQ(Judge(first, h).level, Level::kClean);
}

// Clean past backups of a 10,000-file system with these counts of files that could not be read.
std::vector<PastSnapshot> PastWithUnreadable(const std::vector<uint64_t>& unreadable) {
  std::vector<PastSnapshot> past;
  for (size_t i = 0; i < unreadable.size(); ++i) {
    SnapshotSignals s = Backup(0);
    s.files_unreadable = unreadable[i];
    s.files_total = 10000 - unreadable[i];
    past.push_back(Past(static_cast<int>(i), s));
  }
  return past;
}

// A backup of the 10,000-file system that could not read `unreadable` of the parent's files.
SnapshotSignals WithUnreadable(uint64_t unreadable) {
  SnapshotSignals s = Backup(0);
  s.files_total = 10000 - unreadable;
  s.files_unreadable = unreadable;
  s.bytes_unreadable = unreadable << 20;
  return s;
}

// Review R10-8: files made unreadable are judged, not hidden among deletions.
TEST(ScoreTest, FilesMadeUnreadableAreJudgedAgainstTheSystemsUsual) {
  const History few = HistoryOf(PastWithUnreadable({1, 2, 1, 2, 1}));
  EXPECT_EQ(few.unreadable.low, 1u);
  EXPECT_EQ(few.unreadable.high, 2u);
  EXPECT_EQ(Judge(WithUnreadable(2), few).level, Level::kClean) << "a few files always locked";

  const Verdict v = Judge(WithUnreadable(1204), few);
  EXPECT_EQ(v.level, Level::kSuspicious);
  EXPECT_EQ(v.score, 40);
  EXPECT_THAT(v.reasons, ElementsAre("1,204 files the previous backup read could not be read "
                                     "(permission denied, locked or changed while read), 12% of "
                                     "its files (this system's usual: 1\u20132 per backup)"));
  SnapshotSignals deleted = Backup(0);  // at least as suspicious as the same mass deleted
  deleted.files_total = 10000 - 1204;
  deleted.files_deleted = 1204;
  deleted.bytes_deleted = uint64_t{1204} << 20;
  EXPECT_LE(Judge(deleted, few).score, v.score);

  // A system that usually cannot read 100-150 of its files (a busy mail store) stays clean at
  // 140; without a history, 140 (1.4 %) is too many.
  const History busy = HistoryOf(PastWithUnreadable({100, 150, 120, 130, 110}));
  EXPECT_EQ(Judge(WithUnreadable(140), busy).level, Level::kClean);
  EXPECT_EQ(Judge(WithUnreadable(140), HistoryOf({})).level, Level::kSuspicious);

  SnapshotSignals first = WithUnreadable(1204);  // a first backup has no parent's files
  first.has_parent = false;
  EXPECT_EQ(Judge(first, few).level, Level::kClean);
}

// Deleting some files and making others unreadable does not slip under the deletion rule.
TEST(ScoreTest, UnreadableAndDeletedFilesTogetherAreAMassDeletion) {
  const History h = HistoryOf(PastWithSuspects({0, 0, 0}));
  SnapshotSignals s = Backup(0);
  s.files_total = 695;
  s.files_deleted = 290;  // of 1,000: alone under the 30 % of a mass deletion
  s.bytes_deleted = uint64_t{290} << 20;
  s.files_unreadable = 15;  // alone under max(20, 0.25 %)
  s.bytes_unreadable = uint64_t{15} << 20;
  const Verdict v = Judge(s, h);
  EXPECT_EQ(v.level, Level::kSuspicious);
  EXPECT_EQ(v.score, 40);
  EXPECT_THAT(v.reasons, ElementsAre("15 files the previous backup read could not be read "
                                     "(permission denied, locked or changed while read), 2% of "
                                     "its files (this system's usual: 0 per backup), beside 290 "
                                     "files deleted"));
  SnapshotSignals fewer = s;
  fewer.files_unreadable = 5;
  fewer.files_total = 705;
  EXPECT_EQ(Judge(fewer, h).level, Level::kClean);
}

TEST(ScoreTest, ACanaryChangedIsInfectedOnItsOwn) {
  SnapshotSignals s = Backup(0);
  s.canary_hits = {"/srv/share/_c/budget.xlsx: changed", "/srv/share/_c/plan.docx: deleted"};
  const Verdict v = Judge(s, HistoryOf({}));
  EXPECT_EQ(v.level, Level::kInfected);
  EXPECT_EQ(v.score, 100);
  EXPECT_THAT(v.reasons, ElementsAre("canary /srv/share/_c/budget.xlsx changed",
                                     "canary /srv/share/_c/plan.docx deleted"));
}

TEST(ScoreTest, BenignHeavyChangeStaysCleanWithoutReasons) {
  const History h = HistoryOf(PastWithSuspects({0, 1, 0, 2, 0}));
  SnapshotSignals photos = Backup(1);
  photos.files_new = 5000;
  photos.files_total = 6000;
  photos.bytes_changed = photos.bytes_incompressible = uint64_t{20} << 30;
  const Verdict v = Judge(photos, h);
  EXPECT_EQ(v.level, Level::kClean);
  EXPECT_EQ(v.score, 0);
  EXPECT_THAT(v.reasons, IsEmpty());
  EXPECT_EQ(v.model, "detect/1");
}

TEST(ScoreTest, ReasonsInPlainWordsMostSeriousFirst) {
  const History h = HistoryOf(PastWithSuspects({0, 1, 2, 1, 0, 1, 2}));
  SnapshotSignals s = Backup(3412);
  s.files_total = 10000;
  s.suspect_mtime_kept = 3276;
  s.rewritten_high_entropy = 3000;
  s.header_mismatch = 412;
  s.note_dirs = s.note_copies = 212;
  s.note_name = "README-DECRYPT.txt";
  s.bytes_changed = 1000;
  s.bytes_incompressible = 980;
  s.examples = {"/srv/share/a.docx: no longer starts with its header"};
  const Verdict v = Judge(s, h);
  EXPECT_EQ(v.level, Level::kInfected);
  EXPECT_EQ(v.score, 99);
  EXPECT_THAT(v.reasons,
              ElementsAre("3,412 files look encrypted, 96% of them kept their mtime "
                          "(this system's usual: 0\u20132 per backup)",
                          "212 copies of README-DECRYPT.txt in 212 directories, beside 3,412 "
                          "files that look encrypted",
                          "3,000 files rewritten with high-entropy content (compressible before)",
                          "412 files no longer start with their type's header",
                          "98% of the changed bytes are incompressible",
                          "for example /srv/share/a.docx: no longer starts with its header"));
  // Earlier backups with 2 suspect files are this system's churn, not a slow attack's start.
  EXPECT_THAT(SlowAttackMembers(h, s), IsEmpty());
}

}  // namespace
}  // namespace stormproof::detect
