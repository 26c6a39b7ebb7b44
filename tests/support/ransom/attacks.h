// The ransomware simulator: what real families do to a file tree, without any real malware.
// "Encryption" XORs a seeded splitmix64 keystream (internal/random.h) over the bytes, which
// leaves them as random-looking as a real cipher would for the detector's purposes (entropy,
// compressibility, lost magic bytes); XORing again with the same key would restore them.
//
// An Attack runs in steps, one per backup interval: `Step` applies the next part, the caller
// backs up, and so on until `done()`. Targets are user data (attacks target what victims pay
// for): documents, pictures and videos, databases, mail, source code (IsAttackTarget). They are
// chosen at the first Step, from the files then present, by the spec's seed; a target deleted
// before its step (by benign churn between backups) is skipped.
//
// Not thread-safe: one Attack belongs to one thread.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_ATTACKS_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_ATTACKS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace stormproof::testing::ransom {

enum class AttackKind {
  kInPlace,                 // whole file encrypted, same path and inode
  kNewNameDeleteOriginal,   // encrypted copy "a.docx" + extension written, then "a.docx" deleted
  kRenameNewExtension,      // encrypted in place, then renamed "a.docx" → "a" + extension
  kIntermittentEvery10MiB,  // 1 MiB of every 10 MiB; files under 10 MiB: the first 64 KiB of
                            // every 640 KiB (always the file's first block)
  kFirst4KiB,               // only the first 4 KiB
  kStride64KiB,             // every other 64 KiB block, from the first
  kMtimeRestored,           // as kInPlace, then the original mtime set back
  kNotesOnly,               // no encryption: ransom notes in the targets' directories only
  kSlow,                    // as kInPlace, spread over `backups` steps
};

inline constexpr AttackKind kAllAttackKinds[] = {AttackKind::kInPlace,
                                                 AttackKind::kNewNameDeleteOriginal,
                                                 AttackKind::kRenameNewExtension,
                                                 AttackKind::kIntermittentEvery10MiB,
                                                 AttackKind::kFirst4KiB,
                                                 AttackKind::kStride64KiB,
                                                 AttackKind::kMtimeRestored,
                                                 AttackKind::kNotesOnly,
                                                 AttackKind::kSlow};

// The names tools and tables use: "in-place", "new-name", "rename", "intermittent", "first-4k",
// "stride-64k", "mtime-restored", "notes-only", "slow".
std::string_view AttackKindName(AttackKind kind);
// The kind AttackKindName calls `name`; kInvalidArgument listing the names otherwise.
Result<AttackKind> ParseAttackKind(std::string_view name);

// The ransom note names the simulator writes; the detector must recognise both.
inline constexpr std::string_view kRansomNoteNames[] = {"README-DECRYPT.txt",
                                                        "HOW_TO_RESTORE_FILES.txt"};

enum class CanaryPolicy {
  kSpare,         // canaries are never touched (tests of the other signals)
  kEncryptFirst,  // canaries are attacked first, on top of the fraction (canary tests)
};

struct AttackSpec {
  AttackKind kind = AttackKind::kInPlace;
  // Share of the eligible files (IsAttackTarget, not canaries) attacked over all steps; at
  // least one file, at most all.
  double fraction = 0.01;
  // Steps the attack takes; each gets an equal share of the targets. kSlow REQUIRES >= 2.
  int backups = 1;
  // Write a ransom note into every directory that holds an attacked file (kNotesOnly always).
  bool notes = false;
  std::string note_name = std::string(kRansomNoteNames[0]);
  // Set each attacked file's mtime back to what it was (kMtimeRestored always).
  bool restore_mtime = false;
  // Appended (kNewNameDeleteOriginal) or substituted (kRenameNewExtension) extension.
  std::string extension = ".lockd";
  uint64_t seed = 0;
  // Paths relative to the root of the plan's canary files.
  std::vector<std::string> canaries = {};
  CanaryPolicy canary_policy = CanaryPolicy::kSpare;
};

// Whether ransomware would go for the file at `relative_path`: documents, pictures, videos,
// databases, mail (Maildir), source code; not system files, logs, archives, disk images, git
// internals, ransom notes.
bool IsAttackTarget(std::string_view relative_path);

class Attack {
 public:
  explicit Attack(AttackSpec spec);

  // Applies the next step to the tree at `root`. Errors: kInvalidArgument when done() or the
  // spec is invalid; kFailedCheck when the first step finds no target; kIo. A failed step may
  // have attacked part of its files.
  Status Step(const std::string& root);
  bool done() const { return steps_taken_ >= steps(); }
  int steps() const;

  // Relative paths (as they were before the attack) of the files attacked so far, in order.
  const std::vector<std::string>& affected() const { return affected_; }
  // Relative paths that now hold encrypted content (renamed/new names where the kind renames).
  const std::vector<std::string>& encrypted() const { return encrypted_; }
  // Relative paths of the ransom notes written so far.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  Status ChooseTargets(const std::string& root);
  Status Hit(const std::string& root, const std::string& path);
  Status WriteNote(const std::string& root, const std::string& dir);

  AttackSpec spec_;
  int steps_taken_ = 0;
  std::vector<std::string> targets_;  // chosen at the first step, in attack order
  size_t next_target_ = 0;
  std::vector<std::string> affected_, encrypted_, notes_;
};

}  // namespace stormproof::testing::ransom

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_ATTACKS_H_
