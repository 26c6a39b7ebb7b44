// The immutability proof (engine/s3/immutability.h, `stormproof check --immutability`): its pure
// parts (what a retention must be, the server's word in a refusal, the sample, the verdict), then
// end to end against a real Ceph RGW through the CLI's test copy: the bucket owner under
// governance is NOT proven (it may bypass) and the proof destroys nothing; under compliance the
// deletes and the shortening are refused and the delete marker it could put on a pack is removed
// again; an upload-only user under an explicit Deny is proven, and the proof is recorded in the
// plan's catalog; a repository without Object Lock and a local one are refused in one line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "continuity/catalog/catalog.h"
#include "core/time.h"
#include "engine/s3/immutability.h"
#include "engine/s3/internal/client.h"
#include "tests/cli/cli_runner.h"
#include "tests/engine/s3/rgw.h"
#include "tests/matchers.h"

namespace stormproof::testing {
namespace {

namespace fs = std::filesystem;
using backend::Retention;
using s3::RetainedObject;
using s3::RetentionShortfall;

constexpr int64_t kWritten = int64_t{1'800'000'000} * kNsPerSecond;
const Retention kGovernance3{Retention::Mode::kGovernance, 3};

// ---- The pure parts ----

TEST(ImmutabilityChecksTest, AcceptsARetentionOfAtLeastTheDaysPromisedFromTheWrite) {
  RetainedObject object{"snapshots/1", kWritten, Retention::Mode::kGovernance,
                        kWritten + 3 * kNsPerDay - kNsPerSecond};  // 1 s of rounding allowed
  EXPECT_EQ(RetentionShortfall(object, kGovernance3, kWritten + kNsPerDay, kNsPerDay),
            std::nullopt);
  object.retain_until_ns = kWritten + 30 * kNsPerDay;  // extended by maintenance
  EXPECT_EQ(RetentionShortfall(object, kGovernance3, kWritten + 20 * kNsPerDay, kNsPerDay),
            std::nullopt);
}

TEST(ImmutabilityChecksTest, NamesTheObjectAndDatesOfEveryShortfall) {
  RetainedObject none{"data/ab/cd", kWritten, std::nullopt, 0};
  EXPECT_THAT(RetentionShortfall(none, kGovernance3, kWritten, 0).value_or(""),
              HasSubstr("data/ab/cd is not retained at all"));
  RetainedObject other{"keys/k", kWritten, Retention::Mode::kCompliance, kWritten + 9 * kNsPerDay};
  EXPECT_THAT(RetentionShortfall(other, kGovernance3, kWritten, 0).value_or(""),
              HasSubstr("keys/k is retained in compliance mode, not the governance mode"));
  RetainedObject brief{"index/1", kWritten, Retention::Mode::kGovernance,
                       kWritten + 2 * kNsPerDay};
  EXPECT_THAT(RetentionShortfall(brief, kGovernance3, kWritten, 0).value_or(""),
              HasSubstr("index/1 is retained until " + FormatUtc(kWritten + 2 * kNsPerDay) +
                        ", before the promised " + FormatUtc(kWritten + 3 * kNsPerDay)));
  RetainedObject ended{"config", kWritten, Retention::Mode::kGovernance, kWritten + 3 * kNsPerDay};
  EXPECT_THAT(RetentionShortfall(ended, kGovernance3, kWritten + 4 * kNsPerDay, 0).value_or(""),
              HasSubstr("config was retained only until"));
}

// A proof counts for a while (run.check_every): an object whose retention ends within that
// time is a shortfall now, with how long is left, although it cannot be deleted yet.
TEST(ImmutabilityChecksTest, ARetentionEndingWhileTheProofCountsIsAShortfall) {
  const int64_t now = kWritten + 40 * kNsPerDay;
  RetainedObject closing{"data/ab/cd", kWritten, Retention::Mode::kGovernance,
                         now + kNsPerHour};  // extended once, then upkeep stopped
  EXPECT_EQ(RetentionShortfall(closing, kGovernance3, now, 0), std::nullopt);
  EXPECT_EQ(RetentionShortfall(closing, kGovernance3, now, kNsPerHour), std::nullopt);
  EXPECT_THAT(RetentionShortfall(closing, kGovernance3, now, 7 * kNsPerDay).value_or(""),
              ::testing::AllOf(HasSubstr("data/ab/cd is retained only until " +
                              FormatUtc(now + kNsPerHour) + " (1h left)"),
                    HasSubstr("before this proof stops counting at " +
                              FormatUtc(now + 7 * kNsPerDay))));
}

TEST(ImmutabilityChecksTest, TakesTheServersWordFromARefusal) {
  EXPECT_EQ(s3::RefusalAnswer("s3:http://h/b/k (version x.y): access denied (AccessDenied): "
                              "check the credentials' permissions on bucket 'b'"),
            "AccessDenied");
  EXPECT_EQ(s3::RefusalAnswer("s3:http://h/b/k: the server answered HTTP 400 InvalidRequest: x"),
            "HTTP 400 InvalidRequest");
  EXPECT_EQ(s3::RefusalAnswer("s3:http://h/b/k: the server refused the Object Lock retention "
                              "(InvalidArgument: bad): choose another"),
            "InvalidArgument");
  EXPECT_EQ(s3::RefusalAnswer("something else"), "refused");
}

// Only what a proof wrote is an old canary a later proof may delete: its name's shape and a
// canary's size (or the overwrite's, or a delete marker); anything else under canary/ stays.
TEST(ImmutabilityChecksTest, AnOldCanaryIsRecognisedByItsNameAndSize) {
  const uint64_t canary = std::string("stormproof immutability canary, written 2026-12-07T01:48:08Z"
                                      ": it must stay as it is until its retention ends (" +
                                      std::string(32, 'f') + ")\n")
                              .size();
  EXPECT_TRUE(s3::LooksLikeProofCanary("20261207T014808Z-cd506771", false, canary));
  EXPECT_TRUE(s3::LooksLikeProofCanary("20261207T014808Z-cd506771", false, 25));  // overwritten
  EXPECT_TRUE(s3::LooksLikeProofCanary("20261207T014808Z-cd506771", true, 0));
  EXPECT_FALSE(s3::LooksLikeProofCanary("20261207T014808Z-cd506771", false, canary + 1));
  EXPECT_FALSE(s3::LooksLikeProofCanary("important-evidence.pdf", false, canary));
  EXPECT_FALSE(s3::LooksLikeProofCanary("20261207T014808Z-cd50677X", false, canary));
  EXPECT_FALSE(s3::LooksLikeProofCanary("sub/20261207T014808Z-cd506771", true, 0));
}

TEST(ImmutabilityChecksTest, SamplesAtRandomInOrderAndAllWhenFew) {
  std::vector<std::string> items;
  for (int i = 0; i < 100; ++i) items.push_back(std::to_string(1000 + i));
  auto chosen = s3::ChooseSample(items, 10, 7);
  ASSERT_EQ(chosen.size(), 10u);
  EXPECT_TRUE(std::is_sorted(chosen.begin(), chosen.end()));
  EXPECT_NE(chosen, std::vector<std::string>(items.begin(), items.begin() + 10));
  EXPECT_NE(chosen, s3::ChooseSample(items, 10, 8));
  EXPECT_EQ(s3::ChooseSample(items, 200, 7), items);
  EXPECT_TRUE(s3::ChooseSample(items, 0, 7).empty());
}

TEST(ImmutabilityChecksTest, ProvenOnlyWhenNothingWasAllowedAndTheConfigWasRead) {
  s3::ImmutabilityReport report;
  report.attempts.push_back({s3::kAttemptDeleteVersion,
                             s3::ImmutabilityAttempt::Verdict::kRefused, "AccessDenied"});
  EXPECT_FALSE(report.proven());  // nothing sampled
  report.sample.config = 1;
  EXPECT_TRUE(report.proven());
  report.attempts.push_back({s3::kAttemptShortenBypass,
                             s3::ImmutabilityAttempt::Verdict::kAllowed, "", "shortening"});
  report.short_retention.push_back("index/1 is retained until ...");
  EXPECT_FALSE(report.proven());
  EXPECT_EQ(report.Allowed(), (std::vector<std::string>{"shortening", "index/1 is retained until ..."}));
}

TEST(ImmutabilityChecksTest, ARetentionWeakerThanThePlanExpectsNamesBoth) {
  const Retention compliance30{Retention::Mode::kCompliance, 30};
  EXPECT_EQ(s3::WeakerRetention(compliance30, compliance30), std::nullopt);
  EXPECT_EQ(s3::WeakerRetention(Retention{Retention::Mode::kCompliance, 60}, compliance30),
            std::nullopt);
  EXPECT_EQ(s3::WeakerRetention(compliance30, Retention{Retention::Mode::kGovernance, 30}),
            std::nullopt);  // compliance is stronger than governance
  EXPECT_EQ(s3::WeakerRetention(Retention{Retention::Mode::kCompliance, 7}, compliance30)
                .value_or(""),
            "the repository's config records compliance for 7 days, weaker than the compliance "
            "for 30 days the plan expects");
  EXPECT_THAT(s3::WeakerRetention(Retention{Retention::Mode::kGovernance, 30}, compliance30)
                  .value_or(""),
              HasSubstr("records governance for 30 days, weaker than the compliance"));
  EXPECT_EQ(s3::WeakerRetention(std::nullopt, compliance30).value_or(""),
            "the repository's config records no Object Lock, not the compliance for 30 days the "
            "plan expects");
}

// A config whose mac does not verify (Repository::read_only_reason()) may record a forged
// retention: the proof fails with the reason and tries nothing (no server at all here: any
// request would fail the proof with an error instead).
TEST(ImmutabilityChecksTest, AnUntrustedConfigIsNotProvenAndNothingIsTried) {
  auto location = s3::ParseLocation("s3:http://127.0.0.1:1/bucket/acme");
  ASSERT_TRUE(location.has_value());
  s3::Options options;
  options.location = *location;
  options.credentials.access_key_id = "AKIDEXAMPLE";
  options.credentials.secret_access_key = SecretString(std::string("not-a-secret"));
  auto report = s3::ProveImmutability(
      std::move(options), {.retention = kGovernance3,
                           .untrusted_config = "s3:http://127.0.0.1:1/bucket/acme/config: config "
                                               "mac does not match (altered)"});
  ASSERT_TRUE(report.has_value()) << report.error().message();
  EXPECT_FALSE(report->proven());
  EXPECT_TRUE(report->attempts.empty());
  EXPECT_TRUE(report->canary.empty());
  ASSERT_EQ(report->Allowed().size(), 1u);
  EXPECT_THAT(report->Allowed()[0], HasSubstr("the repository's config cannot be trusted (s3:"));
  EXPECT_THAT(report->Allowed()[0], HasSubstr("config mac does not match (altered)): the "
                                              "retention it records may be forged"));
}

// ---- Against RGW, through the CLI ----

class S3ImmutabilityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ExportRgwCredentials(); }

  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() /
           ("stormproof-immutability-" + std::to_string(::getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data" / "sub");
    std::ofstream(dir_ / "password") << "correct horse\n";
    fs::permissions(dir_ / "password", fs::perms::owner_read | fs::perms::owner_write);
    Write("data/hello.txt", "hello, world\n");
    Write("data/sub/random.bin", RandomBytes(200 << 10, 1));
    bucket_ = UniqueBucketName(name);
    repo_ = RgwLocation(bucket_, "acme");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  static std::string RandomBytes(size_t n, int seed) {
    std::mt19937_64 rng(seed);
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  }
  // `args` against the repository with the owner's credentials, or `env`'s.
  CliResult Run(const std::string& args, const std::string& env = "") {
    return RunStormproof(
        "--plan '" + (dir_ / "plan.yaml").string() + "' --repo '" + repo_ + "' --cache-dir '" +
            (dir_ / "cache").string() + "' " + args,
        "STORMPROOF_KDF_TEST=1 STORMPROOF_PASSWORD_FILE='" + (dir_ / "password").string() + "' " +
            env);
  }
  // Two snapshots (the second with changed data), for the proof to find packs, index files and
  // snapshots; `env` as Run's.
  void BackUpTwice(const std::string& env = "") {
    CliResult first = Run("backup " + (dir_ / "data").string(), env);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    Write("data/sub/more.bin", RandomBytes(100 << 10, 2));
    CliResult second = Run("backup " + (dir_ / "data").string(), env);
    ASSERT_EQ(second.exit_code, 0) << second.err;
  }
  nlohmann::json Prove(int expected_exit, const std::string& env = "") {
    CliResult proof = Run("--json check --immutability", env);
    EXPECT_EQ(proof.exit_code, expected_exit) << proof.out << proof.err;
    auto json = nlohmann::json::parse(proof.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(json.is_discarded()) << proof.out << proof.err;
    return json;
  }
  static std::string VerdictOf(const nlohmann::json& proof, const std::string& attempt) {
    for (const auto& a : proof["attempts"]) {
      if (a["attempt"] == attempt) return a["verdict"];
    }
    return "missing";
  }
  // The proof destroyed nothing: the data reads whole and every snapshot restores byte-identical.
  void ExpectIntact() {
    CliResult check = Run("check --read-data");
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    CliResult snapshots = Run("--json snapshots");
    ASSERT_EQ(snapshots.exit_code, 0) << snapshots.err;
    auto list = nlohmann::json::parse(snapshots.out);
    EXPECT_EQ(list.size(), 2u);
    for (const auto& snapshot : list) {
      const std::string id = snapshot["id"];
      const fs::path target = dir_ / ("restore-" + id);
      CliResult restore = Run("restore " + id + " --target '" + target.string() + "'");
      EXPECT_EQ(restore.exit_code, 0) << restore.err;
      const fs::path restored = target / fs::relative(dir_ / "data", "/");
      EXPECT_EQ(ReadAll((restored / "hello.txt").string()), "hello, world\n") << id;
      EXPECT_EQ(ReadAll((restored / "sub/random.bin").string()), RandomBytes(200 << 10, 1)) << id;
    }
  }
  // The first line of `text` that starts with `prefix` ("" when none).
  static std::string LineStarting(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return line;
    }
    return "";
  }
  static std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // A plan whose one repository, immutable, names `uploader`'s credentials (upload.ini): plan
  // check requires the backup hosts' credentials of an immutable repository.
  void WritePlanWithCredentialsOf(const RgwUser& uploader) {
    Write("upload.ini", "[default]\naws_access_key_id = " + uploader.access_key +
                            "\naws_secret_access_key = " + uploader.secret_key + "\n");
    Write("plan.yaml", R"(msp: {id: acme, name: Acme IT}
run: {check_every: daily}
people:
  - {id: ann, name: Ann, contacts: {email: ann@example.com, phone: "+44 1632 960000"}}
tiers:
  - {id: gold, rank: 2, rto: 4h, rpo: 15m, drill_every: monthly, retention: {keep_last: 3}}
systems:
  - {id: files, owner: ann, tier: gold, backup: {paths: [/srv/files], repositories: [offsite]}}
repositories:
  - {id: offsite, medium: object, immutable: true, credentials_file: upload.ini, location: ")" +
              repo_ + "\"}\n");
  }

  // Options for the repository with the access key `key` and `secret`.
  s3::Options OptionsAs(const std::string& key, const std::string& secret) const {
    s3::Options options;
    options.location = *s3::ParseLocation(repo_);
    options.region = Rgw().region;
    options.credentials.access_key_id = key;
    options.credentials.secret_access_key = SecretString(std::string(secret));
    return options;
  }

  fs::path dir_;
  std::string bucket_, repo_;
};

// A pack without retention in force is not risked by the attempts; the sample must then judge
// it (it used to be a separate random draw: "proven" with the pack tried deletable).
TEST_F(S3ImmutabilityTest, ThePackTheProofDidNotRiskIsJudgedByTheSample) {
  ASSERT_EQ(Run("init --object-lock --object-lock-days 2").exit_code, 0);
  RgwUser uploader = CreateRgwUser("immutability-unrisked-pack");
  ASSERT_EQ(PutRgwBucketPolicy(bucket_, UploadOnlyPolicy(bucket_, uploader.uid)).status, 204);
  BackUpTwice("AWS_ACCESS_KEY_ID=" + uploader.access_key +
              " AWS_SECRET_ACCESS_KEY=" + uploader.secret_key);
  const std::string unretained = "acme/data/aa/" + std::string(64, 'a');
  s3::internal::Client owner(OptionsAs(Rgw().access_key, Rgw().secret_key));
  ASSERT_TRUE(owner.PutObject(unretained, AsBytes(std::string_view("no retention")),
                              s3::internal::Overwrite::kAllowed));
  int unrisked = 0;
  for (uint64_t seed = 1; seed <= 40 && unrisked == 0; ++seed) {
    auto report = s3::ProveImmutability(
        OptionsAs(uploader.access_key, uploader.secret_key),
        {.retention = {Retention::Mode::kGovernance, 2}, .max_packs = 0, .seed = seed});
    ASSERT_TRUE(report.has_value()) << report.error().message();
    for (const s3::ImmutabilityAttempt& attempt : report->attempts) {
      if (attempt.name != s3::kAttemptDeletePack) continue;
      if (attempt.answer.find("not risked") == std::string::npos) continue;
      ++unrisked;
      EXPECT_FALSE(report->proven()) << "seed " << seed;
      EXPECT_EQ(report->sample.packs, 1);  // that pack alone: no random draw
      EXPECT_THAT(::testing::PrintToString(report->short_retention),
                  HasSubstr("/" + unretained + " is not retained at all"));
    }
  }
  EXPECT_EQ(unrisked, 1) << "no seed chose the pack without retention";
}

TEST_F(S3ImmutabilityTest, TheOwnerUnderGovernanceIsNotProvenAndTheProofDestroysNothing) {
  CliResult init = Run("init --object-lock --object-lock-days 3");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  nlohmann::json proof = Prove(3);
  EXPECT_EQ(proof["proven"], false);
  EXPECT_EQ(proof["verdict"], "NOT immutable");
  EXPECT_EQ(proof["retention"], nlohmann::json({{"mode", "governance"}, {"days", 3}}));
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeleteVersion), "refused");
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptShorten), "refused");
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptShortenBypass), "allowed");
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeleteVersionBypass), "allowed");
  // The canary showed the lock does not hold against these credentials: no pack is risked.
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeletePack), "skipped");
  EXPECT_THAT(proof["allowed"].dump(), HasSubstr("bypassing governance mode"));
  EXPECT_GE(proof["sample"]["snapshots"].get<int>(), 2);
  EXPECT_GE(proof["sample"]["packs"].get<int>(), 1);
  EXPECT_EQ(proof["sample"]["config"], 1);
  ExpectIntact();

  CliResult text = Run("check --immutability");
  EXPECT_EQ(text.exit_code, 3);
  EXPECT_THAT(LineStarting(text.out, "  delete the canary's version, bypassing governance"),
              ::testing::EndsWith(" allowed"));
  EXPECT_THAT(LineStarting(text.out, "  delete the canary's version "), ::testing::EndsWith("refused (AccessDenied)"));
  EXPECT_THAT(text.out, HasSubstr("NOT immutable: shortening an object's retention was allowed"));
}

TEST_F(S3ImmutabilityTest, UnderComplianceTheOwnerCannotDeleteOrShortenAndAMarkerIsRemoved) {
  CliResult init = Run("init --object-lock --object-lock-days 2 --object-lock-mode compliance");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  nlohmann::json proof = Prove(3);
  for (const char* refused : {s3::kAttemptOverwrite, s3::kAttemptShorten,
                              s3::kAttemptShortenBypass, s3::kAttemptDeleteVersion,
                              s3::kAttemptDeleteVersionBypass, s3::kAttemptDeletePack,
                              s3::kAttemptDeletePackBypass}) {
    EXPECT_EQ(VerdictOf(proof, refused), "refused") << refused << "\n" << proof.dump(1);
  }
  // The owner may still hide a pack behind a delete marker: recoverable, but not immutable.
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptHidePack), "allowed");
  EXPECT_EQ(proof["allowed"], nlohmann::json::array({"hiding a pack behind a delete marker was "
                                                     "allowed (recoverable: its version is kept)"}));
  EXPECT_THAT(proof["notes"].dump(), HasSubstr("which it removed again"));
  ExpectIntact();
}

TEST_F(S3ImmutabilityTest, AnUploadOnlyHostUnderAnExplicitDenyIsProvenAndRecorded) {
  CliResult init = Run("init --object-lock --object-lock-days 2");  // the owner, governance
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RgwUser uploader = CreateRgwUser("immutability-upload-only");
  RgwResponse policy = PutRgwBucketPolicy(bucket_, UploadOnlyPolicy(bucket_, uploader.uid));
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  const std::string as_uploader = "AWS_ACCESS_KEY_ID=" + uploader.access_key +
                                  " AWS_SECRET_ACCESS_KEY=" + uploader.secret_key;
  BackUpTwice(as_uploader);
  // The plan names the backup hosts' credentials (plan check requires them of an immutable
  // repository); the proof below is made with the same key from the environment.
  WritePlanWithCredentialsOf(uploader);

  CliResult proof = Run("check --immutability", as_uploader);
  EXPECT_EQ(proof.exit_code, 0) << proof.out << proof.err;
  EXPECT_THAT(proof.out, HasSubstr("immutability proven"));
  EXPECT_THAT(proof.out, HasSubstr("delete a pack's version"));
  EXPECT_THAT(proof.out, HasSubstr("refused (AccessDenied)"));
  EXPECT_THAT(proof.out, HasSubstr("recorded in"));
  for (const std::string& text : {proof.out, proof.err}) {
    EXPECT_THAT(text, Not(HasSubstr(uploader.secret_key)));
  }
  auto catalog = catalog::Catalog::Open((dir_ / "stormproof.db").string());
  ASSERT_TRUE(catalog.has_value()) << catalog.error().message();
  auto latest = (*catalog)->LatestImmutabilityProof("offsite", INT64_MAX);
  ASSERT_TRUE(latest.has_value() && latest->has_value());
  EXPECT_EQ((*latest)->outcome, catalog::Outcome::kOk);
  EXPECT_EQ((*latest)->retention_mode, "governance");
  EXPECT_EQ((*latest)->credentials, "AWS_ACCESS_KEY_ID");
  EXPECT_EQ((*latest)->access_key_id, uploader.access_key);  // whose proof it is
  EXPECT_GE((*latest)->objects_checked, 5u);
  // What it proved holds until the earliest retention it sampled: written within the last
  // minutes and locked for N + E = 2 + 1 days (and a few minutes for clock skew), so ending
  // within 3 days and an hour, after the proof.
  const int64_t earliest = (*latest)->earliest_retain_until_ns;
  EXPECT_GT(earliest, (*latest)->finished_ns);
  EXPECT_LE(earliest, (*latest)->finished_ns + int64_t{3 * 86'400 + 3'600} * 1'000'000'000);
  EXPECT_THAT(proof.out, HasSubstr("it counts before "));
  // A proof counts for run.check_every, but asks its objects to outlast no more than N - E
  // days (here 2 - 1), the least daily upkeep keeps: a weekly cadence over a 2-day lock is
  // still provable (past a day, upkeep carries it: retention-upkeep-lapsing if it stops).
  std::string plan = ReadAll((dir_ / "plan.yaml").string());
  plan.replace(plan.find("daily"), 5, "weekly");
  Write("plan.yaml", plan);
  CliResult weekly = Run("check --immutability", as_uploader);
  EXPECT_EQ(weekly.exit_code, 0) << weekly.out << weekly.err;
  EXPECT_THAT(weekly.out, Not(HasSubstr("before this proof stops counting")));
  ExpectIntact();
}

// Credentials that cannot touch the canary but may bypass governance everywhere else (a policy
// that protects only canary/*): the canary holds, so a real pack is tried; the server lets the
// pack's version go, and the proof writes it back at once, so that nothing is lost.
TEST_F(S3ImmutabilityTest, APackTheServerLetsTheProofDeleteIsWrittenBackAtOnce) {
  CliResult init = Run("init --object-lock --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  RgwUser sly = CreateRgwUser("immutability-canary-only");
  const std::string principal = R"({"AWS": [")" + sly.arn + R"("]})";
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )" +
                   principal + R"(, "Action": "s3:*", "Resource": ["arn:aws:s3:::)" + bucket_ +
                   R"(", "arn:aws:s3:::)" + bucket_ + R"(/*"]}, {"Effect": "Deny", "Principal": )" +
                   principal +
                   R"(, "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion",)"
                   R"( "s3:PutObjectRetention", "s3:BypassGovernanceRetention"],)"
                   R"( "Resource": "arn:aws:s3:::)" + bucket_ + R"(/acme/canary/*"}]})");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  nlohmann::json proof = Prove(3, "AWS_ACCESS_KEY_ID=" + sly.access_key +
                                      " AWS_SECRET_ACCESS_KEY=" + sly.secret_key);
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeleteVersionBypass), "refused");
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeletePack), "refused");
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeletePackBypass), "allowed") << proof.dump(1);
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptHidePack), "allowed");
  EXPECT_THAT(proof["notes"].dump(), HasSubstr("deleted by the proof, written back and verified"));
  ExpectIntact();
}

// Without the reads the proof needs (here: the upload-only policy without s3:ListBucketVersions)
// it cannot run: one line naming the permission, exit 14, and the canary not even written.
TEST_F(S3ImmutabilityTest, WithoutAReadItNeedsTheProofCannotRunAndSaysWhich) {
  CliResult init = Run("init --object-lock --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RgwUser blind = CreateRgwUser("immutability-no-versions");
  std::string policy = UploadOnlyPolicy(bucket_, blind.uid);
  const std::string versions = R"("s3:ListBucketVersions", )";
  ASSERT_NE(policy.find(versions), std::string::npos);
  policy.erase(policy.find(versions), versions.size());
  RgwResponse set = PutRgwBucketPolicy(bucket_, policy);
  ASSERT_EQ(set.status, 204) << set.body << set.error;
  CliResult proof = Run("check --immutability", "AWS_ACCESS_KEY_ID=" + blind.access_key +
                                                    " AWS_SECRET_ACCESS_KEY=" + blind.secret_key);
  EXPECT_EQ(proof.exit_code, 14) << proof.out << proof.err;
  EXPECT_THAT(proof.err, HasSubstr("stormproof: cannot prove immutability: the proof could not "
                                   "run: listing versions: "));
  EXPECT_THAT(proof.err, HasSubstr("(the proof needs s3:ListBucketVersions)"));
  EXPECT_EQ(std::count(proof.err.begin(), proof.err.end(), '\n'), 1) << proof.err;
  EXPECT_THAT(RgwRequest("GET", "/" + bucket_ + "?list-type=2").body, Not(HasSubstr("canary")));
}

TEST_F(S3ImmutabilityTest, ARepositoryWithoutObjectLockFailsInOneLine) {
  CliResult init = Run("init");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  CliResult proof = Run("check --immutability");
  EXPECT_EQ(proof.exit_code, 3) << proof.out << proof.err;
  EXPECT_THAT(proof.out, HasSubstr("\nNOT immutable: no Object Lock recorded in the repository's "
                                   "config: nothing here keeps the backups from being deleted\n"
                                   "not recorded: no plan's catalog"));
  EXPECT_THAT(proof.out, Not(HasSubstr("allowed:")));
}

TEST_F(S3ImmutabilityTest, ALocalRepositoryCannotBeProven) {
  repo_ = (dir_ / "local-repo").string();
  ASSERT_EQ(Run("init").exit_code, 0);
  CliResult proof = Run("check --immutability");
  EXPECT_EQ(proof.exit_code, 1);
  EXPECT_EQ(proof.err, "stormproof: cannot be proven: a local directory (" + repo_ +
                           ") has no Object Lock; keep an immutable copy in object storage "
                           "(`stormproof init --object-lock`), or record offline media with "
                           "`stormproof attest`\n");
  EXPECT_EQ(proof.out, "");
}

// Someone with write access stores the config again (a second version: the config is written
// once) and puts garbage over a pack (a new version; the original is kept): the proof reports
// both from its version listings and is not proven.
TEST_F(S3ImmutabilityTest, ARewrittenConfigAndAnOverwrittenPackAreNotImmutable) {
  CliResult init = Run("init --object-lock --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  auto location = s3::ParseLocation(repo_);
  ASSERT_TRUE(location.has_value());
  s3::Options options;
  options.location = *location;
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  s3::internal::Client attacker(std::move(options));
  auto config = attacker.GetObject("acme/config", 0, 0);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  Bytes rewritten = config->data;  // other content (stored again unchanged it is only a note)
  rewritten.push_back(static_cast<uint8_t>('\n'));
  ASSERT_TRUE(attacker.PutObject("acme/config", rewritten, s3::internal::Overwrite::kAllowed));
  std::string pack;
  ASSERT_TRUE(attacker.ListObjects(
      "acme/data/", [&](const s3::internal::ListedObject& o) { pack = o.key; }, 1));
  ASSERT_TRUE(attacker.PutObject(pack, AsBytes(std::string_view("garbage")),
                                 s3::internal::Overwrite::kAllowed));
  // An evidence file without retention (what an evidence file became, before upkeep kept
  // evidence/ up, N + E days after it was written): evidence must stay as long as the data.
  const std::string evidence = "acme/evidence/" + std::string(64, 'e');
  ASSERT_TRUE(attacker.PutObject(evidence, AsBytes(std::string_view("{}")),
                                 s3::internal::Overwrite::kAllowed));
  nlohmann::json proof = Prove(3);
  EXPECT_EQ(proof["proven"], false);
  EXPECT_EQ(proof["sample"]["evidence"], 1);
  const std::string allowed = proof["allowed"].dump();
  EXPECT_THAT(allowed, HasSubstr("/" + evidence + " is not retained at all"));
  EXPECT_THAT(allowed, HasSubstr("/acme/config: the config was rewritten after the repository "
                                 "was made (2 versions)"));
  EXPECT_THAT(allowed, HasSubstr("/" + pack + " was overwritten after it was written (2 versions "
                                 "with different content)"));
}

// An attacker overwrites a pack (a new version) and the config: not proven. `repair --as-of`
// restores both (the attacker's versions stay beside the restored ones, as evidence): the proof
// passes again and notes each as restored after an overwrite.
TEST_F(S3ImmutabilityTest, AfterARollBackTheRepositoryIsProvenAgain) {
  CliResult init = Run("init --object-lock --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  RgwUser uploader = CreateRgwUser("immutability-rolled-back");
  RgwResponse policy = PutRgwBucketPolicy(bucket_, UploadOnlyPolicy(bucket_, uploader.uid));
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  const std::string as_uploader = "AWS_ACCESS_KEY_ID=" + uploader.access_key +
                                  " AWS_SECRET_ACCESS_KEY=" + uploader.secret_key;
  BackUpTwice(as_uploader);
  WritePlanWithCredentialsOf(uploader);
  s3::internal::Client owner(OptionsAs(Rgw().access_key, Rgw().secret_key));
  int64_t newest = 0;
  ASSERT_TRUE(owner.ListObjectVersions("acme/", [&](const s3::internal::ObjectVersion& v) {
    newest = std::max(newest, v.modified_ns);
  }));
  const int64_t as_of = (FloorSeconds(newest) + 1) * kNsPerSecond;
  while (owner.ServerNowNs() <= as_of + kNsPerSecond) {  // the attack comes after as_of
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)owner.HeadBucket();
  }
  std::string pack;
  ASSERT_TRUE(owner.ListObjects(
      "acme/data/", [&](const s3::internal::ListedObject& o) { pack = o.key; }, 1));
  ASSERT_TRUE(owner.PutObject(pack, AsBytes(std::string_view("garbage")),
                              s3::internal::Overwrite::kAllowed));
  auto config = owner.GetObject("acme/config", 0, 0);
  ASSERT_TRUE(config.has_value()) << config.error().message();
  Bytes rewritten = config->data;
  rewritten.push_back(static_cast<uint8_t>('\n'));
  ASSERT_TRUE(owner.PutObject("acme/config", rewritten, s3::internal::Overwrite::kAllowed));
  CliResult attacked = Run("check --immutability", as_uploader);
  EXPECT_NE(attacked.exit_code, 0) << attacked.out << attacked.err;

  CliResult rolled = Run("repair --as-of '" + FormatRfc3339(as_of) + "'");
  ASSERT_EQ(rolled.exit_code, 0) << rolled.out << rolled.err;
  nlohmann::json proof = Prove(0, as_uploader);
  EXPECT_EQ(proof["proven"], true) << proof.dump();
  const std::string allowed = proof["allowed"].dump();
  EXPECT_THAT(allowed, Not(HasSubstr("overwritten")));
  EXPECT_THAT(allowed, Not(HasSubstr("rewritten")));
  const std::string notes = proof["notes"].dump();
  EXPECT_THAT(notes, HasSubstr("/" + pack + ": restored after an overwrite (3 versions"));
  EXPECT_THAT(notes, HasSubstr("/acme/config: restored after an overwrite (3 versions"));
}

// Credentials that may place delete markers but not delete versions (a "no permanent deletion"
// policy), under compliance: the proof tries the marker on the canary first, cannot remove it
// there, and so hides no pack: it says the marker was allowed, and the repository stays whole.
TEST_F(S3ImmutabilityTest, AMarkerThatCannotBeRemovedIsNeverPutOnAPack) {
  CliResult init = Run("init --object-lock --object-lock-days 2 --object-lock-mode compliance");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  RgwUser host = CreateRgwUser("immutability-marker-only");
  const std::string principal = R"({"AWS": [")" + host.arn + R"("]})";
  const std::string resources =
      R"(["arn:aws:s3:::)" + bucket_ + R"(", "arn:aws:s3:::)" + bucket_ + R"(/*"])";
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )" +
                   principal + R"(, "Action": "s3:*", "Resource": )" + resources +
                   R"(}, {"Effect": "Deny", "Principal": )" + principal +
                   R"(, "Action": ["s3:DeleteObjectVersion", "s3:PutObjectRetention",)"
                   R"( "s3:BypassGovernanceRetention"], "Resource": )" + resources + "}]}");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  nlohmann::json proof = Prove(3, "AWS_ACCESS_KEY_ID=" + host.access_key +
                                      " AWS_SECRET_ACCESS_KEY=" + host.secret_key);
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeletePack), "refused") << proof.dump(1);
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptHidePack), "allowed");
  EXPECT_THAT(proof["allowed"].dump(), HasSubstr("shown on the canary, whose marker these "
                                                 "credentials cannot remove; no pack was hidden"));
  ExpectIntact();
}

// A policy that protects every prefix but snapshots/ (governance): the canary and the pack hold,
// but the probe under snapshots/ (a version DELETE bypassing governance of a version that does
// not exist) is not refused, so the repository is not proven. RGW evaluates the policy before it
// looks for the version: under the upload-only policy the same probe is refused (AccessDenied).
TEST_F(S3ImmutabilityTest, APrefixThePolicyLeavesOpenIsNotProven) {
  CliResult init = Run("init --object-lock --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  RgwUser host = CreateRgwUser("immutability-prefix-open");
  const std::string principal = R"({"AWS": [")" + host.arn + R"("]})";
  const std::string b = "arn:aws:s3:::" + bucket_;
  std::string denied = "[";
  for (const char* p : {"/acme/canary/*", "/acme/data/*", "/acme/index/*", "/acme/keys/*",
                        "/acme/config", "/acme/evidence/*"}) {
    denied += std::string(denied.size() > 1 ? ", " : "") + "\"" + b + p + "\"";
  }
  denied += "]";
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )" +
                   principal + R"(, "Action": "s3:*", "Resource": [")" + b + R"(", ")" + b +
                   R"(/*"]}, {"Effect": "Deny", "Principal": )" + principal +
                   R"(, "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion",)"
                   R"( "s3:PutObjectRetention", "s3:BypassGovernanceRetention"], "Resource": )" +
                   denied + "}]}");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  nlohmann::json proof = Prove(3, "AWS_ACCESS_KEY_ID=" + host.access_key +
                                      " AWS_SECRET_ACCESS_KEY=" + host.secret_key);
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeleteVersionBypass), "refused") << proof.dump(1);
  EXPECT_EQ(VerdictOf(proof, s3::kAttemptDeletePackBypass), "refused");
  EXPECT_EQ(VerdictOf(proof, "delete a version under snapshots/, bypassing governance (probe)"),
            "allowed");
  EXPECT_EQ(VerdictOf(proof, "change a retention under snapshots/, bypassing governance (probe)"),
            "allowed");
  EXPECT_EQ(VerdictOf(proof, "delete a version under index/, bypassing governance (probe)"),
            "refused");
  EXPECT_EQ(VerdictOf(proof, "delete a version under config, bypassing governance (probe)"),
            "refused");
  EXPECT_THAT(proof["allowed"].dump(), HasSubstr("/acme/snapshots/, deleting a version"));
  ExpectIntact();
}

// The server lets the proof delete a pack's version but not write it back (PutObject denied under
// data/): the proof had kept the pack's bytes in a local file (mode 0600) first, and its error
// names that file; uploading it again makes the repository whole.
TEST_F(S3ImmutabilityTest, APackThatCannotBeWrittenBackIsKeptInALocalFile) {
  CliResult init = Run("init --object-lock --object-lock-days 2");
  ASSERT_EQ(init.exit_code, 0) << init.err;
  BackUpTwice();
  RgwUser sly = CreateRgwUser("immutability-no-write-back");
  const std::string principal = R"({"AWS": [")" + sly.arn + R"("]})";
  const std::string b = "arn:aws:s3:::" + bucket_;
  RgwResponse policy = PutRgwBucketPolicy(
      bucket_, R"({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": )" +
                   principal + R"(, "Action": "s3:*", "Resource": [")" + b + R"(", ")" + b +
                   R"(/*"]}, {"Effect": "Deny", "Principal": )" + principal +
                   R"(, "Action": ["s3:DeleteObject", "s3:DeleteObjectVersion",)"
                   R"( "s3:PutObjectRetention", "s3:BypassGovernanceRetention"],)"
                   R"( "Resource": ")" + b + R"(/acme/canary/*"}, {"Effect": "Deny", "Principal": )" +
                   principal + R"(, "Action": "s3:PutObject", "Resource": ")" + b +
                   R"(/acme/data/*"}]})");
  ASSERT_EQ(policy.status, 204) << policy.body << policy.error;
  fs::create_directories(dir_ / "tmp");
  CliResult proof = Run("check --immutability", "TMPDIR='" + (dir_ / "tmp").string() +
                                                    "' AWS_ACCESS_KEY_ID=" + sly.access_key +
                                                    " AWS_SECRET_ACCESS_KEY=" + sly.secret_key);
  EXPECT_NE(proof.exit_code, 0);
  const std::string kept = "its bytes are kept in " + (dir_ / "tmp").string() + "/stormproof-proof-";
  ASSERT_THAT(proof.err, HasSubstr(kept)) << proof.out << proof.err;
  std::string path = proof.err.substr(proof.err.find(kept) + kept.size() - 17);
  path = (dir_ / "tmp").string() + "/" + path.substr(0, path.find(':'));
  ASSERT_TRUE(fs::exists(path)) << path;
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  const std::string name = fs::path(path).filename().string();
  s3::Options options;
  options.location = *s3::ParseLocation(repo_);
  options.region = Rgw().region;
  options.credentials.access_key_id = Rgw().access_key;
  options.credentials.secret_access_key = SecretString(std::string(Rgw().secret_key));
  s3::internal::Client owner(std::move(options));
  ASSERT_TRUE(owner.PutObject("acme/data/" + name.substr(0, 2) + "/" + name,
                              AsBytes(ReadAll(path)), s3::internal::Overwrite::kAllowed));
  ExpectIntact();
}

}  // namespace
}  // namespace stormproof::testing
