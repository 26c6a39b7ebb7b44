// Where each item of a plan's collections (`systems:`, `people:`, `tiers:`, ...) was written, so
// that a problem found at a position — a Diagnostic's Mark — can be traced back to the entity it
// is in. `stormproof run` uses this to stop only what a plan error makes unsafe
// (continuity/runner/plan_errors.h) instead of refusing to back anything up.
//
// The loader describes every item it reads (LoadResult::items). Positions are those of YAML
// nodes: every diagnostic points at one. Plain data; a WrittenItemIndex is immutable once built
// and safe to read from several threads.
#ifndef STORMPROOF_CONTINUITY_PLAN_WRITTEN_ITEMS_H_
#define STORMPROOF_CONTINUITY_PLAN_WRITTEN_ITEMS_H_

#include <compare>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "continuity/plan/plan.h"

namespace stormproof::plan {

// A node's position in its file: 1-based line and column.
struct TextPosition {
  int line = 0;
  int column = 0;
  auto operator<=>(const TextPosition&) const = default;
};

// One top-level key of an item and what is written under it.
struct WrittenSection {
  std::string key;
  TextPosition begin, end;  // the key, and the last node under it
};

struct WrittenItem {
  std::string collection;   // the list it is in: "systems", "people", "clients", "tiers", ...
  std::string id;           // its `id:` as written; "" when it has none (or not as text)
  int file = -1;            // index into Plan::files
  TextPosition begin, end;  // its own text: its first node to the last node written inside it
  std::vector<WrittenSection> sections;  // one per key of the item, in the order written
  // Nodes written before it, elsewhere in the file, that it uses through YAML aliases (*name).
  std::vector<TextPosition> aliased;
};

// One item a position is written in, and the item's key it is under.
struct ItemPlace {
  const WrittenItem* item = nullptr;
  std::string section;  // "" when at the item's own node, or in a node it uses through an alias
};

// Looks up positions in the items of one plan. REQUIRES: `items` outlives the index.
class WrittenItemIndex {
 public:
  explicit WrittenItemIndex(const std::vector<WrittenItem>& items);

  // The item whose own text holds `mark` (with its section), then every item that uses the
  // node at `mark` through an alias. Empty when `mark` is in no item: at the top level of its
  // file (a collection's own key, an include), in the root file's own sections (msp, review,
  // policy, run), or in no file at all.
  std::vector<ItemPlace> At(const Mark& mark) const;

 private:
  std::vector<const WrittenItem*> by_start_;  // sorted by (file, begin)
  std::multimap<std::pair<int, TextPosition>, const WrittenItem*> aliased_;
};

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_WRITTEN_ITEMS_H_
