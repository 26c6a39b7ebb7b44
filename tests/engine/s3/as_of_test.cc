// DecideRollBack (engine/s3/as_of.h): the step that puts one file back as it was at a moment,
// from its version listing (newest first). The roll-back against a real gateway is
// s3_attack_test.cc.
#include "engine/s3/as_of.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace stormproof::s3 {
namespace {

using Action = RollBackStep::Action;

constexpr int64_t kMoment = 1'000;

StoredVersion Version(const std::string& id, int64_t modified) { return {id, false, modified, 10}; }
StoredVersion Marker(const std::string& id, int64_t modified) { return {id, true, modified, 0}; }

struct Case {
  const char* what;
  std::vector<StoredVersion> newest_first;
  Action action;
  std::string version_id;
};

TEST(DecideRollBackTest, PutsEachFileBackAsItWasAtTheMoment) {
  const std::vector<Case> cases = {
      {"no versions", {}, Action::kNothing, ""},
      {"unchanged since", {Version("a", 900)}, Action::kNothing, ""},
      {"written exactly at the moment", {Version("a", kMoment)}, Action::kNothing, ""},
      {"overwritten later", {Version("x", 1'100), Version("a", 900)}, Action::kRestore, "a"},
      {"deleted later", {Marker("m", 1'100), Version("a", 900)}, Action::kRestore, "a"},
      {"overwritten, then deleted",
       {Marker("m", 1'200), Version("x", 1'100), Version("a", 900)},
       Action::kRestore,
       "a"},
      {"the newest of several before",
       {Version("x", 1'100), Version("b", 950), Version("a", 900)},
       Action::kRestore,
       "b"},
      {"written after the moment", {Version("x", 1'100)}, Action::kHide, ""},
      {"written after, already hidden",
       {Marker("m", 1'200), Version("x", 1'100)},
       Action::kNothing,
       ""},
      {"deleted before the moment, written again after",
       {Version("x", 1'100), Marker("m", 950), Version("a", 900)},
       Action::kHide,
       ""},
      {"deleted before the moment and since",
       {Marker("m", 950), Version("a", 900)},
       Action::kNothing,
       ""},
  };
  for (const Case& c : cases) {
    RollBackStep step = DecideRollBack(c.newest_first, kMoment);
    EXPECT_EQ(RollBackActionWord(step.action), std::string(RollBackActionWord(c.action))) << c.what;
    EXPECT_EQ(step.version_id, c.version_id) << c.what;
  }
}

TEST(DecideRollBackTest, RestoresTheVersionOfTheMomentWithItsTime) {
  RollBackStep step = DecideRollBack({Marker("m", 1'100), Version("a", 900)}, kMoment);
  EXPECT_EQ(step.version_modified_ns, 900);
}

}  // namespace
}  // namespace stormproof::s3
