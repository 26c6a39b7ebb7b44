// The plan keys that `run`, `drill`, `status` and `report` read: the root `run:` block, a
// repository's kind and password file, a system's restore command; their defaults and errors.
#include <gtest/gtest.h>

#include "continuity/plan/loader.h"
#include "tests/continuity/plan/plan_fixtures.h"
#include "tests/matchers.h"

namespace stormproof::plan {
namespace {

using testing::kPeople;
using testing::PlanText;

std::string AllMessages(const LoadResult& r) {
  std::string out;
  for (const Diagnostic& d : r.diagnostics.all()) out += FormatDiagnostic(r.plan.files, d) + "\n";
  return out;
}

const char* kRunSystems = R"(repositories:
  - {id: local, location: /srv/repo}
  - {id: old-restic, location: /srv/restic, kind: restic, password_file: secrets/restic.txt}
  - {id: nas-borg, location: /srv/borg, kind: borg, password_file: /etc/borg.pass}
systems:
  - id: db
    owner: ann
    tier: t1
    backup: {paths: [/data/db], repositories: [local, old-restic]}
    restore:
      command: {command: 'vendor-restore --to "$STORMPROOF_RESTORE_PATH"', timeout: 2h}
      verify: {command: 'test -s "$STORMPROOF_RESTORE_PATH/db.bak"', timeout: 5m}
  - id: web
    owner: ann
    tier: t1
    restore:
      command: cp -a /mirror/web "$STORMPROOF_RESTORE_PATH/"
)";

TEST(RunSettingsTest, DefaultsAreNextToTheRootPlan) {
  LoadResult r = LoadPlanFromText("/etc/stormproof/plan.yaml", PlanText(kPeople, ""));
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const RunSettings& run = r.plan.run;
  EXPECT_EQ(run.catalog, "/etc/stormproof/stormproof.db");
  EXPECT_EQ(run.reports, "/etc/stormproof/reports");
  EXPECT_EQ(run.scratch, "");
  EXPECT_EQ(run.concurrency, 2);
  EXPECT_EQ(run.backup_margin_percent, 50);
  EXPECT_EQ(run.check_every.ToString(), "1w");
  EXPECT_EQ(run.check_read_percent, 5);
  EXPECT_EQ(run.drill_history, 10);
}

TEST(RunSettingsTest, ReadsEveryKeyAndResolvesRelativePaths) {
  std::string text = PlanText(kPeople, "") + R"(run:
  catalog: state/acme.db
  reports: /var/lib/stormproof/reports
  scratch: ../scratch
  concurrency: 4
  backup_margin: 25%
  check_every: 3d
  check_read_data: 10
  drill_history: 20
)";
  LoadResult r = LoadPlanFromText("/etc/stormproof/plan.yaml", text);
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const RunSettings& run = r.plan.run;
  EXPECT_EQ(run.catalog, "/etc/stormproof/state/acme.db");
  EXPECT_EQ(run.reports, "/var/lib/stormproof/reports");
  EXPECT_EQ(run.scratch, "/etc/scratch");
  EXPECT_EQ(run.concurrency, 4);
  EXPECT_EQ(run.backup_margin_percent, 25);
  EXPECT_EQ(run.check_every.ToString(), "3d");
  EXPECT_EQ(run.check_read_percent, 10);
  EXPECT_EQ(run.drill_history, 20);
}

TEST(RunSettingsTest, BadValuesAndUnknownKeysAreErrors) {
  std::string text = PlanText(kPeople, "") + R"(run:
  concurrency: 0
  backup_margin: 150%
  check_evry: weekly
)";
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages, HasSubstr("'concurrency'")) << messages;
  EXPECT_THAT(messages, HasSubstr("'backup_margin' must be a percentage")) << messages;
  EXPECT_THAT(messages, HasSubstr("unknown key 'check_evry' (did you mean 'check_every'?)"))
      << messages;
}

TEST(RunSettingsTest, RepositoryKindsPasswordFilesAndRestoreCommands) {
  LoadResult r = LoadPlanFromText("/etc/stormproof/plan.yaml", PlanText(kPeople, kRunSystems));
  ASSERT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  const Plan& p = r.plan;
  EXPECT_EQ(p.FindRepository("local")->kind, RepositoryKind::kStormproof);
  EXPECT_EQ(p.FindRepository("local")->password_file, "");
  EXPECT_EQ(p.FindRepository("old-restic")->kind, RepositoryKind::kRestic);
  EXPECT_EQ(p.FindRepository("old-restic")->password_file, "/etc/stormproof/secrets/restic.txt");
  EXPECT_EQ(p.FindRepository("nas-borg")->kind, RepositoryKind::kBorg);
  EXPECT_EQ(p.FindRepository("nas-borg")->password_file, "/etc/borg.pass");
  const System* db = p.FindSystem("db");
  EXPECT_EQ(db->restore_command, "vendor-restore --to \"$STORMPROOF_RESTORE_PATH\"");
  EXPECT_EQ(db->restore_timeout, Duration::Hours(2));
  EXPECT_EQ(db->verify_timeout, Duration::Minutes(5));
  const System* web = p.FindSystem("web");
  EXPECT_EQ(web->restore_command, "cp -a /mirror/web \"$STORMPROOF_RESTORE_PATH/\"");
  EXPECT_EQ(web->restore_timeout, Duration::Hours(24));
}

TEST(RunSettingsTest, UnknownRepositoryKindIsAnError) {
  std::string text = PlanText(kPeople, R"(repositories:
  - {id: r, location: /srv/r, kind: kopia}
)");
  LoadResult r = LoadPlanFromText("plan.yaml", text);
  std::string messages = AllMessages(r);
  EXPECT_THAT(messages,
              HasSubstr("error: repository 'r': 'kind' must be one of stormproof, restic, borg; "
                        "found 'kopia'"))
      << messages;
}

TEST(RunSettingsTest, RunBelongsToTheRootFileOnly) {
  // `run` is read by ReadRootOnly; in an included file it is an unknown key. Here it is only
  // checked that the root file accepts it without diagnostics (included files are covered by
  // the loader's include tests for every root-only key).
  LoadResult r = LoadPlanFromText("plan.yaml", PlanText(kPeople, "") + "run: {concurrency: 3}\n");
  EXPECT_EQ(r.diagnostics.all().size(), 0u) << AllMessages(r);
  EXPECT_EQ(r.plan.run.concurrency, 3);
}

}  // namespace
}  // namespace stormproof::plan
