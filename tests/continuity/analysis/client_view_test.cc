#include "continuity/analysis/client_view.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "tests/continuity/analysis/audit_fixtures.h"
#include "continuity/plan/loader.h"
#include "tests/matchers.h"

namespace stormproof::analysis {
namespace {

using testing::Apply;
using testing::kCleanPlan;
using testing::kToday;

// The clean plan plus a second client, Ledger Law, and one engineer, Raj Patel, who alone can
// restore a critical system of each client; Dental Co's EDR evidence is stale.
std::string TwoClients() {
  return Apply(
      kCleanPlan,
      {{"clients:\n", "clients:\n  - id: law\n    name: Ledger Law\n"},
       {"people:\n",
        "people:\n  - id: raj\n    name: Raj Patel\n    contacts: {mobile: \"+44 7700 900009\"}\n"
        "    contacts_verified: 2026-11-01\n    skills: [mes]\n"},
       {"        last_evidence: 2026-11-10", "        last_evidence: 2025-01-10"},
       {"",
        "  - id: dental-mes\n    name: Dental MES\n    client: dental\n    owner: raj\n"
        "    tier: tier-1\n    sites: [office, colo]\n    skills: [mes]\n"
        "    backup: {paths: [/srv/mes], repositories: [colo-repo, office-nas, vault]}\n"
        "  - id: law-mes\n    name: Law MES\n    client: law\n    owner: raj\n"
        "    tier: tier-1\n    sites: [law-office, colo]\n    skills: [mes]\n"
        "    backup: {paths: [/srv/mes], repositories: [colo-repo, office-nas, vault]}\n"},
       {"sites:\n",
        "sites:\n  - {id: law-office, name: Law office, client: law, isps: [fibre-a, "
        "fibre-b]}\n"}});
}

class ClientViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", TwoClients());
    ASSERT_EQ(loaded.diagnostics.error_count(), 0u);
    plan_ = std::move(loaded.plan);
    findings_ = Audit(plan_, {kToday});
  }

  const Finding& Only(const std::string& rule, const std::string& system = "") {
    const Finding* found = nullptr;
    for (const Finding& f : findings_) {
      bool names = system.empty() ||
                   std::find(f.systems.begin(), f.systems.end(), system) != f.systems.end();
      if (f.rule == rule && names) {
        EXPECT_EQ(found, nullptr) << "two " << rule << " findings";
        found = &f;
      }
    }
    EXPECT_NE(found, nullptr) << "no " << rule << " finding";
    static const Finding kNone;
    return found != nullptr ? *found : kNone;
  }

  plan::Plan plan_;
  std::vector<Finding> findings_;
};

std::string AllText(const Finding& f) {
  std::string text = f.title + "\n" + f.detail + "\n" + f.recommendation;
  for (const std::string& s : f.systems) text += "\n" + s;
  for (const std::string& c : f.clients) text += "\n" + c;
  return text;
}

TEST_F(ClientViewTest, AnEngineerSharedByTwoClientsReadsAsTheEffectOnEach) {
  const Finding& shared = Only("person-spof");
  ASSERT_EQ(shared.systems, (std::vector<std::string>{"dental-mes", "law-mes"}));
  struct Case {
    const char* client;
    const char* own_id;
    const char* own_name;
    const char* other_system;
    const char* other_name;
    const char* other_client;
  };
  for (const Case& c :
       {Case{"dental", "dental-mes", "Dental MES", "law-mes", "Law MES", "Ledger Law"},
        Case{"law", "law-mes", "Law MES", "dental-mes", "Dental MES", "Dental Co"}}) {
    std::optional<Finding> view = FindingForClient(plan_, shared, c.client);
    ASSERT_TRUE(view.has_value()) << c.client;
    EXPECT_EQ(view->title, std::string("System '") + c.own_name + "' depends on one engineer");
    EXPECT_EQ(view->systems, std::vector<std::string>{c.own_id});
    EXPECT_EQ(view->clients, std::vector<std::string>{c.client});
    EXPECT_EQ(view->severity, shared.severity);
    EXPECT_EQ(view->rule, "person-spof");
    std::string text = AllText(*view);
    for (const char* foreign : {c.other_system, c.other_name, c.other_client, "Raj", "raj"}) {
      EXPECT_THAT(text, Not(HasSubstr(foreign))) << c.client << " reads " << foreign << ":\n"
                                                 << text;
    }
  }
}

TEST_F(ClientViewTest, PeopleFindingsAboutTheClientsOwnSystemNameNoPerson) {
  std::optional<Finding> view =
      FindingForClient(plan_, Only("single-restorer", "dental-mes"), "dental");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->title, "System 'Dental MES' can be restored by one engineer only");
  EXPECT_THAT(AllText(*view), Not(HasSubstr("Raj"))) << AllText(*view);
  EXPECT_THAT(view->recommendation, HasSubstr("For Acme IT: Train a second engineer"));
}

TEST_F(ClientViewTest, TheClientsOwnFindingsAreShownAsTheAuditWordsThem) {
  const Finding& stale = Only("security-evidence-stale");
  ASSERT_EQ(stale.clients, std::vector<std::string>{"dental"});
  EXPECT_FALSE(IsMspSide(plan_, stale, "dental"));
  std::optional<Finding> view = FindingForClient(plan_, stale, "dental");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ(view->title, stale.title);
  EXPECT_EQ(view->detail, stale.detail);
  EXPECT_EQ(view->recommendation, stale.recommendation);
}

TEST_F(ClientViewTest, FindingsOfAnotherClientOrOfTheMspAloneAreLeftOut) {
  EXPECT_FALSE(FindingForClient(plan_, Only("security-evidence-stale"), "law").has_value());
  Finding msp_only;
  msp_only.rule = "review-overdue";
  msp_only.area = Area::kReview;
  EXPECT_FALSE(FindingForClient(plan_, msp_only, "dental").has_value());
  std::vector<Finding> law = FindingsForClient(plan_, findings_, "law");
  ASSERT_FALSE(law.empty());
  for (const Finding& f : law) {
    EXPECT_EQ(f.clients, std::vector<std::string>{"law"});
    EXPECT_THAT(AllText(f), Not(HasSubstr("dental"))) << AllText(f);
    EXPECT_THAT(AllText(f), Not(HasSubstr("Dental"))) << AllText(f);
  }
}

}  // namespace
}  // namespace stormproof::analysis
