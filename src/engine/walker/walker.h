// walker: walks over a snapshot's directory trees. Two kinds of walk live here:
//
// - Path walks, for commands that show a snapshot as files (ls, diff): find the entry at a path
//   (FindEntry) or visit every entry under a tree with its path, parents before children
//   (WalkTree). A directory that appears in several places is visited in each.
// - Distinct-tree walks, for what accounts for blobs (prune's blobs in use, stats): every
//   distinct tree reachable from one or more roots is read exactly once, children before their
//   parent (DistinctTreeWalker), so a tree shared by many snapshots costs one read.
//
// Every tree is read through repository::LoadTree, so a split directory reads like any other.
// Paths inside a snapshot are absolute, "/" joined ("/home/ann/docs"); names are raw bytes.
// (Not to be confused with the archiver's walker, engine/archiver/internal/walker.h, which walks
// the filesystem being backed up.)
//
// Checker and repair walk trees too, but differently: they keep going past an unreadable tree
// (check names every damaged path, repair salvages what is left) and load trees through their
// own rules, so they keep their own recursion.
//
// The functions are thread-safe when the repository is; a DistinctTreeWalker is
// thread-compatible (one thread at a time).
#ifndef STORMPROOF_ENGINE_WALKER_WALKER_H_
#define STORMPROOF_ENGINE_WALKER_WALKER_H_

#include <functional>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "core/result.h"
#include "engine/repository/repository.h"
#include "engine/repository/tree.h"

namespace stormproof::walker {

// Loads and decodes tree `id`, a split one's parts joined (their ids into `parts` when given).
// Errors name the tree ("tree <short id>: ..."; kNotFound, kFailedCheck for damage).
Result<repository::Tree> LoadTree(const repository::Repository& repo, const crypto::Id& id,
                                  std::vector<crypto::Id>* parts = nullptr);

// "/" + name below the root, parent + "/" + name elsewhere.
std::string ChildPath(const std::string& parent, const std::string& name);

// `path` as an absolute snapshot path: "home//ann/./docs/" -> "/home/ann/docs"; "" -> "/".
std::string NormalizePath(const std::string& path);

// The entry at `path` inside the snapshot whose root tree is `root` ("" or "/" is the root
// itself, returned as nullopt). Errors: kNotFound "<path>: not in the snapshot" or "<path> is
// not a directory" (the path escaped with EscapeName), or LoadTree's.
Result<std::optional<repository::Node>> FindEntry(const repository::Repository& repo,
                                                  const crypto::Id& root, const std::string& path);

// Called for every entry, parents before children; return false to not descend into a dir.
using VisitFn = std::function<bool(const std::string& path, const repository::Node& node)>;

// Walks tree `id` (whose own path is `path`) depth-first in name order, descending into
// directories (kDir nodes with a subtree). Errors: the first tree that cannot be loaded
// (LoadTree's error); entries visited before it were reported.
Status WalkTree(const repository::Repository& repo, const crypto::Id& id, const std::string& path,
                const VisitFn& visit);

// Which nodes a distinct-tree walk descends into.
enum class Follow {
  kDirectories,   // kDir nodes with a subtree: the snapshot as a restore would see it
  kEverySubtree,  // every node that names a subtree: every tree blob a snapshot references
};

// One distinct tree met by a DistinctTreeWalker.
struct TreeVisit {
  const crypto::Id& id;
  const repository::Tree& tree;          // its entries, a split tree's parts joined
  const std::vector<crypto::Id>& parts;  // the ids of those parts (empty for an ordinary tree)
};
// Called once per distinct tree; an error stops the walk and is returned by Walk.
using TreeVisitFn = std::function<Status(const TreeVisit& visit)>;
// The context a tree's load error is given, e.g. "tree <id> of snapshot <id>".
using TreeContextFn = std::function<std::string(const crypto::Id& tree)>;

// Walks trees so that each distinct tree is read and visited once over the walker's life:
// a subtree shared by two directories, or a tree shared by several snapshots, is visited the
// first time only. Iterative (a deep tree does not deepen the call stack); at most one tree
// per level of the current path is held in memory. Thread-compatible.
class DistinctTreeWalker {
 public:
  DistinctTreeWalker(const repository::Repository& repo, Follow follow)
      : repo_(repo), follow_(follow) {}

  // Visits every tree reachable from `root` that no earlier walk of this walker reached, each
  // after every tree below it (so a fold over subtrees finds its children's results), then
  // `root` itself; nothing when `root` was reached before. A tree is marked reached before it
  // is read, so a tree that (impossibly, by content addressing) contains itself ends the
  // descent. Errors: the first tree that cannot be loaded, with `context` (default: LoadTree's
  // "tree <short id>"), or the first error `visit` returns; the walk stops there.
  Status Walk(const crypto::Id& root, const TreeVisitFn& visit,
              const TreeContextFn& context = nullptr);

  // Whether a walk has reached tree `id` (read or tried to read it).
  bool Reached(const crypto::Id& id) const { return reached_.contains(id); }
  // The trees reached so far, handed over (the walker forgets them).
  std::unordered_set<crypto::Id, crypto::IdHash> TakeReached();

 private:
  const repository::Repository& repo_;
  Follow follow_;
  std::unordered_set<crypto::Id, crypto::IdHash> reached_;
};

}  // namespace stormproof::walker

#endif  // STORMPROOF_ENGINE_WALKER_WALKER_H_
