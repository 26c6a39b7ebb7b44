// A YAML document as a small read-only tree with positions, built from libyaml's event parser.
//
// libyaml (the reference C implementation) does the parsing; this file only keeps its events as
// a tree so the loader can walk it and report "line:column" for every value. Aliases share the
// anchored node instead of copying it, and the nodes they add to an alias-expanded walk are
// bounded (kMaxExpandedNodes), so an "alias bomb" is an error found while parsing, before anything
// walks it. Duplicate mapping keys and nesting deeper than kMaxDepth are errors too. A Document is
// immutable once parsed and thread-safe to read.
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_YAML_DOCUMENT_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_YAML_DOCUMENT_H_

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
  int end_line = 0;           // 1-based line where a scalar ends (> line when it spans lines)
  int64_t weight = 1;         // nodes an alias-expanded walk of this subtree visits
};

// A scalar that YAML would read as null: empty plain, "~", "null".
bool IsNull(const Node& node);

// A scalar's text for a message, in single quotes, showing no more of the file than the line the
// value starts on: at most its first 60 bytes, cut at a line break, with control characters
// escaped ("\x0a"), and nothing at all of a value that spans several lines ('…' (several lines)).
// A plan may include a file that is not a plan (a typo, or a secret file by mistake); messages
// about it must never print its contents.
std::string Quote(const Node& node);
// The same for text that is not a node (it is known to sit on one line).
std::string Quote(std::string_view text);

struct SyntaxError {
  int line = 0;
  int column = 0;
  std::string message;
};

class Document {
 public:
  static constexpr int kMaxDepth = 200;
  // The most nodes aliases may add to an alias-expanded walk, beyond the nodes written in the
  // text (which cost no more than the text itself). A million is some twenty aliased nodes for
  // each of 50,000 systems; a plan using them all loads in about 0.1 s and 100 MB.
  static constexpr int64_t kMaxExpandedNodes = 1'000'000;

  // Parses exactly one YAML document from UTF-8 `text`. On failure returns false and fills
  // `error`; `*this` is then unspecified. An empty stream parses to a document without a root.
  // `expanded_before` is what aliases in other documents read with this one (the other files
  // of a plan) already added: it counts towards kMaxExpandedNodes, so a bomb split over many
  // files is refused too. Aliases expanding beyond the limit are an error at the collection
  // that crosses it: "aliases expand to more than 1000000 nodes".
  bool Parse(std::string_view text, SyntaxError* error, int64_t expanded_before = 0);

  bool has_root() const { return root_ >= 0; }
  const Node& root() const { return nodes_[root_]; }  // REQUIRES: has_root()
  const Node& node(int index) const { return nodes_[index]; }
  size_t size() const { return nodes_.size(); }
  // The nodes aliases add to an alias-expanded walk of the whole document; 0 without aliases.
  int64_t expanded_nodes() const;

 private:
  std::vector<Node> nodes_;
  int root_ = -1;
};

}  // namespace stormproof::plan::yaml

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_YAML_DOCUMENT_H_
