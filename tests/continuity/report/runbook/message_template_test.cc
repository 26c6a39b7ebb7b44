#include "continuity/report/runbook/internal/message_template.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace stormproof::report {
namespace {

const std::map<std::string, std::string> kValues = {
    {"client", "Brightsmile Dental"}, {"system", "EXACT"}, {"eta", "2 hours after the start"}};

TEST(MessageTemplateTest, FillsEveryPlaceholderWithAValue) {
  FilledMessage m =
      FillMessage("{system} at {client} is down. Estimate: {eta}. {system}!", kValues);
  EXPECT_EQ(m.text,
            "EXACT at Brightsmile Dental is down. Estimate: 2 hours after the start. EXACT!");
  EXPECT_TRUE(m.unfilled.empty());
}

TEST(MessageTemplateTest, PlaceholdersWithoutAValueStayAndAreListedOnce) {
  FilledMessage m = FillMessage("{liaison} here: {system} by {next_update}, {liaison}", kValues);
  EXPECT_EQ(m.text, "{liaison} here: EXACT by {next_update}, {liaison}");
  EXPECT_EQ(m.unfilled, (std::vector<std::string>{"{liaison}", "{next_update}"}));
}

TEST(MessageTemplateTest, OtherBracesAndValuesAreKeptVerbatim) {
  // Not placeholders: JSON, upper case, digits, an unclosed brace. A value is not scanned again.
  FilledMessage m = FillMessage("{\"a\": 1} {System} {eta2} {client", {{"client", "{system}"}});
  EXPECT_EQ(m.text, "{\"a\": 1} {System} {eta2} {client");
  EXPECT_TRUE(m.unfilled.empty());
  EXPECT_EQ(FillMessage("{client} {}", {{"client", "{system}"}}).text, "{system} {}");
}

TEST(MessageTemplateTest, DurationsInWords) {
  EXPECT_EQ(DurationInWords(Duration::Seconds(30)), "less than a minute");
  EXPECT_EQ(DurationInWords(Duration::Minutes(1)), "1 minute");
  EXPECT_EQ(DurationInWords(Duration::Minutes(45)), "45 minutes");
  EXPECT_EQ(DurationInWords(Duration::Hours(1)), "1 hour");
  EXPECT_EQ(DurationInWords(Duration::Minutes(130)), "2 hours 10 minutes");
  EXPECT_EQ(DurationInWords(Duration::Hours(28) + Duration::Minutes(5)), "1 day 4 hours");
  EXPECT_EQ(DurationInWords(Duration::Days(3)), "3 days");
}

}  // namespace
}  // namespace stormproof::report
