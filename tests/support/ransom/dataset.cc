#include "tests/support/ransom/dataset.h"

#include <filesystem>
#include <system_error>

#include "tests/support/ransom/internal/dataset_plan.h"
#include "tests/support/ransom/internal/file_tree.h"
#include "tests/support/ransom/internal/formats.h"

namespace stormproof::testing::ransom {
namespace {

namespace fs = std::filesystem;
using internal::JoinPath;

Status CheckArguments(const std::string& root, const DatasetSpec& spec) {
  if (spec.files < kMinDatasetFiles) {
    return Error::InvalidArgument("dataset: " + std::to_string(spec.files) + " files, at least " +
                                  std::to_string(kMinDatasetFiles) + " needed");
  }
  if (!(spec.scale > 0)) return Error::InvalidArgument("dataset: scale must be positive");
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_empty(root, ec)) {
    return Error::InvalidArgument(root + ": not empty; a dataset needs an empty directory");
  }
  return Ok();
}

Status SetDirectoryMtimes(const std::string& root) {
  STORMPROOF_ASSIGN_OR_RETURN(const auto directories, internal::ListDirectories(root));
  constexpr internal::MtimeNs kEpoch = kDatasetEpochSeconds * 1'000'000'000;
  for (const std::string& dir : directories) {
    STORMPROOF_TRY(internal::SetMtime(JoinPath(root, dir), kEpoch));
  }
  return internal::SetMtime(root, kEpoch);
}

}  // namespace

Status MakeDataset(const std::string& root, const DatasetSpec& spec) {
  STORMPROOF_TRY(CheckArguments(root, spec));
  for (const internal::PlannedFile& file : internal::PlanDataset(spec)) {
    internal::SplitMix64 rng(file.seed);
    const std::string path = JoinPath(root, file.path);
    STORMPROOF_TRY(internal::WriteWholeFile(
        path, internal::MakeContent(file.kind, internal::BaseName(file.path), file.size, rng)));
    STORMPROOF_TRY(internal::SetMtime(path, file.mtime));
  }
  return SetDirectoryMtimes(root);
}

}  // namespace stormproof::testing::ransom
