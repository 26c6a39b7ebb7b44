// The file list of a dataset (dataset.h), decided before any byte is written: each file's path,
// kind, size and mtime, all from the seed. Pure; thread-safe.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_DATASET_PLAN_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_DATASET_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/ransom/dataset.h"
#include "tests/support/ransom/internal/file_tree.h"
#include "tests/support/ransom/internal/formats.h"

namespace stormproof::testing::ransom::internal {

struct PlannedFile {
  std::string path;  // relative to the root
  FileKind kind;
  size_t size;
  MtimeNs mtime;
  uint64_t seed;  // of its content
};

// Exactly spec.files entries with distinct paths. REQUIRES: spec.files >= kMinDatasetFiles.
std::vector<PlannedFile> PlanDataset(const DatasetSpec& spec);

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_DATASET_PLAN_H_
