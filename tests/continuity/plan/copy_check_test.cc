// The plan rules about copies (copy_check.h), through Validate, and SystemRepositories.
#include "continuity/plan/internal/copy_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "continuity/plan/loader.h"
#include "continuity/plan/validate.h"
#include "tests/continuity/plan/plan_fixtures.h"

namespace stormproof::plan {
namespace {

using ::testing::HasSubstr;
using testing::kPeople;
using ::testing::Not;
using testing::PlanText;

struct Checked {
  LoadResult loaded;
  std::string text;
  std::string messages;
};

Checked Check(const std::string& rest) {
  Checked c{LoadPlanFromText("plan.yaml", PlanText(kPeople, rest)), PlanText(kPeople, rest), ""};
  Validate(c.loaded.plan, {*Date::Parse("2026-11-26")}, &c.loaded.diagnostics);
  for (const Diagnostic& d : c.loaded.diagnostics.all()) {
    c.messages += FormatDiagnostic(c.loaded.plan.files, d) + "\n";
  }
  return c;
}

std::string At(const Checked& c, const std::string& needle) {
  size_t at = c.text.find(needle);
  EXPECT_NE(at, std::string::npos) << needle;
  return "plan.yaml:" + std::to_string(1 + std::count(c.text.begin(), c.text.begin() + at, '\n')) +
         ":";
}

// A system in tier t2 (RPO 1d) backed up to `nas`, and the sites.
constexpr const char* kBase = R"(sites:
  - {id: office, name: Office}
  - {id: cloud, name: Cloud}
systems:
  - id: app
    owner: ann
    tier: t2
    sites: [office]
    backup: {paths: [/srv/app], repositories: [nas]}
)";

TEST(CopyCheckTest, AGoodCopyHasNoFinding) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas, site: office}
  - {id: offsite, location: /srv/offsite, site: cloud, copy_from: nas, copy_every: 12h}
)");
  EXPECT_EQ(c.messages, "");
}

TEST(CopyCheckTest, UnknownSourceIsAnErrorWithASuggestion) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas, site: office}
  - {id: offsite, location: /srv/offsite, copy_from: nass}
)");
  EXPECT_THAT(c.messages, HasSubstr(At(c, "copy_from: nass")));
  EXPECT_THAT(c.messages, HasSubstr("error: repository 'offsite': unknown repository 'nass' in "
                                    "'copy_from' (did you mean 'nas'?)"));
}

TEST(CopyCheckTest, CopyOfItselfIsAnError) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas, copy_from: nas}
)");
  EXPECT_THAT(c.messages, HasSubstr(At(c, "copy_from: nas")));
  EXPECT_THAT(c.messages,
              HasSubstr("error: repository 'nas': copy_from names the repository itself"));
}

TEST(CopyCheckTest, CopyCycleIsAnErrorSpelledOut) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas, copy_from: c}
  - {id: b, location: /srv/b, copy_from: nas}
  - {id: c, location: /srv/c, copy_from: b}
)");
  EXPECT_THAT(c.messages, HasSubstr("error: repository 'nas': copy_from loops: nas -> c -> b -> "
                                    "nas"));
  EXPECT_THAT(c.messages, HasSubstr("error: repository 'b': copy_from loops: b -> nas -> c -> b"));
  // The plan's repositories of the system stay finite.
  const System& app = *c.loaded.plan.FindSystem("app");
  EXPECT_EQ(SystemRepositories(c.loaded.plan, app).size(), 3u);
}

TEST(CopyCheckTest, SourceAndCopyMustBeStormproofRepositories) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas}
  - {id: restic-src, location: /srv/r, kind: restic}
  - {id: from-restic, location: /srv/x, copy_from: restic-src}
  - {id: to-borg, location: /srv/y, kind: borg, copy_from: nas}
)");
  EXPECT_THAT(c.messages,
              HasSubstr("error: repository 'from-restic': copy_from 'restic-src': repository "
                        "'restic-src' is not of kind stormproof; only stormproof repositories "
                        "are copied"));
  EXPECT_THAT(c.messages, HasSubstr("error: repository 'to-borg': copy_from 'nas': repository "
                                    "'to-borg' is not of kind stormproof"));
}

TEST(CopyCheckTest, CopyAtTheSameSiteIsNoOffsiteCopy) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas, site: office}
  - {id: nas2, location: /srv/nas2, site: office, copy_from: nas}
)");
  EXPECT_THAT(c.messages, HasSubstr(At(c, "copy_from: nas}")));
  EXPECT_THAT(c.messages, HasSubstr("warning: repository 'nas2': a copy of 'nas' at the same "
                                    "site 'office' is no off-site copy"));
}

TEST(CopyCheckTest, CopyEveryLongerThanAnRpoNamesBoth) {
  Checked c = Check(std::string(kBase) + R"(  - id: db
    owner: ann
    tier: t2
    rpo: 4h
    backup: {paths: [/srv/db], repositories: [nas]}
repositories:
  - {id: nas, location: /srv/nas, site: office}
  - {id: offsite, location: /srv/offsite, site: cloud, copy_from: nas, copy_every: 12h}
)");
  EXPECT_THAT(c.messages, HasSubstr(At(c, "copy_every: 12h")));
  EXPECT_THAT(c.messages,
              HasSubstr("warning: repository 'offsite': copy_every 12h is longer than the RPO 4h "
                        "of system 'db': the copy cannot follow within the RPO"));
  // app's RPO (1d) is longer than 12h: no finding for it.
  EXPECT_THAT(c.messages, Not(HasSubstr("system 'app'")));
}

TEST(CopyCheckTest, CopyEveryWithoutCopyFromIsAWarning) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: nas, location: /srv/nas, copy_every: 1h}
)");
  EXPECT_THAT(c.messages, HasSubstr("warning: repository 'nas': copy_every without copy_from"));
}

// A copy holds the systems of its source, a copy of a copy too, each after its source; the
// system does not list them.
TEST(SystemRepositoriesTest, AddsCopiesAfterTheirSources) {
  Checked c = Check(std::string(kBase) + R"(repositories:
  - {id: far, location: /srv/far, copy_from: offsite}
  - {id: nas, location: /srv/nas}
  - {id: offsite, location: /srv/offsite, copy_from: nas}
  - {id: unrelated, location: /srv/u}
)");
  std::vector<std::string> ids;
  for (const RepositorySpec* r :
       SystemRepositories(c.loaded.plan, *c.loaded.plan.FindSystem("app"))) {
    ids.push_back(r->id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"nas", "offsite", "far"}));
}

}  // namespace
}  // namespace stormproof::plan
