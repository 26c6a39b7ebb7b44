// A YAML document as a small read-only tree with positions, built from libyaml's event parser.
//
// libyaml (the reference C implementation) does the parsing; this file only keeps its events as
// a tree so the loader can walk it and report "line:column" for every value. Aliases share the
// anchored node instead of copying it, and the total size an alias-expanded walk could visit is
// bounded, so an "alias bomb" is an error rather than a hang. Duplicate mapping keys and nesting
// deeper than kMaxDepth are errors too. A Document is immutable once parsed and thread-safe to
// read.
#ifndef STORMPROOF_PLAN_YAML_DOCUMENT_H_
#define STORMPROOF_PLAN_YAML_DOCUMENT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stormproof::plan::yaml {

enum class NodeKind { kScalar, kSequence, kMapping };

struct Node {
  NodeKind kind = NodeKind::kScalar;
  bool plain = false;         // a scalar written without quotes or block style (can be null/number)
  std::string value;          // scalar text
  std::vector<int> children;  // sequence items; for a mapping key, value, key, value, ...
  int line = 0;               // 1-based
  int column = 0;             // 1-based
  int64_t weight = 1;         // nodes an alias-expanded walk of this subtree visits
};

// A scalar that YAML would read as null: empty plain, "~", "null".
bool IsNull(const Node& node);

struct SyntaxError {
  int line = 0;
  int column = 0;
  std::string message;
};

class Document {
 public:
  static constexpr int kMaxDepth = 200;
  static constexpr int64_t kMaxExpandedNodes = 20'000'000;

  // Parses exactly one YAML document from UTF-8 `text`. On failure returns false and fills
  // `error`; `*this` is then unspecified. An empty stream parses to a document without a root.
  bool Parse(std::string_view text, SyntaxError* error);

  bool has_root() const { return root_ >= 0; }
  const Node& root() const { return nodes_[root_]; }  // REQUIRES: has_root()
  const Node& node(int index) const { return nodes_[index]; }
  size_t size() const { return nodes_.size(); }

 private:
  std::vector<Node> nodes_;
  int root_ = -1;
};

}  // namespace stormproof::plan::yaml

#endif  // STORMPROOF_PLAN_YAML_DOCUMENT_H_
