// The plan rule about Object Lock and maintenance (object_lock_check.h), through Validate.
#include "continuity/plan/internal/object_lock_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"
#include "tests/continuity/plan/plan_fixtures.h"

namespace stormproof::plan {
namespace {

using ::testing::HasSubstr;
using testing::kPeople;
using testing::PlanText;

std::string Messages(const std::string& rest) {
  LoadResult loaded = LoadPlanFromText("plan.yaml", PlanText(kPeople, rest));
  Validate(loaded.plan, {*Date::Parse("2026-11-26")}, &loaded.diagnostics);
  std::string messages;
  for (const Diagnostic& d : loaded.diagnostics.all()) {
    messages += FormatDiagnostic(loaded.plan.files, d) + "\n";
  }
  return messages;
}

// System app (tier t2, RPO 1d: backed up, and so maintained, every 12h) writes to `bucket`;
// `offsite` is its copy. `bucket_lock` and `copy` complete the two repositories.
std::string Plan(const std::string& bucket_lock, const std::string& copy) {
  return R"(systems:
  - id: app
    owner: ann
    tier: t2
    backup: {paths: [/srv/app], repositories: [bucket]}
repositories:
  - {id: bucket, location: "s3:https://s3.example.com/bucket-one")" +
         bucket_lock + R"(}
  - {id: offsite, location: "s3:https://s3.example.com/bucket-two", copy_from: bucket)" +
         copy + "}\n";
}

TEST(ObjectLockCheckTest, DaysLongerThanTheMaintenanceIntervalAreFine) {
  EXPECT_EQ(Messages(Plan(", object_lock: {mode: compliance, days: 1}",
                          ", copy_every: 12h, object_lock: {mode: governance, days: 1}")),
            "");
}

TEST(ObjectLockCheckTest, ACopyMadeLessOftenThanItsRetentionIsAnError) {
  std::string messages =
      Messages(Plan("", ", copy_every: 5d, object_lock: {mode: compliance, days: 5}"));
  EXPECT_THAT(messages, HasSubstr("error: repository 'offsite': object_lock days 5 is not longer "
                                  "than the interval between its writes (5d, each copy of system "
                                  "'app'); only the retention upkeep `run` does on the machine "
                                  "holding its maintenance credentials extends the files in use, "
                                  "so one missed upkeep could leave them deletable; give more "
                                  "days than 5d"));
}

TEST(ObjectLockCheckTest, BackupsLessOftenThanTheRetentionAreAnError) {
  std::string messages = Messages(
      "systems:\n  - {id: app, owner: ann, tier: t2, rpo: 4d, backup: {paths: [/srv/app], "
      "repositories: [bucket]}}\nrepositories:\n  - {id: bucket, location: "
      "\"s3:https://s3.example.com/bucket-one\", object_lock: {mode: governance, days: 2}}\n");
  EXPECT_THAT(messages, HasSubstr("repository 'bucket': object_lock days 2 is not longer than the "
                                  "interval between its writes (2d, each backup of system "
                                  "'app')"));
}

}  // namespace
}  // namespace stormproof::plan
