#include "continuity/report/calendar/calendar.h"

#include <gtest/gtest.h>
#include <libical/ical.h>

#include <climits>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "continuity/plan/loader.h"
#include "tests/matchers.h"

namespace stormproof::report {
namespace {

const Date kToday = Date::FromCivil(2026, 11, 26);

// Today is 2026-11-26. Every date below is chosen so that its duty is either due later
// (last + every) or overdue (starts today); the comments give the hand-computed first date.
constexpr char kPlanYaml[] = R"(
version: 1
msp:
  id: acme
  name: Acme Managed IT Ltd
  security:
    - control: edr
      product: SentinelOne
      last_evidence: 2026-11-02    # + 90d = 2027-01-31
    - control: mfa
      last_evidence: 2026-06-01    # + 90d = 2026-08-30: overdue
    - control: patching            # never evidenced: no duty
      product: NinjaOne
review:
  owner: tom
  every: quarterly
  last: 2026-09-30                 # + 3mo = 2026-12-30
policy:
  contacts_max_age: 90d
people:
  - id: tom
    name: Tom Hughes
    contacts:
      email: tom@acme.example
      mobile: "+44 7700 900102"
    contacts_verified: 2026-10-14  # + 90d = 2027-01-12
  - id: amy
    name: Amy Lee
    contacts:
      mobile: "+44 7700 900103"
    contacts_verified: 2026-06-12  # + 90d = 2026-09-10: overdue
  - id: ben
    name: Ben Ode
    contacts:
      email: ben@acme.example
tiers:
  - {id: tier-2, name: Important, rank: 2, rto: 8h, rpo: 4h, drill_every: 2w}
  - {id: tier-1, name: Critical, rank: 1, rto: 2h, rpo: 15m, drill_every: monthly}
  - {id: tier-3, name: Deferrable, rank: 3, rto: 3d, rpo: 24h}
clients:
  - id: zeta
    name: Zeta Dental
    security:
      - {control: mfa, last_evidence: 2026-11-20, evidence_every: 1y}
  - id: beta
    name: Beta Law
    security:
      - {control: patching, last_evidence: 2026-11-01, evidence_every: 1w}
      - {control: edr, last_evidence: 2026-10-01}  # + 90d = 2026-12-30
systems:
  - {id: erp, name: Sage 200, client: beta, owner: amy, tier: tier-1}
  - {id: rmm, name: NinjaOne RMM, owner: tom, tier: tier-1}
)";

plan::Plan Load(const std::string& yaml) {
  plan::LoadResult loaded = plan::LoadPlanFromText("plan.yaml", yaml);
  for (const plan::Diagnostic& d : loaded.diagnostics.all()) {
    ADD_FAILURE() << plan::FormatDiagnostic(loaded.plan.files, d);
  }
  EXPECT_EQ(loaded.diagnostics.error_count(), 0u);
  return loaded.plan;
}

std::vector<CalendarEvent> Duties(const plan::Plan& plan) {
  return PlanDuties(plan, CalendarOptions{kToday});
}

std::string Render(const plan::Plan& plan, const std::vector<CalendarEvent>& events) {
  Result<std::string> text = RenderCalendar(plan, events);
  EXPECT_THAT(text, IsOk());
  return text.has_value() ? *text : "";
}

// What a calendar client would read back from one VEVENT.
struct ParsedEvent {
  std::string uid, dtstart, rrule, summary, description, organizer;
  bool dtstart_is_date = false;
  std::vector<std::string> attendees;
  std::string alarm_action, alarm_trigger;
};

std::string Owned(char* text) {
  std::string out = text != nullptr ? text : "";
  std::free(text);
  return out;
}

std::string Str(const char* text) { return text != nullptr ? text : ""; }

ParsedEvent ReadEvent(icalcomponent* vevent) {
  ParsedEvent e;
  e.uid = Str(icalcomponent_get_uid(vevent));
  icaltimetype start = icalcomponent_get_dtstart(vevent);
  e.dtstart = Owned(icaltime_as_ical_string_r(start));
  e.dtstart_is_date = start.is_date != 0;
  if (icalproperty* rrule = icalcomponent_get_first_property(vevent, ICAL_RRULE_PROPERTY)) {
    icalrecurrencetype rule = icalproperty_get_rrule(rrule);
    e.rrule = Owned(icalrecurrencetype_as_string_r(&rule));
  }
  e.summary = Str(icalcomponent_get_summary(vevent));
  e.description = Str(icalcomponent_get_description(vevent));
  if (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_ORGANIZER_PROPERTY)) {
    e.organizer = Str(icalproperty_get_organizer(p));
  }
  for (icalproperty* p = icalcomponent_get_first_property(vevent, ICAL_ATTENDEE_PROPERTY);
       p != nullptr; p = icalcomponent_get_next_property(vevent, ICAL_ATTENDEE_PROPERTY)) {
    e.attendees.push_back(Str(icalproperty_get_attendee(p)));
  }
  if (icalcomponent* alarm = icalcomponent_get_first_component(vevent, ICAL_VALARM_COMPONENT)) {
    icalproperty* action = icalcomponent_get_first_property(alarm, ICAL_ACTION_PROPERTY);
    icalproperty* trigger = icalcomponent_get_first_property(alarm, ICAL_TRIGGER_PROPERTY);
    if (action != nullptr) e.alarm_action = Str(icalproperty_get_value_as_string(action));
    if (trigger != nullptr) e.alarm_trigger = Str(icalproperty_get_value_as_string(trigger));
  }
  return e;
}

using ComponentPtr = std::unique_ptr<icalcomponent, decltype(&icalcomponent_free)>;

ComponentPtr Parse(const std::string& text) {
  return ComponentPtr(icalparser_parse_string(text.c_str()), &icalcomponent_free);
}

// Parses the text as a calendar client would; fails the test on any libical parse error.
std::vector<ParsedEvent> ParseEvents(const std::string& text) {
  ComponentPtr calendar = Parse(text);
  std::vector<ParsedEvent> out;
  if (calendar == nullptr) {
    ADD_FAILURE() << "libical could not parse:\n" << text;
    return out;
  }
  EXPECT_EQ(icalcomponent_count_errors(calendar.get()), 0) << text;
  for (icalcomponent* c = icalcomponent_get_first_component(calendar.get(), ICAL_VEVENT_COMPONENT);
       c != nullptr; c = icalcomponent_get_next_component(calendar.get(), ICAL_VEVENT_COMPONENT)) {
    out.push_back(ReadEvent(c));
  }
  return out;
}

const ParsedEvent* FindEvent(const std::vector<ParsedEvent>& events, const std::string& uid) {
  for (const ParsedEvent& e : events) {
    if (e.uid == uid) return &e;
  }
  return nullptr;
}

std::vector<std::string> Uids(const std::vector<CalendarEvent>& events) {
  std::vector<std::string> uids;
  for (const CalendarEvent& e : events) uids.push_back(e.uid);
  return uids;
}

TEST(CalendarTest, EachDutyStartsAndRecursAsPlanned) {
  struct Case {
    const char* uid;
    const char* dtstart;
    const char* rrule;
  };
  const Case kCases[] = {
      {"review-plan@acme.stormproof", "20261230", "FREQ=MONTHLY;INTERVAL=3"},
      {"drill-tier-1@acme.stormproof", "20261127", "FREQ=MONTHLY"},
      {"drill-tier-2@acme.stormproof", "20261127", "FREQ=WEEKLY;INTERVAL=2"},
      {"contacts-amy@acme.stormproof", "20261126", "FREQ=DAILY;INTERVAL=90"},  // overdue
      {"contacts-ben@acme.stormproof", "20261126", "FREQ=DAILY;INTERVAL=90"},  // never
      {"contacts-tom@acme.stormproof", "20270112", "FREQ=DAILY;INTERVAL=90"},
      {"evidence-msp-edr@acme.stormproof", "20270131", "FREQ=DAILY;INTERVAL=90"},
      {"evidence-msp-mfa@acme.stormproof", "20261126", "FREQ=DAILY;INTERVAL=90"},
      {"evidence-beta-edr@acme.stormproof", "20261230", "FREQ=DAILY;INTERVAL=90"},
      {"evidence-beta-patching@acme.stormproof", "20261126", "FREQ=WEEKLY"},
      {"evidence-zeta-mfa@acme.stormproof", "20271120", "FREQ=YEARLY"},
  };
  plan::Plan plan = Load(kPlanYaml);
  std::vector<ParsedEvent> events = ParseEvents(Render(plan, Duties(plan)));
  ASSERT_EQ(events.size(), std::size(kCases));
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.uid);
    const ParsedEvent* e = FindEvent(events, c.uid);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->dtstart, c.dtstart);
    EXPECT_TRUE(e->dtstart_is_date);
    EXPECT_EQ(e->rrule, c.rrule);
    EXPECT_EQ(e->alarm_action, "DISPLAY");
    EXPECT_EQ(e->alarm_trigger, "-P1D");
  }
}

TEST(CalendarTest, DutiesComeReviewDrillsByRankContactsByIdEvidenceByClient) {
  plan::Plan plan = Load(kPlanYaml);
  EXPECT_EQ(Uids(Duties(plan)),
            (std::vector<std::string>{
                "review-plan@acme.stormproof", "drill-tier-1@acme.stormproof",
                "drill-tier-2@acme.stormproof", "contacts-amy@acme.stormproof",
                "contacts-ben@acme.stormproof", "contacts-tom@acme.stormproof",
                "evidence-msp-edr@acme.stormproof", "evidence-msp-mfa@acme.stormproof",
                "evidence-beta-edr@acme.stormproof", "evidence-beta-patching@acme.stormproof",
                "evidence-zeta-mfa@acme.stormproof"}));
}

TEST(CalendarTest, SummariesNameTheDuty) {
  plan::Plan plan = Load(kPlanYaml);
  std::vector<CalendarEvent> events = Duties(plan);
  ASSERT_EQ(events.size(), 11u);
  EXPECT_EQ(events[1].summary, "Restore drill: Critical (tier-1)");
  EXPECT_EQ(events[5].summary, "Verify contacts: Tom Hughes");
  EXPECT_EQ(events[9].summary, "Security evidence: Beta Law patching");
  EXPECT_EQ(events[6].summary, "Security evidence: Acme Managed IT Ltd edr");
  EXPECT_THAT(events[3].description, HasSubstr("Overdue: was due on 2026-09-10."))
      << events[3].description;
  EXPECT_THAT(events[4].description, HasSubstr("Last verified: never"));
}

TEST(CalendarTest, UidsAreStableAcrossRunsAndUnique) {
  std::vector<std::string> first = Uids(Duties(Load(kPlanYaml)));
  std::vector<std::string> second = Uids(Duties(Load(kPlanYaml)));
  EXPECT_EQ(first, second);
  EXPECT_EQ(std::set<std::string>(first.begin(), first.end()).size(), first.size());
}

TEST(CalendarTest, RepeatedIdsStillGetUniqueUids) {
  // Two MFA controls for one client, and a client id that clashes with the MSP's "msp".
  plan::Plan plan = Load(R"(
msp: {id: acme, name: Acme, security: [{control: mfa, last_evidence: 2026-11-01}]}
clients:
  - id: msp
    name: Confusing Client
    security:
      - {control: mfa, last_evidence: 2026-11-01}
      - {control: mfa, last_evidence: 2026-11-02}
)");
  std::vector<std::string> uids = Uids(Duties(plan));
  EXPECT_EQ(uids, (std::vector<std::string>{
                      "review-plan@acme.stormproof", "evidence-msp-mfa@acme.stormproof",
                      "evidence-msp-mfa-2@acme.stormproof", "evidence-msp-mfa-3@acme.stormproof"}));
  EXPECT_EQ(ParseEvents(Render(plan, Duties(plan))).size(), 4u);
}

TEST(CalendarTest, MspWithoutIdUsesMspInUids) {
  plan::Plan plan = Load("msp: {id: solo, name: Solo IT}\n");
  plan.msp.id.clear();  // the loader requires an id; a plan built in code may lack one
  std::vector<CalendarEvent> events = Duties(plan);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].uid, "review-plan@msp.stormproof");
}

TEST(CalendarTest, CalendarParsesBackWithEveryEventAndItsName) {
  plan::Plan plan = Load(kPlanYaml);
  std::vector<CalendarEvent> duties = Duties(plan);
  std::string text = Render(plan, duties);
  EXPECT_EQ(ParseEvents(text).size(), duties.size());

  ComponentPtr calendar = Parse(text);
  ASSERT_NE(calendar, nullptr);
  EXPECT_EQ(icalcomponent_isa(calendar.get()), ICAL_VCALENDAR_COMPONENT);
  EXPECT_STREQ(icalproperty_get_prodid(
                   icalcomponent_get_first_property(calendar.get(), ICAL_PRODID_PROPERTY)),
               "-//stormproof//stormproof plan calendar//EN");
  EXPECT_STREQ(icalproperty_get_version(
                   icalcomponent_get_first_property(calendar.get(), ICAL_VERSION_PROPERTY)),
               "2.0");
  icalproperty* name = icalcomponent_get_first_property(calendar.get(), ICAL_X_PROPERTY);
  ASSERT_NE(name, nullptr);
  EXPECT_STREQ(icalproperty_get_x_name(name), "X-WR-CALNAME");
  EXPECT_STREQ(icalproperty_get_x(name), "Acme Managed IT Ltd continuity duties");
}

TEST(CalendarTest, EmptyPlanGivesAReviewOnly) {
  plan::Plan plan = Load("msp: {id: x, name: X}\n");
  EXPECT_EQ(ParseEvents(Render(plan, Duties(plan))).size(), 1u);
  Result<std::string> none = RenderCalendar(plan, {});
  ASSERT_THAT(none, IsOk());
  EXPECT_EQ(ParseEvents(*none).size(), 0u);
}

TEST(CalendarTest, LinesEndInCrlfAndAreFoldedTo75Octets) {
  // Long, multi-byte text forces folding; a fold must not split a UTF-8 sequence.
  std::string long_name(40, 'x');
  for (int i = 0; i < 30; ++i) long_name += "ü€";
  plan::Plan plan = Load(kPlanYaml + std::string("  - {id: long, name: \"") + long_name +
                         "\", owner: tom, tier: tier-1}\n");
  std::string text = Render(plan, Duties(plan));
  ASSERT_GE(text.size(), 2u);
  EXPECT_EQ(text.substr(text.size() - 2), "\r\n");
  bool folded = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    ASSERT_GT(end, start);
    EXPECT_EQ(text[end - 1], '\r') << "bare LF after: " << text.substr(start, end - start);
    std::string line = text.substr(start, end - 1 - start);
    EXPECT_LE(line.size(), 75u) << line;
    folded = folded || line.front() == ' ';
    start = end + 1;
  }
  EXPECT_TRUE(folded);
  std::vector<ParsedEvent> events = ParseEvents(text);
  const ParsedEvent* drill = FindEvent(events, "drill-tier-1@acme.stormproof");
  ASSERT_NE(drill, nullptr);
  EXPECT_THAT(drill->description, HasSubstr(long_name));
}

TEST(CalendarTest, CommasSemicolonsAndNewlinesSurviveARoundTrip) {
  plan::Plan plan = Load(R"(
msp:
  id: acme
  name: "Acme, Smith; Jones \\ Partners"
  security:
    - control: compliance
      product: "ISO 27001; Cyber Essentials, Plus"
      last_evidence: 2026-11-01
      notes: |
        Certificate one, two; three.
        Second line \ with a backslash.
people:
  - id: jo
    name: "Smith, Jo; \"Ops\""
    contacts: {email: jo@acme.example}
)");
  std::vector<CalendarEvent> duties = Duties(plan);
  std::string text = Render(plan, duties);
  EXPECT_THAT(text, HasSubstr("\\;"));  // escaped on the wire...
  EXPECT_THAT(text, HasSubstr("\\,"));
  std::vector<ParsedEvent> events = ParseEvents(text);  // ...and exact once parsed
  ASSERT_EQ(events.size(), duties.size());
  for (size_t i = 0; i < duties.size(); ++i) {
    SCOPED_TRACE(duties[i].uid);
    EXPECT_EQ(events[i].summary, duties[i].summary);
    EXPECT_EQ(events[i].description, duties[i].description);
  }
  EXPECT_THAT(duties.back().description, HasSubstr("one, two; three.\nSecond line \\ with"));
  ComponentPtr calendar = Parse(text);
  ASSERT_NE(calendar, nullptr);
  icalproperty* name = icalcomponent_get_first_property(calendar.get(), ICAL_X_PROPERTY);
  ASSERT_NE(name, nullptr);
  EXPECT_STREQ(icalproperty_get_x(name), "Acme, Smith; Jones \\ Partners continuity duties");
}

TEST(CalendarTest, ControlCharactersBecomeSpacesAndCrlfBecomesNewline) {
  plan::Plan plan = Load("msp: {id: acme, name: Acme}\n");
  CalendarEvent event;
  event.uid = "custom@acme.stormproof";
  event.summary = std::string("bell\x07here");
  event.description = "one\r\ntwo\rthree\x1b[0m";
  event.first = kToday;
  std::vector<ParsedEvent> events = ParseEvents(Render(plan, {event}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].summary, "bell here");
  EXPECT_EQ(events[0].description, "one\ntwo\nthree [0m");
}

TEST(CalendarTest, OwnerWithEmailIsOrganizerAndAttendeeOthersAreNot) {
  plan::Plan plan = Load(kPlanYaml);
  std::vector<ParsedEvent> events = ParseEvents(Render(plan, Duties(plan)));
  const ParsedEvent* tom = FindEvent(events, "contacts-tom@acme.stormproof");
  const ParsedEvent* amy = FindEvent(events, "contacts-amy@acme.stormproof");
  const ParsedEvent* review = FindEvent(events, "review-plan@acme.stormproof");
  const ParsedEvent* drill = FindEvent(events, "drill-tier-1@acme.stormproof");
  ASSERT_TRUE(tom && amy && review && drill);
  EXPECT_EQ(tom->organizer, "mailto:tom@acme.example");
  EXPECT_EQ(tom->attendees, std::vector<std::string>{"mailto:tom@acme.example"});
  EXPECT_EQ(review->attendees, std::vector<std::string>{"mailto:tom@acme.example"});
  EXPECT_EQ(amy->organizer, "");  // Amy has a mobile number only
  EXPECT_TRUE(amy->attendees.empty());
  EXPECT_TRUE(drill->attendees.empty());
}

TEST(CalendarTest, MalformedEmailIsNotInvited) {
  plan::Plan plan = Load(R"(
msp: {id: acme, name: Acme}
people:
  - {id: eve, name: Eve, contacts: {email: "eve at acme; ATTENDEE:mailto:x@y"}}
)");
  std::vector<ParsedEvent> events = ParseEvents(Render(plan, Duties(plan)));
  const ParsedEvent* eve = FindEvent(events, "contacts-eve@acme.stormproof");
  ASSERT_NE(eve, nullptr);
  EXPECT_TRUE(eve->attendees.empty());
  EXPECT_EQ(eve->organizer, "");
}

TEST(CalendarTest, ReviewDefaultsToQuarterlyAndStartsTodayWhenNeverHeld) {
  plan::Plan plan = Load("msp: {id: acme, name: Acme}\nreview: {owner: tom}\n");
  std::vector<ParsedEvent> events = ParseEvents(Render(plan, Duties(plan)));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].dtstart, "20261126");
  EXPECT_EQ(events[0].rrule, "FREQ=MONTHLY;INTERVAL=3");
}

TEST(CalendarTest, OverdueReviewStartsToday) {
  plan::Plan plan =
      Load("msp: {id: acme, name: Acme}\nreview: {owner: tom, every: 6mo, last: 2026-05-25}\n");
  std::vector<CalendarEvent> duties = Duties(plan);
  ASSERT_EQ(duties.size(), 1u);
  EXPECT_EQ(duties[0].first, kToday);
  EXPECT_THAT(duties[0].description, HasSubstr("Overdue: was due on 2026-11-25."));
  EXPECT_EQ(ParseEvents(Render(plan, duties))[0].rrule, "FREQ=MONTHLY;INTERVAL=6");
}

TEST(CalendarTest, ReviewDueTodayIsNotOverdue) {
  plan::Plan plan =
      Load("msp: {id: acme, name: Acme}\nreview: {owner: tom, every: 1w, last: 2026-11-19}\n");
  std::vector<CalendarEvent> duties = Duties(plan);
  ASSERT_EQ(duties.size(), 1u);
  EXPECT_EQ(duties[0].first, kToday);
  EXPECT_THAT(duties[0].description, Not(HasSubstr("Overdue")));
}

TEST(CalendarTest, DrillListsSystemsWithClientAndOwnerAndCapsAtFifty) {
  std::string yaml = R"(
msp: {id: acme, name: Acme}
people: [{id: amy, name: Amy Lee}]
clients: [{id: beta, name: Beta Law}]
tiers: [{id: t1, name: Critical, rank: 1, rto: 2h, rpo: 15m, drill_every: 1mo}]
systems:
)";
  for (int i = 0; i < 53; ++i) {
    yaml += "  - {id: sys-" + std::to_string(i) + ", name: System " + std::to_string(i) +
            ", client: beta, owner: amy, tier: t1}\n";
  }
  std::vector<CalendarEvent> duties = Duties(Load(yaml));
  ASSERT_EQ(duties.size(), 3u);  // review, drill, contacts of amy
  const std::string& d = duties[1].description;
  EXPECT_THAT(d, HasSubstr("RTO 2h, RPO 15m")) << d;
  EXPECT_THAT(d, HasSubstr("Systems (53):")) << d;
  EXPECT_THAT(d, HasSubstr("- sys-0: System 0 (Beta Law), owner Amy Lee (amy)\n")) << d;
  EXPECT_THAT(d, HasSubstr("- sys-49: System 49"));
  EXPECT_THAT(d, Not(HasSubstr("- sys-50:")));
  EXPECT_THAT(d, HasSubstr("- and 3 more"));
}

TEST(CalendarTest, TierWithoutSystemsStillGetsItsDrill) {
  std::vector<CalendarEvent> duties = Duties(Load(R"(
msp: {id: acme, name: Acme}
tiers: [{id: t9, rank: 9, rto: 1d, rpo: 1d, drill_every: yearly}]
)"));
  ASSERT_EQ(duties.size(), 2u);
  EXPECT_EQ(duties[1].summary, "Restore drill: t9 (t9)");
  EXPECT_THAT(duties[1].description, HasSubstr("No systems are in this tier yet."));
}

// Occurrences of the rule of `event` as libical expands it after a round trip.
std::vector<std::string> Occurrences(const ParsedEvent& event, int n) {
  icalrecurrencetype rule = icalrecurrencetype_from_string(event.rrule.c_str());
  icaltimetype start = icaltime_from_string(event.dtstart.c_str());
  icalrecur_iterator* it = icalrecur_iterator_new(rule, start);
  std::vector<std::string> out;
  for (int i = 0; it != nullptr && i < n; ++i) {
    icaltimetype next = icalrecur_iterator_next(it);
    if (icaltime_is_null_time(next)) break;
    out.push_back(Owned(icaltime_as_ical_string_r(next)));
  }
  icalrecur_iterator_free(it);
  return out;
}

TEST(CalendarTest, MonthEndDutiesClampToShortMonthsInsteadOfSkippingThem) {
  struct Case {
    Date first;
    Cadence every;
    std::vector<std::string> expected;
  };
  const Case kCases[] = {
      {Date::FromCivil(2027, 1, 31),
       Cadence(3, Cadence::Unit::kMonth),
       {"20270131", "20270430", "20270731", "20271031", "20280131"}},
      {Date::FromCivil(2026, 11, 30),
       Cadence(1, Cadence::Unit::kMonth),
       {"20261130", "20261230", "20270130", "20270228", "20270330"}},
      {Date::FromCivil(2028, 2, 29),
       Cadence(1, Cadence::Unit::kYear),
       {"20280229", "20290228", "20300228", "20310228", "20320229"}},
      {Date::FromCivil(2026, 12, 30),
       Cadence(3, Cadence::Unit::kMonth),  // no short month hit
       {"20261230", "20270330", "20270630", "20270930", "20271230"}},
  };
  plan::Plan plan = Load("msp: {id: acme, name: Acme}\n");
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.first.ToString() + " every " + c.every.ToString());
    CalendarEvent event;
    event.uid = "month-end@acme.stormproof";
    event.first = c.first;
    event.every = c.every;
    std::vector<ParsedEvent> events = ParseEvents(Render(plan, {event}));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(Occurrences(events[0], 5), c.expected) << events[0].rrule;
  }
}

TEST(CalendarTest, RejectsWhatICalendarCannotHold) {
  struct Case {
    const char* name;
    Date first;
    Cadence every;
  };
  const Case kCases[] = {
      {"interval above 32767", kToday, Cadence(SHRT_MAX + 1, Cadence::Unit::kDay)},
      {"interval zero", kToday, Cadence(0, Cadence::Unit::kWeek)},
      {"year 10000", Date::FromCivil(9999, 12, 31), Cadence(1, Cadence::Unit::kYear)},
      {"year 0", Date::FromCivil(0, 6, 1), Cadence(1, Cadence::Unit::kYear)},
  };
  plan::Plan plan = Load("msp: {id: acme, name: Acme}\n");
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    CalendarEvent event;
    event.uid = "bad@acme.stormproof";
    event.first = c.first;
    event.every = c.every;
    Result<std::string> text = RenderCalendar(plan, {event});
    ASSERT_FALSE(text.has_value());
    EXPECT_THAT(text, ErrorIs(ErrorCode::kInvalidArgument));
    EXPECT_THAT(text.error().message(), HasSubstr("'bad@acme.stormproof'"))
        << text.error().message();
  }
}

TEST(CalendarTest, ExamplePlanRendersAndParsesBack) {
  const std::string path = std::string(STORMPROOF_EXAMPLES) + "/acme-msp/plan.yaml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist yet";
  plan::LoadResult loaded = plan::LoadPlan(path);
  if (!loaded.readable || loaded.diagnostics.error_count() > 0) {
    GTEST_SKIP() << path << " does not load without errors yet";
  }
  std::vector<CalendarEvent> duties = Duties(loaded.plan);
  EXPECT_GT(duties.size(), loaded.plan.people.size());
  std::string text = Render(loaded.plan, duties);
  EXPECT_EQ(ParseEvents(text).size(), duties.size());
}

}  // namespace
}  // namespace stormproof::report
