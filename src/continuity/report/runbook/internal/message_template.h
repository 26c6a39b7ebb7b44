// Client message templates (plan clients[].comms.templates) filled in for one system, so that the
// runbook shows a message ready to send, not "{system} at {client} is down".
//
// A placeholder is `{name}` with name made of lower-case letters and underscores. The runbook
// fills five (docs/plan-schema.md, templates):
//   {client}       the client's name
//   {liaison}      the name of the MSP person who talks to the client (comms.liaison)
//   {system}       the system's name
//   {eta}          when the restore order projects the system back, from the incident's start
//                  ("2 hours 10 minutes after the incident started")
//   {next_update}  the client's update interval for the system's tier ("1 hour from now")
// A placeholder with no value (an unknown name, no liaison, no interval) stays as written and is
// listed in FilledMessage::unfilled, so that the reader sees what to fill in by hand. Any other
// text, braces included, is kept verbatim. Pure functions; thread-safe.
#ifndef STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_MESSAGE_TEMPLATE_H_
#define STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_MESSAGE_TEMPLATE_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"

namespace stormproof::report {

struct FilledMessage {
  std::string text;
  std::vector<std::string> unfilled;  // "{next_update}", each once, in order of appearance
};

// Replaces each placeholder named in `values` by its value (values are not scanned again).
FilledMessage FillMessage(std::string_view text, const std::map<std::string, std::string>& values);

// A duration as a person says it: "45 minutes", "1 hour", "2 hours 10 minutes", "1 day 4 hours"
// (at most two units, rounded down to the minute; "less than a minute" under 60 s).
std::string DurationInWords(Duration duration);

}  // namespace stormproof::report

#endif  // STORMPROOF_CONTINUITY_REPORT_RUNBOOK_INTERNAL_MESSAGE_TEMPLATE_H_
