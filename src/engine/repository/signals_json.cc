#include "engine/repository/internal/signals_json.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/text.h"
#include "engine/repository/encoding.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;

// The counts of `s` by their JSON names (the fields' names). S: [const] SnapshotSignals.
template <typename S>
auto Counts(S& s) {
  return std::to_array<std::pair<const char*, decltype(&s.files_total)>>(
      {{"files_total", &s.files_total},
       {"dirs_total", &s.dirs_total},
       {"files_new", &s.files_new},
       {"files_changed", &s.files_changed},
       {"files_deleted", &s.files_deleted},
       {"files_unreadable", &s.files_unreadable},
       {"bytes_unreadable", &s.bytes_unreadable},
       {"files_known_content", &s.files_known_content},
       {"bytes_deleted", &s.bytes_deleted},
       {"bytes_changed", &s.bytes_changed},
       {"bytes_incompressible", &s.bytes_incompressible},
       {"files_judged", &s.files_judged},
       {"rewritten_high_entropy", &s.rewritten_high_entropy},
       {"header_mismatch", &s.header_mismatch},
       {"intermittent", &s.intermittent},
       {"encrypted_copies", &s.encrypted_copies},
       {"new_extension_files", &s.new_extension_files},
       {"suspect_files", &s.suspect_files},
       {"suspect_bytes", &s.suspect_bytes},
       {"suspect_mtime_kept", &s.suspect_mtime_kept},
       {"archives_added_bytes", &s.archives_added_bytes}});
}

template <typename S>
auto SmallCounts(S& s) {
  return std::to_array<std::pair<const char*, decltype(&s.note_dirs)>>(
      {{"note_dirs", &s.note_dirs},
       {"note_copies", &s.note_copies},
       {"repeated_name_dirs", &s.repeated_name_dirs}});
}

// `text` cut to at most `max` bytes, not inside a UTF-8 sequence.
std::string Cut(std::string_view text, size_t max) { return std::string(Utf8Prefix(text, max)); }

// How a wrong value is named in an error: a string or scalar as written (cut), anything else by
// its type only; a hostile value is never serialized whole (a deeply nested one would exhaust the
// stack).
std::string Shown(const json& j) {
  if (j.is_string()) return json(Cut(j.get_ref<const std::string&>(), 40)).dump(
                                    -1, ' ', false, json::error_handler_t::replace);
  if (j.is_primitive()) return j.dump();
  return std::string("a JSON ") + j.type_name();
}

json Text(std::string_view text, size_t max_bytes) {
  return ByteStringToJson(Cut(text, max_bytes));
}

json Texts(const std::vector<std::string>& items, size_t max_items) {
  json out = json::array();
  for (size_t i = 0; i < std::min(items.size(), max_items); ++i) {
    out.push_back(Text(items[i], kMaxSignalText));
  }
  return out;
}

// [[ext, files], ...]: the first `max_items` whose extension is within kMaxExtensionBytes.
template <typename Pairs>
json CountedNames(const Pairs& pairs, size_t max_items) {
  json out = json::array();
  for (const auto& [name, count] : pairs) {
    if (out.size() == max_items) break;
    if (name.size() > kMaxExtensionBytes) continue;
    out.push_back(json::array({ByteStringToJson(name), count}));
  }
  return out;
}

Error Bad(std::string_view field, std::string_view what) {
  return Error::FailedCheck(std::string(field) + ": " + std::string(what));
}

Status CheckList(const json& j, std::string_view field, size_t max_items) {
  if (!j.is_array()) return Bad(field, "expected a list");
  if (j.size() > max_items) {
    return Bad(field, std::to_string(j.size()) + " entries, more than the " +
                          std::to_string(max_items) + " a snapshot may hold");
  }
  return Ok();
}

Result<std::string> TextFrom(const json& j, std::string_view field, size_t max_bytes) {
  auto text = ByteStringFromJson(j);
  if (!text) return text.error().WithContext(std::string(field));
  if (text->size() > max_bytes) {
    return Bad(field, "a text longer than " + std::to_string(max_bytes) + " bytes");
  }
  return text;
}

Result<std::vector<std::string>> TextsFrom(const json& j, std::string_view field,
                                           size_t max_items) {
  STORMPROOF_TRY(CheckList(j, field, max_items));
  std::vector<std::string> out;
  for (const json& item : j) {
    STORMPROOF_ASSIGN_OR_RETURN(std::string text, TextFrom(item, field, kMaxSignalText));
    out.push_back(std::move(text));
  }
  return out;
}

Result<std::vector<std::pair<std::string, uint64_t>>> CountedNamesFrom(const json& j,
                                                                       std::string_view field,
                                                                       size_t max_items) {
  STORMPROOF_TRY(CheckList(j, field, max_items));
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const json& pair : j) {
    if (!pair.is_array() || pair.size() != 2) return Bad(field, "expected [name, count] pairs");
    STORMPROOF_ASSIGN_OR_RETURN(std::string name, TextFrom(pair[0], field, kMaxExtensionBytes));
    STORMPROOF_ASSIGN_OR_RETURN(uint64_t count, IntegerFromJson<uint64_t>(pair[1], field));
    out.emplace_back(std::move(name), count);
  }
  return out;
}

// Each count present in `j` (named "signals.<name>" in errors).
Status CountsFrom(const json& j, SnapshotSignals* s) {
  for (auto [name, count] : Counts(*s)) {
    if (!j.contains(name)) continue;
    STORMPROOF_ASSIGN_OR_RETURN(*count,
                                IntegerFromJson<uint64_t>(j[name], std::string("signals.") + name));
  }
  for (auto [name, count] : SmallCounts(*s)) {
    if (!j.contains(name)) continue;
    STORMPROOF_ASSIGN_OR_RETURN(*count,
                                IntegerFromJson<uint32_t>(j[name], std::string("signals.") + name));
  }
  return Ok();
}

Result<SnapshotSignals::Source> SourceFrom(const json& j) {
  if (j == "backup") return SnapshotSignals::Source::kBackup;
  if (j == "scan") return SnapshotSignals::Source::kScan;
  return Bad("signals.source", Shown(j) + " is not backup or scan");
}

// The lists and names of "signals", each optional.
Status ListsFrom(const json& j, SnapshotSignals* s) {
  if (j.contains("note_name")) {
    STORMPROOF_ASSIGN_OR_RETURN(s->note_name,
                                TextFrom(j["note_name"], "signals.note_name", kMaxSignalText));
  }
  if (j.contains("repeated_name")) {
    STORMPROOF_ASSIGN_OR_RETURN(
        s->repeated_name, TextFrom(j["repeated_name"], "signals.repeated_name", kMaxSignalText));
  }
  if (j.contains("canary_hits")) {
    STORMPROOF_ASSIGN_OR_RETURN(s->canary_hits,
                                TextsFrom(j["canary_hits"], "signals.canary_hits", kMaxCanaryHits));
  }
  if (j.contains("examples")) {
    STORMPROOF_ASSIGN_OR_RETURN(s->examples,
                                TextsFrom(j["examples"], "signals.examples", kMaxExamples));
  }
  if (j.contains("new_extensions")) {
    STORMPROOF_ASSIGN_OR_RETURN(
        s->new_extensions,
        CountedNamesFrom(j["new_extensions"], "signals.new_extensions", kMaxNewExtensions));
  }
  if (j.contains("extensions")) {
    STORMPROOF_ASSIGN_OR_RETURN(
        auto extensions, CountedNamesFrom(j["extensions"], "signals.extensions", kMaxExtensions));
    s->extensions.insert(extensions.begin(), extensions.end());
  }
  return Ok();
}

Result<Verdict::Level> LevelFrom(const json& j) {
  if (j.is_string()) {
    if (std::optional<Verdict::Level> level = LevelNamed(j.get_ref<const std::string&>())) {
      return *level;
    }
  }
  return Bad("verdict.level", Shown(j) + " is not clean, suspicious or infected");
}

}  // namespace

json SignalsToJson(const SnapshotSignals& s) {
  json j = {{"version", s.version},
            {"source", s.source == SnapshotSignals::Source::kScan ? "scan" : "backup"},
            {"has_parent", s.has_parent}};
  for (auto [name, count] : Counts(s)) j[name] = *count;
  for (auto [name, count] : SmallCounts(s)) j[name] = *count;
  j["note_name"] = Text(s.note_name, kMaxSignalText);
  j["repeated_name"] = Text(s.repeated_name, kMaxSignalText);
  j["canary_hits"] = Texts(s.canary_hits, kMaxCanaryHits);
  j["examples"] = Texts(s.examples, kMaxExamples);
  j["new_extensions"] = CountedNames(s.new_extensions, kMaxNewExtensions);
  j["extensions"] = CountedNames(s.extensions, kMaxExtensions);
  return j;
}

json VerdictToJson(const Verdict& v) {
  return {{"level", std::string(LevelName(v.level))},
          {"score", std::clamp(v.score, 0, 100)},
          {"reasons", Texts(v.reasons, kMaxReasons)},
          {"model", Text(v.model, kMaxModelBytes)}};
}

Result<SnapshotSignals> SignalsFromJson(const json& j) {
  if (!j.is_object()) return Bad("signals", "expected an object");
  SnapshotSignals s;
  if (j.contains("version")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.version, IntegerFromJson<int>(j["version"], "signals.version"));
  }
  if (j.contains("source")) {
    STORMPROOF_ASSIGN_OR_RETURN(s.source, SourceFrom(j["source"]));
  }
  if (j.contains("has_parent")) {
    if (!j["has_parent"].is_boolean()) return Bad("signals.has_parent", "expected true or false");
    s.has_parent = j["has_parent"].get<bool>();
  }
  STORMPROOF_TRY(CountsFrom(j, &s));
  STORMPROOF_TRY(ListsFrom(j, &s));
  return s;
}

Result<Verdict> VerdictFromJson(const json& j) {
  if (!j.is_object()) return Bad("verdict", "expected an object");
  if (!j.contains("level")) return Bad("verdict", "no level");
  if (!j.contains("score")) return Bad("verdict", "no score");
  Verdict v;
  STORMPROOF_ASSIGN_OR_RETURN(v.level, LevelFrom(j["level"]));
  STORMPROOF_ASSIGN_OR_RETURN(v.score, IntegerFromJson<int>(j["score"], "verdict.score"));
  if (v.score < 0 || v.score > 100) {
    return Bad("verdict.score", std::to_string(v.score) + " is outside 0..100");
  }
  v.reasons.clear();
  if (j.contains("reasons")) {
    STORMPROOF_ASSIGN_OR_RETURN(v.reasons, TextsFrom(j["reasons"], "verdict.reasons", kMaxReasons));
  }
  v.model.clear();
  if (j.contains("model")) {
    STORMPROOF_ASSIGN_OR_RETURN(v.model, TextFrom(j["model"], "verdict.model", kMaxModelBytes));
  }
  return v;
}

}  // namespace stormproof::repository
