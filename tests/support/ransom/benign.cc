#include "tests/support/ransom/benign.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "tests/support/ransom/internal/benign_kinds.h"
#include "tests/support/ransom/internal/file_tree.h"

namespace stormproof::testing::ransom {

namespace internal {

Result<std::vector<std::string>> FilesWhere(const std::string& root, std::string_view what,
                                            const std::function<bool(const std::string&)>& keep) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto files, ListFiles(root));
  std::vector<std::string> kept;
  for (const std::string& path : files) {
    if (keep(path)) kept.push_back(path);
  }
  if (kept.empty()) return Error::NotFound(root + ": no " + std::string(what));
  return kept;
}

std::vector<std::string> Sample(const std::vector<std::string>& paths, double share,
                                SplitMix64& rng) {
  if (paths.empty()) return {};
  const auto wanted = static_cast<size_t>(std::llround(share * static_cast<double>(paths.size())));
  const size_t count = std::clamp<size_t>(wanted, 1, paths.size());
  std::vector<size_t> order(paths.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i < count; ++i) std::swap(order[i], order[i + rng.Below(order.size() - i)]);
  order.resize(count);
  std::sort(order.begin(), order.end());
  std::vector<std::string> chosen;
  for (size_t i : order) chosen.push_back(paths[i]);
  return chosen;
}

size_t SizeOf(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<size_t>(size);
}

}  // namespace internal

namespace {

constexpr std::string_view kBenignKindNames[] = {
    "daily-churn", "os-upgrade",       "photo-import", "db-dump",       "log-rotate-gzip",
    "git-gc",      "vm-image-rewrite", "bulk-rename",  "zip-and-delete"};

}  // namespace

std::string_view BenignKindName(BenignKind kind) {
  return kBenignKindNames[static_cast<size_t>(kind)];
}

Result<BenignKind> ParseBenignKind(std::string_view name) {
  std::string known;
  for (BenignKind kind : kAllBenignKinds) {
    if (BenignKindName(kind) == name) return kind;
    known += (known.empty() ? "" : ", ") + std::string(BenignKindName(kind));
  }
  return Error::InvalidArgument("unknown benign kind '" + std::string(name) + "' (known: " + known +
                                ")");
}

Status ApplyBenign(const std::string& root, BenignKind kind, uint64_t seed) {
  internal::SplitMix64 rng(internal::SubSeed(seed, 2));
  switch (kind) {
    case BenignKind::kDailyChurn:
      return internal::DailyChurn(root, rng);
    case BenignKind::kOsUpgrade:
      return internal::OsUpgrade(root, rng);
    case BenignKind::kPhotoImport:
      return internal::PhotoImport(root, rng);
    case BenignKind::kDbDump:
      return internal::DbDump(root, rng);
    case BenignKind::kLogRotateGzip:
      return internal::LogRotateGzip(root, rng);
    case BenignKind::kGitGc:
      return internal::GitGc(root, rng);
    case BenignKind::kVmImageRewrite:
      return internal::VmImageRewrite(root, rng);
    case BenignKind::kBulkRename:
      return internal::BulkRename(root, rng);
    case BenignKind::kZipAndDelete:
      return internal::ZipAndDelete(root, rng);
  }
  return Error::InvalidArgument("benign: unknown kind");
}

}  // namespace stormproof::testing::ransom
