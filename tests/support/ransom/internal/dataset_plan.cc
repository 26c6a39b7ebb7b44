#include "tests/support/ransom/internal/dataset_plan.h"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace stormproof::testing::ransom::internal {
namespace {

constexpr std::string_view kUsers[] = {"alice", "bob", "carol"};
constexpr std::string_view kProjects[] = {"acme-audit", "budget-2026", "hr",    "sales",
                                          "legal",      "website",     "board", "tenders",
                                          "clients",    "archive"};
constexpr std::string_view kServices[] = {"nginx", "postgresql", "cron",    "sshd",
                                          "samba", "cups",       "postfix", "backup"};
constexpr std::string_view kNames[] = {
    "invoice", "contract",  "report", "budget", "minutes", "offer",   "payroll", "forecast",
    "plan",    "statement", "order",  "quote",  "review",  "summary", "notes",   "memo"};
constexpr size_t kKiB = 1024, kMiB = 1024 * 1024;

struct KindChoice {
  FileKind kind;
  std::string_view ext;
  int weight;
  size_t min_size, max_size;  // at scale 1
};

// A group of files that live together: the i-th file goes into directory DirOf(i / per_dir).
struct Group {
  int permille;
  size_t per_dir;
  std::string (*dir_of)(size_t dir_index);
  std::string (*name_of)(size_t i, std::string_view ext, SplitMix64& rng);
  std::vector<KindChoice> kinds;
};

template <typename T, size_t N>
std::string_view Pick(const T (&list)[N], size_t i) {
  return list[i % N];
}

std::string Numbered(std::string_view base, size_t i, size_t of) {
  return i < of ? std::string(base) : std::string(base) + "-" + std::to_string(i / of + 1);
}

std::string User(size_t dir_index) { return "home/" + std::string(Pick(kUsers, dir_index)) + "/"; }

std::string WordName(size_t i, std::string_view ext, SplitMix64& rng) {
  return std::string(Pick(kNames, rng.Next())) + "-" + std::to_string(i) + "." + std::string(ext);
}

const std::vector<Group>& Groups() {
  static const std::vector<Group> groups = {
      {200,
       25,
       [](size_t d) {
         return User(d) + "Documents/" + Numbered(Pick(kProjects, d / 3), d / 3, 10);
       },
       WordName,
       {{FileKind::kDocx, "docx", 30, 6 * kKiB, 400 * kKiB},
        {FileKind::kXlsx, "xlsx", 20, 6 * kKiB, 500 * kKiB},
        {FileKind::kPptx, "pptx", 10, 20 * kKiB, kMiB},
        {FileKind::kPdf, "pdf", 25, 8 * kKiB, 700 * kKiB},
        {FileKind::kText, "txt", 8, 300, 60 * kKiB},
        {FileKind::kText, "csv", 7, 300, 200 * kKiB}}},
      {100,
       30,
       [](size_t d) {
         const size_t month = 1 + d / 3 % 12;
         return User(d) + "Pictures/" + std::to_string(2025 - d / 36) + (month < 10 ? "-0" : "-") +
                std::to_string(month);
       },
       [](size_t i, std::string_view ext, SplitMix64&) {
         return std::string(ext == "mp4" ? "VID_" : "IMG_") + std::to_string(1000 + i) + "." +
                std::string(ext);
       },
       {{FileKind::kJpeg, "jpg", 65, 15 * kKiB, 500 * kKiB},
        {FileKind::kPng, "png", 10, 2 * kKiB, 300 * kKiB},
        {FileKind::kHeic, "heic", 20, 40 * kKiB, 500 * kKiB},
        {FileKind::kMp4, "mp4", 5, 300 * kKiB, 8 * kMiB}}},
      {150,
       200,
       [](size_t d) {
         const size_t folder = d / 3;
         return User(d) + "Maildir/" +
                (folder == 0   ? std::string("cur")
                 : folder == 1 ? std::string(".Sent/cur")
                               : ".Archive-" + std::to_string(folder) + "/cur");
       },
       [](size_t i, std::string_view, SplitMix64& rng) {
         return std::to_string(1735689600 + rng.Below(31'000'000)) + ".M" + std::to_string(i) +
                "P" + std::to_string(1000 + rng.Below(30000)) + ".mail01:2,S";
       },
       {{FileKind::kMail, "", 1, kKiB, 60 * kKiB}}},
      {140,
       20,
       [](size_t d) {
         static constexpr std::string_view kParts[] = {"src", "include", "tests", "docs", "tools"};
         return User(d / 5) + "src/" + Numbered(Pick(kProjects, d / 15), d / 15, 10) + "/" +
                std::string(Pick(kParts, d));
       },
       [](size_t i, std::string_view ext, SplitMix64& rng) {
         return std::string(Pick(kNames, rng.Next())) + "_" + std::to_string(i) + "." +
                std::string(ext);
       },
       {{FileKind::kSource, "c", 35, 200, 40 * kKiB},
        {FileKind::kSource, "h", 15, 200, 20 * kKiB},
        {FileKind::kSource, "py", 30, 200, 40 * kKiB},
        {FileKind::kSource, "md", 20, 200, 20 * kKiB}}},
      {80,
       8,
       [](size_t d) {
         static constexpr char kHex[] = "0123456789abcdef";
         const size_t b = (d * 37 + 11) % 256;
         return "home/alice/src/ledger/.git/objects/" + std::string{kHex[b / 16], kHex[b % 16]};
       },
       [](size_t, std::string_view, SplitMix64& rng) { return rng.Hex(38); },
       {{FileKind::kGitLoose, "", 1, 100, 8 * kKiB}}},
      {20,
       50,
       [](size_t d) {
         return User(d) + "Downloads" + (d < 3 ? std::string() : "/batch-" + std::to_string(d / 3));
       },
       WordName,
       {{FileKind::kZip, "zip", 40, 10 * kKiB, 2 * kMiB},
        {FileKind::k7z, "7z", 20, 10 * kKiB, 2 * kMiB},
        {FileKind::kTarGz, "tar.gz", 40, 10 * kKiB, 2 * kMiB}}},
      {40,
       3,
       [](size_t d) { return "var/log/" + Numbered(Pick(kServices, d), d, 8); },
       [](size_t i, std::string_view, SplitMix64&) {
         static constexpr std::string_view kLogs[] = {"main.log", "error.log", "access.log"};
         return std::string(Pick(kLogs, i));
       },
       {{FileKind::kLog, "log", 1, kKiB, 512 * kKiB}}},
      {50,
       100000,
       [](size_t) { return std::string("usr/bin"); },
       [](size_t i, std::string_view, SplitMix64& rng) {
         return std::string(Pick(kNames, rng.Next())) + "tool" + std::to_string(i);
       },
       {{FileKind::kElf, "", 1, 4 * kKiB, 400 * kKiB}}},
      {40,
       100000,
       [](size_t) { return std::string("usr/lib/x86_64-linux-gnu"); },
       [](size_t i, std::string_view, SplitMix64& rng) {
         return "lib" + std::string(Pick(kNames, rng.Next())) + std::to_string(i) + ".so." +
                std::to_string(1 + rng.Below(9));
       },
       {{FileKind::kElf, "", 1, 8 * kKiB, 500 * kKiB}}},
      {80,
       200,
       [](size_t d) {
         static constexpr std::string_view kSections[] = {"1", "3", "8"};
         return "usr/share/man/man" + std::string(Pick(kSections, d));
       },
       [](size_t i, std::string_view, SplitMix64& rng) {
         return std::string(Pick(kNames, rng.Next())) + std::to_string(i) + ".1.gz";
       },
       {{FileKind::kManPage, "", 1, 500, 20 * kKiB}}},
  };
  return groups;
}

// Files every dataset has: the database, the disk images, the git repository's fixed files and
// the log the rotation generator turns over.
std::vector<PlannedFile> FixedFiles(SplitMix64& rng) {
  const std::string git = "home/alice/src/ledger/.git/";
  const std::string pack = git + "objects/pack/pack-" + rng.Hex(40);
  return {{"srv/db/ledger.sqlite", FileKind::kSqlite, 12 * kMiB, 0, 0},
          {"var/lib/libvirt/images/web01.img", FileKind::kVmRaw, 12 * kMiB, 0, 0},
          {"var/lib/libvirt/images/db01.qcow2", FileKind::kQcow2, 6 * kMiB, 0, 0},
          {git + "HEAD", FileKind::kGitMeta, 32, 0, 0},
          {git + "config", FileKind::kGitMeta, 128, 0, 0},
          {git + "refs/heads/main", FileKind::kGitMeta, 41, 0, 0},
          {pack + ".pack", FileKind::kGitPack, 2 * kMiB, 0, 0},
          {pack + ".idx", FileKind::kGitIdx, 64 * kKiB, 0, 0},
          {"var/log/app/app.log", FileKind::kLog, kMiB, 0, 0}};
}

// How many files each group gets: its share of what the fixed files leave, at least one.
std::vector<size_t> GroupCounts(size_t files) {
  const auto& groups = Groups();
  int total = 0;
  for (const auto& g : groups) total += g.permille;
  std::vector<size_t> counts;
  size_t assigned = 0;
  for (const auto& g : groups) {
    counts.push_back(
        std::max<size_t>(1, files * static_cast<size_t>(g.permille) / static_cast<size_t>(total)));
    assigned += counts.back();
  }
  counts[0] = counts[0] + files - assigned;  // documents take the rounding; REQUIRES enough files
  return counts;
}

const KindChoice& ChooseKind(const std::vector<KindChoice>& kinds, SplitMix64& rng) {
  int total = 0;
  for (const auto& k : kinds) total += k.weight;
  auto r = static_cast<int>(rng.Below(static_cast<uint64_t>(total)));
  for (const auto& k : kinds) {
    if (r < k.weight) return k;
    r -= k.weight;
  }
  return kinds.back();
}

// A file's size at `scale`: files up to 4 KiB keep their size (small files stay realistic, and
// big enough for the detector's header sample), bigger ones shrink but not below 4 KiB.
size_t Scaled(size_t size, double scale) {
  constexpr size_t kKeep = 4 * 1024;
  const auto scaled = static_cast<size_t>(std::llround(static_cast<double>(size) * scale));
  return std::max(std::min(size, kKeep), scaled);
}

}  // namespace

std::vector<PlannedFile> PlanDataset(const DatasetSpec& spec) {
  SplitMix64 rng(SubSeed(spec.seed, 0));
  std::vector<PlannedFile> plan = FixedFiles(rng);
  for (auto& f : plan) {
    if (f.kind != FileKind::kGitMeta) f.size = Scaled(f.size, spec.scale);
  }
  const std::vector<size_t> counts = GroupCounts(spec.files - plan.size());
  for (size_t g = 0; g < Groups().size(); ++g) {
    const Group& group = Groups()[g];
    for (size_t i = 0; i < counts[g]; ++i) {
      // Every kind of the group once first, so that small datasets still have each format.
      const KindChoice& kind =
          i < group.kinds.size() ? group.kinds[i] : ChooseKind(group.kinds, rng);
      const std::string dir = group.dir_of(i / group.per_dir);
      const std::string name = group.name_of(i, kind.ext, rng);
      const size_t size = Scaled(rng.LogUniform(kind.min_size, kind.max_size), spec.scale);
      plan.push_back({dir + "/" + name, kind.kind, size, 0, 0});
    }
  }
  constexpr int64_t kTwoYears = 2 * 365 * 86400;
  for (size_t i = 0; i < plan.size(); ++i) {
    const int64_t seconds = kDatasetEpochSeconds - static_cast<int64_t>(rng.Below(kTwoYears));
    plan[i].mtime = seconds * 1'000'000'000 + static_cast<int64_t>(rng.Below(1'000'000'000));
    plan[i].seed = SubSeed(spec.seed, i + 1);
  }
  return plan;
}

}  // namespace stormproof::testing::ransom::internal
