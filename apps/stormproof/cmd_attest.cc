// stormproof attest: records a person's word that an offline repository's media are where they
// should be and cannot be changed (docs/cli.md, "attest"). stormproof cannot prove an offline
// copy; `status` and `plan audit` show it as "attested by PERSON on DATE", never as proven, and
// the attestation counts for run.check_every.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>

#include "apps/stormproof/context.h"
#include "apps/stormproof/host_evidence.h"
#include "continuity/catalog/catalog.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::cli {
namespace {

// Whether `text` holds a Unicode bidirectional formatting character (U+061C, U+200E, U+200F,
// U+202A-U+202E, U+2066-U+2069), in UTF-8.
bool HasBidiControl(std::string_view text) {
  for (const std::string_view mark : {"\xd8\x9c", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\xaa",
                                      "\xe2\x80\xab", "\xe2\x80\xac", "\xe2\x80\xad",
                                      "\xe2\x80\xae", "\xe2\x81\xa6", "\xe2\x81\xa7",
                                      "\xe2\x81\xa8", "\xe2\x81\xa9"}) {
    if (text.find(mark) != std::string_view::npos) return true;
  }
  return false;
}

struct AttestFlags {
  std::string repository;
  std::string person;
  std::string note;
};

// Prints the first problem of the flags against the plan; Ok when there is none.
Outcome CheckAttestFlags(const plan::Plan& plan, const AttestFlags& flags) {
  const plan::RepositorySpec* repository = plan.FindRepository(flags.repository);
  if (repository == nullptr) {
    PrintError("--repository " + flags.repository + ": no such repository in the plan");
    return Outcome::Usage();
  }
  if (!repository->offline) {
    PrintError("--repository " + flags.repository +
               ": not offline in the plan (offline: true); an attestation counts only for "
               "offline media, an online repository is proven with `stormproof check "
               "--immutability`");
    return Outcome::Usage();
  }
  if (plan.FindPerson(flags.person) == nullptr) {
    PrintError("--by " + flags.person + ": no such person in the plan");
    return Outcome::Usage();
  }
  if (flags.note.empty() || flags.note.find_first_of("\r\n") != std::string::npos) {
    PrintError(
        "--note: say in one line what you saw (e.g. 'tape set 12 in the vault, "
        "write-protect tab set')");
    return Outcome::Usage();
  }
  // A control character (an escape sequence, a C1 control) would rewrite the terminal of whoever
  // reads it, and a bidirectional override would make the note read otherwise than it is.
  if (EscapeControls(flags.note) != flags.note || HasBidiControl(flags.note)) {
    PrintError("--note: control characters are not allowed; write plain text");
    return Outcome::Usage();
  }
  return Outcome::Ok();
}

// The moment attested: now, or the end of the --as-of day when that day is past. A day after
// today is refused (prints one line, returns nullopt): a person attests what they saw, never
// what they will see.
std::optional<int64_t> AttestedNs(const Context& context, Date today) {
  const int64_t now_ns = SystemNowNs();
  if (UtcDateOf(now_ns) < today) {
    PrintError("--as-of " + today.ToString() +
               ": after today; an attestation records what a person saw, on or before today");
    return std::nullopt;
  }
  return std::min(NowNs(context, today), now_ns);
}

void PrintAttested(const Context& context, const plan::Plan& plan,
                   const catalog::Attestation& attestation, int64_t id) {
  Date until = UtcDateOf(attestation.attested_ns).Add(plan.run.check_every);
  if (context.json) {
    PrintJson({{"id", id},
               {"record_id", attestation.record_id},
               {"repository", attestation.repository},
               {"person", attestation.person},
               {"attested", FormatRfc3339(attestation.attested_ns)},
               {"note", attestation.note},
               {"counts_until", until.ToString()},
               {"catalog", plan.run.catalog}});
    return;
  }
  fmt::print("attested: {} by {} on {}: {}\n", attestation.repository, attestation.person,
             UtcDateOf(attestation.attested_ns).ToString(), attestation.note);
  fmt::print(
      "counts as the offline copy of 3-2-1-1-0 until {} (run.check_every {}); recorded "
      "in {}\n",
      until.ToString(), plan.run.check_every.ToString(), plan.run.catalog);
}

Outcome RunAttest(Context* context, const AttestFlags& flags) {
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  const plan::Plan& plan = usable->plan();
  if (Outcome checked = CheckAttestFlags(plan, flags); !checked.ok()) return checked;
  std::optional<int64_t> attested_ns = AttestedNs(*context, usable->today);
  if (!attested_ns) return Outcome::Usage();
  auto catalog = catalog::Catalog::Open(plan.run.catalog);
  if (!catalog) {
    PrintError(catalog.error().message());  // names the catalog file
    return Outcome::Failed();
  }
  catalog::Attestation attestation;
  attestation.repository = flags.repository;
  attestation.person = flags.person;
  attestation.attested_ns = *attested_ns;
  attestation.note = flags.note;
  attestation.host = HostOrThisOne("");
  attestation.record_id = catalog::NewRecordId();
  auto id = (*catalog)->AddAttestation(attestation);
  if (!id) {
    PrintError(id.error().message());
    return Outcome::Failed();
  }
  PrintAttested(*context, plan, attestation, *id);
  return Outcome::Ok();
}

}  // namespace

void AddAttestCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<AttestFlags>();
  CLI::App* cmd = app->add_subcommand(
      "attest",
      "Record that a person saw an offline repository's media in place and unchangeable (a "
      "tape set in the vault, write-protect tab set). stormproof cannot prove an offline "
      "copy: `status` and `plan audit` show it as attested by that person on that day, never "
      "as proven, and it counts as the offline copy of 3-2-1-1-0 for run.check_every. The "
      "moment recorded is now, or the end of a past --as-of day (a day after today is refused).");
  cmd->add_option("--repository", flags->repository, "The plan's offline repository (id)")
      ->required()
      ->type_name("ID");
  cmd->add_option("--by", flags->person, "Who saw it: a person id of the plan")
      ->required()
      ->type_name("PERSON");
  cmd->add_option("--note", flags->note, "What was seen, in one line")
      ->required()
      ->type_name("TEXT");
  cmd->callback([context, flags] { context->outcome = RunAttest(context, *flags); });
}

}  // namespace stormproof::cli
