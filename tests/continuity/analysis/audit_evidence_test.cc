// Whom the evidence findings (audit_evidence.cc) are about: a repository's findings name the
// systems whose data it holds — those backing up into it and, for a copy repository
// (copy_from), those whose backups `run` copies into it — so a client-scoped audit shows the
// findings about its own copies, and nothing of another client's.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/client_view.h"
#include "continuity/plan/loader.h"
#include "core/time.h"
#include "tests/continuity/analysis/audit_fixtures.h"

namespace stormproof::analysis {
namespace {

using testing::AddHarcourtCaseFiles;
using testing::CleanPlan;
using testing::kToday;

// An object-locked copy of `source` on object storage, written by `run` only (copy_from).
plan::RepositorySpec LockedCopy(const std::string& id, const std::string& source) {
  plan::RepositorySpec copy;
  copy.id = id;
  copy.location = "s3:https://s3.example.com/" + id;
  copy.medium = plan::Medium::kObject;
  copy.immutable = true;
  copy.copy_from = plan::Ref{source, {}};
  return copy;
}

// The clean plan (the dental client's db, app and files back up to colo-repo and vault), with
// dental-offsite, a copy of colo-repo, and a second client, Harcourt Vale, whose case files back
// up to their own NAS, copied to hv-offsite.
plan::Plan PlanWithCopies() {
  plan::Plan plan = CleanPlan();
  plan::RepositorySpec nas;
  nas.id = "hv-nas";
  nas.location = "/mnt/hv-nas";
  plan.repositories.push_back(nas);
  plan.repositories.push_back(LockedCopy("dental-offsite", "colo-repo"));
  plan.repositories.push_back(LockedCopy("hv-offsite", "hv-nas"));
  AddHarcourtCaseFiles(&plan, "hv-nas");
  plan.systems.back().backup.paths = {"/srv/cases"};
  plan.BuildIndex();
  return plan;
}

const Finding* FindAbout(const std::vector<Finding>& findings, const std::string& rule,
                         const std::string& repository) {
  for (const Finding& f : findings) {
    if (f.rule == rule && f.title.find("'" + repository + "'") != std::string::npos) return &f;
  }
  return nullptr;
}

// Everything a reader of the finding sees.
std::string TextOf(const Finding& f) {
  std::string text = f.title + "\n" + f.detail + "\n" + f.recommendation;
  for (const std::string& s : f.systems) text += "\n" + s;
  for (const std::string& c : f.clients) text += "\n" + c;
  return text;
}

TEST(AuditEvidenceTest, ACopyRepositoryNamesTheSystemsWhoseBackupsItHolds) {
  plan::Plan plan = PlanWithCopies();
  std::vector<Finding> findings = Audit(plan, {kToday, nullptr});
  const Finding* dental = FindAbout(findings, "immutability-never-proven", "dental-offsite");
  ASSERT_NE(dental, nullptr);
  EXPECT_EQ(dental->systems, (std::vector<std::string>{"db", "app", "files"}));
  EXPECT_EQ(dental->clients, std::vector<std::string>{"dental"});
  EXPECT_NE(dental->detail.find("it holds the copies of the backups of 'db', 'app' and 'files'"),
            std::string::npos)
      << dental->detail;
  const Finding* hv = FindAbout(findings, "immutability-never-proven", "hv-offsite");
  ASSERT_NE(hv, nullptr);
  EXPECT_EQ(hv->systems, std::vector<std::string>{"hv-case"});
  EXPECT_EQ(hv->clients, std::vector<std::string>{"harcourt"});
}

// With the catalog's evidence, a copy that nobody checked or drilled gets its "0 errors"
// finding too (it used to be skipped as holding no system's backups).
TEST(AuditEvidenceTest, ACopyNeverVerifiedIsAZeroErrorsFinding) {
  plan::Plan plan = PlanWithCopies();
  RepositoryEvidenceMap evidence;
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* hv = FindAbout(findings, "zero-errors-never-proven", "hv-offsite");
  ASSERT_NE(hv, nullptr);
  EXPECT_EQ(hv->clients, std::vector<std::string>{"harcourt"});
  EXPECT_NE(hv->detail.find("'hv-case'"), std::string::npos) << hv->detail;
}

// A client-scoped audit (`plan audit --client`, the client's runbook and report) shows the
// findings about the client's own copies and nothing that names another client.
TEST(AuditEvidenceTest, AClientScopedAuditShowsItsCopyAndNoOtherClient) {
  plan::Plan plan = PlanWithCopies();
  RepositoryEvidenceMap evidence;
  std::vector<Finding> all = Audit(plan, {kToday, &evidence});

  std::vector<Finding> harcourt = FindingsForClient(plan, all, "harcourt");
  ASSERT_NE(FindAbout(harcourt, "immutability-never-proven", "hv-offsite"), nullptr);
  ASSERT_NE(FindAbout(harcourt, "zero-errors-never-proven", "hv-offsite"), nullptr);
  for (const Finding& f : harcourt) {
    std::string text = TextOf(f);
    for (const char* other :
         {"dental", "Dental", "'db'", "'app'", "'files'", "colo-repo", "vault", "Practice"}) {
      EXPECT_EQ(text.find(other), std::string::npos) << other << " in: " << text;
    }
  }

  std::vector<Finding> dental = FindingsForClient(plan, all, "dental");
  ASSERT_NE(FindAbout(dental, "immutability-never-proven", "dental-offsite"), nullptr);
  for (const Finding& f : dental) {
    std::string text = TextOf(f);
    for (const char* other : {"harcourt", "Harcourt", "hv-"}) {
      EXPECT_EQ(text.find(other), std::string::npos) << other << " in: " << text;
    }
  }
}

// A copy of a repository two clients share: each client reads the copy's finding as its effect
// on its own systems, naming neither the other client nor its systems.
TEST(AuditEvidenceTest, ACopyOfASharedRepositoryIsReadAsTheClientsOwn) {
  plan::Plan plan = PlanWithCopies();
  plan.systems.back().backup.repositories.push_back(plan::Ref{"colo-repo", {}});
  plan.BuildIndex();
  std::vector<Finding> all = Audit(plan, {kToday, nullptr});
  const Finding* shared = FindAbout(all, "immutability-never-proven", "dental-offsite");
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(shared->clients, (std::vector<std::string>{"dental", "harcourt"}));
  std::optional<Finding> harcourt = FindingForClient(plan, *shared, "harcourt");
  ASSERT_TRUE(harcourt.has_value());
  EXPECT_EQ(harcourt->systems, std::vector<std::string>{"hv-case"});
  std::string text = TextOf(*harcourt);
  for (const char* other : {"dental", "Dental", "'db'", "'app'", "'files'"}) {
    EXPECT_EQ(text.find(other), std::string::npos) << other << " in: " << text;
  }
}

// An object-locked repository whose retention upkeep (a prune, which extends the Object Lock
// retention of the files in use) is recorded never, or N - E - 1 days ago or longer (N = 20,
// E = 5: one day of warning before the 15 days upkeep must keep), is a high finding in the
// user's words; a prune 13 days ago keeps it quiet.
TEST(AuditEvidenceTest, AnObjectLockedRepositoryWithoutRecentUpkeepCanLapse) {
  plan::Plan plan = PlanWithCopies();
  for (plan::RepositorySpec& r : plan.repositories) {
    if (r.id == "dental-offsite") r.object_lock = plan::RepositorySpec::ObjectLock{{}, 20};
  }
  plan.BuildIndex();
  RepositoryEvidenceMap evidence;
  std::vector<Finding> none_recorded = Audit(plan, {kToday, &evidence});
  const Finding* never = FindAbout(none_recorded, "retention-upkeep-lapsing", "dental-offsite");
  ASSERT_NE(never, nullptr);
  EXPECT_EQ(never->severity, Severity::kHigh);
  EXPECT_EQ(never->title,
            "Repository 'dental-offsite': retention upkeep never done: Object Lock retention of "
            "kept snapshots can lapse");
  EXPECT_EQ(FindAbout(Audit(plan, {kToday, &evidence}), "retention-upkeep-lapsing",
                      "hv-offsite"),
            nullptr);  // no object_lock: nothing can lapse
  catalog::Run prune;
  prune.kind = catalog::RunKind::kPrune;
  prune.repository = "dental-offsite";
  prune.started_ns = prune.finished_ns = StartOfDayNs(kToday.AddDays(-16));
  evidence["dental-offsite"].last_prune = prune;
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* old = FindAbout(findings, "retention-upkeep-lapsing", "dental-offsite");
  ASSERT_NE(old, nullptr);
  EXPECT_NE(old->title.find("retention upkeep last done 2026-11-10"), std::string::npos)
      << old->title;
  EXPECT_NE(old->detail.find("the newest one recorded here is 16 days old, while it is due at "
                             "least every 15 days"),
            std::string::npos)
      << old->detail;
  // N - E - 1 = 14 days: the day of warning.
  prune.started_ns = prune.finished_ns = StartOfDayNs(kToday.AddDays(-14));
  evidence["dental-offsite"].last_prune = prune;
  EXPECT_NE(FindAbout(Audit(plan, {kToday, &evidence}), "retention-upkeep-lapsing",
                      "dental-offsite"),
            nullptr);
  // N - E - 2 = 13 days: quiet.
  prune.started_ns = prune.finished_ns = StartOfDayNs(kToday.AddDays(-13));
  evidence["dental-offsite"].last_prune = prune;
  EXPECT_EQ(FindAbout(Audit(plan, {kToday, &evidence}), "retention-upkeep-lapsing",
                      "dental-offsite"),
            nullptr);
}

// A lock of a day or two leaves N - E = 0 or 1 days between two upkeeps (E = 1): the finding
// says the upkeep is due every day, never "every 0 days" or "every 1 days".
TEST(AuditEvidenceTest, AShortLockSaysTheUpkeepIsDueEveryDay) {
  for (int days : {1, 2}) {
    SCOPED_TRACE("object_lock days " + std::to_string(days));
    plan::Plan plan = PlanWithCopies();
    for (plan::RepositorySpec& r : plan.repositories) {
      if (r.id == "dental-offsite") r.object_lock = plan::RepositorySpec::ObjectLock{{}, days};
    }
    plan.BuildIndex();
    catalog::Run prune;
    prune.kind = catalog::RunKind::kPrune;
    prune.repository = "dental-offsite";
    prune.started_ns = prune.finished_ns = StartOfDayNs(kToday.AddDays(-1));
    RepositoryEvidenceMap evidence;
    evidence["dental-offsite"].last_prune = prune;
    std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
    const Finding* f = FindAbout(findings, "retention-upkeep-lapsing", "dental-offsite");
    ASSERT_NE(f, nullptr);
    EXPECT_NE(f->detail.find("the newest one recorded here is 1 day old, while it is due every "
                             "day. "),
              std::string::npos)
        << f->detail;
    EXPECT_EQ(f->detail.find("every 0 days"), std::string::npos) << f->detail;
  }
}

// A prune reported only by a host's evidence (which any backup host could forge: a fresh one
// every day would silence the finding) is not counted: the finding fires and says so.
TEST(AuditEvidenceTest, UpkeepReportedOnlyByHostsEvidenceDoesNotCount) {
  plan::Plan plan = PlanWithCopies();
  for (plan::RepositorySpec& r : plan.repositories) {
    if (r.id == "dental-offsite") r.object_lock = plan::RepositorySpec::ObjectLock{{}, 20};
  }
  plan.BuildIndex();
  catalog::Run reported;
  reported.kind = catalog::RunKind::kPrune;
  reported.repository = "dental-offsite";
  reported.host = "dental-host";
  reported.imported_from = "dental-offsite";
  reported.started_ns = reported.finished_ns = StartOfDayNs(kToday);
  RepositoryEvidenceMap evidence;
  evidence["dental-offsite"].last_reported_prune = reported;
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* f = FindAbout(findings, "retention-upkeep-lapsing", "dental-offsite");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->title,
            "Repository 'dental-offsite': retention upkeep only reported by hosts' evidence: "
            "Object Lock retention of kept snapshots can lapse");
  EXPECT_NE(f->detail.find("none is recorded here. The newest one on record, of " +
                           kToday.ToString() +
                           ", is only reported by dental-host's evidence, which any backup "
                           "host could forge: it is not counted."),
            std::string::npos)
      << f->detail;
  // With an own prune 16 days ago, the title gives its date and the detail still names the
  // reported one.
  catalog::Run own = reported;
  own.host = "msp";
  own.imported_from = "";
  own.started_ns = own.finished_ns = StartOfDayNs(kToday.AddDays(-16));
  evidence["dental-offsite"].last_prune = own;
  findings = Audit(plan, {kToday, &evidence});
  f = FindAbout(findings, "retention-upkeep-lapsing", "dental-offsite");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->title.find("last done 2026-11-10"), std::string::npos) << f->title;
  EXPECT_NE(f->detail.find("only reported by dental-host's evidence"), std::string::npos);
}


// A stale pass imported from a host's evidence is never told as this stormproof's own check:
// the zero-errors-stale detail names who reported it.
TEST(AuditEvidenceTest, AStaleReportedPassSaysWhoReportedIt) {
  plan::Plan plan = PlanWithCopies();
  catalog::Run check;
  check.kind = catalog::RunKind::kCheck;
  check.repository = "dental-offsite";
  check.host = "dental-host";
  check.imported_from = "dental-offsite";
  check.details = R"({"read_data_percent": 100})";
  check.started_ns = check.finished_ns = StartOfDayNs(kToday.AddDays(-30));
  RepositoryEvidenceMap evidence;
  evidence["dental-offsite"].last_read_check = check;
  std::vector<Finding> findings = Audit(plan, {kToday, &evidence});
  const Finding* f = FindAbout(findings, "zero-errors-stale", "dental-offsite");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->detail.find("was a check on " + kToday.AddDays(-30).ToString() +
                           ", only reported by dental-host's evidence, not run by this "
                           "stormproof;"),
            std::string::npos)
      << f->detail;
  check.imported_from = "";
  evidence["dental-offsite"].last_read_check = check;
  findings = Audit(plan, {kToday, &evidence});
  f = FindAbout(findings, "zero-errors-stale", "dental-offsite");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->detail.find("reported"), std::string::npos) << f->detail;
}

}  // namespace
}  // namespace stormproof::analysis
