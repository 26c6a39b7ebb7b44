// Planner: the tree walk behind BuildPlan (plan.h). Internal to the restorer.
//
// Adds a directory's entries to a RestorePlan in pre-order, recursing into subtrees, refusing
// what plan.h lists as hostile. Not thread-safe: one Planner per BuildPlan call.
#ifndef STORMPROOF_ENGINE_RESTORER_INTERNAL_PLANNER_H_
#define STORMPROOF_ENGINE_RESTORER_INTERNAL_PLANNER_H_

#include <string>
#include <unordered_set>
#include <vector>

#include "engine/restorer/internal/restore_plan.h"

namespace stormproof::restorer {

class Planner {
 public:
  // All references must outlive the Planner.
  Planner(const TreeSource& source, const std::vector<std::string>& includes, Reporter& reporter,
          RestorePlan& plan);

  // Marks `tree` as on the current path from the root (for cycle detection).
  void EnterTree(const crypto::Id& tree) { ancestors_.insert(tree); }

  // Adds the entries of `tree` (the contents of `dir`, whose snapshot path is `path`). With
  // `included`, everything is wanted; otherwise entries are filtered by the include patterns.
  // Returns true when anything was added.
  bool AddTreeEntries(repository::Tree tree, uint32_t dir, const std::string& path, bool included);
  // Adds one entry named `node.name` inside `parent` (snapshot path `path`). Returns true when
  // anything was added.
  bool AddNode(repository::Node node, uint32_t parent, const std::string& path, bool included);

 private:
  bool AddDirectory(repository::Node node, uint32_t parent, const std::string& path, bool included);
  bool AddFile(repository::Node node, uint32_t parent, const std::string& path);
  bool AddSubtree(const crypto::Id& tree, uint32_t dir, const std::string& path, bool included);
  void Push(repository::Node node, uint32_t parent, FileLayout layout = {});
  Result<FileLayout> LayoutOf(const repository::Node& node) const;
  bool Matches(const std::string& path) const;

  const TreeSource& source_;
  const std::vector<std::string>& includes_;
  Reporter& reporter_;
  RestorePlan& plan_;
  std::unordered_set<crypto::Id, crypto::IdHash> ancestors_;  // trees on the current path
};

}  // namespace stormproof::restorer

#endif  // STORMPROOF_ENGINE_RESTORER_INTERNAL_PLANNER_H_
