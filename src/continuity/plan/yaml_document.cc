#include "continuity/plan/internal/yaml_document.h"

#include <yaml.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "core/text.h"

namespace stormproof::plan::yaml {
namespace {

// Owns a libyaml parser and event for the duration of a parse.
struct Parser {
  yaml_parser_t parser{};
  Parser() { yaml_parser_initialize(&parser); }
  ~Parser() { yaml_parser_delete(&parser); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

struct Event {
  yaml_event_t event{};
  bool live = false;
  ~Event() { Reset(); }
  void Reset() {
    if (live) yaml_event_delete(&event);
    live = false;
  }
};

std::string Text(const yaml_char_t* s) {
  return s == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(s));
}

// Builds the node tree from events; one instance per Parse().
class Builder {
 public:
  Builder(std::vector<Node>* nodes, SyntaxError* error, int64_t expanded_before)
      : nodes_(nodes), error_(error), expanded_before_(expanded_before) {}

  bool Fail(const yaml_mark_t& mark, std::string message) {
    error_->line = static_cast<int>(mark.line) + 1;
    error_->column = static_cast<int>(mark.column) + 1;
    error_->message = std::move(message);
    return false;
  }

  // Handles one event; returns false (with error filled) on a problem.
  bool Handle(const yaml_event_t& e, int* root) {
    switch (e.type) {
      case YAML_SCALAR_EVENT: {
        Node n;
        n.kind = NodeKind::kScalar;
        n.value.assign(reinterpret_cast<const char*>(e.data.scalar.value), e.data.scalar.length);
        n.plain = e.data.scalar.plain_implicit && e.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        n.end_line = static_cast<int>(e.end_mark.line) + 1;
        return Add(std::move(n), e.start_mark, e.data.scalar.anchor, root);
      }
      case YAML_SEQUENCE_START_EVENT:
      case YAML_MAPPING_START_EVENT: {
        if (static_cast<int>(open_.size()) >= Document::kMaxDepth) {
          return Fail(e.start_mark,
                      "nesting deeper than " + std::to_string(Document::kMaxDepth) + " levels");
        }
        Node n;
        n.kind = e.type == YAML_SEQUENCE_START_EVENT ? NodeKind::kSequence : NodeKind::kMapping;
        const yaml_char_t* anchor = e.type == YAML_SEQUENCE_START_EVENT
                                        ? e.data.sequence_start.anchor
                                        : e.data.mapping_start.anchor;
        int index = static_cast<int>(nodes_->size());
        if (!Add(std::move(n), e.start_mark, anchor, root)) return false;
        open_.push_back(index);
        open_keys_.emplace_back();
        return true;
      }
      case YAML_SEQUENCE_END_EVENT:
      case YAML_MAPPING_END_EVENT:
        return Close(e.start_mark);
      case YAML_ALIAS_EVENT:
        return Alias(e, root);
      default:
        return true;
    }
  }

 private:
  bool Add(Node n, const yaml_mark_t& mark, const yaml_char_t* anchor, int* root) {
    n.line = static_cast<int>(mark.line) + 1;
    n.column = static_cast<int>(mark.column) + 1;
    n.end_line = std::max(n.end_line, n.line);
    int index = static_cast<int>(nodes_->size());
    nodes_->push_back(std::move(n));
    if (anchor != nullptr) anchors_[Text(anchor)] = index;
    return Attach(index, mark, root);
  }

  bool Attach(int index, const yaml_mark_t& mark, int* root) {
    if (open_.empty()) {
      *root = index;
      return true;
    }
    Node& parent = (*nodes_)[open_.back()];
    parent.children.push_back(index);
    return CheckDuplicateKey(parent, mark);
  }

  bool CheckDuplicateKey(const Node& parent, const yaml_mark_t& mark) {
    if (parent.kind != NodeKind::kMapping || parent.children.size() % 2 == 0) return true;
    const Node& key = (*nodes_)[parent.children.back()];
    if (key.kind != NodeKind::kScalar) return true;
    auto [it, inserted] = open_keys_.back().emplace(key.value, key.line);
    if (inserted) return true;
    return Fail(mark, "duplicate key " + Quote(key) + " (first at line " +
                          std::to_string(it->second) + ")");
  }

  bool Close(const yaml_mark_t& mark) {
    Node& closed = (*nodes_)[open_.back()];
    open_.pop_back();
    open_keys_.pop_back();
    int64_t weight = 1;
    for (int child : closed.children) weight += (*nodes_)[child].weight;
    closed.weight = weight;
    // Every node written so far is walked at most once without aliases; what a walk of this
    // collection visits beyond them, aliases added. Checking at every close keeps the weights
    // small enough never to overflow.
    int64_t added = weight - static_cast<int64_t>(nodes_->size());
    if (added + expanded_before_ > Document::kMaxExpandedNodes) {
      std::string message =
          "aliases expand to more than " + std::to_string(Document::kMaxExpandedNodes) + " nodes";
      if (expanded_before_ > 0) {
        message += " (" + std::to_string(expanded_before_) + " of them in the files read before)";
      }
      return Fail(mark, message);
    }
    return true;
  }

  bool Alias(const yaml_event_t& e, int* root) {
    auto it = anchors_.find(Text(e.data.alias.anchor));
    if (it == anchors_.end()) {
      return Fail(e.start_mark, "unknown alias " + Quote("*" + Text(e.data.alias.anchor)));
    }
    for (int open : open_) {
      if (open == it->second) return Fail(e.start_mark, "alias refers to its own parent");
    }
    return Attach(it->second, e.start_mark, root);
  }

  std::vector<Node>* nodes_;
  SyntaxError* error_;
  int64_t expanded_before_;
  std::vector<int> open_;  // collections being built, outermost first
  std::vector<std::unordered_map<std::string, int>> open_keys_;  // keys seen -> line, per open
  std::unordered_map<std::string, int> anchors_;
};

constexpr size_t kQuotedBytes = 60;

}  // namespace

std::string Quote(std::string_view text) {
  const size_t end = std::min({text.size(), text.find_first_of("\r\n"), kQuotedBytes});
  const bool cut = end < text.size();
  // Never a UTF-8 sequence cut in two.
  return "'" + EscapeControls(Utf8Prefix(text, end)) + (cut ? "…'" : "'");
}

std::string Quote(const Node& node) {
  if (node.kind != NodeKind::kScalar) return "'…'";
  if (node.end_line > node.line) {
    // A value over several lines (folded, quoted or a block): its first line cannot be told
    // apart from the value, so none of it is shown.
    return "'…' (several lines)";
  }
  return Quote(node.value);
}

bool IsNull(const Node& node) {
  return node.kind == NodeKind::kScalar && node.plain &&
         (node.value.empty() || node.value == "~" || node.value == "null" || node.value == "Null" ||
          node.value == "NULL");
}

int64_t Document::expanded_nodes() const {
  return has_root() ? root().weight - static_cast<int64_t>(nodes_.size()) : 0;
}

bool Document::Parse(std::string_view text, SyntaxError* error, int64_t expanded_before) {
  nodes_.clear();
  root_ = -1;
  Parser p;
  yaml_parser_set_input_string(&p.parser, reinterpret_cast<const unsigned char*>(text.data()),
                               text.size());
  yaml_parser_set_encoding(&p.parser, YAML_UTF8_ENCODING);
  Builder builder(&nodes_, error, expanded_before);
  int documents = 0;
  Event ev;
  for (;;) {
    if (!yaml_parser_parse(&p.parser, &ev.event)) {
      const yaml_mark_t& mark = p.parser.problem_mark;
      std::string message = p.parser.problem ? p.parser.problem : "malformed YAML";
      if (p.parser.context) message = std::string(p.parser.context) + ": " + message;
      return builder.Fail(mark, message);
    }
    ev.live = true;
    yaml_event_type_t type = ev.event.type;
    if (type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
      return builder.Fail(ev.event.start_mark, "expected one YAML document, found a second");
    }
    if (!builder.Handle(ev.event, &root_)) return false;
    ev.Reset();
    if (type == YAML_STREAM_END_EVENT) return true;
  }
}

}  // namespace stormproof::plan::yaml
