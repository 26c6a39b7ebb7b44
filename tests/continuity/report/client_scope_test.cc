// What a client may read: every report and view scoped to one client of the example MSP
// (examples/acme-msp) is rendered, and must not contain another client's identifiers (ids,
// names, contacts, systems, sites, repositories, suppliers only the other client uses) nor, in
// what the client itself reads (the readiness report, `status --client`), an MSP person who is
// not one of its engineers.
//
// Besides the example as it is, the example with a weakness shared by two clients: Raj Patel,
// the only restorer of Pennine Precision's MES, becomes the only restorer of Harcourt Vale's SQL
// Server too, so that the audit's "bus factor 1" finding names systems of both clients.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "continuity/analysis/audit.h"
#include "continuity/analysis/restore_order.h"
#include "tests/cli/cli_runner.h"
#include "tests/continuity/report/example_msp.h"
#include "continuity/plan/loader.h"
#include "continuity/report/html/escape.h"
#include "continuity/report/readiness_report/readiness_report.h"
#include "continuity/report/runbook/runbook.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;

struct Identifier {
  std::string text;
  std::string what;  // for the failure message
};

// What a view may name about people: in what the client reads, only its engineers; in the
// MSP's own documents for the client (runbook, restore order), the MSP's staff too.
enum class People { kClientsEngineersOnly, kMspStaffToo };

void Add(const std::string& text, const std::string& what, std::vector<Identifier>* out) {
  if (text.size() >= 3) out->push_back({text, what});
}

// Everything that identifies client `c` in the plan.
std::vector<Identifier> OwnedBy(const plan::Plan& plan, const plan::Client& c) {
  std::vector<Identifier> out;
  std::string of = " of client " + c.id;
  Add(c.id, "client id", &out);
  Add(c.name, "client name", &out);
  for (const plan::ClientContact& contact : c.contacts) {
    Add(contact.name, "contact" + of, &out);
    for (const plan::Contact& method : contact.contacts) Add(method.value, "contact" + of, &out);
  }
  std::set<std::string> sites;
  for (const plan::Site& site : plan.sites) {
    if (!site.client || site.client->id != c.id) continue;
    sites.insert(site.id);
    for (const std::string& text : {site.id, site.name, site.address}) {
      Add(text, "site" + of, &out);
    }
  }
  for (const plan::RepositorySpec& r : plan.repositories) {
    if (r.site && sites.count(r.site->id) != 0) {
      Add(r.id, "repository" + of, &out);
      Add(r.location, "repository" + of, &out);
    }
  }
  for (const plan::System& s : plan.systems) {
    if (!s.client || s.client->id != c.id) continue;
    Add(s.id, "system" + of, &out);
    Add(s.name, "system" + of, &out);
  }
  return out;
}

// The vendors each client (or "" for the MSP) uses through its systems and sites.
std::map<std::string, std::set<std::string>> VendorUsers(const plan::Plan& plan) {
  std::map<std::string, std::set<std::string>> users;
  for (const plan::System& s : plan.systems) {
    for (const plan::Ref& v : s.vendors) users[v.id].insert(s.client ? s.client->id : "");
  }
  for (const plan::Site& site : plan.sites) {
    for (const plan::Ref& v : site.isps) users[v.id].insert(site.client ? site.client->id : "");
  }
  return users;
}

// The people the client deals with: its liaison and their deputy, the owners and deputies of
// its systems and whoever can restore them.
std::set<std::string> EngineersOf(const plan::Plan& plan, const plan::Client& c) {
  std::set<std::string> ids;
  auto add_with_deputy = [&](const std::string& id) {
    ids.insert(id);
    const plan::Person* person = plan.FindPerson(id);
    if (person != nullptr && person->deputy) ids.insert(person->deputy->id);
  };
  if (c.comms.liaison) add_with_deputy(c.comms.liaison->id);
  for (const plan::System& s : plan.systems) {
    if (!s.client || s.client->id != c.id) continue;
    if (s.owner) add_with_deputy(s.owner->id);
    for (const std::string& id : plan::PeopleWhoCanRestore(plan, s)) ids.insert(id);
  }
  return ids;
}

// What a view scoped to `client_id` must not contain. A text that also identifies the client
// itself or the MSP (two clients may both run "Microsoft 365") is not counted.
std::vector<Identifier> Foreign(const plan::Plan& plan, const std::string& client_id,
                                People people) {
  const plan::Client& own = *plan.FindClient(client_id);
  std::set<std::string> allowed = {plan.msp.id, plan.msp.name};
  for (const Identifier& id : OwnedBy(plan, own)) allowed.insert(id.text);
  for (const plan::System& s : plan.systems) {
    if (!s.client) allowed.insert(s.name);
  }
  std::vector<Identifier> foreign;
  for (const plan::Client& other : plan.clients) {
    if (other.id != client_id) {
      for (Identifier& id : OwnedBy(plan, other)) foreign.push_back(std::move(id));
    }
  }
  // Suppliers by name (their ids are often skill tags too: "imanage"), unless the client or
  // the MSP uses them or one of theirs names them as its alternative.
  std::map<std::string, std::set<std::string>> users = VendorUsers(plan);
  std::set<std::string> relevant;
  for (const auto& [vendor_id, who] : users) {
    if (who.count(client_id) == 0 && who.count("") == 0) continue;
    relevant.insert(vendor_id);
    if (const plan::Vendor* vendor = plan.FindVendor(vendor_id)) {
      for (const plan::Ref& alt : vendor->alternatives) relevant.insert(alt.id);
    }
  }
  for (const plan::Vendor& vendor : plan.vendors) {
    if (users.count(vendor.id) != 0 && relevant.count(vendor.id) == 0) {
      Add(vendor.name, "supplier of other clients only", &foreign);
    }
  }
  if (people == People::kClientsEngineersOnly) {
    std::set<std::string> engineers = EngineersOf(plan, own);
    for (const plan::Person& p : plan.people) {
      if (engineers.count(p.id) != 0) continue;
      Add(p.id, "MSP person who is not this client's engineer", &foreign);
      Add(p.name, "MSP person who is not this client's engineer", &foreign);
    }
  }
  std::vector<Identifier> out;
  for (Identifier& id : foreign) {
    if (allowed.count(id.text) == 0) out.push_back(std::move(id));
  }
  return out;
}

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Where `needle` occurs in `text` as a whole word; npos when nowhere.
size_t FindWord(const std::string& text, const std::string& needle) {
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    bool starts = at == 0 || !IdChar(text[at - 1]) || !IdChar(needle.front());
    size_t end = at + needle.size();
    bool ends = end >= text.size() || !IdChar(text[end]) || !IdChar(needle.back());
    if (starts && ends) return at;
  }
  return std::string::npos;
}

// Fails for every foreign identifier in `view` (as written, HTML-escaped or JSON-escaped).
void ExpectNoForeign(const std::string& view_name, const std::string& view,
                     const std::vector<Identifier>& foreign) {
  for (const Identifier& id : foreign) {
    std::string json = nlohmann::json(id.text).dump();
    for (const std::string& form :
         {id.text, report::HtmlEscape(id.text), json.substr(1, json.size() - 2)}) {
      size_t at = FindWord(view, form);
      if (at == std::string::npos) continue;
      size_t from = at > 120 ? at - 120 : 0;
      ADD_FAILURE() << view_name << " names " << id.what << ": \"" << id.text << "\" in …"
                    << view.substr(from, 240) << "…";
      break;
    }
  }
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void Replace(const fs::path& file, const std::string& from, const std::string& to) {
  std::string text = ReadFile(file);
  size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << file << " no longer holds: " << from;
  text.replace(at, from.size(), to);
  std::ofstream(file, std::ios::binary) << text;
}

enum class Variant { kAsShipped, kSharedEngineer };

// The access key id of the offsite copy's credentials_file in the copied example (CopyExample).
constexpr const char* kOffsiteBackupKeyId = "AKIAACMEB2BACKUP0001";

// What the failures of the shared repository (AddFailuresOfTheSharedRepository) say that no
// client may read: the other client's file, the MSP's endpoint and bucket.
const std::vector<Identifier> kLeaks = {
    {"dismissals-2026", "a file named by a failed check's error"},
    {"backblazeb2", "the MSP's endpoint, from a failed proof"},
    {"acme-stormproof-immutable", "the MSP's bucket, from a failed proof"}};

// A copy of the example under `dir` (its plan and clients, not the sample data).
fs::path CopyExample(const fs::path& dir, Variant variant) {
  fs::create_directories(dir / "clients");
  fs::path example = STORMPROOF_EXAMPLES "/acme-msp";
  fs::copy_file(example / "plan.yaml", dir / "plan.yaml");
  for (const auto& entry : fs::directory_iterator(example / "clients")) {
    fs::copy_file(entry.path(), dir / "clients" / entry.path().filename());
  }
  // The backup hosts' credentials of the shared offsite copy, readable here, so that its failed
  // proof (AddFailuresOfTheSharedRepository, made with their access key id) is one that counts.
  std::ofstream(dir / "acme-b2-immutable.credentials")
      << "[default]\naws_access_key_id = " << kOffsiteBackupKeyId
      << "\naws_secret_access_key = the-backup-hosts-secret\n";
  Replace(dir / "plan.yaml", "credentials_file: /etc/stormproof/acme-b2-immutable.credentials",
          "credentials_file: acme-b2-immutable.credentials");
  if (variant == Variant::kSharedEngineer) {
    Replace(dir / "clients/harcourt-vale.yaml",
            "    owner: aisha-rahman\n    tier: tier-1\n    depends_on: [hv-dc01]\n"
            "    sites: [hv-london]\n    skills: [sqlserver]\n",
            "    owner: raj-patel\n    tier: tier-1\n    depends_on: [hv-dc01]\n"
            "    sites: [hv-london]\n    skills: [shopfloorone-mes]\n");
  }
  return dir / "plan.yaml";
}

class ClientScopeTest : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("stormproof-client-scope-" + std::to_string(::getpid()) +
                                        "-" + std::to_string(static_cast<int>(GetParam())));
    fs::remove_all(dir_);
    ASSERT_NO_FATAL_FAILURE(plan_file_ = CopyExample(dir_, GetParam()));
    plan::LoadResult loaded = plan::LoadPlan(plan_file_.string());
    for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
      ASSERT_NE(d.severity, plan::Severity::kError) << plan::FormatDiagnostic(loaded.plan.files, d);
    }
    plan_ = std::move(loaded.plan);
    // The catalog where the CLI looks for it: stormproof.db next to the plan.
    auto catalog = OpenExampleCatalog(plan_, dir_);
    ASSERT_THAT(catalog, IsOk());
    catalog_ = std::move(catalog).value();
    ASSERT_NO_FATAL_FAILURE(AddFailuresOfTheSharedRepository());
  }

  // A failed check of the repository every client backs up to, whose error names a file of
  // one client (Harcourt Vale's hv-sql), and a failed immutability proof naming the MSP's
  // endpoint and bucket: a client reads only that they failed, and when (kLeaks).
  void AddFailuresOfTheSharedRepository() {
    catalog::Run check;
    check.kind = catalog::RunKind::kCheck;
    check.repository = "acme-b2-immutable";
    check.started_ns = kExampleNow - 12 * 3600 * 1'000'000'000LL;
    check.finished_ns = check.started_ns + 1'000'000'000;
    check.outcome = catalog::Outcome::kFailed;
    check.error = "snapshot 05d0cd36: /srv/hv-sql/hr/dismissals-2026.xlsx: blob 5e14 missing";
    ASSERT_THAT(catalog_->AddRun(check), IsOk());
    catalog::ImmutabilityProof proof;
    proof.repository = "acme-b2-immutable";
    proof.location =
        "s3:https://s3.eu-central-003.backblazeb2.example.com/acme-stormproof-immutable";
    proof.started_ns = check.started_ns;
    proof.finished_ns = check.finished_ns;
    proof.outcome = catalog::Outcome::kFailed;
    proof.credentials = "credentials_file /etc/stormproof/acme-b2-immutable.credentials";
    proof.access_key_id = kOffsiteBackupKeyId;
    proof.allowed = {"deleting " + proof.location + "/data/3f/3f2a's version was allowed"};
    ASSERT_THAT(catalog_->AddImmutabilityProof(proof), IsOk());
    // The ransomware victim's newest backup could not place its holds, for a reason that names
    // the MSP's endpoint and bucket: its client reads only that the holds were not placed.
    catalog::Run flagged;
    flagged.kind = catalog::RunKind::kBackup;
    flagged.system = kRansomwareVictim;
    flagged.repository = "acme-colo-repo";
    flagged.started_ns = check.started_ns;
    flagged.finished_ns = check.finished_ns;
    flagged.snapshot_time_ns = check.started_ns;
    flagged.snapshot_id = std::string(64, 'e');
    flagged.outcome = catalog::Outcome::kWarning;
    flagged.details = nlohmann::json{{"verdict", {{"level", "infected"}, {"score", 99}}},
                                     {"marks_failed", "could not hold the clean restore points: " +
                                                          proof.location + ": access denied"}}
                          .dump();
    ASSERT_THAT(catalog_->AddRun(flagged), IsOk());
    // A person's hold on one of its snapshots, in words the client must not read, recorded by
    // a forget just before that backup (a forget after it would have placed its holds).
    catalog::Run forget = flagged;
    forget.kind = catalog::RunKind::kForget;
    forget.outcome = catalog::Outcome::kOk;
    forget.snapshot_id.clear();
    forget.started_ns = flagged.started_ns - 3'000'000'000;
    forget.finished_ns = forget.started_ns + 1'000'000'000;
    forget.details =
        nlohmann::json{{"marks",
                        {{"holds",
                          {{{"snapshot", std::string(64, 'e')},
                            {"snapshot_time_ns", flagged.snapshot_time_ns},
                            {"reason", "keep: HR's dismissals-2026 case, per the insurer"},
                            {"because", ""}}}},
                         {"false_alarms", nlohmann::json::array()},
                         {"later_verdicts", nlohmann::json::array()}}}}
            .dump();
    ASSERT_THAT(catalog_->AddRun(forget), IsOk());
  }
  void TearDown() override {
    catalog_.reset();
    fs::remove_all(dir_);
  }

  std::string Cli(const std::string& args) {
    CliResult r = RunStormproof(args + " --plan '" + plan_file_.string() + "'");
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 3) << args << ": " << r.exit_code << r.err;
    return r.out + r.err;
  }

  fs::path dir_, plan_file_;
  plan::Plan plan_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

TEST_P(ClientScopeTest, ReadinessReportNamesNothingOfAnotherClient) {
  for (const plan::Client& client : plan_.clients) {
    report::ReadinessReportOptions options;
    options.client = client.id;
    options.now_ns = kExampleNow;
    options.today = kExampleToday;
    auto html = report::ReadinessReportHtml(plan_, catalog_.get(), options);
    ASSERT_THAT(html, IsOk());
    ASSERT_THAT(*html, HasSubstr("Open audit findings"));
    ExpectNoForeign("readiness report of " + client.id, *html,
                    Foreign(plan_, client.id, People::kClientsEngineersOnly));
    ExpectNoForeign("readiness report of " + client.id, *html, kLeaks);
    EXPECT_THAT(*html, HasSubstr("check FAILED on 2026-11-30")) << client.id;
    // The ransomware hit shows in its client's report only: the detection, the holds and the
    // clean RPO.
    const bool victim = client.id == plan_.FindSystem(kRansomwareVictim)->client->id;
    EXPECT_EQ(html->find("ransomware suspected") != std::string::npos, victim) << client.id;
    if (victim) {
      EXPECT_THAT(*html, HasSubstr("Ransomware detection"));
      EXPECT_THAT(*html, HasSubstr("212 copies of README-DECRYPT.txt"));
      EXPECT_THAT(*html, HasSubstr("newest clean restore point before infected snapshot"));
      EXPECT_THAT(*html, HasSubstr("clean RPO"));
      EXPECT_THAT(*html, HasSubstr("holds not placed: a backup could not place its holds"));
      EXPECT_THAT(*html, HasSubstr(": held by the MSP"));
    }
  }
}

TEST_P(ClientScopeTest, RunbookForAClientNamesNothingOfAnotherClient) {
  analysis::RestoreOrderOptions order_options;
  for (const plan::Client& client : plan_.clients) {
    order_options.client = client.id;
    auto order = analysis::ComputeRestoreOrder(plan_, order_options);
    ASSERT_THAT(order, IsOk());
    report::RunbookInput input;
    input.plan = &plan_;
    input.order = *order;
    input.findings = analysis::Audit(plan_, {kExampleToday});
    input.generated_on = kExampleToday;
    input.client = client.id;
    std::vector<Identifier> foreign = Foreign(plan_, client.id, People::kMspStaffToo);
    ExpectNoForeign("runbook (HTML) of " + client.id, report::RenderRunbookHtml(input), foreign);
    ExpectNoForeign("runbook (Markdown) of " + client.id, report::RenderRunbookMarkdown(input),
                    foreign);
  }
}

TEST_P(ClientScopeTest, CommandLineViewsOfAClientNameNothingOfAnotherClient) {
  for (const plan::Client& client : plan_.clients) {
    std::string c = " --client " + client.id;
    std::vector<Identifier> theirs = Foreign(plan_, client.id, People::kClientsEngineersOnly);
    std::vector<Identifier> ours = Foreign(plan_, client.id, People::kMspStaffToo);
    std::string as_of = " --as-of 2026-12-01";
    const std::string* first_system = nullptr;
    for (const plan::System& s : plan_.systems) {
      if (s.client && s.client->id == client.id && first_system == nullptr) first_system = &s.id;
    }
    ASSERT_NE(first_system, nullptr);
    struct View {
      std::string args;
      const std::vector<Identifier>& foreign;
    };
    for (const View& view :
         {View{"status" + c + as_of, theirs}, View{"status --json" + c + as_of, theirs},
          View{"report --out -" + c + as_of, theirs}, View{"plan order" + c, ours},
          View{"plan order --json" + c, ours},
          View{"plan order --clean-points" + c + as_of, ours},
          View{"plan order --json --clean-points" + c + as_of, ours},
          View{"plan render --format md --out -" + c, ours},
          View{"plan render --format html --clean-points --out -" + c + as_of, ours}}) {
      std::string out = Cli(view.args);
      // The view is about the client: it names the client's systems.
      EXPECT_NE(FindWord(out, *first_system), std::string::npos) << view.args << ":\n" << out;
      ExpectNoForeign(view.args, out, view.foreign);
      if (&view.foreign == &theirs) ExpectNoForeign(view.args, out, kLeaks);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ExampleMsp, ClientScopeTest,
                         ::testing::Values(Variant::kAsShipped, Variant::kSharedEngineer),
                         [](const ::testing::TestParamInfo<Variant>& info) {
                           return info.param == Variant::kAsShipped ? "AsShipped"
                                                                    : "SharedEngineer";
                         });

// The shared weakness reaches each client as its effect on that client alone.
TEST(ClientScopeWordingTest, SharedEngineerReadsAsTheEffectOnEachClient) {
  fs::path dir =
      fs::temp_directory_path() / ("stormproof-client-scope-wording-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  plan::LoadResult loaded = plan::LoadPlan(CopyExample(dir, Variant::kSharedEngineer).string());
  fs::remove_all(dir);
  report::ReadinessReportOptions options;
  options.now_ns = kExampleNow;
  options.today = kExampleToday;
  for (const char* client : {"pennine-precision", "harcourt-vale"}) {
    options.client = client;
    auto html = report::ReadinessReportHtml(loaded.plan, nullptr, options);
    ASSERT_THAT(html, IsOk());
    // Each client has one of the two systems: singular.
    EXPECT_THAT(*html, HasSubstr("depends on one engineer")) << client;
  }
  options.client = "pennine-precision";
  std::string pennine = *report::ReadinessReportHtml(loaded.plan, nullptr, options);
  EXPECT_THAT(pennine, HasSubstr("System &#39;ShopFloorOne MES")) << pennine;
}

}  // namespace
}  // namespace stormproof::testing
