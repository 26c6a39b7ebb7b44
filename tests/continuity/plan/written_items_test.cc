// plan/written_items.h: a diagnostic's position traced back to the item (and the item's key) it
// is written in, so that `run` can stop only what a plan error makes unsafe.
#include "continuity/plan/written_items.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"

namespace stormproof::plan {
namespace {

constexpr const char* kPlan = R"(msp: {id: acme, name: Acme IT}
people:
  - id: ann
    name: Ann
    deptuy: bob
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m}
systems:
  - id: files
    owner: ann
    tier: gold
    backup:
      paths: [/srv/files]
      exlude: ["*.tmp"]
    restore: &restore
      verify: true
      checklst: [one]
  - id: db
    owner: ann
    tier: gold
    restore: *restore
)";

// The places of the first error whose message contains `needle`.
std::vector<ItemPlace> PlacesOf(const LoadResult& loaded, const std::string& needle) {
  WrittenItemIndex index(loaded.items);
  for (const Diagnostic& d : loaded.diagnostics.all()) {
    if (d.message.find(needle) != std::string::npos) return index.At(d.mark);
  }
  ADD_FAILURE() << "no diagnostic mentions " << needle;
  return {};
}

TEST(WrittenItemsTest, EveryItemIsDescribedWithItsIdFileAndKeys) {
  LoadResult loaded = LoadPlanFromText("plan.yaml", kPlan);
  ASSERT_EQ(loaded.items.size(), 4u);
  std::map<std::string, const WrittenItem*> by_id;
  for (const WrittenItem& item : loaded.items) by_id[item.collection + "/" + item.id] = &item;
  ASSERT_TRUE(by_id.count("systems/files"));
  const WrittenItem& files = *by_id["systems/files"];
  EXPECT_EQ(files.file, 0);
  EXPECT_EQ(files.begin, (TextPosition{9, 5}));
  EXPECT_EQ(files.end, (TextPosition{17, 18}));  // the checklist's one step
  std::vector<std::string> keys;
  for (const WrittenSection& s : files.sections) keys.push_back(s.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "owner", "tier", "backup", "restore"}));
  EXPECT_TRUE(by_id.count("people/ann"));
  EXPECT_TRUE(by_id.count("tiers/gold"));
}

TEST(WrittenItemsTest, AnErrorIsTracedToItsItemAndKey) {
  LoadResult loaded = LoadPlanFromText("plan.yaml", kPlan);
  std::vector<ItemPlace> person = PlacesOf(loaded, "deptuy");
  ASSERT_EQ(person.size(), 1u);
  EXPECT_EQ(person[0].item->collection, "people");
  EXPECT_EQ(person[0].item->id, "ann");
  EXPECT_EQ(person[0].section, "deptuy");
  std::vector<ItemPlace> backup = PlacesOf(loaded, "exlude");
  ASSERT_EQ(backup.size(), 1u);
  EXPECT_EQ(backup[0].item->id, "files");
  EXPECT_EQ(backup[0].section, "backup");
}

TEST(WrittenItemsTest, AnErrorInANodeSharedThroughAnAliasReachesEveryItemUsingIt) {
  LoadResult loaded = LoadPlanFromText("plan.yaml", kPlan);
  std::vector<ItemPlace> places = PlacesOf(loaded, "checklst");
  ASSERT_EQ(places.size(), 2u);
  EXPECT_EQ(places[0].item->id, "files");
  EXPECT_EQ(places[0].section, "restore");
  EXPECT_EQ(places[1].item->id, "db");
}

TEST(WrittenItemsTest, TheTopLevelOfAFileIsInNoItem) {
  LoadResult loaded = LoadPlanFromText("plan.yaml", std::string(kPlan) + "sytems: []\n");
  EXPECT_TRUE(PlacesOf(loaded, "sytems").empty());
  EXPECT_TRUE(WrittenItemIndex(loaded.items).At(Mark{}).empty());
}

TEST(WrittenItemsTest, ValidationFindingsAreTracedToo) {
  LoadResult loaded = LoadPlanFromText(
      "plan.yaml", std::string(kPlan) + "  - {id: web, owner: nobody, tier: gold}\n");
  Validate(loaded.plan, {}, &loaded.diagnostics);
  std::vector<ItemPlace> places = PlacesOf(loaded, "nobody");
  ASSERT_EQ(places.size(), 1u);
  EXPECT_EQ(places[0].item->id, "web");
  EXPECT_EQ(places[0].section, "owner");
}

TEST(WrittenItemsTest, FilesThatCannotBeReadAreListed) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("stormproof-written-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "clients");
  std::ofstream(dir / "plan.yaml") << kPlan << "include: [clients/a.yaml, clients/b.yaml]\n";
  std::ofstream(dir / "clients/a.yaml") << "clients: [\n";
  std::ofstream(dir / "clients/b.yaml") << "clients: [{id: b, name: B}]\n";
  LoadResult loaded = LoadPlan((dir / "plan.yaml").string());
  EXPECT_FALSE(loaded.readable);
  ASSERT_EQ(loaded.unreadable_files.size(), 1u);
  EXPECT_EQ(fs::path(loaded.plan.files[loaded.unreadable_files[0]]).filename(), "a.yaml");
  LoadResult broken = LoadPlanFromText("plan.yaml", "msp: [\n");
  EXPECT_EQ(broken.unreadable_files, (std::vector<int>{0}));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace stormproof::plan
