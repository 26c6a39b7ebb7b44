// Small text helpers shared by the loaders and renderers. Pure functions, thread-safe.
#ifndef STORMPROOF_CORE_TEXT_H_
#define STORMPROOF_CORE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stormproof {

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos when it is all valid.
// Overlong forms, surrogates and code points above U+10FFFF count as invalid.
size_t FindInvalidUtf8(std::string_view text);

// Levenshtein distance, for "did you mean" suggestions. O(a*b) time; meant for short words.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

// "1.5 GiB", "312.0 KiB", "17 B": binary units, one decimal above bytes.
std::string HumanBytes(uint64_t bytes);

// Joins items with `separator`.
std::string Join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_TEXT_H_
