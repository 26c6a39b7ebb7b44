// scan (issue 16): a scan of snapshots taken without detection gives the verdicts a backup with
// detection gave on the same data (the ransomware simulator, tests/support/ransom), saves them as
// verdict marks that the history and the restore-point rule use, writes nothing with
// Save::kNothing, and re-judges snapshots that already have a verdict.
#include "engine/scan/scan.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <numeric>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "core/interrupt.h"
#include "engine/archiver/archiver.h"
#include "engine/archiver/internal/file_reader.h"
#include "engine/backend/backend.h"
#include "engine/detect/verdict.h"
#include "engine/holds/holds.h"
#include "engine/repository/repository.h"
#include "tests/engine/archiver/archiver_fixtures.h"
#include "tests/matchers.h"
#include "tests/support/ransom/scenario.h"

namespace stormproof::scan {
namespace {

namespace fs = std::filesystem;
using repository::Snapshot;
using repository::Verdict;
using stormproof::testing::ransom::AttackKind;
using stormproof::testing::ransom::BenignKind;
using stormproof::testing::ransom::RunScenario;
using stormproof::testing::ransom::ScenarioRun;
using stormproof::testing::ransom::ScenarioSpec;

const holds::Maker kMaker{"scanner", "tester", 1'000'000'000};

struct Case {
  std::string name;
  std::optional<AttackKind> attack;
  std::optional<BenignKind> benign;
  double scale = 0.05;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

std::vector<Case> Cases() {
  return {
      {"in_place", AttackKind::kInPlace, {}},
      {"new_name", AttackKind::kNewNameDeleteOriginal, {}},
      {"rename", AttackKind::kRenameNewExtension, {}},
      {"first_4k", AttackKind::kFirst4KiB, {}, 0.4},
      {"mtime_restored", AttackKind::kMtimeRestored, {}},
      {"notes_only", AttackKind::kNotesOnly, {}},
      {"slow", AttackKind::kSlow, {}},
      {"photo_import", {}, BenignKind::kPhotoImport},
      {"bulk_rename", {}, BenignKind::kBulkRename},
      {"zip_and_delete", {}, BenignKind::kZipAndDelete},
      {"log_rotate", {}, BenignKind::kLogRotateGzip},
  };
}

std::vector<size_t> AllOf(const std::vector<Snapshot>& group) {
  std::vector<size_t> all(group.size());
  std::iota(all.begin(), all.end(), 0);
  return all;
}

// The names of every file in the repository but locks, sorted.
std::vector<std::string> Files(const repository::Repository& repo) {
  std::vector<std::string> names;
  for (backend::FileType type :
       {backend::FileType::kSnapshot, backend::FileType::kIndex, backend::FileType::kPack,
        backend::FileType::kEvidence, backend::FileType::kKey}) {
    Status listed = repo.backend().List(type, [&](const std::string& name, uint64_t) {
      names.push_back(std::string(backend::FileTypeName(type)) + "/" + name);
    });
    EXPECT_THAT(listed, IsOk());
  }
  std::sort(names.begin(), names.end());
  return names;
}

size_t CountOf(const repository::MarkSet& marks, repository::Mark::Kind kind) {
  return static_cast<size_t>(
      std::count_if(marks.all().begin(), marks.all().end(),
                    [&](const repository::NamedMark& named) { return named.mark.kind == kind; }));
}

std::vector<std::string> Names(const repository::MarkSet& marks) {
  std::vector<std::string> names;
  for (const repository::NamedMark& named : marks.all()) names.push_back(named.name);
  return names;
}

class ScanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string base = fs::exists("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/stormproof-scan-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  ScenarioRun Run(const std::string& name, ScenarioSpec spec) {
    Result<ScenarioRun> run = RunScenario(dir_ + "/" + name, spec);
    EXPECT_THAT(run, IsOk());
    return run.has_value() ? std::move(*run) : ScenarioRun{};
  }

  // Every snapshot of `run` scanned oldest first, against `marks` (default: the run's); the
  // verdicts in order.
  std::vector<Scanned> ScanAll(const ScenarioRun& run, Save save,
                               std::optional<repository::MarkSet> given = std::nullopt) {
    std::vector<Scanned> out;
    Result<repository::MarkSet> marks =
        ScanGroup(*run.repository, run.snapshots, AllOf(run.snapshots), given.value_or(run.marks),
                  ScanOptions{}, save, kMaker,
                  [&](const Snapshot&, const Scanned& scanned, const SavedMarks&) {
                    out.push_back(scanned);
                  });
    EXPECT_THAT(marks, IsOk());
    return out;
  }

  std::string dir_;
};

class ScanAgreesTest : public ScanTest, public ::testing::WithParamInterface<Case> {
 protected:
  void ExpectScanAgrees(const Case& c, uint64_t seed) {
    ScenarioSpec spec;
    spec.attack = c.attack;
    spec.benign = c.benign;
    spec.scale = c.scale;
    spec.seed = seed;
    const std::string at = std::to_string(seed);
    const ScenarioRun judged = Run(at + "/judged", spec);
    spec.detect = false;
    const ScenarioRun plain = Run(at + "/plain", spec);
    ASSERT_EQ(judged.snapshots.size(), plain.snapshots.size());
    ASSERT_FALSE(plain.snapshots.back().verdict.has_value());
    const std::vector<Scanned> scanned = ScanAll(plain, Save::kNothing);
    ASSERT_EQ(scanned.size(), plain.snapshots.size());
    for (size_t i = 0; i < scanned.size(); ++i) {
      SCOPED_TRACE(c.name + ", snapshot " + std::to_string(i));
      const repository::SnapshotSignals& at_backup = *judged.snapshots[i].signals;
      const repository::SnapshotSignals& at_scan = scanned[i].signals;
      EXPECT_EQ(at_scan.source, repository::SnapshotSignals::Source::kScan);
      EXPECT_EQ(scanned[i].verdict.level, judged.snapshots[i].verdict->level);
      EXPECT_EQ(scanned[i].verdict.score, judged.snapshots[i].verdict->score);
      EXPECT_EQ(at_scan.files_total, at_backup.files_total);
      EXPECT_EQ(at_scan.files_new, at_backup.files_new);
      EXPECT_EQ(at_scan.files_changed, at_backup.files_changed);
      EXPECT_EQ(at_scan.files_deleted, at_backup.files_deleted);
      EXPECT_EQ(at_scan.files_known_content, at_backup.files_known_content);
      EXPECT_EQ(at_scan.suspect_files, at_backup.suspect_files);
      EXPECT_EQ(at_scan.note_copies, at_backup.note_copies);
    }
    // On the very same data (the judged run's snapshots, judged again without the marks its
    // backups placed later), everything agrees: every signal, the score and the reasons.
    const std::vector<Scanned> rescanned = ScanAll(judged, Save::kNothing, repository::MarkSet());
    ASSERT_EQ(rescanned.size(), judged.snapshots.size());
    for (size_t i = 0; i < rescanned.size(); ++i) {
      SCOPED_TRACE(c.name + ", same data, snapshot " + std::to_string(i));
      repository::SnapshotSignals expected = *judged.snapshots[i].signals;
      expected.source = repository::SnapshotSignals::Source::kScan;
      EXPECT_EQ(rescanned[i].signals, expected);
      EXPECT_EQ(rescanned[i].verdict, *judged.snapshots[i].verdict);
    }
  }
};

// The seeds ScanAgreesTest runs: 7, or 1..N with STORMPROOF_SCAN_SEEDS=N.
std::vector<uint64_t> Seeds() {
  const char* given = std::getenv("STORMPROOF_SCAN_SEEDS");
  if (given == nullptr) return {7};
  std::vector<uint64_t> seeds(static_cast<size_t>(std::max(1, std::atoi(given))));
  std::iota(seeds.begin(), seeds.end(), uint64_t{1});
  return seeds;
}

// The same seed backed up twice, with detection and without: scanning the second gives each
// snapshot the level (and the counts behind it) the first got at backup time.
TEST_P(ScanAgreesTest, ScanOfUndetectedBackupsGivesTheBackupsVerdicts) {
  for (uint64_t seed : Seeds()) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    ExpectScanAgrees(GetParam(), seed);
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScanAgreesTest, ::testing::ValuesIn(Cases()),
                         [](const auto& info) { return info.param.name; });

// Snapshots taken without detection get a verdict mark each, with the signals it was judged on;
// the restore-point rule then names the last snapshot before the attack.
TEST_F(ScanTest, SavesAVerdictMarkThatTheCleanPointHonours) {
  ScenarioSpec spec;
  spec.attack = AttackKind::kInPlace;
  spec.detect = false;
  const ScenarioRun run = Run("attacked", spec);
  ASSERT_FALSE(run.snapshots.empty());
  EXPECT_THAT(detect::NewestClean(detect::JudgedSnapshotsOf(run.snapshots, run.marks)),
              IsOk());  // never judged: the newest, unjudged, is all the rule can offer
  const std::vector<Scanned> scanned = ScanAll(run, Save::kMarks);
  ASSERT_EQ(scanned.size(), run.snapshots.size());

  Result<repository::MarkSet> marks = run.repository->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(CountOf(*marks, repository::Mark::Kind::kVerdict), run.snapshots.size());
  for (const Snapshot& s : run.snapshots) {
    const repository::Mark* later = marks->WorstLaterVerdict(s.id);
    ASSERT_NE(later, nullptr);
    ASSERT_TRUE(later->signals.has_value());
    EXPECT_EQ(later->signals->source, repository::SnapshotSignals::Source::kScan);
    EXPECT_THAT(later->reason, ::testing::StartsWith("scan: "));
  }
  EXPECT_NE(marks->WorstLaterVerdict(run.snapshots.back().id)->verdict->level,
            Verdict::Level::kClean);
  Result<detect::CleanPoint> point =
      detect::NewestClean(detect::JudgedSnapshotsOf(run.snapshots, *marks));
  ASSERT_THAT(point, IsOk());
  EXPECT_EQ(point->index, run.last_clean);
  // The history the next backup would use has the scanned snapshots in it.
  const detect::History history = detect::HistoryOf(detect::PastSnapshotsOf(run.snapshots, *marks));
  EXPECT_EQ(history.records.size(), run.last_clean + 1);
}

// R12-2: a slow attack found by a scan has its earlier steps marked, as a backup marks them, so
// the newest clean point is the last snapshot before the attack began, and that point and the
// clean ones before it are held (the marks a backup saves after a flag).
TEST_F(ScanTest, ASlowAttackFoundByAScanMarksItsEarlierStepsAndHoldsTheCleanPoint) {
  ScenarioSpec spec;
  spec.attack = AttackKind::kSlow;
  spec.detect = false;
  const ScenarioRun run = Run("slow", spec);
  ASSERT_GT(run.snapshots.size(), run.last_clean + spec.slow_backups);
  std::vector<repository::NamedMark> after_flag;
  Result<repository::MarkSet> returned = ScanGroup(
      *run.repository, run.snapshots, AllOf(run.snapshots), run.marks, ScanOptions{}, Save::kMarks,
      kMaker, [&](const Snapshot&, const Scanned&, const SavedMarks& saved) {
        EXPECT_EQ(saved.after_flag_failure, "");
        after_flag.insert(after_flag.end(), saved.after_flag.begin(), saved.after_flag.end());
      });
  ASSERT_THAT(returned, IsOk());
  Result<repository::MarkSet> marks = run.repository->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(Names(*returned), Names(*marks));
  Result<detect::CleanPoint> point =
      detect::NewestClean(detect::JudgedSnapshotsOf(run.snapshots, *marks));
  ASSERT_THAT(point, IsOk());
  EXPECT_EQ(point->index, run.last_clean) << "the clean point is inside the attack";
  size_t steps = 0;
  for (const repository::NamedMark& named : after_flag) {
    if (named.mark.kind != repository::Mark::Kind::kVerdict) continue;
    ++steps;
    EXPECT_THAT(named.mark.reason, ::testing::HasSubstr("part of a slow attack"));
    EXPECT_TRUE(named.mark.because.has_value());
  }
  EXPECT_GE(steps, 1u);
  EXPECT_TRUE(marks->Held(run.snapshots[run.last_clean].id));
  EXPECT_EQ(CountOf(*marks, repository::Mark::Kind::kHold),
            std::min(holds::kHeldCleanPoints, run.last_clean + 1) + 1);  // + the first step
  // A second scan of the same snapshots asks for no hold twice.
  ASSERT_THAT(ScanGroup(*run.repository, run.snapshots, AllOf(run.snapshots), *marks, ScanOptions{},
                        Save::kMarks, kMaker, nullptr),
              IsOk());
  Result<repository::MarkSet> again = run.repository->LoadMarks();
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(CountOf(*again, repository::Mark::Kind::kHold),
            CountOf(*marks, repository::Mark::Kind::kHold));
}

TEST_F(ScanTest, DryRunWritesNothing) {
  ScenarioSpec spec;
  spec.attack = AttackKind::kInPlace;
  spec.detect = false;
  const ScenarioRun run = Run("attacked", spec);
  const std::vector<std::string> before = Files(*run.repository);
  const std::vector<Scanned> scanned = ScanAll(run, Save::kNothing);
  ASSERT_EQ(scanned.size(), run.snapshots.size());
  EXPECT_NE(scanned.back().verdict.level, Verdict::Level::kClean);
  Result<repository::MarkSet> marks = run.repository->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  EXPECT_TRUE(marks->empty());
  EXPECT_EQ(Files(*run.repository), before);
}

// Snapshots that already have a verdict (backed up with detection) can be judged again: the
// scan agrees with each record and adds a mark per snapshot.
TEST_F(ScanTest, RescanOfJudgedSnapshotsAgreesAndAddsMarks) {
  ScenarioSpec spec;
  spec.attack = AttackKind::kNotesOnly;
  const ScenarioRun run = Run("judged", spec);
  const size_t marks_before = run.marks.all().size();
  const std::vector<Scanned> scanned = ScanAll(run, Save::kMarks);
  ASSERT_EQ(scanned.size(), run.snapshots.size());
  for (size_t i = 0; i < scanned.size(); ++i) {
    EXPECT_EQ(scanned[i].verdict.level, run.snapshots[i].verdict->level) << "snapshot " << i;
  }
  Result<repository::MarkSet> marks = run.repository->LoadMarks();
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(marks->all().size(), marks_before + run.snapshots.size());
}

// Only the snapshots asked for are scanned; the first of a group has no parent and is judged as
// a first backup.
TEST_F(ScanTest, ScansOnlyTheTargets) {
  ScenarioSpec spec;
  spec.benign = BenignKind::kDailyChurn;
  spec.detect = false;
  const ScenarioRun run = Run("churn", spec);
  std::vector<std::string> scanned;
  const std::vector<size_t> targets = {0, run.snapshots.size() - 1};
  Result<repository::MarkSet> marks =
      ScanGroup(*run.repository, run.snapshots, targets, run.marks, ScanOptions{}, Save::kMarks,
                kMaker, [&](const Snapshot& s, const Scanned& result, const SavedMarks& saved) {
                  scanned.push_back(s.id.Hex());
                  EXPECT_FALSE(saved.verdict.empty());
                  EXPECT_EQ(result.signals.has_parent, s.id != run.snapshots.front().id);
                });
  ASSERT_THAT(marks, IsOk());
  EXPECT_EQ(scanned, (std::vector<std::string>{run.snapshots.front().id.Hex(),
                                               run.snapshots.back().id.Hex()}));
  EXPECT_EQ(marks->all().size(), 2u);
}

// SIGINT between two snapshots: the first's mark is saved whole, nothing more is written, and
// the call says it was interrupted.
TEST_F(ScanTest, AnInterruptionStopsBetweenSnapshotsKeepingWhatWasSaved) {
  ScenarioSpec spec;
  spec.benign = BenignKind::kDailyChurn;
  spec.detect = false;
  const ScenarioRun run = Run("churn", spec);
  ASSERT_GE(run.snapshots.size(), 2u);
  size_t scanned = 0;
  Result<repository::MarkSet> marks =
      ScanGroup(*run.repository, run.snapshots, AllOf(run.snapshots), run.marks, ScanOptions{},
                Save::kMarks, kMaker, [&](const Snapshot&, const Scanned&, const SavedMarks&) {
                  ++scanned;
                  SimulateInterruptionForTesting(SIGINT);
                });
  SimulateInterruptionForTesting(0);
  EXPECT_THAT(marks, ErrorIs(ErrorCode::kInterrupted));
  EXPECT_EQ(scanned, 1u);
  Result<repository::MarkSet> saved = run.repository->LoadMarks();
  ASSERT_THAT(saved, IsOk());
  ASSERT_EQ(saved->all().size(), 1u);
  EXPECT_EQ(saved->all().front().mark.snapshot, run.snapshots.front().id);
}

class ScanSkippedTest : public archiver::testing::ArchiverTest {};

// Review R10-8: a stored snapshot's files its backup could not read (its `skipped` list) are
// unreadable, not deleted; one that vanished before it was read was deleted.
TEST_F(ScanSkippedTest, FilesTheBackupCouldNotReadAreUnreadableNotDeleted) {
  MakeDir("data");
  std::set<std::string> locked;
  for (int i = 0; i < 40; ++i) {
    const std::string path = Path("data/f" + std::to_string(i) + ".txt");
    Write("data/f" + std::to_string(i) + ".txt", "content " + std::to_string(i));
    if (i < 30) locked.insert(path);
  }
  archiver::BackupOptions options = Options({Path("data")});
  options.detect = false;  // as a snapshot taken before detection
  Result<Snapshot> first = Run(options);
  ASSERT_THAT(first, IsOk());
  for (const std::string& path : locked) ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  ASSERT_EQ(::chmod(Path("data/f39.txt").c_str(), 0600), 0);
  archiver::internal::SetReadHooksForTesting(
      {[this](const std::string& path) {
         if (path == Path("data/f39.txt")) ::unlink(path.c_str());  // vanishes: deleted
       },
       [&locked](const std::string& path) {
         if (!locked.contains(path)) return;  // changes while read: skipped, still there
         const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
         ASSERT_GE(fd, 0);
         ASSERT_EQ(::write(fd, "x", 1), 1);
         ::close(fd);
       }});
  options.parent = *first;
  Result<Snapshot> second = Run(options);
  archiver::internal::SetReadHooksForTesting({});
  ASSERT_THAT(second, IsOk());
  ASSERT_EQ(second->skipped.size(), 31u);

  Result<Scanned> scanned = Scan(*repo_, *second, &*first, detect::History{}, ScanOptions{});
  ASSERT_THAT(scanned, IsOk());
  EXPECT_EQ(scanned->signals.files_unreadable, 30u);
  EXPECT_EQ(scanned->signals.files_deleted, 1u) << "f39.txt vanished";
  EXPECT_EQ(scanned->verdict.level, Verdict::Level::kSuspicious);
  EXPECT_THAT(scanned->verdict.reasons,
              ::testing::ElementsAre(::testing::HasSubstr("30 files the previous backup read could "
                                                          "not be read")));
}

TEST(GroupsOfTest, GroupsByHostAndPathsOldestFirst) {
  auto snapshot = [](std::string host, std::string path, int64_t time) {
    Snapshot s;
    s.hostname = std::move(host);
    s.paths = {std::move(path)};
    s.time_ns = time;
    return s;
  };
  const auto groups = GroupsOf({snapshot("b", "/x", 3), snapshot("a", "/x", 2),
                                snapshot("a", "/x", 1), snapshot("a", "/y", 0)});
  ASSERT_EQ(groups.size(), 3u);
  ASSERT_EQ(groups[0].size(), 2u);
  EXPECT_EQ(groups[0][0].time_ns, 1);
  EXPECT_EQ(groups[0][1].time_ns, 2);
  EXPECT_EQ(groups[1][0].paths, std::vector<std::string>{"/y"});
  EXPECT_EQ(groups[2][0].hostname, "b");
}

TEST(MarkReasonTest, SaysLevelAndScore) {
  Verdict verdict;
  verdict.level = Verdict::Level::kInfected;
  verdict.score = 97;
  EXPECT_EQ(MarkReason(verdict), "scan: infected (score 97)");
}

}  // namespace
}  // namespace stormproof::scan
