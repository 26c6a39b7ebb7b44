// Reading and saving a directory's tree, which is one tree blob or, for a directory too large
// for one, several: parts holding consecutive entries and a head blob naming them
// (docs/tree-format.md, "Split trees"). Everything that walks trees loads them here, so a split
// directory reads like any other. Stateless; thread-safe when the callbacks are.
#ifndef STORMPROOF_ENGINE_REPOSITORY_TREE_STORE_H_
#define STORMPROOF_ENGINE_REPOSITORY_TREE_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::repository {

// Loads one tree blob's plaintext.
using TreeBlobLoader = std::function<Result<Bytes>(const Id& id)>;
// Stores one encoded tree blob and returns its id.
using TreeBlobSaver = std::function<Result<Id>(Bytes encoded)>;

// The tree of directory blob `id`, a split one's parts joined. `parts`, when given, receives the
// ids of the part blobs read besides `id` (none for an ordinary tree): walks that account for
// every blob in use (prune, stats) count them too. Errors: the loader's, or kFailedCheck for a
// malformed blob, a part that is empty or itself split, entries out of order across parts, or
// more than kMaxDirectoryEntries entries;
// a part's error names it ("part 3 of 8, tree <id>").
Result<Tree> LoadTree(const TreeBlobLoader& load, const Id& id, std::vector<Id>* parts = nullptr);
// As LoadTree, but a split tree's part that cannot be loaded, decoded or joined is left out
// instead of failing the whole directory; each such part is described in `unreadable` ("part
// 3 of 8, tree <id>: <why>"). For repair, which keeps what can still be read. The head itself
// must load.
Result<Tree> LoadTreeKeepingReadableParts(const TreeBlobLoader& load, const Id& id,
                                          std::vector<std::string>* unreadable);
// LoadTree from a repository (LoadBlob with `check`).
Result<Tree> LoadTree(const Repository& repo, const Id& id, std::vector<Id>* parts = nullptr,
                      IdCheck check = IdCheck::kRehash);

// Saves `tree` through `save`: as one blob, or split (EncodeTreeParts) into its parts and then
// the head. Returns the id a directory node names as its subtree. REQUIRES: `tree.parts` empty
// (a directory's entries, not a head). kInvalidArgument for more than kMaxDirectoryEntries.
Result<Id> SaveTree(const Tree& tree, const TreeBlobSaver& save,
                    size_t max_blob = kMaxTreeBlobBytes);

}  // namespace stormproof::repository

#endif  // STORMPROOF_ENGINE_REPOSITORY_TREE_STORE_H_
