#include "continuity/plan/written_items.h"

#include <algorithm>
#include <unordered_set>

#include "continuity/plan/internal/entity_readers.h"

namespace stormproof::plan {
namespace {

using yaml::Node;
using yaml::NodeKind;

TextPosition PositionOf(const Node& node) { return {node.line, node.column}; }

// Walks the subtree under `node` once per node: positions at or after `begin` are the item's
// own text (the latest is returned); earlier ones are nodes it uses through aliases.
class SubtreeWalk {
 public:
  SubtreeWalk(const yaml::Document& doc, TextPosition begin, std::vector<TextPosition>* aliased)
      : doc_(doc), begin_(begin), aliased_(aliased) {}

  TextPosition Last(const Node& node) {
    TextPosition last = begin_;
    Visit(node, &last);
    return last;
  }

 private:
  void Visit(const Node& node, TextPosition* last) {
    if (!seen_.insert(&node).second) return;
    TextPosition at = PositionOf(node);
    if (at < begin_) {
      aliased_->push_back(at);
    } else {
      *last = std::max(*last, at);
    }
    for (int child : node.children) Visit(doc_.node(child), last);
  }

  const yaml::Document& doc_;
  TextPosition begin_;
  std::vector<TextPosition>* aliased_;
  std::unordered_set<const Node*> seen_;
};

std::string IdOf(const Node& item, const yaml::Document& doc) {
  if (item.kind != NodeKind::kMapping) return "";
  for (size_t i = 0; i + 1 < item.children.size(); i += 2) {
    const Node& key = doc.node(item.children[i]);
    const Node& value = doc.node(item.children[i + 1]);
    if (key.value == "id" && value.kind == NodeKind::kScalar) return value.value;
  }
  return "";
}

}  // namespace

namespace internal {

WrittenItem DescribeItem(const Source& source, const Node& item, std::string collection) {
  WrittenItem out;
  out.collection = std::move(collection);
  out.id = IdOf(item, *source.doc);
  out.file = source.file;
  out.begin = PositionOf(item);
  std::vector<TextPosition> aliased;
  out.end = SubtreeWalk(*source.doc, out.begin, &out.aliased).Last(item);
  if (item.kind != NodeKind::kMapping) return out;
  for (size_t i = 0; i + 1 < item.children.size(); i += 2) {
    const Node& key = source.doc->node(item.children[i]);
    const Node& value = source.doc->node(item.children[i + 1]);
    WrittenSection section{key.value, PositionOf(key), PositionOf(key)};
    if (section.begin < out.begin) continue;  // the key itself came through an alias (<<)
    section.end =
        std::max(section.begin, SubtreeWalk(*source.doc, section.begin, &aliased).Last(value));
    out.sections.push_back(std::move(section));
  }
  return out;
}

}  // namespace internal

WrittenItemIndex::WrittenItemIndex(const std::vector<WrittenItem>& items) {
  for (const WrittenItem& item : items) {
    by_start_.push_back(&item);
    for (const TextPosition& at : item.aliased) aliased_.emplace(std::pair(item.file, at), &item);
  }
  std::sort(by_start_.begin(), by_start_.end(), [](const WrittenItem* a, const WrittenItem* b) {
    return std::pair(a->file, a->begin) < std::pair(b->file, b->begin);
  });
}

std::vector<ItemPlace> WrittenItemIndex::At(const Mark& mark) const {
  std::vector<ItemPlace> places;
  if (mark.file < 0) return places;
  const std::pair<int, TextPosition> at(mark.file, TextPosition{mark.line, mark.column});
  auto after = std::upper_bound(by_start_.begin(), by_start_.end(), at,
                                [](const auto& key, const WrittenItem* item) {
                                  return key < std::pair(item->file, item->begin);
                                });
  if (after != by_start_.begin()) {
    const WrittenItem* item = *std::prev(after);
    if (item->file == mark.file && at.second <= item->end) {
      ItemPlace place{item, ""};
      for (const WrittenSection& section : item->sections) {
        if (section.begin <= at.second && at.second <= section.end) place.section = section.key;
      }
      places.push_back(place);
    }
  }
  auto [from, to] = aliased_.equal_range(at);
  for (auto it = from; it != to; ++it) places.push_back({it->second, ""});
  return places;
}

}  // namespace stormproof::plan
