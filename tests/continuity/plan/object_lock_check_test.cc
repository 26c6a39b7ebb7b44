// The plan rule about Object Lock and maintenance (object_lock_check.h), through Validate.
#include "continuity/plan/internal/object_lock_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"
#include "tests/continuity/plan/plan_fixtures.h"

namespace stormproof::plan {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
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
  - {id: bucket, location: "s3:https://s3.example.com/bucket-one", credentials_file: /etc/b1)" +
         bucket_lock + R"(}
  - {id: offsite, location: "s3:https://s3.example.com/bucket-two", copy_from: bucket,
     credentials_file: /etc/b2)" +
         copy + "}\n";
}

TEST(ObjectLockCheckTest, DaysLongerThanTheMaintenanceIntervalAreFine) {
  // (A one-day lock leaves a proof nothing to vouch for: check-every-exceeds-retention, a
  // warning, below.)
  EXPECT_THAT(Messages(Plan(", object_lock: {mode: compliance, days: 1}",
                            ", copy_every: 12h, object_lock: {mode: governance, days: 1}")),
              Not(HasSubstr("error")));
  EXPECT_EQ(Messages("run: {check_every: 5d}\n" +
                     Plan(", object_lock: {mode: compliance, days: 7}",
                          ", copy_every: 12h, object_lock: {mode: governance, days: 7}")),
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

// Line and column of the first `needle` in `text`, as a diagnostic prints them ("7:45").
std::string PositionOf(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  size_t line_start = text.rfind('\n', at) + 1;  // npos + 1 == 0 on the first line
  size_t line = 1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(at), '\n');
  return std::to_string(line) + ":" + std::to_string(at - line_start + 1);
}

// A stormproof repository on s3: that run proves (immutable, or an object_lock) names the backup
// hosts' credentials_file: without it the environment of the machine running run or status
// decides whose proof counts. Not asked of one that is not proven (restic, a local directory).
TEST(ImmutabilityProofsCheckTest, AProvenRepositoryNeedsItsCredentialsFile) {
  const std::string rest = R"(repositories:
  - {id: vault, location: "s3:https://s3.example.com/vault", immutable: true}
  - id: locked
    location: "s3:https://s3.example.com/locked"
    object_lock: {mode: compliance, days: 30}
  - {id: named, location: "s3:https://s3.example.com/named", immutable: true, credentials_file: /etc/n}
  - {id: by-restic, kind: restic, location: "s3:https://s3.example.com/restic-vault", immutable: true}
  - {id: nas, location: /srv/nas, immutable: true}
  - {id: plain, location: "s3:https://s3.example.com/plain"}
  - {id: typo, location: "s3:https//s3.example.com/typo", immutable: true}
)";
  const std::string text = PlanText(kPeople, rest);
  EXPECT_EQ(Messages(rest),
            "plan.yaml:" + PositionOf(text, "true}") +
                ": error: repository 'vault': immutable: true on an s3: location needs "
                "credentials_file, the backup hosts' upload-only keys: an immutability proof "
                "counts only when made with them, and without the file the environment of "
                "whichever machine runs `run` or `status` (AWS_ACCESS_KEY_ID, AWS_PROFILE) "
                "decides whose proof counts; add credentials_file: "
                "/etc/stormproof/vault.credentials\n"
                "plan.yaml:" + PositionOf(text, "{mode: compliance") +
                ": error: repository 'locked': object_lock on an s3: location needs "
                "credentials_file, the backup hosts' upload-only keys: an immutability proof "
                "counts only when made with them, and without the file the environment of "
                "whichever machine runs `run` or `status` (AWS_ACCESS_KEY_ID, AWS_PROFILE) "
                "decides whose proof counts; add credentials_file: "
                "/etc/stormproof/locked.credentials\n"
                "plan.yaml:" + PositionOf(text, "\"s3:https//") +
                ": error: repository 'typo': repositories[6].location: invalid S3 location "
                "'s3:https//s3.example.com/typo': expected s3:https://host/bucket or "
                "s3:http://host/bucket\n");  // that one error only
}

// A proof asks retention to outlast min(run.check_every, N - E) days (N the object_lock days, E
// the upkeep's spare days, max(1, N / 4)): a check_every beyond N - E is a warning at the lock.
TEST(ImmutabilityProofsCheckTest, CheckEveryLongerThanWhatAProofVouchesForIsAWarning) {
  auto with = [](const std::string& run, int days) {
    return run + "repositories:\n  - {id: vault, location: \"s3:https://s3.example.com/vault\", "
                 "credentials_file: /etc/v, object_lock: {mode: governance, days: " +
           std::to_string(days) + "}}\n";
  };
  // The default check_every, 1w, against 7 days less 1 spare: 6 days.
  std::string text = PlanText(kPeople, with("", 7));
  EXPECT_EQ(Messages(with("", 7)),
            "plan.yaml:" + PositionOf(text, "{mode: governance") +
                ": warning: repository 'vault': run.check_every 1w is longer than the 6 days a "
                "proof can vouch for (object_lock days 7 less the 1 spare day(s) of the "
                "retention upkeep): a proof counts for 1w but shows each object retained only 6 "
                "days ahead, after which only the daily upkeep keeps the lock; set "
                "run.check_every to 6d or less, or give object_lock more days\n");
  EXPECT_EQ(Messages(with("", 9)), "");  // 9 - 2 = 7 days
  EXPECT_EQ(Messages(with("run: {check_every: 6d}\n", 7)), "");
  EXPECT_THAT(Messages(with("run: {check_every: monthly}\n", 30)),  // 31 days > 30 - 7
              HasSubstr("run.check_every 1mo is longer than the 23 days"));
  EXPECT_THAT(Messages(with("run: {check_every: daily}\n", 1)),
              HasSubstr("shows each object retained only 0 days ahead, after which only the "
                        "daily upkeep keeps the lock; give object_lock more days\n"));
}

}  // namespace
}  // namespace stormproof::plan
