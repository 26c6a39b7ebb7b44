// The stored names of RunKind and Outcome (catalog.h). They are part of the file format
// (docs/catalog.md): never rename one.
#include <array>
#include <cstdio>
#include <random>
#include <utility>

#include "continuity/catalog/catalog.h"

namespace stormproof::catalog {
namespace {

constexpr std::array<std::pair<RunKind, const char*>, 7> kKindNames = {{
    {RunKind::kBackup, "backup"},
    {RunKind::kForget, "forget"},
    {RunKind::kPrune, "prune"},
    {RunKind::kCheck, "check"},
    {RunKind::kDrill, "drill"},
    {RunKind::kCopy, "copy"},
    {RunKind::kImmutability, "immutability"},
}};

constexpr std::array<std::pair<Outcome, const char*>, 4> kOutcomeNames = {{
    {Outcome::kOk, "ok"},
    {Outcome::kWarning, "warning"},
    {Outcome::kFailed, "failed"},
    {Outcome::kError, "error"},
}};

template <typename Enum, size_t N>
const char* NameOf(const std::array<std::pair<Enum, const char*>, N>& names, Enum value) {
  for (const auto& [candidate, name] : names) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
Result<Enum> Parse(const std::array<std::pair<Enum, const char*>, N>& names,
                   const std::string& text, const char* what) {
  std::string known;
  for (const auto& [value, name] : names) {
    if (text == name) return value;
    known += known.empty() ? name : std::string(", ") + name;
  }
  return Error::InvalidArgument("unknown " + std::string(what) + " '" + text + "' (one of " +
                                known + ")");
}

}  // namespace

const char* RunKindName(RunKind kind) { return NameOf(kKindNames, kind); }

Result<RunKind> ParseRunKind(const std::string& name) {
  return Parse(kKindNames, name, "run kind");
}

const char* OutcomeName(Outcome outcome) { return NameOf(kOutcomeNames, outcome); }

Result<Outcome> ParseOutcome(const std::string& name) {
  return Parse(kOutcomeNames, name, "outcome");
}

std::string NewRecordId() {
  static thread_local std::random_device random;  // the kernel's generator (getrandom)
  char id[33];
  for (int i = 0; i < 4; ++i) {
    std::snprintf(id + 8 * i, 9, "%08x", static_cast<unsigned>(random()));
  }
  return std::string(id, 32);
}

}  // namespace stormproof::catalog
