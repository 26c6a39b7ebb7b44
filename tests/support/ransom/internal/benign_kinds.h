// The benign generators behind ApplyBenign (benign.h), one function per kind, and the tree
// queries they share. Errors as ApplyBenign's.
#ifndef STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_BENIGN_KINDS_H_
#define STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_BENIGN_KINDS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "tests/support/ransom/internal/random.h"

namespace stormproof::testing::ransom::internal {

// benign_files.cc: kinds that rewrite or add files.
Status DailyChurn(const std::string& root, SplitMix64& rng);
Status OsUpgrade(const std::string& root, SplitMix64& rng);
Status PhotoImport(const std::string& root, SplitMix64& rng);
Status DbDump(const std::string& root, SplitMix64& rng);
Status VmImageRewrite(const std::string& root, SplitMix64& rng);

// benign_layout.cc: kinds that move, pack or delete files.
Status LogRotateGzip(const std::string& root, SplitMix64& rng);
Status GitGc(const std::string& root, SplitMix64& rng);
Status BulkRename(const std::string& root, SplitMix64& rng);
Status ZipAndDelete(const std::string& root, SplitMix64& rng);

// Relative paths of the files under root for which `keep` is true, sorted; kNotFound naming
// `what` when there are none.
Result<std::vector<std::string>> FilesWhere(const std::string& root, std::string_view what,
                                            const std::function<bool(const std::string&)>& keep);
// round(share × size) of `paths` (at least one, unless empty), chosen by rng, in their order.
std::vector<std::string> Sample(const std::vector<std::string>& paths, double share,
                                SplitMix64& rng);
// Size in bytes of the file; 0 when it cannot be read.
size_t SizeOf(const std::string& path);

}  // namespace stormproof::testing::ransom::internal

#endif  // STORMPROOF_TESTS_SUPPORT_RANSOM_INTERNAL_BENIGN_KINDS_H_
