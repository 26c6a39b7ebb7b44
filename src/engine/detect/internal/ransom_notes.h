// The ransom-note name patterns behind detect::MatchesRansomNote, open to tests so that each
// pattern can be shown to earn its place (an example only it matches). Thread-safe (constant).
#ifndef STORMPROOF_ENGINE_DETECT_INTERNAL_RANSOM_NOTES_H_
#define STORMPROOF_ENGINE_DETECT_INTERNAL_RANSOM_NOTES_H_

#include <span>
#include <string_view>

namespace stormproof::detect::internal {

// Which names a pattern applies to.
enum class NoteScope {
  kNoteLikeFile,  // only names with a note-like extension (txt, html, hta, png, …) or none
  kAnyFile,       // every name (family-specific names, whatever their extension)
};

struct NotePattern {
  const char* glob;  // fnmatch(3) pattern in lower case, matched case-insensitively against
                     // the whole name
  NoteScope scope;
  // The longest run of plain characters in `glob`: every name the glob matches contains it, so a
  // name without it is rejected before fnmatch runs.
  std::string_view required;
};

// Every pattern MatchesRansomNote tries.
std::span<const NotePattern> RansomNotePatterns();

// Whether `name` matches this one pattern, scope included.
bool MatchesNotePattern(const NotePattern& pattern, std::string_view name);

}  // namespace stormproof::detect::internal

#endif  // STORMPROOF_ENGINE_DETECT_INTERNAL_RANSOM_NOTES_H_
