// stormproof attest: records a person's word that an offline repository's media are where they
// should be and cannot be changed (docs/cli.md, "attest"). stormproof cannot prove an offline
// copy; `status` and `plan audit` show it as "attested by PERSON on DATE", never as proven, and
// the attestation counts for run.check_every.
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "apps/stormproof/context.h"
#include "apps/stormproof/host_evidence.h"
#include "continuity/catalog/catalog.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::cli {
namespace {

// The characters of Unicode general category Cf (format: bidirectional marks and overrides,
// zero-width characters, the tag characters U+E0000-U+E007F, whose whole block is refused),
// Unicode 15.1, as closed ranges in order.
constexpr std::pair<char32_t, char32_t> kFormatCharacters[] = {
    {0x00AD, 0x00AD},   {0x0600, 0x0605},   {0x061C, 0x061C},   {0x06DD, 0x06DD},
    {0x070F, 0x070F},   {0x0890, 0x0891},   {0x08E2, 0x08E2},   {0x180E, 0x180E},
    {0x200B, 0x200F},   {0x202A, 0x202E},   {0x2060, 0x2064},   {0x2066, 0x206F},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0000, 0xE007F}};

// Whether a note may not hold `c`: a control (Cc: C0, DEL, C1), a format character (Cf), the line
// separator U+2028 (Zl) or the paragraph separator U+2029 (Zp).
bool IsRefusedInNote(char32_t c) {
  if (c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029) return true;
  return std::any_of(std::begin(kFormatCharacters), std::end(kFormatCharacters),
                     [c](const auto& range) { return c >= range.first && c <= range.second; });
}

// The code point at `at` in `text` and its length in bytes. REQUIRES: `text` is valid UTF-8.
std::pair<char32_t, size_t> CodePointAt(std::string_view text, size_t at) {
  const auto lead = static_cast<unsigned char>(text[at]);
  const size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
  char32_t c = length == 1 ? lead : lead & (0x7F >> length);
  for (size_t k = 1; k < length; ++k) {
    c = (c << 6) | (static_cast<unsigned char>(text[at + k]) & 0x3F);
  }
  return {c, length};
}

// Why `note` cannot be recorded, after "--note: "; "" when it can. A control character (an
// escape sequence, a C1 control) would rewrite the terminal of whoever reads it, a bidirectional
// override would make it read otherwise than it is, zero-width and tag characters would hide
// text in it, and a line or paragraph separator would start a second line; invalid UTF-8 is
// refused too.
std::string NoteProblem(std::string_view note) {
  if (size_t bad = FindInvalidUtf8(note); bad != std::string_view::npos) {
    return "not valid UTF-8 (at byte " + std::to_string(bad + 1) + "); write plain text";
  }
  for (size_t at = 0; at < note.size();) {
    auto [c, length] = CodePointAt(note, at);
    if (IsRefusedInNote(c)) {
      return fmt::format(
          "U+{:04X} is not allowed: control, format and separator characters (Unicode Cc, Cf, "
          "Zl, Zp) could rewrite or hide what is written; write plain text",
          static_cast<uint32_t>(c));
    }
    at += length;
  }
  return "";
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
  if (std::string problem = NoteProblem(flags.note); !problem.empty()) {
    PrintError("--note: " + problem);
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
