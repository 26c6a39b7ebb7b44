// stormproof calendar: the plan's recurring duties as an iCalendar (RFC 5545) feed.
#include <fmt/format.h>

#include "apps/stormproof/context.h"
#include "continuity/report/calendar/calendar.h"
#include "continuity/report/plan_output/json_output.h"

namespace stormproof::cli {
namespace {

struct CalendarFlags {
  std::string out;
};

Outcome RunCalendar(Context* context, const CalendarFlags& flags) {
  auto usable = LoadUsablePlan(*context);
  if (!usable) return usable.outcome();
  std::vector<report::CalendarEvent> events = report::PlanDuties(usable->plan(), {usable->today});
  if (context->json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& e : events) list.push_back(report::CalendarEventToJson(e));
    PrintJson({{"as_of", usable->today.ToString()}, {"events", list}});
    if (flags.out.empty()) return Outcome::Ok();
  }
  auto ics = report::RenderCalendar(usable->plan(), events);
  if (!ics) {
    PrintError(ics.error().message());
    return Outcome::Failed();
  }
  Outcome written = WriteOutput(flags.out, *ics);
  if (written.ok() && !flags.out.empty() && !context->json) {
    fmt::print(stderr, "wrote {} ({} events)\n", flags.out, events.size());
  }
  return written;
}

}  // namespace

void AddCalendarCommand(CLI::App* app, Context* context) {
  auto flags = std::make_shared<CalendarFlags>();
  CLI::App* cmd = app->add_subcommand(
      "calendar",
      "Print the plan's recurring duties as an iCalendar feed: the plan review, restore drills "
      "per tier, contact verification per person and security-evidence refreshes, each with a "
      "stable UID so re-importing updates the events. Import it into any calendar app.");
  cmd->add_option("--out", flags->out, "Write the .ics to FILE (crash-safe replace)")
      ->type_name("FILE");
  cmd->callback([context, flags] { context->outcome = RunCalendar(context, *flags); });
}

}  // namespace stormproof::cli
