// Small text helpers shared by the loaders and renderers. Pure functions, thread-safe.
#ifndef STORMPROOF_CORE_TEXT_H_
#define STORMPROOF_CORE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stormproof {

// `text` without the white space (std::isspace, ASCII) at either end.
std::string_view Trim(std::string_view text);
// `text` with ASCII letters in lower case; other bytes unchanged.
std::string AsciiLower(std::string_view text);

// Byte offset of the first invalid UTF-8 sequence in `text`, or npos when it is all valid.
// Overlong forms, surrogates and code points above U+10FFFF count as invalid.
size_t FindInvalidUtf8(std::string_view text);
// The longest start of `text` of at most `max_bytes` bytes that does not end inside a UTF-8
// sequence (it backs off to the sequence's first byte).
std::string_view Utf8Prefix(std::string_view text, size_t max_bytes);

// Levenshtein distance, for "did you mean" suggestions. O(a*b) time; meant for short words.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` when it is close enough to be a likely typo, else "".
std::string ClosestMatch(std::string_view word, const std::vector<std::string_view>& candidates);

// "1.5 GiB", "312.0 KiB", "17 B": binary units, one decimal above bytes.
std::string HumanBytes(uint64_t bytes);

// Whole percent of part in whole, rounded half up: 85 for (1.7, 2.0); but 100 only when part
// equals whole, so a breach is never rounded away (99.6% is 99, 100.4% is 101). whole must be > 0.
int PercentOf(double part, double whole);

// Joins items with `separator`.
std::string Join(const std::vector<std::string>& items, std::string_view separator);

// `raw` as `ls` shows a name: every byte that is not printable UTF-8 written as \xNN (lower-case
// hex): control characters (also newline and tab), DEL, C1 controls and bytes of invalid UTF-8
// sequences. A backslash becomes "\\", so the escaped form is unambiguous. Printable UTF-8
// (including non-ASCII) is kept. For values from a repository or a file system (file names, paths,
// host and user names, tags) on their way to a terminal; the result never contains a control byte.
std::string EscapeName(std::string_view raw);

// `text` with the bytes EscapeName escapes written as \xNN, but a backslash kept: for whole
// messages that may embed names, raw or already escaped, on their way to a terminal. Idempotent;
// ordinary printable text is returned unchanged; the result never contains a control byte.
std::string EscapeControls(std::string_view text);

}  // namespace stormproof

#endif  // STORMPROOF_CORE_TEXT_H_
