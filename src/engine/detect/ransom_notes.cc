// Names of known ransom notes. The patterns come from the notes of widespread families
// (STOP/Djvu, LockBit, Conti, Ryuk, Clop, Akira, Hive, Maze, GandCrab, WannaCry, Phobos, Cerber,
// TeslaCrypt, Locky, MedusaLocker, Mallox, Rhysida, Chaos, …) and from the words notes share.
#include "engine/detect/internal/ransom_notes.h"

#include <fnmatch.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "engine/detect/detect.h"

namespace stormproof::detect {
namespace internal {
namespace {

using namespace std::string_view_literals;

constexpr NoteScope kNote = NoteScope::kNoteLikeFile;
constexpr NoteScope kAny = NoteScope::kAnyFile;

// The longest run of characters outside wildcards and bracket expressions.
constexpr std::string_view LongestLiteral(std::string_view glob) {
  std::string_view longest;
  size_t start = 0;
  for (size_t i = 0; i <= glob.size(); ++i) {
    const bool special = i == glob.size() || glob[i] == '*' || glob[i] == '?' || glob[i] == '[';
    if (!special) continue;
    if (i - start > longest.size()) longest = glob.substr(start, i - start);
    if (i < glob.size() && glob[i] == '[') {
      const size_t close = glob.find(']', i);
      i = close == std::string_view::npos ? glob.size() : close;
    }
    start = i + 1;
  }
  return longest;
}

constexpr NotePattern Pattern(const char* glob, NoteScope scope) {
  return NotePattern{glob, scope, LongestLiteral(glob)};
}

constexpr std::array<NotePattern, 43> kPatterns = {
    // Words notes share (on note-like files only).
    Pattern("*readme*decrypt*", kNote),
    Pattern("*decrypt*readme*", kNote),
    Pattern("*read*to*decrypt*", kNote),
    Pattern("*how*to*decrypt*", kNote),
    Pattern("*help*decrypt*", kNote),
    Pattern("*decrypt*help*", kNote),
    Pattern("*decrypt*instruction*", kNote),
    Pattern("*decrypt*information*", kNote),
    Pattern("*decrypt*files*", kNote),
    Pattern("*-decrypt.*", kNote),
    Pattern("*files*encrypted*", kNote),
    Pattern("*your*files*", kNote),
    Pattern("*restore*files*", kNote),
    Pattern("*restore*instruction*", kNote),
    Pattern("*recover*files*", kNote),
    Pattern("*recover*instruction*", kNote),
    Pattern("*recover*readme*", kNote),
    Pattern("*recover*+*", kNote),
    Pattern("*help*instruction*", kNote),
    Pattern("*how*to*back*files*", kNote),
    Pattern("*how*to*unlock*", kNote),
    Pattern("*unlock*files*", kNote),
    Pattern("*ransom*", kNote),
    Pattern("!!!*!!!*", kNote),
    Pattern("!*read*me*", kNote),
    Pattern("*.hta", kAny),
    // Names of one family, whatever their extension.
    Pattern("_readme.txt", kAny),
    Pattern("?????????.readme.txt", kAny),
    Pattern("readme.[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].txt", kAny),
    Pattern("@please_read_me@*", kAny),
    Pattern("@wanadecryptor@*", kAny),
    Pattern("*ryukreadme*", kAny),
    Pattern("clopreadme*", kAny),
    Pattern("conti_readme*", kAny),
    Pattern("akira_readme*", kAny),
    Pattern("cactus.readme.txt", kAny),
    Pattern("inc-readme.*", kAny),
    Pattern("readme.blacksuit.txt", kAny),
    Pattern("instructions_read_me*", kAny),
    Pattern("look at this instruction*", kAny),
    Pattern("rgnr_*.txt", kAny),
    Pattern("read_it.txt", kAny),
    Pattern("criticalbreachdetected*", kAny),
};

// Names are lower-cased before the required run is looked for.
constexpr bool LowerCaseWithARequiredRun(const NotePattern& p) {
  const std::string_view glob = p.glob;
  return !p.required.empty() &&
         std::none_of(glob.begin(), glob.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}
static_assert(std::all_of(kPatterns.begin(), kPatterns.end(), LowerCaseWithARequiredRun));

// Extensions notes come with: text and web pages, HTML applications, shortcuts, and wallpapers.
constexpr std::array kNoteExtensions = {""sv,    "bmp"sv, "htm"sv, "hta"sv, "html"sv, "jpg"sv,
                                        "mht"sv, "png"sv, "rtf"sv, "txt"sv, "url"sv};

// A name as the patterns see it: lower-cased and NUL-terminated for fnmatch, its extension
// looked at once.
class NoteName {
 public:
  explicit NoteName(std::string_view name) {
    // No note's name is this long.
    if (name.empty() || name.size() >= text_.size()) return;
    std::transform(name.begin(), name.end(), text_.begin(), [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    });
    text_[name.size()] = '\0';
    lower_ = std::string_view(text_.data(), name.size());
    const std::string extension = Extension(name);
    note_like_ = std::find(kNoteExtensions.begin(), kNoteExtensions.end(), extension) !=
                 kNoteExtensions.end();
  }

  bool Matches(const NotePattern& pattern) const {
    if (lower_.empty() || (pattern.scope == kNote && !note_like_)) return false;
    if (lower_.find(pattern.required) == std::string_view::npos) return false;
    return fnmatch(pattern.glob, text_.data(), FNM_CASEFOLD) == 0;
  }

 private:
  std::array<char, 256> text_;
  std::string_view lower_;  // in text_; empty: no note
  bool note_like_ = false;
};

}  // namespace

std::span<const NotePattern> RansomNotePatterns() { return kPatterns; }

bool MatchesNotePattern(const NotePattern& pattern, std::string_view name) {
  return NoteName(name).Matches(pattern);
}

}  // namespace internal

bool MatchesRansomNote(std::string_view name) {
  const internal::NoteName note(name);
  const auto patterns = internal::RansomNotePatterns();
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const internal::NotePattern& p) { return note.Matches(p); });
}

}  // namespace stormproof::detect
