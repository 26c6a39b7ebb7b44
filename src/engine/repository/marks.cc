// Marks (marks.h): their JSON and what a repository's marks add up to.
#include "engine/repository/marks.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "core/text.h"
#include "core/time.h"
#include "engine/repository/encoding.h"
#include "engine/repository/internal/signals_json.h"

namespace stormproof::repository {
namespace {

using nlohmann::json;

constexpr const char* kFormat = "stormproof mark";
constexpr int kVersion = 1;

Error Bad(std::string_view field, std::string_view what) {
  return Error::FailedCheck("mark." + std::string(field) + ": " + std::string(what));
}

json Text(std::string_view text) {
  return ByteStringToJson(std::string(Utf8Prefix(text, kMaxSignalText)));
}

Result<std::string> TextFrom(const json& j, const char* field) {
  if (!j.contains(field)) return std::string();
  auto text = ByteStringFromJson(j[field]);
  if (!text) return Bad(field, "expected a string");
  if (text->size() > kMaxSignalText) return Bad(field, "longer than a mark holds");
  return text;
}

Result<crypto::Id> IdFrom(const json& j, const char* field) {
  if (!j.contains(field) || !j[field].is_string()) return Bad(field, "expected a snapshot id");
  auto id = crypto::Id::FromHex(j[field].get_ref<const std::string&>());
  if (!id) return Bad(field, "not a snapshot id (64 hex digits)");
  return *id;
}

Result<Mark::Kind> KindFrom(const json& j) {
  if (j.contains("kind") && j["kind"].is_string()) {
    const std::string& word = j["kind"].get_ref<const std::string&>();
    for (Mark::Kind kind :
         {Mark::Kind::kHold, Mark::Kind::kRelease, Mark::Kind::kVerdict, Mark::Kind::kResolution}) {
      if (word == MarkKindName(kind)) return kind;
    }
  }
  return Bad("kind", "not hold, release, verdict or resolution");
}

Status ReleasesFrom(const json& j, Mark* mark) {
  if (!j.contains("releases") || !j["releases"].is_array())
    return Bad("releases", "expected a list");
  const json& list = j["releases"];
  if (list.empty() || list.size() > kMaxReleasedHolds) {
    return Bad("releases", "names " + std::to_string(list.size()) + " holds, not 1.." +
                               std::to_string(kMaxReleasedHolds));
  }
  for (const json& name : list) {
    if (!name.is_string() || !IsMarkName(name.get_ref<const std::string&>()) ||
        name.get_ref<const std::string&>().size() > 128) {
      return Bad("releases", "expected names of marks");
    }
    mark->releases.push_back(name.get<std::string>());
  }
  return Ok();
}

Status ResolvesFrom(const json& j, Mark* mark) {
  if (!j.contains("resolves") || !j["resolves"].is_array()) {
    return Bad("resolves", "expected a list");
  }
  const json& list = j["resolves"];
  if (list.empty() || list.size() > kMaxResolvedSnapshots) {
    return Bad("resolves", "names " + std::to_string(list.size()) + " snapshots, not 1.." +
                               std::to_string(kMaxResolvedSnapshots));
  }
  for (const json& hex : list) {
    if (!hex.is_string()) return Bad("resolves", "expected snapshot ids (64 hex digits)");
    auto id = crypto::Id::FromHex(hex.get_ref<const std::string&>());
    if (!id) return Bad("resolves", "expected snapshot ids (64 hex digits)");
    mark->resolves.push_back(*id);
  }
  return Ok();
}

Status VerdictFrom(const json& j, Mark* mark) {
  if (!j.contains("verdict")) return Bad("verdict", "missing");
  auto verdict = VerdictFromJson(j["verdict"]);
  if (!verdict) return verdict.error().WithContext("mark");
  mark->verdict = std::move(*verdict);
  if (j.contains("false_alarm")) {
    if (!j["false_alarm"].is_boolean()) return Bad("false_alarm", "expected true or false");
    mark->false_alarm = j["false_alarm"].get<bool>();
  }
  if (mark->false_alarm && mark->verdict->level != Verdict::Level::kClean) {
    return Bad("false_alarm", "an accepted false alarm's verdict is clean");
  }
  if (j.contains("accepts")) {
    const json& list = j["accepts"];
    if (!mark->false_alarm || !list.is_array() || list.size() > kMaxReleasedHolds) {
      return Bad("accepts", "expected a false alarm's list of at most " +
                                std::to_string(kMaxReleasedHolds) + " marks");
    }
    mark->accepts.emplace();
    for (const json& name : list) {
      if (!name.is_string() || !IsMarkName(name.get_ref<const std::string&>()) ||
          name.get_ref<const std::string&>().size() > 128) {
        return Bad("accepts", "expected names of marks");
      }
      mark->accepts->push_back(name.get<std::string>());
    }
  }
  if (j.contains("signals") && !j["signals"].is_null()) {
    auto signals = SignalsFromJson(j["signals"]);
    if (!signals) return signals.error().WithContext("mark");
    mark->signals = std::move(*signals);
  }
  return Ok();
}

}  // namespace

std::string_view MarkKindName(Mark::Kind kind) {
  switch (kind) {
    case Mark::Kind::kRelease:
      return "release";
    case Mark::Kind::kVerdict:
      return "verdict";
    case Mark::Kind::kResolution:
      return "resolution";
    case Mark::Kind::kHold:
      break;
  }
  return "hold";
}

std::string EncodeMark(const Mark& mark) {
  json j = {{"format", kFormat},
            {"version", kVersion},
            {"kind", std::string(MarkKindName(mark.kind))},
            {"snapshot", mark.snapshot.Hex()},
            {"time", FormatRfc3339Nanos(mark.time_ns)},
            {"hostname", Text(mark.hostname)},
            {"username", Text(mark.username)},
            {"reason", Text(mark.reason)}};
  if (mark.because) j["because"] = mark.because->Hex();
  if (mark.kind == Mark::Kind::kRelease) {
    json names = json::array();
    for (size_t i = 0; i < std::min(mark.releases.size(), kMaxReleasedHolds); ++i) {
      names.push_back(mark.releases[i]);
    }
    j["releases"] = std::move(names);
  }
  if (mark.verdict) j["verdict"] = VerdictToJson(*mark.verdict);
  if (mark.kind == Mark::Kind::kVerdict) j["false_alarm"] = mark.false_alarm;
  if (mark.false_alarm && mark.accepts) {
    json names = json::array();
    for (size_t i = 0; i < std::min(mark.accepts->size(), kMaxReleasedHolds); ++i) {
      names.push_back((*mark.accepts)[i]);
    }
    j["accepts"] = std::move(names);
  }
  if (mark.signals) j["signals"] = SignalsToJson(*mark.signals);
  if (mark.kind == Mark::Kind::kResolution) {
    json ids = json::array();
    for (size_t i = 0; i < std::min(mark.resolves.size(), kMaxResolvedSnapshots); ++i) {
      ids.push_back(mark.resolves[i].Hex());
    }
    j["resolves"] = std::move(ids);
  }
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Result<Mark> DecodeMark(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return Error::FailedCheck("mark: not a JSON object");
  if (!j.contains("format") || j["format"] != kFormat) return Bad("format", "not a mark");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != kVersion) {
    return Bad("version", "not 1 (a newer stormproof wrote it)");
  }
  Mark mark;
  STORMPROOF_ASSIGN_OR_RETURN(mark.kind, KindFrom(j));
  STORMPROOF_ASSIGN_OR_RETURN(mark.snapshot, IdFrom(j, "snapshot"));
  if (!j.contains("time") || !j["time"].is_string()) return Bad("time", "expected a time");
  auto time = ParseRfc3339(j["time"].get_ref<const std::string&>());
  if (!time) return Bad("time", "not an RFC 3339 time");
  mark.time_ns = *time;
  STORMPROOF_ASSIGN_OR_RETURN(mark.hostname, TextFrom(j, "hostname"));
  STORMPROOF_ASSIGN_OR_RETURN(mark.username, TextFrom(j, "username"));
  STORMPROOF_ASSIGN_OR_RETURN(mark.reason, TextFrom(j, "reason"));
  if (mark.reason.empty()) return Bad("reason", "empty");
  if (j.contains("because")) {
    STORMPROOF_ASSIGN_OR_RETURN(mark.because, IdFrom(j, "because"));
  }
  if (mark.kind == Mark::Kind::kRelease) STORMPROOF_TRY(ReleasesFrom(j, &mark));
  if (mark.kind == Mark::Kind::kVerdict) STORMPROOF_TRY(VerdictFrom(j, &mark));
  if (mark.kind == Mark::Kind::kResolution) STORMPROOF_TRY(ResolvesFrom(j, &mark));
  return mark;
}

MarkSet::MarkSet(std::vector<NamedMark> marks) : marks_(std::move(marks)) {
  std::sort(marks_.begin(), marks_.end(),
            [](const NamedMark& a, const NamedMark& b) { return a.name < b.name; });
  std::map<std::string, const Mark*> holds;
  for (const NamedMark& m : marks_) {
    by_snapshot_[m.mark.snapshot].push_back(&m);
    if (m.mark.kind == Mark::Kind::kHold) holds.emplace(m.name, &m.mark);
  }
  // A release counts only for holds on its own snapshot: one naming another snapshot's hold
  // (written by no stormproof) frees nothing.
  for (const NamedMark& m : marks_) {
    if (m.mark.kind != Mark::Kind::kRelease) continue;
    for (const std::string& name : m.mark.releases) {
      auto hold = holds.find(name);
      if (hold != holds.end() && hold->second->snapshot == m.mark.snapshot) {
        released_.emplace(name, &m);
      }
    }
  }
}

const std::vector<const NamedMark*>& MarkSet::Of(const crypto::Id& snapshot) const {
  static const std::vector<const NamedMark*> kNone;
  auto it = by_snapshot_.find(snapshot);
  return it == by_snapshot_.end() ? kNone : it->second;
}

std::vector<const NamedMark*> MarkSet::StandingHolds(const crypto::Id& snapshot) const {
  std::vector<const NamedMark*> out;
  for (const NamedMark* m : Of(snapshot)) {
    if (m->mark.kind == Mark::Kind::kHold && !released_.contains(m->name)) out.push_back(m);
  }
  return out;
}

std::map<crypto::Id, std::vector<const NamedMark*>> MarkSet::AllStandingHolds() const {
  std::map<crypto::Id, std::vector<const NamedMark*>> out;
  for (const auto& [snapshot, marks] : by_snapshot_) {
    std::vector<const NamedMark*> holds = StandingHolds(snapshot);
    if (!holds.empty()) out.emplace(snapshot, std::move(holds));
  }
  return out;
}

bool MarkSet::HoldWasPlaced(const crypto::Id& snapshot, const crypto::Id& flagged) const {
  const std::vector<const NamedMark*>& marks = Of(snapshot);
  return std::any_of(marks.begin(), marks.end(), [&](const NamedMark* m) {
    return m->mark.kind == Mark::Kind::kHold && m->mark.because == flagged;
  });
}

bool MarkSet::AcceptedAsFalseAlarm(const crypto::Id& snapshot) const {
  // One pass over the snapshot's marks and the names its false alarms accept (a hostile snapshot
  // may carry thousands of each: no product of the two).
  const std::vector<const NamedMark*>& marks = Of(snapshot);
  bool any_false_alarm = false, accepts_all = false;
  std::set<std::string_view> accepted;
  for (const NamedMark* m : marks) {
    if (m->mark.kind != Mark::Kind::kVerdict || !m->mark.false_alarm) continue;
    any_false_alarm = true;
    if (!m->mark.accepts) {
      accepts_all = true;  // written before `accepts`: every verdict
      continue;
    }
    accepted.insert(m->mark.accepts->begin(), m->mark.accepts->end());
  }
  if (!any_false_alarm) return false;
  if (accepts_all) return true;
  return std::all_of(marks.begin(), marks.end(), [&](const NamedMark* m) {
    return !IsFlaggingVerdict(m->mark) || accepted.contains(m->name);
  });
}

const NamedMark* MarkSet::ReleaseOf(const std::string& hold) const {
  auto it = released_.find(hold);
  return it == released_.end() ? nullptr : it->second;
}

const NamedMark* MarkSet::Resolution(const crypto::Id& snapshot) const {
  const NamedMark* newest = nullptr;
  for (const NamedMark* m : Of(snapshot)) {
    if (m->mark.kind == Mark::Kind::kResolution) newest = m;
  }
  return newest;
}

const Mark* MarkSet::WorstLaterVerdict(const crypto::Id& snapshot) const {
  const Mark* worst = nullptr;
  for (const NamedMark* named : Of(snapshot)) {
    const Mark& m = named->mark;
    if (m.kind != Mark::Kind::kVerdict || m.false_alarm || !m.verdict) continue;
    if (worst == nullptr || m.verdict->level > worst->verdict->level ||
        (m.verdict->level == worst->verdict->level && !worst->signals && m.signals)) {
      worst = &m;
    }
  }
  return worst;
}

}  // namespace stormproof::repository
