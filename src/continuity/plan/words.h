// The words plan.yaml uses for the plan's enumerations, one table per enumeration: the loader
// reads a value by its word (NodeReader::Choice) and ContactKindName() & co. (plan.h) print it
// with the same table, so each word is written once. The tables are immutable: thread-safe.
#ifndef STORMPROOF_CONTINUITY_PLAN_WORDS_H_
#define STORMPROOF_CONTINUITY_PLAN_WORDS_H_

#include <string_view>
#include <utility>
#include <vector>

#include "continuity/plan/plan.h"

namespace stormproof::plan {

// Each value of E with its word, in the order the enumeration declares them.
template <typename E>
using WordTable = std::vector<std::pair<std::string_view, E>>;

const WordTable<ContactKind>& ContactKindWords();  // "email", "phone", ...
const WordTable<ControlKind>& ControlKindWords();  // "edr", "vulnerability_scanning", ...
const WordTable<VendorKind>& VendorKindWords();    // "isp", "cloud", ...
const WordTable<Medium>& MediumWords();            // "disk", "object", "tape", "cloud"
const WordTable<ObjectLockMode>& ObjectLockModeWords();  // "governance", "compliance"

const WordTable<Weekday>& WeekdayWords();                    // "monday", ... "sunday"
const WordTable<RepositoryDamage>& RepositoryDamageWords();  // "lost", "encrypted"

// The word for `value`, or `fallback` when the table has none. The words are literals, so the
// result is NUL-terminated.
template <typename E>
const char* WordOf(const WordTable<E>& table, E value, const char* fallback) {
  for (const auto& [word, candidate] : table) {
    if (candidate == value) return word.data();
  }
  return fallback;
}

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_WORDS_H_
