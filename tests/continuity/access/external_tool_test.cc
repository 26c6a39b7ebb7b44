#include "continuity/access/external_tool.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <time.h>

#include <filesystem>

#include "tests/matchers.h"

namespace stormproof::access {
namespace {

TEST(ExternalToolTest, ParsesTimestampsAsToolsPrintThem) {
  const int64_t kBase = int64_t{1764480332} * 1'000'000'000;  // 2025-11-30T05:25:32Z
  struct Case {
    const char* text;
    int64_t ns;
  } cases[] = {
      {"2025-11-30T05:25:32Z", kBase},
      {"2025-11-30T05:25:32.019892077Z", kBase + 19892077},
      {"2025-11-30T05:25:32.5+01:00", kBase - 3600'000'000'000 + 500'000'000},
      {"2025-11-30T05:25:32-0530", kBase + 19800'000'000'000},
      {"2025-11-30 05:25:32.1234567891234Z", kBase + 123456789},
      {"2025-11-30T05:25:32", kBase},  // no zone: UTC when asked for UTC
  };
  for (const Case& c : cases) {
    Result<int64_t> ns = ParseTimestampNs(c.text, MissingZone::kUtc);
    ASSERT_THAT(ns, IsOk()) << c.text;
    EXPECT_EQ(*ns, c.ns) << c.text;
  }
}

TEST(ExternalToolTest, RejectsMalformedTimestamps) {
  for (const char* text : {"", "yesterday", "2025-13-01T00:00:00Z", "2025-11-30T05:25",
                           "2025-11-30T05:25:32+1", "2025-11-30T05:25:32Zjunk"}) {
    Result<int64_t> ns = ParseTimestampNs(text, MissingZone::kUtc);
    ASSERT_FALSE(ns.has_value()) << text;
    EXPECT_THAT(ns, ErrorIs(ErrorCode::kParse));
  }
}

TEST(ExternalToolTest, ReadsZonelessTimesInTheLocalZone) {
  setenv("TZ", "Asia/Kolkata", 1);  // UTC+05:30, no daylight saving time
  tzset();
  Result<int64_t> ns = ParseTimestampNs("2025-11-30T10:55:32.000000", MissingZone::kLocal);
  unsetenv("TZ");
  tzset();
  ASSERT_THAT(ns, IsOk());
  EXPECT_EQ(*ns, int64_t{1764480332} * 1'000'000'000);
}

TEST(ExternalToolTest, ScratchDirIsRemovedWithItsContent) {
  std::string path;
  {
    Result<std::unique_ptr<ScratchDir>> dir = ScratchDir::Create("stormproof-test");
    ASSERT_THAT(dir, IsOk());
    path = (*dir)->path();
    std::filesystem::create_directories(path + "/a/b");
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(ExternalToolTest, ToolErrorUsesTheFirstMatchingPattern) {
  ProcessResult run;
  run.exit_code = 1;
  run.err = "some noise\nFatal: wrong password or no key found\n";
  std::vector<ToolErrorPattern> patterns = {
      {"no key found", ErrorCode::kInvalidArgument, "wrong password"},
      {"Fatal", ErrorCode::kNotFound, ""}};
  Error error = ToolError("restic snapshots /r", run, patterns);
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error.message(), "restic snapshots /r: wrong password");
  run.err = "Fatal: something else\n";
  EXPECT_EQ(ToolError("x", run, patterns).message(), "x: Fatal: something else");
  run.err = "";
  EXPECT_EQ(ToolError("x", run, {}).message(), "x: exited with status 1");
  EXPECT_EQ(ToolError("x", run, {}).code(), ErrorCode::kIo);
}

TEST(StderrTailTest, KeepsTheLastTwentyLinesWithoutTrailingBlanks) {
  std::string err;
  for (int i = 1; i <= 30; ++i) err += "line " + std::to_string(i) + "\n";
  std::vector<std::string> tail = StderrTail(err + "\n  \n");
  ASSERT_EQ(tail.size(), kStderrTailLines);
  EXPECT_EQ(tail.front(), "line 11");
  EXPECT_EQ(tail.back(), "line 30");
  EXPECT_EQ(StderrTail("one\r\ntwo"), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(StderrTail(" \n\t\n").empty());
}

TEST(StderrTailTest, KeepsNoMoreThanFourKibibytes) {
  const std::string long_line(1500, 'x');
  std::vector<std::string> tail = StderrTail("first\n" + long_line + "\n" + long_line + "\n" +
                                             long_line + "\nlast");
  EXPECT_EQ(tail, (std::vector<std::string>{long_line, long_line, "last"}));
  // One line longer than the bound keeps its end, after "…", within the bound.
  std::vector<std::string> one = StderrTail(std::string(5000, 'a') + "END");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].size(), kStderrTailBytes);
  EXPECT_TRUE(one[0].starts_with("…aaa")) << one[0].substr(0, 10);
  EXPECT_TRUE(one[0].ends_with("aaEND"));
}

TEST(StderrTailTest, EscapesControlBytesAndExpandsTabs) {
  EXPECT_EQ(StderrTail("a\tb\x1b[2Jc\n"), std::vector<std::string>{"a    b\\x1b[2Jc"});
}

}  // namespace
}  // namespace stormproof::access
