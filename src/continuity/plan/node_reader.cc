#include "continuity/plan/internal/node_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <tuple>

#include "continuity/plan/words.h"
#include "core/text.h"

namespace stormproof::plan {
namespace {

using yaml::Node;
using yaml::NodeKind;

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

using yaml::Quote;

// A bad value's parse error from core, which quotes the whole text (and may quote parts of it
// again). A value that Quote() would not show whole — too long, over several lines, with
// control characters — gets only "invalid KIND '…'" instead.
std::string ParseProblem(const Node& value, std::string_view kind, std::string message) {
  std::string shown = Quote(value);
  if (shown == "'" + value.value + "'") return message;
  return "invalid " + std::string(kind) + " " + shown;
}

// Parses a whole scalar as a decimal number; false when it is not one.
bool ParseNumber(const std::string& text, double* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return false;
  *out = v;
  return true;
}

}  // namespace

const char* KindName(const Node& node) {
  switch (node.kind) {
    case NodeKind::kMapping:
      return "a mapping";
    case NodeKind::kSequence:
      return "a list";
    case NodeKind::kScalar:
      return yaml::IsNull(node) ? "nothing (null)" : "a single value";
  }
  return "a value";
}

NodeReader::NodeReader(const Source& source, const Node& node, std::string what, Diagnostics* out)
    : source_(source),
      node_(node),
      what_(std::move(what)),
      out_(out),
      ok_(node.kind == NodeKind::kMapping) {
  if (!ok_) {
    out_->Error(source_.MarkOf(node), "wrong-type",
                what_ + ": expected a mapping of keys, found " + KindName(node));
  }
}

void NodeReader::Problem(const Node& at, std::string rule, std::string message) {
  out_->Error(source_.MarkOf(at), std::move(rule), what_ + ": " + message);
}

const Node* NodeReader::Child(std::string_view key, Need need) {
  known_.push_back(key);
  if (!ok_) return nullptr;
  const auto& kids = node_.children;
  for (size_t i = 0; i + 1 < kids.size(); i += 2) {
    const Node& k = source_.doc->node(kids[i]);
    if (k.kind == NodeKind::kScalar && k.value == key) {
      const Node& v = source_.doc->node(kids[i + 1]);
      if (!yaml::IsNull(v)) return &v;
      break;
    }
  }
  if (need == Need::kRequired) {
    out_->Error(mark(), "missing-field", what_ + ": missing required '" + std::string(key) + "'");
  }
  return nullptr;
}

bool NodeReader::Scalar(std::string_view key, const Node** value, Need need) {
  const Node* v = Child(key, need);
  if (v == nullptr) return false;
  if (v->kind != NodeKind::kScalar) {
    Problem(*v, "wrong-type",
            "'" + std::string(key) + "' must be a single value, found " + KindName(*v));
    return false;
  }
  *value = v;
  return true;
}

bool NodeReader::Text(std::string_view key, std::string* out, Need need) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, need)) return false;
  *out = v->value;
  return true;
}

bool NodeReader::Id(std::string_view key, std::string* out, Need need) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, need)) return false;
  bool valid = !v->value.empty() && std::all_of(v->value.begin(), v->value.end(), IsIdChar);
  if (!valid) {
    Problem(*v, "bad-id",
            "'" + std::string(key) + "' " + Quote(*v) +
                " is not a valid id (use letters, digits, '.', '_' and '-')");
    return false;
  }
  *out = v->value;
  return true;
}

bool NodeReader::Reference(std::string_view key, std::optional<Ref>* out, Need need) {
  std::string id;
  if (!Id(key, &id, need)) return false;
  *out = Ref{id, source_.MarkOf(*Child(key))};
  return true;
}

bool NodeReader::References(std::string_view key, std::vector<Ref>* out) {
  const Node* v = Child(key);
  if (v == nullptr) return false;
  if (v->kind == NodeKind::kScalar) {  // a single id is accepted as a one-item list
    std::optional<Ref> one;
    if (!Reference(key, &one)) return false;
    out->push_back(*one);
    return true;
  }
  bool all_ok = true;
  ForEachItem(source_, *v, what_ + ": '" + std::string(key) + "'", out_, [&](const Node& item) {
    bool valid = item.kind == NodeKind::kScalar && !item.value.empty() &&
                 std::all_of(item.value.begin(), item.value.end(), IsIdChar);
    if (!valid) {
      Problem(item, "bad-id",
              "'" + std::string(key) + "' items must be ids, found " +
                  (item.kind == NodeKind::kScalar ? Quote(item) : std::string(KindName(item))));
      all_ok = false;
      return;
    }
    out->push_back(Ref{item.value, source_.MarkOf(item)});
  });
  return all_ok;
}

bool NodeReader::Texts(std::string_view key, std::vector<std::string>* out,
                       std::vector<Mark>* marks) {
  const Node* v = Child(key);
  if (v == nullptr) return false;
  if (v->kind == NodeKind::kScalar) {
    out->push_back(v->value);
    if (marks != nullptr) marks->push_back(source_.MarkOf(*v));
    return true;
  }
  bool all_ok = true;
  ForEachItem(source_, *v, what_ + ": '" + std::string(key) + "'", out_, [&](const Node& item) {
    if (item.kind != NodeKind::kScalar) {
      Problem(item, "wrong-type",
              "'" + std::string(key) + "' items must be text, found " + KindName(item));
      all_ok = false;
      return;
    }
    out->push_back(item.value);
    if (marks != nullptr) marks->push_back(source_.MarkOf(item));
  });
  return all_ok;
}

bool NodeReader::Integer(std::string_view key, int* out, int min, int max) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, Need::kOptional)) return false;
  double d = 0;
  if (!ParseNumber(v->value, &d) || d != std::floor(d) || d < min || d > max) {
    Problem(*v, "bad-value",
            "'" + std::string(key) + "' must be a whole number from " + std::to_string(min) +
                " to " + std::to_string(max) + ", found " + Quote(*v));
    return false;
  }
  *out = static_cast<int>(d);
  return true;
}

bool NodeReader::Number(std::string_view key, std::optional<double>* out, double min, double max) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, Need::kOptional)) return false;
  double d = 0;
  if (!ParseNumber(v->value, &d) || d < min || d > max) {
    Problem(*v, "bad-value", "'" + std::string(key) + "' must be a number, found " + Quote(*v));
    return false;
  }
  *out = d;
  return true;
}

bool NodeReader::Percent(std::string_view key, std::optional<double>* out) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, Need::kOptional)) return false;
  std::string text = v->value;
  if (!text.empty() && text.back() == '%') text.pop_back();
  double d = 0;
  if (!ParseNumber(text, &d) || d < 0 || d > 100) {
    Problem(*v, "bad-value",
            "'" + std::string(key) + "' must be a percentage from 0 to 100, found " + Quote(*v));
    return false;
  }
  *out = d;
  return true;
}

bool NodeReader::Boolean(std::string_view key, bool* out) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, Need::kOptional)) return false;
  static const std::vector<std::string_view> kTrue = {"true", "True", "TRUE", "yes", "Yes"};
  static const std::vector<std::string_view> kFalse = {"false", "False", "FALSE", "no", "No"};
  auto in = [&](const std::vector<std::string_view>& words) {
    return std::find(words.begin(), words.end(), v->value) != words.end();
  };
  if (in(kTrue) || in(kFalse)) {
    *out = in(kTrue);
    return true;
  }
  Problem(*v, "bad-value", "'" + std::string(key) + "' must be true or false, found " + Quote(*v));
  return false;
}

template <typename T>
bool NodeReader::ParsedValue(std::string_view key, std::string_view kind, std::optional<T>* out,
                             Mark* mark, Need need) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, need)) return false;
  if (mark) *mark = source_.MarkOf(*v);
  auto parsed = T::Parse(v->value);
  if (!parsed) {
    Problem(*v, "bad-" + std::string(kind),
            "'" + std::string(key) + "': " + ParseProblem(*v, kind, parsed.error().message()));
    return false;
  }
  *out = *parsed;
  return true;
}

bool NodeReader::DurationValue(std::string_view key, std::optional<Duration>* out, Mark* mark,
                               Need need) {
  return ParsedValue(key, "duration", out, mark, need);
}

bool NodeReader::CadenceValue(std::string_view key, std::optional<Cadence>* out) {
  return ParsedValue(key, "cadence", out, nullptr, Need::kOptional);
}

bool NodeReader::DateValue(std::string_view key, std::optional<Date>* out, Mark* mark) {
  return ParsedValue(key, "date", out, mark, Need::kOptional);
}

bool NodeReader::ChoiceImpl(std::string_view key, const std::vector<std::string_view>& words,
                            size_t* index) {
  const Node* v = nullptr;
  if (!Scalar(key, &v, Need::kOptional)) return false;
  for (size_t i = 0; i < words.size(); ++i) {
    if (words[i] == v->value) {
      *index = i;
      return true;
    }
  }
  std::vector<std::string> quoted;
  for (std::string_view w : words) quoted.emplace_back(w);
  Problem(
      *v, "bad-value",
      "'" + std::string(key) + "' must be one of " + Join(quoted, ", ") + "; found " + Quote(*v));
  return false;
}

void NodeReader::Finish() {
  if (!ok_) return;
  const auto& kids = node_.children;
  for (size_t i = 0; i + 1 < kids.size(); i += 2) {
    const Node& k = source_.doc->node(kids[i]);
    if (k.kind == NodeKind::kScalar &&
        std::find(known_.begin(), known_.end(), k.value) != known_.end()) {
      continue;
    }
    std::string name = k.kind == NodeKind::kScalar ? k.value : std::string(KindName(k));
    std::string message =
        what_ + ": unknown key " + (k.kind == NodeKind::kScalar ? Quote(k) : Quote(name));
    // A typo is short; a long key is not one, and its edit distances would take long.
    constexpr size_t kLongestTypo = 64;
    std::string suggestion = name.size() <= kLongestTypo ? ClosestMatch(name, known_) : "";
    if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
    out_->Error(source_.MarkOf(k), "unknown-key", message);
  }
}

void ForEachItem(const Source& source, const Node& node, std::string_view what, Diagnostics* out,
                 const std::function<void(const Node&)>& item) {
  if (node.kind != NodeKind::kSequence) {
    out->Error(source.MarkOf(node), "wrong-type",
               std::string(what) + ": expected a list, found " + KindName(node));
    return;
  }
  for (int child : node.children) item(source.doc->node(child));
}

void ReadContacts(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
                  std::vector<Contact>* contacts) {
  NodeReader reader(source, node, what + ": contacts", out);
  for (const auto& [key, kind] : ContactKindWords()) {
    std::string value;
    if (!reader.Text(key, &value)) continue;
    if (value.empty()) continue;
    contacts->push_back({kind, value, source.MarkOf(*reader.Child(key))});
  }
  reader.Finish();
  // Keep the order the plan wrote them in: it is the order people are tried.
  std::stable_sort(contacts->begin(), contacts->end(), [](const Contact& a, const Contact& b) {
    return std::tie(a.mark.line, a.mark.column) < std::tie(b.mark.line, b.mark.column);
  });
}

}  // namespace stormproof::plan
