#include "continuity/report/plan_output/json_output.h"

#include "continuity/analysis/audit.h"
#include "core/time.h"

namespace stormproof::report {
namespace {

using nlohmann::json;

json Where(const std::vector<std::string>& files, const plan::Mark& mark) {
  if (mark.file < 0 || static_cast<size_t>(mark.file) >= files.size()) return nullptr;
  return {{"file", files[mark.file]}, {"line", mark.line}, {"column", mark.column}};
}

json OptionalDuration(const std::optional<Duration>& d) {
  return d ? json(d->ToString()) : json(nullptr);
}

json PersonOrNull(const plan::Plan& plan, const std::optional<plan::Ref>& ref) {
  const plan::Person* p = ref ? plan.FindPerson(ref->id) : nullptr;
  return p ? PersonToJson(*p) : json(nullptr);
}

json TimeOrNull(const std::optional<int64_t>& ns) {
  return ns && *ns != 0 ? json(FormatRfc3339(*ns)) : json(nullptr);
}

json SecondsOrNull(const std::optional<Duration>& d) {
  return d ? json(d->seconds()) : json(nullptr);
}

json TextOrNull(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json FlaggedJson(const std::optional<readiness::FlaggedSnapshot>& f) {
  if (!f) return nullptr;
  return {{"snapshot_id", f->snapshot_id},
          {"time", FormatRfc3339(f->time_ns)},
          {"repository", f->repository},
          {"level", f->level},
          {"score", f->score ? json(*f->score) : json(nullptr)},
          {"reasons", f->reasons},
          {"detected", TimeOrNull(f->detected_ns)}};
}

json HoldsJson(const std::vector<readiness::StandingHold>& holds) {
  json out = json::array();
  for (const readiness::StandingHold& h : holds) {
    out.push_back({{"snapshot_id", h.snapshot_id},
                   {"snapshot_time", TimeOrNull(h.snapshot_time_ns)},
                   {"repository", h.repository},
                   {"reason", h.reason}});
  }
  return out;
}

}  // namespace

json CleanPointToJson(const readiness::CleanPointStatus& c) {
  return {{"state", readiness::CleanStateName(c.state)},
          {"snapshot_id", TextOrNull(c.snapshot_id)},
          {"restore_point", TimeOrNull(c.point_ns)},
          {"repository", TextOrNull(c.repository)},
          {"age_s", SecondsOrNull(c.age)},
          {"target_s", SecondsOrNull(c.target)},
          {"breached", c.breached},
          {"held", c.held},
          {"reason", TextOrNull(c.reason)},
          {"flagged", FlaggedJson(c.flagged)},
          {"flagged_count", c.flagged_count},
          {"holds", HoldsJson(c.holds)},
          {"backups", c.backups},
          {"judged", c.judged},
          {"marks_failed", TextOrNull(c.marks_failed)}};
}

json DiagnosticToJson(const std::vector<std::string>& files, const plan::Diagnostic& d) {
  json out = {
      {"severity", plan::SeverityName(d.severity)}, {"rule", d.rule}, {"message", d.message}};
  json where = Where(files, d.mark);
  out["file"] = where.is_null() ? json(nullptr) : where["file"];
  out["line"] = where.is_null() ? json(nullptr) : where["line"];
  out["column"] = where.is_null() ? json(nullptr) : where["column"];
  return out;
}

json FindingToJson(const plan::Plan& plan, const analysis::Finding& f) {
  return {{"severity", analysis::SeverityName(f.severity)},
          {"area", analysis::AreaName(f.area)},
          {"rule", f.rule},
          {"title", f.title},
          {"detail", f.detail},
          {"recommendation", f.recommendation},
          {"systems", f.systems},
          {"clients", f.clients},
          {"where", Where(plan.files, f.mark)}};
}

json PersonToJson(const plan::Person& person) {
  json contacts = json::array();
  for (const plan::Contact& c : person.contacts) {
    contacts.push_back({{"kind", plan::ContactKindName(c.kind)}, {"value", c.value}});
  }
  return {
      {"id", person.id}, {"name", person.name}, {"title", person.title}, {"contacts", contacts}};
}

json RestoreStepToJson(const plan::Plan& plan, const analysis::RestoreStep& step) {
  const plan::System& s = plan.systems[step.system];
  plan::Objectives o = plan::ObjectivesOf(plan, s);
  const plan::Person* owner = s.owner ? plan.FindPerson(s.owner->id) : nullptr;
  json checklist = json::array();
  for (const plan::ChecklistStep& c : s.checklist) {
    checklist.push_back(
        {{"step", c.text}, {"skill", c.skill.empty() ? json(nullptr) : json(c.skill)}});
  }
  json depends = json::array();
  for (const plan::Ref& r : s.depends_on) depends.push_back(r.id);
  return {{"position", step.position},
          {"system", s.id},
          {"name", s.name},
          {"client", s.client ? json(s.client->id) : json(nullptr)},
          {"tier", o.tier ? json(o.tier->id) : json(nullptr)},
          {"rto", OptionalDuration(o.rto)},
          {"rpo", OptionalDuration(o.rpo)},
          {"ready", step.restorable() ? json(step.ready.ToString()) : json(nullptr)},
          {"starts", step.restorable() ? json(step.starts.ToString()) : json(nullptr)},
          {"back", step.restorable() ? json(step.back.ToString()) : json(nullptr)},
          {"back_seconds", step.restorable() ? json(step.back.seconds()) : json(nullptr)},
          {"restored_by",
           step.restorable() ? PersonOrNull(plan, plan::Ref{step.person, {}}) : json(nullptr)},
          {"restorer", analysis::RestorerName(step.restorer)},
          {"not_restorable", step.restorable() ? json(nullptr) : json(step.not_restorable)},
          {"restore_time", step.restore_time.ToString()},
          {"estimated", step.estimated},
          {"within_rto", step.within_rto},
          {"waits_for", step.waits_for},
          {"dependency_only", step.dependency_only},
          {"depends_on", depends},
          {"downtime_cost_per_hour",
           s.downtime_cost_per_hour ? json(*s.downtime_cost_per_hour) : json(nullptr)},
          {"owner", s.owner ? PersonOrNull(plan, s.owner) : json(nullptr)},
          {"deputy", owner ? PersonOrNull(plan, owner->deputy) : json(nullptr)},
          {"checklist", checklist},
          {"verify", s.verify_command.empty() ? json(nullptr) : json(s.verify_command)}};
}

json CalendarEventToJson(const CalendarEvent& event) {
  return {{"uid", event.uid},
          {"summary", event.summary},
          {"description", event.description},
          {"first", event.first.ToString()},
          {"every", event.every.ToString()},
          {"owner", event.owner.empty() ? json(nullptr) : json(event.owner)}};
}

}  // namespace stormproof::report
