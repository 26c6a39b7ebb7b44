// Reading a snapshot's directory trees for the read-only commands (ls, diff, stats): loading a
// tree by id, finding the entry at a path, and walking a tree depth-first. Paths inside a
// snapshot are absolute, "/" joined ("/home/ann/docs"); names are raw bytes. Thread-compatible.
#ifndef STORMPROOF_APPS_STORMPROOF_TREE_WALK_H_
#define STORMPROOF_APPS_STORMPROOF_TREE_WALK_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::cli {

// Loads and decodes tree `id`, a split one's parts joined (their ids into `parts` when given).
// Errors name the tree (kNotFound, kFailedCheck for damage).
Result<repository::Tree> LoadTree(const repository::Repository& repo, const crypto::Id& id,
                                  std::vector<crypto::Id>* parts = nullptr);

// "/" + name below the root, parent + "/" + name elsewhere.
std::string ChildPath(const std::string& parent, const std::string& name);

// `path` as an absolute snapshot path: "home//ann/./docs/" -> "/home/ann/docs"; "" -> "/".
std::string NormalizePath(const std::string& path);

// The entry at `path` inside the snapshot whose root tree is `root` ("" or "/" is the root
// itself, returned as nullopt). Errors: kNotFound naming the path when it is not there.
Result<std::optional<repository::Node>> FindEntry(const repository::Repository& repo,
                                                  const crypto::Id& root, const std::string& path);

// Called for every entry, parents before children; return false to not descend into a dir.
using VisitFn = std::function<bool(const std::string& path, const repository::Node& node)>;

// Walks tree `id` (whose own path is `path`) depth-first in name order. Errors: the first tree
// that cannot be loaded; entries visited before it were reported.
Status WalkTree(const repository::Repository& repo, const crypto::Id& id, const std::string& path,
                const VisitFn& visit);

}  // namespace stormproof::cli

#endif  // STORMPROOF_APPS_STORMPROOF_TREE_WALK_H_
