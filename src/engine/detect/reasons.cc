// A verdict's reasons in plain words: what fired, in numbers with thousands separators, against
// the system's usual ("3,412 files look encrypted, 96% of them kept their mtime (this system's
// usual: 0–2 per backup)").
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "core/time.h"
#include "engine/detect/internal/findings.h"
#include "engine/detect/verdict.h"
#include "engine/repository/signals.h"

namespace stormproof::detect::internal {
namespace {

using repository::SnapshotSignals;
using Rule = Finding::Rule;

constexpr size_t kMaxCanariesNamed = 3;
constexpr size_t kMaxExtensionsNamed = 3;

// "1 file", "3,412 files".
std::string Count(uint64_t n, std::string_view one, std::string_view many) {
  return WithThousands(n) + " " + std::string(n == 1 ? one : many);
}

std::string Percent(uint64_t part, uint64_t whole) {
  return std::to_string(PercentOf(static_cast<double>(part), static_cast<double>(whole))) + "%";
}

// "(this system's usual: 0–2 per backup)", or "(no history yet)" below kMinHistory records.
std::string UsualText(const History& history, const Usual& usual) {
  if (!history.has_baseline()) return "(no history yet)";
  std::string range = WithThousands(usual.low);
  if (usual.high != usual.low) range += "\u2013" + WithThousands(usual.high);
  return "(this system's usual: " + range + " per backup)";
}

// "canary /srv/share/_c/budget.xlsx changed" from a hit "<path>: changed".
std::string CanaryText(std::string_view hit) {
  const size_t colon = hit.rfind(": ");
  if (colon == std::string_view::npos) return "canary " + std::string(hit);
  return "canary " + std::string(hit.substr(0, colon)) + " " + std::string(hit.substr(colon + 2));
}

void AddCanaries(const SnapshotSignals& s, std::vector<std::string>* out) {
  for (size_t i = 0; i < s.canary_hits.size() && i < kMaxCanariesNamed; ++i) {
    out->push_back(CanaryText(s.canary_hits[i]));
  }
  if (s.canary_hits.size() > kMaxCanariesNamed) {
    out->push_back(Count(s.canary_hits.size() - kMaxCanariesNamed, "more canary", "more canaries") +
                   " hit");
  }
}

std::string EncryptionText(const SnapshotSignals& s, const History& h) {
  std::string text = Count(s.suspect_files, "file looks", "files look") + " encrypted";
  if (s.suspect_mtime_kept > 0) {
    text += ", " + Percent(s.suspect_mtime_kept, s.suspect_files) + " of them kept their mtime";
  }
  return text + " " + UsualText(h, h.suspect_files);
}

// "1,204 files the previous backup read could not be read (permission denied, locked or changed
// while read), 12% of its files (this system's usual: 0–2 per backup)", then ", beside 290
// files deleted" when files were deleted too.
std::string UnreadableText(const SnapshotSignals& s, const History& h) {
  std::string text = Count(s.files_unreadable, "file", "files") +
                     " the previous backup read could not be read (permission denied, locked or "
                     "changed while read), " +
                     Percent(s.files_unreadable, ParentFiles(s)) + " of its files " +
                     UsualText(h, h.unreadable);
  if (const uint64_t gone = UnexplainedDeletions(s); gone > 0) {
    text += ", beside " + Count(gone, "file", "files") + " deleted";
  }
  return text;
}

std::string NotesText(const SnapshotSignals& s) {
  return Count(s.note_copies, "copy", "copies") + " of " + EscapeName(s.note_name) + " in " +
         Count(s.note_dirs, "directory", "directories");
}

std::string ExtensionList(const SnapshotSignals& s) {
  std::string list;
  for (size_t i = 0; i < s.new_extensions.size() && i < kMaxExtensionsNamed; ++i) {
    if (i > 0) list += ", ";
    list += "." + EscapeName(s.new_extensions[i].first) + " (" +
            WithThousands(s.new_extensions[i].second) + ")";
  }
  return list;
}

// What the suspect files are, per rule, and what the changed bytes look like.
void AddEncryptionDetails(const SnapshotSignals& s, std::vector<std::string>* out) {
  if (s.rewritten_high_entropy > 0) {
    out->push_back(Count(s.rewritten_high_entropy, "file", "files") +
                   " rewritten with high-entropy content (compressible before)");
  }
  if (s.header_mismatch > 0) {
    out->push_back(Count(s.header_mismatch, "file no longer starts with its type's header",
                         "files no longer start with their type's header"));
  }
  if (s.intermittent > 0) {
    out->push_back("intermittent encryption in " + Count(s.intermittent, "file", "files") +
                   " (some blocks random, the rest unchanged)");
  }
  if (s.encrypted_copies > 0) {
    out->push_back(Count(s.encrypted_copies, "new high-entropy file", "new high-entropy files") +
                   " beside deleted originals of the same name");
  }
  if (s.new_extension_files > 0) {
    out->push_back(Count(s.new_extension_files, "high-entropy file", "high-entropy files") +
                   " with extensions this system never had: " + ExtensionList(s));
  } else if (!s.new_extensions.empty()) {
    out->push_back("new extensions: " + ExtensionList(s));
  }
  if (s.bytes_changed > 0 && s.bytes_incompressible > 0) {
    out->push_back(Percent(s.bytes_incompressible, s.bytes_changed) +
                   " of the changed bytes are incompressible");
  }
  if (!s.examples.empty()) out->push_back("for example " + EscapeName(s.examples.front()));
}

std::string Headline(const Finding& f, const SnapshotSignals& s, const History& h,
                     const SlowAttack& slow) {
  switch (f.rule) {
    case Rule::kEncryption:
      return EncryptionText(s, h);
    case Rule::kNotesWithEncryption:
      return NotesText(s) + ", beside " +
             Count(s.suspect_files, "file that looks", "files that look") + " encrypted";
    case Rule::kNotes:
      return NotesText(s) + " " + UsualText(h, h.note_dirs);
    case Rule::kRepeatedName:
      return "a new small file " + EscapeName(s.repeated_name) + " appeared in " +
             Count(s.repeated_name_dirs, "directory", "directories") + " (" +
             Percent(s.repeated_name_dirs, s.dirs_total) + " of them), beside files that look " +
             "encrypted";
    case Rule::kSlowAttack:
      return "slow attack: " + Count(slow.suspect_files, "suspect file", "suspect files") +
             " over " + Count(slow.backups, "backup", "backups") + " since " +
             FormatUtc(slow.since_ns);
    case Rule::kMassDeletion: {
      const uint64_t gone = UnexplainedDeletions(s);
      return Count(gone, "file", "files") + " deleted (" + Percent(gone, ParentFiles(s)) +
             "), not renamed or archived " + UsualText(h, h.deletions);
    }
    case Rule::kUnreadable:
      return UnreadableText(s, h);
    case Rule::kCanary:
      break;
  }
  return "";
}

bool InvolvesEncryption(Rule rule) {
  return rule == Rule::kEncryption || rule == Rule::kNotesWithEncryption ||
         rule == Rule::kRepeatedName || rule == Rule::kSlowAttack;
}

}  // namespace

std::string WithThousands(uint64_t n) {
  std::string digits = std::to_string(n);
  for (size_t at = digits.size(); at > 3; at -= 3) digits.insert(at - 3, ",");
  return digits;
}

std::vector<std::string> Reasons(const SnapshotSignals& signals, const History& history,
                                 std::span<const Finding> findings, const SlowAttack& slow) {
  std::vector<std::string> reasons;
  bool encryption = false;
  for (const Finding& f : findings) {
    if (f.rule == Rule::kCanary) {
      AddCanaries(signals, &reasons);
    } else {
      reasons.push_back(Headline(f, signals, history, slow));
    }
    encryption |= InvolvesEncryption(f.rule);
  }
  if (encryption) AddEncryptionDetails(signals, &reasons);
  if (reasons.size() > repository::kMaxReasons) reasons.resize(repository::kMaxReasons);
  return reasons;
}

}  // namespace stormproof::detect::internal
