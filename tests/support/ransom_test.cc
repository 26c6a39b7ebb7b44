// The ransomware simulator and benign generators (tests/support/ransom/): datasets are
// deterministic and well-formed, each attack has the shape its kind promises, each benign kind
// keeps every file's format and changes what it says it changes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/matchers.h"
#include "tests/support/ransom/attacks.h"
#include "tests/support/ransom/benign.h"
#include "tests/support/ransom/dataset.h"
#include "tests/support/ransom/internal/containers.h"
#include "tests/support/ransom/internal/file_tree.h"

namespace stormproof::testing::ransom {
namespace {

namespace fs = std::filesystem;
using internal::ExtensionOf;
using internal::JoinPath;
using ::testing::Contains;
using ::testing::Each;
using ::testing::SizeIs;

// path → content of every file under a root.
using Tree = std::map<std::string, std::string>;

constexpr DatasetSpec kSmall{.seed = 7, .files = 80, .scale = 0.02};

class RansomTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "stormproof-ransom-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A fresh dataset under dir_/name.
  std::string Dataset(const std::string& name, const DatasetSpec& spec = kSmall) {
    const std::string root = dir_ + "/" + name;
    EXPECT_THAT(MakeDataset(root, spec), IsOk());
    return root;
  }

  static Tree Read(const std::string& root) {
    Tree tree;
    const auto files = internal::ListFiles(root);
    for (const std::string& path : files.value()) {
      tree[path] = internal::ReadWholeFile(JoinPath(root, path)).value();
    }
    return tree;
  }

  static std::map<std::string, internal::MtimeNs> Mtimes(const std::string& root) {
    std::map<std::string, internal::MtimeNs> mtimes;
    const auto files = internal::ListFiles(root);
    for (const std::string& path : files.value()) {
      mtimes[path] = internal::MtimeOf(JoinPath(root, path)).value();
    }
    return mtimes;
  }

  static size_t Eligible(const Tree& tree) {
    size_t n = 0;
    for (const auto& [path, content] : tree) n += IsAttackTarget(path) ? 1 : 0;
    return n;
  }

  std::string dir_;
};

// Whether `content` starts as the format its path says it is.
bool MagicOk(const std::string& path, const std::string& content) {
  const std::string ext = ExtensionOf(path);
  auto starts = [&](std::string_view magic) { return content.starts_with(magic); };
  if (ext == "docx" || ext == "xlsx" || ext == "pptx" || ext == "zip") return starts("PK\3\4");
  if (ext == "pdf") return starts("%PDF-");
  if (ext == "jpg") return starts("\xff\xd8\xff");
  if (ext == "png") return starts("\x89PNG\r\n");
  if (ext == "heic" || ext == "mp4") return content.substr(4, 4) == "ftyp";
  if (ext == "sqlite") return starts(std::string_view("SQLite format 3\0", 16));
  if (ext == "gz") return starts("\x1f\x8b");
  if (ext == "7z") return starts("7z\xbc\xaf");
  if (ext == "pack") return starts("PACK");
  if (ext == "idx") return starts("\xfftOc");
  if (ext == "qcow2") return starts("QFI\xfb");
  if (ext == "img") return content.size() > 512 && content.substr(510, 2) == "\x55\xaa";
  if (path.starts_with("usr/bin/") || path.starts_with("usr/lib/"))
    return starts(
        "\x7f"
        "ELF");
  return true;
}

void ExpectFormatsIntact(const Tree& tree) {
  for (const auto& [path, content] : tree) EXPECT_TRUE(MagicOk(path, content)) << path;
}

TEST_F(RansomTest, SameSeedWritesSameBytesAndMtimes) {
  const std::string a = Dataset("a"), b = Dataset("b");
  EXPECT_EQ(Read(a), Read(b));
  EXPECT_EQ(Mtimes(a), Mtimes(b));
}

TEST_F(RansomTest, DifferentSeedWritesDifferentBytes) {
  DatasetSpec other = kSmall;
  other.seed = 8;
  const Tree a = Read(Dataset("a")), b = Read(Dataset("b", other));
  EXPECT_NE(a, b);
  EXPECT_NE(a.at("srv/db/ledger.sqlite"), b.at("srv/db/ledger.sqlite"));
}

TEST_F(RansomTest, DatasetHasExactlyItsFilesInTheirFormats) {
  const std::string root = Dataset("a");
  const Tree tree = Read(root);
  EXPECT_THAT(tree, SizeIs(kSmall.files));
  ExpectFormatsIntact(tree);
  std::set<std::string> extensions;
  for (const auto& [path, content] : tree) extensions.insert(ExtensionOf(path));
  for (const char* ext :
       {"docx", "pdf", "jpg", "sqlite", "c", "zip", "log", "gz", "pack", "idx", "img", "qcow2"}) {
    EXPECT_THAT(extensions, Contains(ext));
  }
  for (const auto& [path, mtime] : Mtimes(root)) {
    EXPECT_LT(mtime, kDatasetEpochSeconds * 1'000'000'000) << path;
    EXPECT_GT(mtime, (kDatasetEpochSeconds - 2 * 366 * 86400) * 1'000'000'000) << path;
  }
}

TEST_F(RansomTest, OfficeDocumentsAreRealZipArchives) {
  for (const auto& [path, content] : Read(Dataset("a"))) {
    if (ExtensionOf(path) != "docx" && ExtensionOf(path) != "zip") continue;
    EXPECT_EQ(content.substr(content.size() - 22, 4), "PK\5\6") << path;  // end of directory
    if (ExtensionOf(path) == "docx") {
      EXPECT_EQ(content.substr(30, 19), "[Content_Types].xml") << path;
    }
  }
}

TEST_F(RansomTest, DatasetRejectsANonEmptyRootAndTooFewFiles) {
  const std::string root = Dataset("a");
  EXPECT_THAT(MakeDataset(root, kSmall),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("not empty")));
  DatasetSpec tiny = kSmall;
  tiny.files = kMinDatasetFiles - 1;
  EXPECT_THAT(MakeDataset(dir_ + "/b", tiny), ErrorIs(ErrorCode::kInvalidArgument));
}

TEST_F(RansomTest, AttackTargetsAreUserData) {
  EXPECT_TRUE(IsAttackTarget("home/a/Documents/p/budget.docx"));
  EXPECT_TRUE(IsAttackTarget("home/a/Maildir/cur/1767.M1P2.mail01:2,S"));
  EXPECT_TRUE(IsAttackTarget("srv/db/ledger.sqlite"));
  EXPECT_TRUE(IsAttackTarget("home/a/src/p/src/main.c"));
  EXPECT_FALSE(IsAttackTarget("usr/bin/tool"));
  EXPECT_FALSE(IsAttackTarget("var/log/app/app.log"));
  EXPECT_FALSE(IsAttackTarget("home/a/src/ledger/.git/objects/ab/cdef"));
  EXPECT_FALSE(IsAttackTarget("var/lib/libvirt/images/web01.img"));
  EXPECT_FALSE(IsAttackTarget("home/a/Documents/p/README-DECRYPT.txt"));
}

TEST_F(RansomTest, KindNamesRoundTrip) {
  std::set<std::string_view> names;
  for (AttackKind kind : kAllAttackKinds) {
    EXPECT_THAT(ParseAttackKind(AttackKindName(kind)), IsOkAndHolds(kind));
    names.insert(AttackKindName(kind));
  }
  for (BenignKind kind : kAllBenignKinds) {
    EXPECT_THAT(ParseBenignKind(BenignKindName(kind)), IsOkAndHolds(kind));
    names.insert(BenignKindName(kind));
  }
  EXPECT_THAT(names, SizeIs(std::size(kAllAttackKinds) + std::size(kAllBenignKinds)));
  EXPECT_THAT(ParseAttackKind("wiper"),
              ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("new-name")));
  EXPECT_THAT(ParseBenignKind("defrag"), ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("git-gc")));
}

TEST_F(RansomTest, AttackHonoursTheFraction) {
  for (double fraction : {0.0001, 0.05, 0.2, 1.0}) {
    const std::string root = Dataset("f" + std::to_string(fraction));
    const Tree before = Read(root);
    Attack attack({.kind = AttackKind::kInPlace, .fraction = fraction, .seed = 3});
    ASSERT_THAT(attack.Step(root), IsOk());
    const size_t expected = std::max<size_t>(1, std::llround(fraction * Eligible(before)));
    EXPECT_THAT(attack.affected(), SizeIs(expected)) << fraction;
    const Tree after = Read(root);
    size_t changed = 0;
    for (const auto& [path, content] : before) changed += after.at(path) != content ? 1 : 0;
    EXPECT_EQ(changed, expected) << fraction;
    EXPECT_TRUE(attack.done());
  }
}

TEST_F(RansomTest, InPlaceEncryptionKeepsPathAndSizeAndAdvancesMtime) {
  const std::string root = Dataset("a");
  const Tree before = Read(root);
  const auto mtimes = Mtimes(root);
  Attack attack({.kind = AttackKind::kInPlace, .fraction = 0.1, .seed = 3});
  ASSERT_THAT(attack.Step(root), IsOk());
  const Tree after = Read(root);
  const auto after_mtimes = Mtimes(root);
  for (const std::string& path : attack.affected()) {
    ASSERT_TRUE(after.contains(path)) << path;
    EXPECT_EQ(after.at(path).size(), before.at(path).size()) << path;
    EXPECT_NE(after.at(path), before.at(path)) << path;
    EXPECT_GT(after_mtimes.at(path), mtimes.at(path)) << path;
  }
  EXPECT_EQ(attack.encrypted(), attack.affected());
}

TEST_F(RansomTest, RestoredMtimeIsTheOriginal) {
  for (AttackSpec spec :
       {AttackSpec{.kind = AttackKind::kMtimeRestored, .fraction = 0.1},
        AttackSpec{.kind = AttackKind::kInPlace, .fraction = 0.1, .restore_mtime = true},
        AttackSpec{
            .kind = AttackKind::kNewNameDeleteOriginal, .fraction = 0.1, .restore_mtime = true}}) {
    const std::string root = Dataset("k" + std::to_string(static_cast<int>(spec.kind)));
    const auto mtimes = Mtimes(root);
    Attack attack(spec);
    ASSERT_THAT(attack.Step(root), IsOk());
    const auto after = Mtimes(root);
    for (size_t i = 0; i < attack.affected().size(); ++i) {
      EXPECT_EQ(after.at(attack.encrypted()[i]), mtimes.at(attack.affected()[i]))
          << attack.encrypted()[i];
    }
  }
}

TEST_F(RansomTest, NewNameAttackDeletesOriginals) {
  const std::string root = Dataset("a");
  const Tree before = Read(root);
  Attack attack({.kind = AttackKind::kNewNameDeleteOriginal, .fraction = 0.1, .seed = 5});
  ASSERT_THAT(attack.Step(root), IsOk());
  const Tree after = Read(root);
  ASSERT_FALSE(attack.affected().empty());
  for (size_t i = 0; i < attack.affected().size(); ++i) {
    const std::string& original = attack.affected()[i];
    EXPECT_FALSE(after.contains(original)) << original;
    EXPECT_EQ(attack.encrypted()[i], original + ".lockd");
    ASSERT_TRUE(after.contains(original + ".lockd")) << original;
    EXPECT_EQ(after.at(original + ".lockd").size(), before.at(original).size());
    EXPECT_NE(after.at(original + ".lockd"), before.at(original));
  }
}

TEST_F(RansomTest, RenameAttackSubstitutesTheExtension) {
  const std::string root = Dataset("a");
  Attack attack({.kind = AttackKind::kRenameNewExtension, .fraction = 0.1, .extension = ".enc"});
  ASSERT_THAT(attack.Step(root), IsOk());
  const Tree after = Read(root);
  for (size_t i = 0; i < attack.affected().size(); ++i) {
    EXPECT_FALSE(after.contains(attack.affected()[i]));
    EXPECT_TRUE(after.contains(attack.encrypted()[i]));
    EXPECT_EQ(ExtensionOf(attack.encrypted()[i]), "enc");
  }
}

// Whether the byte at `offset` of a file of `size` bytes is encrypted by `kind`, as the kinds
// promise in attacks.h.
bool Encrypted(AttackKind kind, uint64_t offset, uint64_t size) {
  constexpr uint64_t kKiB = 1024, kMiB = 1024 * kKiB;
  switch (kind) {
    case AttackKind::kIntermittentEvery10MiB:
      return size >= 10 * kMiB ? offset % (10 * kMiB) < kMiB : offset % (640 * kKiB) < 64 * kKiB;
    case AttackKind::kFirst4KiB:
      return offset < 4 * kKiB;
    case AttackKind::kStride64KiB:
      return offset % (128 * kKiB) < 64 * kKiB;
    default:
      return true;
  }
}

TEST_F(RansomTest, PartialEncryptionLeavesTheOtherBlocksByteIdentical) {
  std::string text;
  while (text.size() < 23 * 1024 * 1024 + 123) text += "ledger entry 2026 restore drill\n";
  const std::map<std::string, std::string> files = {{"big.db", text},
                                                    {"mid.txt", text.substr(0, 1'500'000)}};
  for (AttackKind kind :
       {AttackKind::kIntermittentEvery10MiB, AttackKind::kFirst4KiB, AttackKind::kStride64KiB}) {
    const std::string root = dir_ + "/k" + std::to_string(static_cast<int>(kind));
    for (const auto& [name, content] : files) {
      ASSERT_THAT(internal::WriteWholeFile(JoinPath(root, name), content), IsOk());
    }
    Attack attack({.kind = kind, .fraction = 1.0});
    ASSERT_THAT(attack.Step(root), IsOk());
    for (const auto& [name, original] : files) {
      const std::string now = internal::ReadWholeFile(JoinPath(root, name)).value();
      ASSERT_EQ(now.size(), original.size());
      for (uint64_t at = 0; at < now.size(); at += 4096) {  // whole 4 KiB granules
        const size_t n = std::min<size_t>(4096, now.size() - at);
        if (Encrypted(kind, at, now.size())) {
          EXPECT_NE(now.compare(at, n, original, at, n), 0) << name << " @" << at;
        } else {
          EXPECT_EQ(now.compare(at, n, original, at, n), 0) << name << " @" << at;
        }
      }
    }
  }
}

TEST_F(RansomTest, NotesAppearInEveryTouchedDirectory) {
  const std::string root = Dataset("a");
  Attack attack({.kind = AttackKind::kNewNameDeleteOriginal,
                 .fraction = 0.2,
                 .notes = true,
                 .note_name = "HOW_TO_RESTORE_FILES.txt"});
  ASSERT_THAT(attack.Step(root), IsOk());
  std::set<std::string> directories;
  for (const std::string& path : attack.affected()) directories.insert(internal::DirectoryOf(path));
  EXPECT_THAT(attack.notes(), SizeIs(directories.size()));
  const Tree after = Read(root);
  for (const std::string& dir : directories) {
    EXPECT_TRUE(after.contains(dir + "/HOW_TO_RESTORE_FILES.txt")) << dir;
  }
}

TEST_F(RansomTest, NotesOnlyChangesNoFile) {
  const std::string root = Dataset("a");
  const Tree before = Read(root);
  Attack attack({.kind = AttackKind::kNotesOnly, .fraction = 0.3});
  ASSERT_THAT(attack.Step(root), IsOk());
  Tree after = Read(root);
  ASSERT_THAT(attack.notes(), Not(SizeIs(0)));
  for (const std::string& note : attack.notes()) EXPECT_EQ(after.erase(note), 1u) << note;
  EXPECT_EQ(after, before);
}

TEST_F(RansomTest, SlowAttackSpreadsOverItsSteps) {
  const std::string root = Dataset("a");
  Attack attack({.kind = AttackKind::kSlow, .fraction = 0.3, .backups = 3, .seed = 9});
  const size_t total = std::llround(0.3 * Eligible(Read(root)));
  for (int step = 1; step <= 3; ++step) {
    EXPECT_FALSE(attack.done());
    ASSERT_THAT(attack.Step(root), IsOk());
    EXPECT_THAT(attack.affected(), SizeIs(total * step / 3)) << step;
  }
  EXPECT_TRUE(attack.done());
  EXPECT_THAT(attack.Step(root), ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("done")));
  Attack one_step({.kind = AttackKind::kSlow, .backups = 1});
  EXPECT_THAT(one_step.Step(root), ErrorIs(ErrorCode::kInvalidArgument, HasSubstr("slow")));
}

TEST_F(RansomTest, SlowAttackSkipsTargetsDeletedBetweenSteps) {
  const std::string root = Dataset("a");
  Attack attack({.kind = AttackKind::kSlow, .fraction = 1.0, .backups = 2});
  ASSERT_THAT(attack.Step(root), IsOk());
  const size_t first = attack.affected().size();
  std::vector<std::string> left;
  for (const auto& [path, content] : Read(root)) {
    const auto& hit = attack.affected();
    if (IsAttackTarget(path) && std::find(hit.begin(), hit.end(), path) == hit.end()) {
      left.push_back(path);
    }
  }
  ASSERT_GE(left.size(), 2u);
  ASSERT_THAT(internal::RemoveFile(JoinPath(root, left[0])), IsOk());
  ASSERT_THAT(attack.Step(root), IsOk());
  EXPECT_EQ(attack.affected().size(), first + left.size() - 1);
  EXPECT_THAT(attack.affected(), Not(Contains(left[0])));
}

TEST_F(RansomTest, BenignKindsAreDeterministicPerSeed) {
  const std::string a = Dataset("a"), b = Dataset("b");
  for (const std::string& root : {a, b}) {
    for (BenignKind kind : kAllBenignKinds) ASSERT_THAT(ApplyBenign(root, kind, 5), IsOk());
  }
  EXPECT_EQ(Read(a), Read(b));
}

TEST_F(RansomTest, CanariesAreSparedOrAttackedFirst) {
  const std::string root = Dataset("a");
  std::vector<std::string> canaries;
  for (const auto& [path, content] : Read(root)) {
    if (IsAttackTarget(path) && canaries.size() < 3) canaries.push_back(path);
  }
  Attack spared({.kind = AttackKind::kInPlace, .fraction = 1.0, .canaries = canaries});
  ASSERT_THAT(spared.Step(root), IsOk());
  for (const std::string& canary : canaries) EXPECT_THAT(spared.affected(), Not(Contains(canary)));

  const std::string other = Dataset("b");
  Attack first({.kind = AttackKind::kInPlace,
                .fraction = 0.01,
                .canaries = canaries,
                .canary_policy = CanaryPolicy::kEncryptFirst});
  ASSERT_THAT(first.Step(other), IsOk());
  ASSERT_GE(first.affected().size(), canaries.size());
  EXPECT_EQ(std::vector<std::string>(first.affected().begin(), first.affected().begin() + 3),
            canaries);
}

TEST_F(RansomTest, SameSeedAttacksTheSameFilesTheSameWay) {
  const std::string a = Dataset("a"), b = Dataset("b");
  for (const std::string& root : {a, b}) {
    Attack attack({.kind = AttackKind::kStride64KiB, .fraction = 0.1, .seed = 42});
    ASSERT_THAT(attack.Step(root), IsOk());
  }
  EXPECT_EQ(Read(a), Read(b));
}

// What each benign kind must have changed; formats are checked for all kinds.
struct BenignCase {
  BenignKind kind;
  const char* name;
  void (*check)(const Tree& before, const Tree& after);
};

size_t CountChanged(const Tree& before, const Tree& after, std::string_view prefix) {
  size_t n = 0;
  for (const auto& [path, content] : before) {
    if (path.starts_with(prefix) && after.contains(path) && after.at(path) != content) ++n;
  }
  return n;
}

std::vector<std::string> Added(const Tree& before, const Tree& after) {
  std::vector<std::string> added;
  for (const auto& [path, content] : after) {
    if (!before.contains(path)) added.push_back(path);
  }
  return added;
}

std::vector<std::string> Removed(const Tree& before, const Tree& after) {
  return Added(after, before);
}

std::multiset<std::string> Contents(const Tree& tree) {
  std::multiset<std::string> contents;
  for (const auto& [path, content] : tree) contents.insert(content);
  return contents;
}

const BenignCase kBenignCases[] = {
    {BenignKind::kDailyChurn, "DailyChurn",
     [](const Tree& before, const Tree& after) {
       EXPECT_GE(CountChanged(before, after, ""), 2u);
       EXPECT_GE(Added(before, after).size(), 3u);
       EXPECT_LE(Removed(before, after).size(), 1u);
     }},
    {BenignKind::kOsUpgrade, "OsUpgrade",
     [](const Tree& before, const Tree& after) {
       size_t binaries = 0;
       for (const auto& [path, content] : before) {
         binaries += path.starts_with("usr/bin/") || path.starts_with("usr/lib/") ? 1 : 0;
       }
       const size_t changed =
           CountChanged(before, after, "usr/bin/") + CountChanged(before, after, "usr/lib/");
       EXPECT_GE(changed * 2, binaries);
       EXPECT_GE(Added(before, after).size(), 1u);
     }},
    {BenignKind::kPhotoImport, "PhotoImport",
     [](const Tree& before, const Tree& after) {
       EXPECT_GE(Added(before, after).size(), 20u);
       EXPECT_EQ(CountChanged(before, after, ""), 0u);
       for (const std::string& path : Added(before, after))
         EXPECT_THAT(path, HasSubstr("/Pictures/import-"));
     }},
    {BenignKind::kDbDump, "DbDump",
     [](const Tree& before, const Tree& after) {
       const std::string& db = after.at("srv/db/ledger.sqlite");
       EXPECT_EQ(db.size(), before.at("srv/db/ledger.sqlite").size());
       EXPECT_NE(db, before.at("srv/db/ledger.sqlite"));
       ASSERT_TRUE(after.contains("srv/db/dumps/ledger.sqlite.sql"));
       EXPECT_TRUE(after.at("srv/db/dumps/ledger.sqlite.sql").starts_with("-- "));
     }},
    {BenignKind::kLogRotateGzip, "LogRotateGzip",
     [](const Tree& before, const Tree& after) {
       ASSERT_TRUE(after.contains("var/log/app/app.log.1.gz"));
       EXPECT_EQ(internal::Inflate(after.at("var/log/app/app.log.1.gz")),
                 before.at("var/log/app/app.log"));
       EXPECT_NE(after.at("var/log/app/app.log"), before.at("var/log/app/app.log"));
     }},
    {BenignKind::kGitGc, "GitGc",
     [](const Tree& before, const Tree& after) {
       size_t packs = 0;
       for (const auto& [path, content] : after) {
         if (path.find(".git/objects/") == std::string::npos) continue;
         EXPECT_THAT(path, HasSubstr(".git/objects/pack/pack-"));
         EXPECT_FALSE(before.contains(path)) << path;
         packs += ExtensionOf(path) == "pack" ? 1 : 0;
       }
       EXPECT_EQ(packs, 1u);
     }},
    {BenignKind::kVmImageRewrite, "VmImageRewrite",
     [](const Tree& before, const Tree& after) {
       const std::string& old = before.at("var/lib/libvirt/images/web01.img");
       const std::string& now = after.at("var/lib/libvirt/images/web01.img");
       ASSERT_EQ(now.size(), old.size());
       constexpr size_t kBlock = 64 * 1024;
       EXPECT_EQ(now.compare(0, kBlock, old, 0, kBlock), 0);  // the header block
       size_t changed = 0, blocks = 0;
       for (size_t at = 0; at < now.size(); at += kBlock, ++blocks) {
         changed += now.compare(at, kBlock, old, at, kBlock) != 0 ? 1 : 0;
       }
       EXPECT_GE(changed, 1u);
       EXPECT_LE(changed, std::max<size_t>(1, blocks / 10));
     }},
    {BenignKind::kBulkRename, "BulkRename",
     [](const Tree& before, const Tree& after) {
       EXPECT_EQ(Contents(after), Contents(before));
       EXPECT_FALSE(Added(before, after).empty());
     }},
    {BenignKind::kZipAndDelete, "ZipAndDelete",
     [](const Tree& before, const Tree& after) {
       const std::vector<std::string> added = Added(before, after);
       ASSERT_THAT(added, SizeIs(1));
       EXPECT_EQ(ExtensionOf(added[0]), "zip");
       const std::string& zip = after.at(added[0]);
       ASSERT_EQ(zip.substr(zip.size() - 22, 4), "PK\5\6");
       const size_t entries = static_cast<uint8_t>(zip[zip.size() - 12]) +
                              256 * static_cast<uint8_t>(zip[zip.size() - 11]);
       EXPECT_EQ(entries, Removed(before, after).size());
       EXPECT_GE(entries, 1u);
     }},
};

class BenignTest : public RansomTest, public ::testing::WithParamInterface<BenignCase> {};

TEST_P(BenignTest, KeepsFormatsAndMakesItsChange) {
  const std::string root = Dataset("a");
  const Tree before = Read(root);
  ASSERT_THAT(ApplyBenign(root, GetParam().kind, 11), IsOk());
  const Tree after = Read(root);
  ExpectFormatsIntact(after);
  GetParam().check(before, after);
}

INSTANTIATE_TEST_SUITE_P(Kinds, BenignTest, ::testing::ValuesIn(kBenignCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST_F(RansomTest, BenignKindsSayWhatIsMissing) {
  const std::string root = dir_ + "/empty";
  ASSERT_THAT(internal::WriteWholeFile(JoinPath(root, "notes.txt"), "hello"), IsOk());
  EXPECT_THAT(ApplyBenign(root, BenignKind::kGitGc, 1),
              ErrorIs(ErrorCode::kNotFound, HasSubstr("git")));
}

}  // namespace
}  // namespace stormproof::testing::ransom
