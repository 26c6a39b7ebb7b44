// RenderCalendar(): the duties as an RFC 5545 VCALENDAR, built and serialised by libical, which
// owns folding, escaping and CRLF line endings. The duties themselves are in calendar_duties.cc.
#include "continuity/report/calendar/calendar.h"

#include <libical/ical.h>

#include <climits>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace stormproof::report {
namespace {

using ComponentPtr = std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)>;

constexpr char kProductId[] = "-//stormproof//stormproof plan calendar//EN";

// Text for a TEXT value: CR LF and lone CR become LF (libical escapes LF as "\n"); other control
// characters, which RFC 5545 forbids in TEXT, become spaces.
std::string CleanText(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\r') {
      out += '\n';
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      out += ' ';
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// A parameter value may not contain DQUOTE or line breaks (RFC 5545 3.1).
std::string CleanParameter(const std::string& text) {
  std::string out = CleanText(text);
  for (char& c : out) {
    if (c == '"') c = '\'';
    if (c == '\n' || c == '\t') c = ' ';
  }
  return out;
}

Result<icaltimetype> IcalDate(Date date) {
  if (date.year() < 1 || date.year() > 9999) {
    return Error::InvalidArgument("date " + date.ToString() + " is outside years 1..9999");
  }
  icaltimetype t = icaltime_null_date();
  t.year = date.year();
  t.month = date.month();
  t.day = date.day();
  return t;
}

int DaysInMonth(int month) {  // February counts 28: a 29th is missing in most years
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return kDays[month - 1];
}

// True when stepping `months` at a time from (month, day) reaches a month without that day,
// which RFC 5545 would silently skip ("the 31st every 3 months" has no April 31st).
bool ReachesShortMonth(int month, int day, int months) {
  for (int i = 0, m = month - 1; i < 12; ++i, m = (m + months) % 12) {
    if (DaysInMonth(m + 1) < day) return true;
  }
  return false;
}

void TerminateList(short* list, size_t n) { list[n] = ICAL_RECURRENCE_ARRAY_MAX; }

// The RRULE for `every` starting on `first`. Where a monthly or yearly rule would skip a short
// month, it clamps to the month's last day instead: BYMONTHDAY=<day>,-1;BYSETPOS=1 picks the
// earlier of the day and the last day, as Date::Add does.
Result<icalrecurrencetype> Recurrence(const Cadence& every, Date first) {
  if (every.count() < 1 || every.count() > SHRT_MAX) {
    return Error::InvalidArgument("recurrence interval " + std::to_string(every.count()) +
                                  " is outside 1.." + std::to_string(SHRT_MAX));
  }
  icalrecurrencetype rule;
  icalrecurrencetype_clear(&rule);
  rule.interval = static_cast<short>(every.count());
  static constexpr icalrecurrencetype_frequency kFrequencies[] = {
      ICAL_DAILY_RECURRENCE, ICAL_WEEKLY_RECURRENCE, ICAL_MONTHLY_RECURRENCE,
      ICAL_YEARLY_RECURRENCE};
  rule.freq = kFrequencies[static_cast<int>(every.unit())];
  bool monthly = every.unit() == Cadence::Unit::kMonth;
  bool yearly = every.unit() == Cadence::Unit::kYear;
  bool clamp = (monthly && ReachesShortMonth(first.month(), first.day(), every.count() % 12)) ||
               (yearly && DaysInMonth(first.month()) < first.day());
  if (!clamp) return rule;
  rule.by_month_day[0] = static_cast<short>(first.day());
  rule.by_month_day[1] = -1;
  TerminateList(rule.by_month_day, 2);
  rule.by_set_pos[0] = 1;
  TerminateList(rule.by_set_pos, 1);
  if (yearly) {
    rule.by_month[0] = static_cast<short>(first.month());
    TerminateList(rule.by_month, 1);
  }
  return rule;
}

icalproperty* WithParameters(icalproperty* property, const std::string& name, bool attendee) {
  if (!name.empty()) icalproperty_add_parameter(property, icalparameter_new_cn(name.c_str()));
  if (attendee)
    icalproperty_add_parameter(property, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
  return property;
}

// ORGANIZER and ATTENDEE for the owner, only when the owner's email is known.
void AddOwner(const plan::Plan& plan, const CalendarEvent& event, icalcomponent* vevent) {
  if (event.owner_email.empty()) return;
  const plan::Person* person = event.owner.empty() ? nullptr : plan.FindPerson(event.owner);
  std::string name = CleanParameter(person != nullptr ? person->name : "");
  std::string address = "mailto:" + event.owner_email;
  icalcomponent_add_property(
      vevent, WithParameters(icalproperty_new_organizer(address.c_str()), name, false));
  icalcomponent_add_property(
      vevent, WithParameters(icalproperty_new_attendee(address.c_str()), name, true));
}

// A display reminder the day before, showing the summary.
icalcomponent* Reminder(std::string summary) {
  if (summary.empty()) summary = "Continuity duty due tomorrow";
  icalcomponent* alarm = icalcomponent_new_valarm();
  icalcomponent_add_property(alarm, icalproperty_new_action(ICAL_ACTION_DISPLAY));
  icaltriggertype trigger;
  trigger.time = icaltime_null_time();
  trigger.duration = icaldurationtype_from_int(-24 * 60 * 60);
  icalcomponent_add_property(alarm, icalproperty_new_trigger(trigger));
  icalcomponent_add_property(alarm, icalproperty_new_description(summary.c_str()));
  return alarm;
}

// One VEVENT; an error names what is wrong (the caller adds which event).
Result<icalcomponent*> Vevent(const plan::Plan& plan, const CalendarEvent& event,
                              icaltimetype stamp) {
  Result<icaltimetype> start = IcalDate(event.first);
  if (!start) return start.error();
  Result<icaltimetype> end = IcalDate(event.first.AddDays(1));
  if (!end) return end.error();
  Result<icalrecurrencetype> rule = Recurrence(event.every, event.first);
  if (!rule) return rule.error();
  std::string summary = CleanText(event.summary);
  icalcomponent* vevent = icalcomponent_new_vevent();
  icalcomponent_add_property(vevent, icalproperty_new_uid(CleanText(event.uid).c_str()));
  icalcomponent_add_property(vevent, icalproperty_new_dtstamp(stamp));
  icalcomponent_add_property(vevent, icalproperty_new_dtstart(*start));
  icalcomponent_add_property(vevent, icalproperty_new_dtend(*end));
  icalcomponent_add_property(vevent, icalproperty_new_rrule(*rule));
  // libical reads an empty TEXT value back as an error, so empty texts are left out.
  std::string description = CleanText(event.description);
  if (!summary.empty()) {
    icalcomponent_add_property(vevent, icalproperty_new_summary(summary.c_str()));
  }
  if (!description.empty()) {
    icalcomponent_add_property(vevent, icalproperty_new_description(description.c_str()));
  }
  icalcomponent_add_property(vevent, icalproperty_new_transp(ICAL_TRANSP_TRANSPARENT));
  AddOwner(plan, event, vevent);
  icalcomponent_add_component(vevent, Reminder(summary));
  return vevent;
}

ComponentPtr NewCalendar(const plan::Plan& plan) {
  ComponentPtr calendar(icalcomponent_new_vcalendar(), &icalcomponent_free);
  icalcomponent_add_property(calendar.get(), icalproperty_new_prodid(kProductId));
  icalcomponent_add_property(calendar.get(), icalproperty_new_version("2.0"));
  icalcomponent_add_property(calendar.get(), icalproperty_new_calscale("GREGORIAN"));
  std::string name = CleanText(plan::ClientName(plan, std::nullopt)) + " continuity duties";
  icalproperty* calname = icalproperty_new_x(name.c_str());
  icalproperty_set_x_name(calname, "X-WR-CALNAME");
  icalcomponent_add_property(calendar.get(), calname);
  return calendar;
}

}  // namespace

// DTSTAMP is the moment of rendering, as RFC 5545 asks of a calendar without a METHOD; it is
// the only part of the output that is not a function of the arguments.
Result<std::string> RenderCalendar(const plan::Plan& plan,
                                   const std::vector<CalendarEvent>& events) {
  ComponentPtr calendar = NewCalendar(plan);
  icaltimetype stamp =
      icaltime_from_timet_with_zone(std::time(nullptr), 0, icaltimezone_get_utc_timezone());
  for (const CalendarEvent& event : events) {
    Result<icalcomponent*> vevent = Vevent(plan, event, stamp);
    if (!vevent) return vevent.error().WithContext("calendar event '" + event.uid + "'");
    icalcomponent_add_component(calendar.get(), *vevent);
  }
  std::unique_ptr<char, decltype(&std::free)> text(icalcomponent_as_ical_string_r(calendar.get()),
                                                   &std::free);
  if (text == nullptr) return Error::Internal("libical could not serialise the calendar");
  return std::string(text.get());
}

}  // namespace stormproof::report
