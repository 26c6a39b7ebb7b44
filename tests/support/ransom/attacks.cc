#include "tests/support/ransom/attacks.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iterator>
#include <set>
#include <utility>

#include "tests/support/ransom/internal/file_tree.h"
#include "tests/support/ransom/internal/random.h"

namespace stormproof::testing::ransom {
namespace {

using internal::JoinPath;

constexpr uint64_t kKiB = 1024, kMiB = 1024 * 1024;

// [begin, end) byte ranges of a file of `size` bytes that `kind` encrypts.
using Regions = std::vector<std::pair<uint64_t, uint64_t>>;

Regions Every(uint64_t size, uint64_t length, uint64_t period) {
  Regions regions;
  for (uint64_t begin = 0; begin < size; begin += period) {
    regions.emplace_back(begin, std::min(size, begin + length));
  }
  return regions;
}

Regions RegionsOf(AttackKind kind, uint64_t size) {
  switch (kind) {
    case AttackKind::kIntermittentEvery10MiB:
      return size >= 10 * kMiB ? Every(size, kMiB, 10 * kMiB) : Every(size, 64 * kKiB, 640 * kKiB);
    case AttackKind::kFirst4KiB:
      return {{0, std::min<uint64_t>(size, 4 * kKiB)}};
    case AttackKind::kStride64KiB:
      return Every(size, 64 * kKiB, 128 * kKiB);
    default:
      return {{0, size}};
  }
}

bool IsNoteName(std::string_view name) {
  return std::find(std::begin(kRansomNoteNames), std::end(kRansomNoteNames), name) !=
         std::end(kRansomNoteNames);
}

// "dir/a.docx" → "dir/a" + extension; a name without an extension keeps its name.
std::string Renamed(const std::string& path, const std::string& extension) {
  const std::string base = internal::BaseName(path);
  const size_t dot = base.rfind('.');
  const size_t keep =
      dot == std::string::npos || dot == 0 ? path.size() : path.size() - (base.size() - dot);
  return path.substr(0, keep) + extension;
}

std::string NoteText(uint64_t seed) {
  return "!!! YOUR FILES HAVE BEEN ENCRYPTED !!!\n\n"
         "(stormproof test simulator: no real ransomware, no real encryption.)\n\n"
         "All your documents, photos, databases and mail were encrypted. Do not rename them\n"
         "and do not try to restore them with third-party software: you will lose them.\n"
         "To get the decryption tool, contact us with your personal ID.\n\n"
         "Personal ID: " +
         internal::SplitMix64(seed).Hex(32) + "\n";
}

constexpr std::string_view kAttackKindNames[] = {"in-place",       "new-name",   "rename",
                                                 "intermittent",   "first-4k",   "stride-64k",
                                                 "mtime-restored", "notes-only", "slow"};

}  // namespace

std::string_view AttackKindName(AttackKind kind) {
  return kAttackKindNames[static_cast<size_t>(kind)];
}

Result<AttackKind> ParseAttackKind(std::string_view name) {
  std::string known;
  for (AttackKind kind : kAllAttackKinds) {
    if (AttackKindName(kind) == name) return kind;
    known += (known.empty() ? "" : ", ") + std::string(AttackKindName(kind));
  }
  return Error::InvalidArgument("unknown attack kind '" + std::string(name) + "' (known: " + known +
                                ")");
}

bool IsAttackTarget(std::string_view relative_path) {
  static const std::set<std::string, std::less<>> kExtensions = {
      "docx", "xlsx", "pptx", "doc", "xls",  "ppt",  "odt", "ods", "odp", "pdf",    "txt", "csv",
      "rtf",  "jpg",  "jpeg", "png", "heic", "gif",  "tif", "mp4", "mov", "sqlite", "db",  "c",
      "h",    "cc",   "cpp",  "py",  "js",   "java", "go",  "rs",  "md",  "eml"};
  std::string_view rest = relative_path;
  std::string_view previous;
  bool in_maildir = false;
  while (!rest.empty()) {
    const size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment == ".git") return false;
    if (slash == std::string_view::npos) {
      if (IsNoteName(segment)) return false;
      return (in_maildir && (previous == "cur" || previous == "new")) ||
             kExtensions.contains(internal::ExtensionOf(segment));
    }
    in_maildir = in_maildir || segment == "Maildir";
    previous = segment;
    rest.remove_prefix(slash + 1);
  }
  return false;
}

Attack::Attack(AttackSpec spec) : spec_(std::move(spec)) {}

int Attack::steps() const { return std::max(1, spec_.backups); }

Status Attack::Step(const std::string& root) {
  if (done()) {
    return Error::InvalidArgument("attack: already done after " + std::to_string(steps_taken_) +
                                  " steps");
  }
  if (spec_.kind == AttackKind::kSlow && spec_.backups < 2) {
    return Error::InvalidArgument("attack: a slow attack needs backups >= 2");
  }
  if (steps_taken_ == 0) STORMPROOF_TRY(ChooseTargets(root));
  const size_t end =
      targets_.size() * static_cast<size_t>(steps_taken_ + 1) / static_cast<size_t>(steps());
  std::set<std::string> directories;
  for (; next_target_ < end; ++next_target_) {
    const std::string& path = targets_[next_target_];
    if (!std::filesystem::exists(JoinPath(root, path))) continue;  // deleted since the first step
    if (spec_.kind != AttackKind::kNotesOnly) STORMPROOF_TRY(Hit(root, path));
    directories.insert(internal::DirectoryOf(path));
  }
  ++steps_taken_;
  if (spec_.notes || spec_.kind == AttackKind::kNotesOnly) {
    for (const std::string& dir : directories) STORMPROOF_TRY(WriteNote(root, dir));
  }
  return Ok();
}

Status Attack::ChooseTargets(const std::string& root) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto files, internal::ListFiles(root));
  const std::set<std::string> canaries(spec_.canaries.begin(), spec_.canaries.end());
  std::vector<std::string> eligible;
  for (const std::string& path : files) {
    if (IsAttackTarget(path) && !canaries.contains(path)) eligible.push_back(path);
  }
  if (eligible.empty()) return Error::FailedCheck(root + ": no user files to attack");
  const auto wanted =
      static_cast<size_t>(std::llround(spec_.fraction * static_cast<double>(eligible.size())));
  const size_t count = std::clamp<size_t>(wanted, 1, eligible.size());
  internal::SplitMix64 rng(internal::SubSeed(spec_.seed, 1));
  for (size_t i = 0; i < count; ++i) {  // partial Fisher-Yates: a uniform sample of `count`
    std::swap(eligible[i], eligible[i + rng.Below(eligible.size() - i)]);
  }
  eligible.resize(count);
  std::sort(eligible.begin(), eligible.end());  // ransomware walks the tree in order
  if (spec_.canary_policy == CanaryPolicy::kEncryptFirst) {
    for (const std::string& path : files) {
      if (canaries.contains(path)) targets_.push_back(path);
    }
  }
  targets_.insert(targets_.end(), eligible.begin(), eligible.end());
  return Ok();
}

Status Attack::Hit(const std::string& root, const std::string& path) {
  const std::string absolute = JoinPath(root, path);
  STORMPROOF_ASSIGN_OR_RETURN(const internal::MtimeNs mtime, internal::MtimeOf(absolute));
  STORMPROOF_ASSIGN_OR_RETURN(std::string content, internal::ReadWholeFile(absolute));
  const uint64_t key = internal::HashOf(path, spec_.seed);
  const Regions regions = RegionsOf(spec_.kind, content.size());
  for (const auto& [begin, end] : regions) {
    internal::XorKeystream(key, begin, content.data() + begin, end - begin);
  }
  std::string now = path;
  if (spec_.kind == AttackKind::kNewNameDeleteOriginal) {
    now = path + spec_.extension;
    STORMPROOF_TRY(internal::WriteWholeFile(JoinPath(root, now), content));
    STORMPROOF_TRY(internal::RemoveFile(absolute));
  } else {
    for (const auto& [begin, end] : regions) {
      STORMPROOF_TRY(
          internal::WriteAt(absolute, begin, std::string_view(content).substr(begin, end - begin)));
    }
    if (spec_.kind == AttackKind::kRenameNewExtension) {
      now = Renamed(path, spec_.extension);
      if (std::filesystem::exists(JoinPath(root, now))) now = path + spec_.extension;
      STORMPROOF_TRY(internal::RenamePath(absolute, JoinPath(root, now)));
    }
  }
  if (spec_.restore_mtime || spec_.kind == AttackKind::kMtimeRestored) {
    STORMPROOF_TRY(internal::SetMtime(JoinPath(root, now), mtime));
  }
  affected_.push_back(path);
  encrypted_.push_back(now);
  return Ok();
}

Status Attack::WriteNote(const std::string& root, const std::string& dir) {
  const std::string path = dir.empty() ? spec_.note_name : dir + "/" + spec_.note_name;
  if (std::find(notes_.begin(), notes_.end(), path) != notes_.end()) return Ok();
  STORMPROOF_TRY(internal::WriteWholeFile(JoinPath(root, path), NoteText(spec_.seed)));
  notes_.push_back(path);
  return Ok();
}

}  // namespace stormproof::testing::ransom
