// NodeReader: reads one YAML mapping into typed plan fields, reporting every problem.
//
// Each accessor looks up a key, converts its value and reports a wrong type or a bad value as a
// diagnostic at the value's position; Finish() then reports every key that no accessor asked
// for, with a "did you mean" suggestion, so a typo never silently drops a setting. Accessors
// return true only when the key was present and valid, and leave the output untouched otherwise.
// One reader per mapping; not thread-safe.
#ifndef STORMPROOF_CONTINUITY_PLAN_INTERNAL_NODE_READER_H_
#define STORMPROOF_CONTINUITY_PLAN_INTERNAL_NODE_READER_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/date.h"
#include "core/duration.h"
#include "continuity/plan/diagnostics.h"
#include "continuity/plan/plan.h"
#include "continuity/plan/internal/yaml_document.h"

namespace stormproof::plan {

// Where a node lives: the document and the index of the file in Plan::files.
struct Source {
  const yaml::Document* doc = nullptr;
  int file = -1;

  Mark MarkOf(const yaml::Node& node) const { return {file, node.line, node.column}; }
};

enum class Need { kOptional, kRequired };

// "a mapping", "a list", "text" — for messages.
const char* KindName(const yaml::Node& node);

class NodeReader {
 public:
  // `what` names the thing being read for messages, e.g. "system 'erp'" or "policy".
  NodeReader(const Source& source, const yaml::Node& node, std::string what, Diagnostics* out);

  // False when the node is not a mapping (already reported); accessors then find nothing.
  bool ok() const { return ok_; }
  const std::string& what() const { return what_; }
  void set_what(std::string what) { what_ = std::move(what); }
  Mark mark() const { return source_.MarkOf(node_); }

  // The raw value of `key`, marking it as known; null when absent (or explicitly null).
  const yaml::Node* Child(std::string_view key, Need need = Need::kOptional);
  // Marks `key` as known without reading it.
  void Ignore(std::string_view key) { known_.emplace_back(key); }

  bool Text(std::string_view key, std::string* out, Need need = Need::kOptional);
  // An id: non-empty, letters, digits, '.', '_' and '-' only.
  bool Id(std::string_view key, std::string* out, Need need = Need::kRequired);
  bool Reference(std::string_view key, std::optional<Ref>* out, Need need = Need::kOptional);
  bool References(std::string_view key, std::vector<Ref>* out);
  // A list of text (a single value is a one-item list); `marks`, when given, gets where each
  // item was written, in step with `out`.
  bool Texts(std::string_view key, std::vector<std::string>* out,
             std::vector<Mark>* marks = nullptr);
  bool Integer(std::string_view key, int* out, int min, int max);
  bool Number(std::string_view key, std::optional<double>* out, double min, double max);
  bool Percent(std::string_view key, std::optional<double>* out);  // 95, 95.5 or "95%"
  bool Boolean(std::string_view key, bool* out);
  bool DurationValue(std::string_view key, std::optional<Duration>* out, Mark* mark = nullptr,
                     Need need = Need::kOptional);
  bool CadenceValue(std::string_view key, std::optional<Cadence>* out);
  bool DateValue(std::string_view key, std::optional<Date>* out, Mark* mark = nullptr);
  // A value from a fixed vocabulary; reports the allowed words when it is none of them.
  template <typename E>
  bool Choice(std::string_view key, E* out,
              const std::vector<std::pair<std::string_view, E>>& words);

  // Reports unknown keys. Call once, after all accessors.
  void Finish();

  // Reports a problem with a value at its position.
  void Problem(const yaml::Node& at, std::string rule, std::string message);

 private:
  bool Scalar(std::string_view key, const yaml::Node** value, Need need);
  bool ChoiceImpl(std::string_view key, const std::vector<std::string_view>& words, size_t* index);
  // The scalar at `key` read with T::Parse; on a parse error reports "bad-<kind>" naming `kind`
  // ("duration") and returns false. Sets `mark`, when given, to where the value is written.
  template <typename T>
  bool ParsedValue(std::string_view key, std::string_view kind, std::optional<T>* out, Mark* mark,
                   Need need);

  Source source_;
  const yaml::Node& node_;
  std::string what_;
  Diagnostics* out_;
  bool ok_;
  std::vector<std::string_view> known_;
};

// Calls `item` for each entry of the list `node`; reports a non-list as an error.
void ForEachItem(const Source& source, const yaml::Node& node, std::string_view what,
                 Diagnostics* out, const std::function<void(const yaml::Node&)>& item);

// A contact map ({email: ..., phone: ...}) into contacts, in the order written.
void ReadContacts(const Source& source, const yaml::Node& node, const std::string& what,
                  Diagnostics* out, std::vector<Contact>* contacts);

template <typename E>
bool NodeReader::Choice(std::string_view key, E* out,
                        const std::vector<std::pair<std::string_view, E>>& words) {
  std::vector<std::string_view> names;
  for (const auto& word : words) names.push_back(word.first);
  size_t index = 0;
  if (!ChoiceImpl(key, names, &index)) return false;
  *out = words[index].second;
  return true;
}

}  // namespace stormproof::plan

#endif  // STORMPROOF_CONTINUITY_PLAN_INTERNAL_NODE_READER_H_
