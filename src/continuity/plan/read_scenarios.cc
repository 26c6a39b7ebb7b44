// Reader for `scenarios:`, the incidents a plan rehearses (docs/plan-schema.md, "scenarios").
#include <algorithm>
#include <cctype>

#include "continuity/plan/internal/entity_readers.h"
#include "continuity/plan/words.h"

namespace stormproof::plan::internal {
namespace {

using yaml::Node;
using yaml::NodeKind;

// "17:30" -> 1050; -1 unless HH:MM (or H:MM) with hours 0..23 and minutes 0..59.
int MinuteOfDay(const std::string& text) {
  size_t colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || text.size() != colon + 3) return -1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i != colon && !std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
  }
  int hours = std::stoi(text.substr(0, colon));
  int minutes = std::stoi(text.substr(colon + 1));
  return hours < 24 && minutes < 60 ? hours * 60 + minutes : -1;
}

// A list item written as a bare id; reports anything else as bad-id. `field` names the list.
bool BareId(const Source& source, const Node& item, const std::string& field, Diagnostics* out,
            Ref* ref) {
  bool valid = !item.value.empty() && std::all_of(item.value.begin(), item.value.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
  if (!valid) {
    out->Error(source.MarkOf(item), "bad-id",
               field + ": items must be ids, found " + yaml::Quote(item));
    return false;
  }
  *ref = Ref{item.value, source.MarkOf(item)};
  return true;
}

void ReadStart(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
               ScenarioStart* start) {
  NodeReader r(source, node, what + ": starts", out);
  start->mark = r.mark();
  if (r.ok() && !r.Child("day")) {
    r.Problem(node, "missing-field", "missing required 'day' (monday to sunday)");
  }
  r.Choice("day", &start->day, WeekdayWords());
  std::string time;
  if (r.Text("time", &time, Need::kRequired)) {
    int minute = MinuteOfDay(time);
    if (minute < 0) {
      r.Problem(*r.Child("time"), "bad-time",
                "'time' must be a time of day HH:MM from 00:00 to 23:59, found " +
                    yaml::Quote(*r.Child("time")));
    } else {
      start->minute_of_day = minute;
    }
  }
  r.Text("timezone", &start->timezone);
  r.Finish();
}

// One item of a `lost:` list: an id, or a map with `id` and the fields `read_more` reads
// (`for`; `how`) into the item.
template <typename Loss, typename ReadMore>
void ReadLostItem(const Source& source, const Node& item, const std::string& what,
                  Diagnostics* out, std::vector<Loss>* list, const ReadMore& read_more) {
  Loss loss;
  if (item.kind == NodeKind::kScalar) {
    if (BareId(source, item, what, out, &loss.ref)) list->push_back(std::move(loss));
    return;
  }
  NodeReader r(source, item, what, out);
  if (!r.ok()) return;
  std::optional<Ref> ref;
  r.Reference("id", &ref, Need::kRequired);
  read_more(r, loss);
  r.Finish();
  if (!ref) return;
  loss.ref = *ref;
  list->push_back(std::move(loss));
}

// One item of `lost.systems` and the like: an id, or {id, for}.
void ReadLoss(const Source& source, const Node& item, const std::string& what, Diagnostics* out,
              std::vector<ScenarioLoss>* list) {
  ReadLostItem(source, item, what, out, list, [](NodeReader& r, ScenarioLoss& loss) {
    r.DurationValue("for", &loss.duration, &loss.duration_mark);
  });
}

// One item of `lost.repositories`: an id (lost), or {id, how: lost|encrypted}.
void ReadRepositoryLoss(const Source& source, const Node& item, const std::string& what,
                        Diagnostics* out, std::vector<RepositoryLoss>* list) {
  ReadLostItem(source, item, what, out, list, [](NodeReader& r, RepositoryLoss& loss) {
    r.Choice("how", &loss.how, RepositoryDamageWords());
  });
}

void ReadLost(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
              Scenario::Lost* lost) {
  NodeReader r(source, node, what + ": lost", out);
  lost->mark = r.mark();
  const std::pair<const char*, std::vector<ScenarioLoss>*> kLists[] = {{"systems", &lost->systems},
                                                                       {"sites", &lost->sites},
                                                                       {"vendors", &lost->vendors},
                                                                       {"isps", &lost->isps},
                                                                       {"people", &lost->people}};
  for (const auto& [key, list] : kLists) {
    const Node* items = r.Child(key);
    if (items == nullptr) continue;
    std::string field = r.what() + "." + key;
    ForEachItem(source, *items, field, out,
                [&, list = list](const Node& item) { ReadLoss(source, item, field, out, list); });
  }
  if (const Node* items = r.Child("repositories")) {
    std::string field = r.what() + ".repositories";
    ForEachItem(source, *items, field, out, [&](const Node& item) {
      ReadRepositoryLoss(source, item, field, out, &lost->repositories);
    });
  }
  r.Reference("ransomware", &lost->ransomware);
  r.Finish();
}

// "T+2h" -> 2h. False (and `at` untouched) unless "T+" and a duration.
bool ParseInjectTime(const std::string& text, Duration* at) {
  if (text.rfind("T+", 0) != 0) return false;
  Result<Duration> parsed = Duration::Parse(std::string_view(text).substr(2));
  if (!parsed) return false;
  *at = *parsed;
  return true;
}

void ReadInject(const Source& source, const Node& node, const std::string& what, Diagnostics* out,
                Scenario* scenario) {
  NodeReader r(source, node, what + ": inject", out);
  if (!r.ok()) return;
  Inject inject;
  inject.mark = r.mark();
  std::string at;
  bool timed = false;
  if (r.Text("at", &at, Need::kRequired)) {
    const Node& value = *r.Child("at");
    inject.at_mark = source.MarkOf(value);
    timed = ParseInjectTime(at, &inject.at);
    if (!timed) {
      r.Problem(value, "bad-inject-time",
                "'at' must be T+ and a duration from the start (T+0m, T+2h, T+1d4h), found " +
                    yaml::Quote(value));
    }
  }
  r.Text("text", &inject.text, Need::kRequired);
  r.Reference("to", &inject.to);
  r.Finish();
  if (timed) scenario->injects.push_back(std::move(inject));
}

}  // namespace

void ReadScenario(const Source& source, const Node& node, Diagnostics* out, Plan* plan) {
  ReadIdentifiedItem(
      source, node, "scenario", out, &plan->scenarios, [&](NodeReader& r, Scenario& s) {
        r.Text("name", &s.name, Need::kRequired);
        r.Text("description", &s.description);
        if (const Node* starts = r.Child("starts", Need::kRequired)) {
          ReadStart(source, *starts, r.what(), out, &s.starts);
        }
        if (const Node* lost = r.Child("lost", Need::kRequired)) {
          ReadLost(source, *lost, r.what(), out, &s.lost);
        }
        if (const Node* injects = r.Child("injects")) {
          ForEachItem(source, *injects, r.what() + ": injects", out,
                      [&](const Node& item) { ReadInject(source, item, r.what(), out, &s); });
        }
      });
}

}  // namespace stormproof::plan::internal
