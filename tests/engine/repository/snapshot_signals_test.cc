// A snapshot's ransomware signals and verdict in its file (signals.h, snapshot_file.cc):
// round-trip, older files without them, hostile values refused with a line naming the field,
// and the bounds that keep a forged file from filling memory.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "core/bytes.h"
#include "engine/repository/repository.h"
#include "engine/repository/signals.h"
#include "engine/repository/snapshot_file.h"
#include "tests/engine/repository/repository_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing::Store;

Snapshot Plain() {
  Snapshot s;
  s.time_ns = 1'764'000'000'123'456'789;
  s.hostname = "fileserver-01";
  s.paths = {"/srv/share"};
  s.tree = crypto::Sha256(AsBytes("tree"));
  s.program_version = "stormproof 0.1.0";
  return s;
}

// Every field set to a distinct value, with names that are not UTF-8.
SnapshotSignals FullSignals() {
  SnapshotSignals s;
  s.source = SnapshotSignals::Source::kScan;
  s.has_parent = true;
  uint64_t n = 1;
  for (uint64_t* count :
       {&s.files_total, &s.dirs_total, &s.files_new, &s.files_changed, &s.files_deleted,
        &s.files_unreadable, &s.bytes_unreadable, &s.files_known_content, &s.bytes_deleted, &s.bytes_changed, &s.bytes_incompressible,
        &s.files_judged, &s.rewritten_high_entropy, &s.header_mismatch, &s.intermittent,
        &s.encrypted_copies, &s.new_extension_files, &s.suspect_files, &s.suspect_bytes,
        &s.suspect_mtime_kept, &s.archives_added_bytes}) {
    *count = n++ * 1'000'000'007;
  }
  s.note_dirs = 212;
  s.note_copies = 213;
  s.note_name = "README-DECRYPT.txt";
  s.repeated_name_dirs = 40;
  s.repeated_name = std::string("LIES\xff.txt");
  s.canary_hits = {"/srv/share/_c/budget.xlsx: changed"};
  s.examples = {"/srv/share/a.docx: was compressible, now random",
                std::string("/srv/share/\xfe\xff.pdf: header no longer a PDF")};
  s.new_extensions = {{"locked", 3412}, {std::string("x\x80"), 2}};
  s.extensions = {{"docx", 120}, {"locked", 3412}, {"pdf", 40}};
  return s;
}

Verdict Infected() {
  Verdict v;
  v.level = Verdict::Level::kInfected;
  v.score = 97;
  v.reasons = {"3,412 files rewritten with high-entropy content, 96% of them kept their mtime",
               "212 copies of README-DECRYPT.txt"};
  return v;
}

// The file text of Plain() with `key` set to `value`.
std::string WithField(const std::string& key, const json& value) {
  json j = json::parse(EncodeSnapshot(Plain()));
  j[key] = value;
  return j.dump();
}

TEST(SnapshotSignalsTest, SignalsAndVerdictRoundTripThroughTheRepository) {
  Store store;
  auto repo = store.Init();
  Snapshot saved = Plain();
  saved.signals = FullSignals();
  saved.verdict = Infected();
  auto loaded = repo->LoadSnapshot(*repo->SaveSnapshot(saved));
  ASSERT_THAT(loaded, IsOk());
  ASSERT_TRUE(loaded->signals.has_value());
  ASSERT_TRUE(loaded->verdict.has_value());
  EXPECT_EQ(*loaded->signals, *saved.signals);
  EXPECT_EQ(*loaded->verdict, *saved.verdict);
}

TEST(SnapshotSignalsTest, FileSpellsTheVerdictAsDocumented) {
  Snapshot s = Plain();
  s.verdict = Infected();
  s.signals = FullSignals();
  json j = json::parse(EncodeSnapshot(s));
  EXPECT_EQ(j["verdict"], json({{"level", "infected"},
                                {"score", 97},
                                {"reasons", Infected().reasons},
                                {"model", "detect/1"}}));
  EXPECT_EQ(j["signals"]["source"], "scan");
  EXPECT_EQ(j["signals"]["files_changed"], 4'000'000'028u);
  EXPECT_EQ(j["signals"]["note_name"], "README-DECRYPT.txt");
  EXPECT_EQ(j["signals"]["new_extensions"][0], json::array({"locked", 3412}));
  EXPECT_TRUE(j["signals"]["repeated_name"].contains("base64")) << j["signals"].dump();
}

TEST(SnapshotSignalsTest, OlderSnapshotsHaveNeither) {
  std::string text = EncodeSnapshot(Plain());
  EXPECT_EQ(text.find("signals"), std::string::npos);
  EXPECT_EQ(text.find("verdict"), std::string::npos);
  auto decoded = DecodeSnapshot(AsBytes(text));
  ASSERT_THAT(decoded, IsOk());
  EXPECT_FALSE(decoded->signals.has_value());
  EXPECT_FALSE(decoded->verdict.has_value());
}

// A record from an older writer (fewer fields) or a newer one (unknown fields) still reads.
TEST(SnapshotSignalsTest, MissingSignalFieldsKeepTheirDefaultsAndUnknownOnesAreIgnored) {
  auto decoded = DecodeSnapshot(
      AsBytes(WithField("signals", {{"files_changed", 3}, {"entropy_histogram", {1, 2}}})));
  ASSERT_THAT(decoded, IsOk());
  ASSERT_TRUE(decoded->signals.has_value());
  SnapshotSignals expected;
  expected.files_changed = 3;
  EXPECT_EQ(*decoded->signals, expected);
}

struct BadField {
  const char* key;
  json value;
  const char* message;
};

class SnapshotSignalsRefusedTest : public ::testing::TestWithParam<BadField> {};

TEST_P(SnapshotSignalsRefusedTest, NamesTheField) {
  auto decoded = DecodeSnapshot(AsBytes(WithField(GetParam().key, GetParam().value)));
  EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck, HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    HostileValues, SnapshotSignalsRefusedTest,
    ::testing::Values(
        BadField{"verdict",
                 {{"level", "compromised"}, {"score", 50}},
                 "verdict.level: \"compromised\" is not clean, suspicious or infected"},
        BadField{"verdict", {{"level", 2}, {"score", 50}}, "verdict.level: 2 is not clean"},
        BadField{"verdict",
                 {{"level", "infected"}, {"score", 101}},
                 "verdict.score: 101 is outside 0..100"},
        BadField{
            "verdict", {{"level", "clean"}, {"score", -1}}, "verdict.score: -1 is outside 0..100"},
        BadField{
            "verdict", {{"level", "clean"}, {"score", "high"}}, "verdict.score is not an integer"},
        BadField{"verdict", {{"score", 10}}, "verdict: no level"},
        BadField{"verdict", {{"level", "clean"}}, "verdict: no score"},
        BadField{"verdict", "infected", "verdict: expected an object"},
        BadField{"verdict",
                 {{"level", "clean"}, {"score", 0}, {"reasons", "many"}},
                 "verdict.reasons: expected a list"},
        BadField{"verdict",
                 {{"level", "clean"}, {"score", 0}, {"model", std::string(65, 'm')}},
                 "verdict.model: a text longer than 64 bytes"},
        BadField{
            "signals", {{"source", "guess"}}, "signals.source: \"guess\" is not backup or scan"},
        BadField{"signals", {{"files_new", -3}}, "signals.files_new is not an integer in range"},
        BadField{
            "signals", {{"note_dirs", 1ull << 40}}, "signals.note_dirs is not an integer in range"},
        BadField{"signals", {{"has_parent", "yes"}}, "signals.has_parent: expected true or false"},
        BadField{"signals",
                 {{"new_extensions", {"locked"}}},
                 "signals.new_extensions: expected [name, count] pairs"},
        BadField{"signals", json::array(), "signals: expected an object"}));

// A value nested 100,000 deep where a name belongs (a forged file: any backup host can write one)
// is refused by its type; the reader never serializes it (that recursion overflowed the stack and
// crashed every command that lists snapshots).
TEST(SnapshotSignalsTest, ADeeplyNestedValueIsRefusedByItsTypeWithoutACrash) {
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  for (auto [key, value, message] :
       {std::tuple{"signals", json{{"source", "X"}}, "signals.source: a JSON array is not"},
        std::tuple{"verdict", json{{"level", "X"}, {"score", 1}},
                   "verdict.level: a JSON array is not"}}) {
    std::string text = WithField(key, value);
    const size_t at = text.find("\"X\"");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, 3, deep);
    auto decoded = DecodeSnapshot(AsBytes(text));
    EXPECT_THAT(decoded, ErrorIs(ErrorCode::kFailedCheck, HasSubstr(message)));
  }
}

json Repeated(const json& item, size_t n) {
  json out = json::array();
  for (size_t i = 0; i < n; ++i) out.push_back(item);
  return out;
}

// A forged file cannot make every reader hold a huge record: beyond signals.h's bounds it is
// refused, naming the field and the bound.
TEST(SnapshotSignalsTest, ListsAndTextsBeyondTheBoundsAreRefused) {
  auto refused = [](const std::string& key, const json& value) {
    auto decoded = DecodeSnapshot(AsBytes(WithField(key, value)));
    return decoded ? std::string("accepted") : decoded.error().message();
  };
  json verdict = {{"level", "infected"}, {"score", 90}};
  verdict["reasons"] = Repeated("reason", kMaxReasons);
  EXPECT_EQ(refused("verdict", verdict), "accepted");
  verdict["reasons"] = Repeated("reason", kMaxReasons + 1);
  EXPECT_EQ(refused("verdict", verdict),
            "verdict.reasons: 17 entries, more than the 16 a snapshot may hold");
  verdict["reasons"] = {std::string(kMaxSignalText + 1, 'r')};
  EXPECT_EQ(refused("verdict", verdict), "verdict.reasons: a text longer than 8192 bytes");

  EXPECT_EQ(refused("signals", {{"examples", Repeated("/a: random", kMaxExamples + 1)}}),
            "signals.examples: 6 entries, more than the 5 a snapshot may hold");
  EXPECT_EQ(refused("signals", {{"canary_hits", Repeated("/c: changed", kMaxCanaryHits + 1)}}),
            "signals.canary_hits: 65 entries, more than the 64 a snapshot may hold");
  EXPECT_EQ(refused("signals",
                    {{"new_extensions", Repeated(json::array({"x", 1}), kMaxNewExtensions + 1)}}),
            "signals.new_extensions: 11 entries, more than the 10 a snapshot may hold");
  EXPECT_EQ(refused("signals", {{"extensions", Repeated(json::array({"x", 1}), 513)}}),
            "signals.extensions: 513 entries, more than the 512 a snapshot may hold");
  EXPECT_EQ(
      refused("signals", {{"extensions", json::array({json::array({std::string(65, 'e'), 1})})}}),
      "signals.extensions: a text longer than 64 bytes");
  EXPECT_EQ(refused("signals", {{"note_name", std::string(kMaxSignalText + 1, 'n')}}),
            "signals.note_name: a text longer than 8192 bytes");
}

// Whatever a producer hands the writer, the file it writes reads back: lists keep their first
// entries, texts are cut at a character boundary, the score is clamped.
TEST(SnapshotSignalsTest, WriterKeepsWithinTheBoundsSoItsFilesReadBack) {
  Snapshot s = Plain();
  s.verdict = Infected();
  s.verdict->score = 250;
  s.verdict->reasons.assign(kMaxReasons + 4, "reason");
  s.verdict->reasons.front() = "first";
  s.signals = SnapshotSignals{};
  std::string long_path = "/srv/" + std::string(kMaxSignalText, 'a');
  long_path.replace(kMaxSignalText - 1, 2, "\xc3\xa9");  // é across the cut
  s.signals->examples.assign(kMaxExamples + 3, "/srv/x: random");
  s.signals->examples.front() = long_path;
  for (int i = 0; i < 600; ++i) s.signals->extensions["e" + std::to_string(1000 + i)] = 1;
  s.signals->extensions[std::string(kMaxExtensionBytes + 1, 'a')] = 9;  // first: dropped, not cut
  s.signals->new_extensions.assign(kMaxNewExtensions + 1, {"locked", 1});

  auto decoded = DecodeSnapshot(AsBytes(EncodeSnapshot(s)));
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(decoded->verdict->score, 100);
  ASSERT_EQ(decoded->verdict->reasons.size(), kMaxReasons);
  EXPECT_EQ(decoded->verdict->reasons.front(), "first");
  ASSERT_EQ(decoded->signals->examples.size(), kMaxExamples);
  EXPECT_EQ(decoded->signals->examples.front(), long_path.substr(0, kMaxSignalText - 1));
  EXPECT_EQ(decoded->signals->extensions.size(), kMaxExtensions);
  EXPECT_EQ(decoded->signals->extensions.begin()->first, "e1000");
  EXPECT_EQ(decoded->signals->new_extensions.size(), kMaxNewExtensions);
}

}  // namespace
}  // namespace stormproof::repository
