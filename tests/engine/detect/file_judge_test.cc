#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/detect/detect.h"
#include "engine/detect/verdict.h"

namespace stormproof::detect {
namespace {

using Change = FileFacts::Change;

constexpr HeaderSample kRandom{MagicKind::kUnknown, 4096, 159, true};
constexpr HeaderSample kText{MagicKind::kUnknown, 4096, 95, false};
constexpr HeaderSample kShort{MagicKind::kUnknown, 300, 150, false};
constexpr HeaderSample Typed(MagicKind kind, bool high) { return {kind, 4096, 150, high}; }

struct FileCase {
  std::string_view what;
  Change change;
  std::string_view name;
  int old_ratio, old_first_ratio;
  std::vector<uint16_t> ratios;
  std::vector<uint8_t> changed;  // empty: every chunk new
  HeaderSample header;
  bool all_known = false;
  bool extension_new = false;
  // Expected: r1 r2 r3 r5 r4_candidate.
  FileMarks want;
};

FileMarks Marks(bool r1, bool r2, bool r3, bool r5, bool r4) { return {r1, r2, r3, r5, r4}; }
const FileMarks kNone{};

TEST(FileJudgeTest, RulesMarkEncryptionAndLeaveBenignChangeAlone) {
  const FileCase cases[] = {
      // Attacks.
      {"whole file encrypted in place",
       Change::kContentChanged,
       "report.txt",
       300,
       300,
       {1000, 1000},
       {1, 1},
       kRandom,
       false,
       false,
       Marks(true, false, false, false, false)},
      {"a small file encrypted (header unclassified)",
       Change::kContentChanged,
       "n.txt",
       600,
       600,
       {1000},
       {},
       kShort,
       false,
       false,
       Marks(true, false, false, false, false)},
      {"an encrypted docx (was incompressible)",
       Change::kContentChanged,
       "a.docx",
       1000,
       1000,
       {1000},
       {},
       kRandom,
       false,
       false,
       Marks(false, true, false, false, false)},
      {"a new docx starting with random bytes",
       Change::kNew,
       "b.docx",
       -1,
       -1,
       {1000},
       {},
       kRandom,
       false,
       false,
       Marks(false, true, false, false, true)},
      {"first 4 KiB only",
       Change::kContentChanged,
       "data.csv",
       400,
       350,
       {420, 400},
       {1, 0},
       kRandom,
       false,
       false,
       Marks(false, false, true, false, false)},
      {"stride / small-file encryption, ratio mid-range",
       Change::kContentChanged,
       "log.txt",
       300,
       300,
       {650},
       {},
       kRandom,
       false,
       false,
       Marks(false, false, true, false, false)},
      {"an OLE document encrypted after its magic (review R10-5)",
       Change::kContentChanged,
       "minutes.doc",
       350,
       350,
       {1000, 1000},
       {1, 1},
       Typed(MagicKind::kOle, true),
       false,
       false,
       Marks(true, false, false, false, false)},
      {"an OLE document rewritten, its header structure intact",
       Change::kContentChanged,
       "minutes.doc",
       350,
       350,
       {1000, 1000},
       {1, 1},
       Typed(MagicKind::kOle, false),
       false,
       false,
       kNone},
      {"a stored zip rewritten deflated: random after a zip's magic is normal",
       Change::kContentChanged,
       "bundle.zip",
       350,
       350,
       {1000, 1000},
       {1, 1},
       Typed(MagicKind::kZip, true),
       false,
       false,
       kNone},
      {"1 MiB of every 10 (old first chunk unknown)",
       Change::kContentChanged,
       "big.dat",
       500,
       -1,
       {1000, 300, 300, 1000, 300},
       {1, 0, 0, 1, 0},
       kRandom,
       false,
       false,
       Marks(false, false, true, false, false)},
      {"random new file with a new extension",
       Change::kNew,
       "a.docx.lockd",
       -1,
       -1,
       {1000},
       {},
       kRandom,
       false,
       true,
       Marks(false, false, false, true, true)},
      {"rewritten file renamed to a new extension",
       Change::kContentChanged,
       "x.lockd",
       300,
       300,
       {1000},
       {},
       kRandom,
       false,
       true,
       Marks(true, false, false, true, false)},
      // Benign heavy change.
      {"VM image, a few chunks rewritten",
       Change::kContentChanged,
       "disk.img",
       500,
       200,
       {500, 1000, 500, 500, 500, 1000, 500, 500},
       {0, 1, 0, 0, 0, 1, 0, 0},
       kText,
       false,
       false,
       kNone},
      {"qcow2 image rewritten",
       Change::kContentChanged,
       "vm.qcow2",
       500,
       300,
       {1000, 1000},
       {1, 1},
       Typed(MagicKind::kQcow2, false),
       false,
       false,
       kNone},
      {"nightly text db dump",
       Change::kContentChanged,
       "dump.sql",
       250,
       240,
       {250, 260},
       {1, 1},
       kText,
       false,
       false,
       kNone},
      {"pg_dump custom format",
       Change::kContentChanged,
       "db.dump",
       700,
       700,
       {990},
       {},
       Typed(MagicKind::kPgDump, true),
       false,
       false,
       kNone},
      {"gzip log rotation",
       Change::kNew,
       "app.log.2.gz",
       -1,
       -1,
       {1000},
       {},
       Typed(MagicKind::kGzip, true),
       false,
       true,
       kNone},
      {"git pack",
       Change::kNew,
       "pack-3f9a.pack",
       -1,
       -1,
       {1000},
       {},
       Typed(MagicKind::kGitPack, true),
       false,
       true,
       kNone},
      {"git loose object (zlib, no magic, no extension)",
       Change::kNew,
       "3f9a0c1d2e",
       -1,
       -1,
       {1000},
       {},
       kRandom,
       false,
       false,
       Marks(false, false, false, false, true)},
      {"photo import, a new extension",
       Change::kNew,
       "IMG_0001.heic",
       -1,
       -1,
       {1000},
       {},
       Typed(MagicKind::kIsoMedia, true),
       false,
       true,
       kNone},
      {"PNG named .jpg",
       Change::kNew,
       "logo.jpg",
       -1,
       -1,
       {1000},
       {},
       Typed(MagicKind::kPng, true),
       false,
       false,
       kNone},
      {"HTML export named .xls",
       Change::kContentChanged,
       "report.xls",
       200,
       200,
       {200},
       {},
       kText,
       false,
       false,
       kNone},
      {"changed to content stored before (a backup without detection took the attack)",
       Change::kContentChanged,
       "report.txt",
       300,
       300,
       {1000, 1000},
       {1, 1},
       kRandom,
       true,
       false,
       Marks(true, false, false, false, false)},
      {"bulk rename: known content",
       Change::kNew,
       "moved/a.docx",
       -1,
       -1,
       {1000},
       {},
       kRandom,
       true,
       true,
       kNone},
      {"split archive volume .001",
       Change::kNew,
       "backup.7z.001",
       -1,
       -1,
       {1000},
       {},
       kRandom,
       false,
       true,
       Marks(false, false, false, false, true)},
      {"split zip volume .z01",
       Change::kNew,
       "backup.z01",
       -1,
       -1,
       {1000},
       {},
       kRandom,
       false,
       true,
       Marks(false, false, false, false, true)},
      {"untyped compressed file rewritten (known blind spot)",
       Change::kContentChanged,
       "blob.bin",
       1000,
       1000,
       {1000},
       {},
       kRandom,
       false,
       false,
       kNone},
  };
  for (const FileCase& c : cases) {
    FileFacts facts;
    facts.change = c.change;
    facts.name = c.name;
    facts.old_ratio = c.old_ratio;
    facts.old_first_ratio = c.old_first_ratio;
    facts.ratios = c.ratios;
    facts.chunk_changed = c.changed;
    facts.header = c.header;
    facts.all_chunks_known = c.all_known;
    facts.extension_new = c.extension_new;
    const FileMarks got = JudgeFile(facts);
    EXPECT_EQ(got.r1, c.want.r1) << c.what;
    EXPECT_EQ(got.r2, c.want.r2) << c.what;
    EXPECT_EQ(got.r3, c.want.r3) << c.what;
    EXPECT_EQ(got.r5, c.want.r5) << c.what;
    EXPECT_EQ(got.r4_candidate, c.want.r4_candidate) << c.what;
  }
}

TEST(FileJudgeTest, WholeFileRatioWeighsChunksBySize) {
  const std::vector<uint16_t> ratios = {1000, 200};
  const std::vector<uint32_t> sizes = {3, 1};
  EXPECT_EQ(WholeFileRatio(ratios, sizes), 800);
  EXPECT_EQ(WholeFileRatio(ratios, {}), 600);  // alike without sizes
  const std::vector<uint16_t> partly_unknown = {0, 500};
  EXPECT_EQ(WholeFileRatio(partly_unknown, {}), 500);
  const std::vector<uint16_t> unknown = {0, 0};
  EXPECT_EQ(WholeFileRatio(unknown, {}), -1);
  EXPECT_EQ(WholeFileRatio({}, {}), -1);
}

TEST(FileJudgeTest, ALargeChunkRewrittenMarksR1OnlyWhenItDominatesTheFile) {
  // One 1 MiB chunk went random in a file of 64 KiB plain chunks: whole ratio by size.
  const std::vector<uint16_t> ratios = {1000, 300};
  const std::vector<uint32_t> mostly_random = {1 << 20, 1 << 14};
  const std::vector<uint32_t> mostly_plain = {1 << 14, 1 << 20};
  FileFacts facts;
  facts.change = Change::kContentChanged;
  facts.name = "notes.txt";
  facts.old_ratio = facts.old_first_ratio = 300;
  facts.ratios = ratios;
  facts.header = kText;
  facts.sizes = mostly_random;
  EXPECT_TRUE(JudgeFile(facts).r1);
  facts.sizes = mostly_plain;
  EXPECT_FALSE(JudgeFile(facts).r1);
}

TEST(FileJudgeTest, VolumeExtensions) {
  const std::pair<std::string_view, bool> cases[] = {
      {"001", true}, {"z01", true}, {"r00", true}, {"7", true},      {"mp3", false},
      {"7z", false}, {"z1", false}, {"", false},   {"lockd", false}, {"m4a", false},
  };
  for (const auto& [extension, volume] : cases) {
    EXPECT_EQ(IsVolumeExtension(extension), volume) << extension;
  }
}

struct PairCase {
  std::string_view what;
  std::vector<DeletedFile> deleted;
  std::vector<std::string_view> candidates;
  std::vector<std::pair<size_t, size_t>> want;
};

TEST(FileJudgeTest, PairsEncryptedCopiesWithDeletedOriginals) {
  const PairCase cases[] = {
      {"extension appended", {{"a.docx", 1000}}, {"a.docx.lockd"}, {{0, 0}}},
      {"appended with an id", {{"a.docx", 1000}}, {"a.docx.id-7F3A.[x@y.z].lockd"}, {{0, 0}}},
      {"extension replaced (same stem)", {{"report.txt", 300}}, {"report.enc"}, {{0, 0}}},
      {"untyped incompressible original", {{"blob.bin", 1000}}, {"blob.bin.lockd"}, {}},
      {"untyped original of unknown ratio", {{"blob.bin", -1}}, {"blob.enc"}, {}},
      {"no name relation", {{"a.docx", 1000}}, {"b.lockd"}, {}},
      {"prefix followed by a letter", {{"a", 300}}, {"abc"}, {}},
      {"each original once", {{"a.docx", 1000}}, {"a.docx.x", "a.docx.y"}, {{0, 0}}},
      {"longest prefix first", {{"a", 300}, {"a.docx", 1000}}, {"a.docx.lockd"}, {{0, 1}}},
      {"several pairs",
       {{"x.pdf", 1000}, {"y.txt", 200}, {"z.jpg", 1000}},
       {"z.jpg.enc", "other", "x.pdf.enc"},
       {{0, 2}, {2, 0}}},
      {"empty candidate name", {{"a.txt", 200}}, {""}, {}},
  };
  for (const PairCase& c : cases) {
    EXPECT_EQ(PairEncryptedCopies(c.deleted, c.candidates), c.want) << c.what;
  }
}

}  // namespace
}  // namespace stormproof::detect
