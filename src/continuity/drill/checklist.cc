// Hands-on checklist steps in a drill: how they are named, and the answers a technician (or a
// script) gives for them.
#include <cctype>
#include <string>

#include "continuity/drill/drill.h"
#include "core/duration.h"
#include "core/text.h"
#include "core/time.h"

namespace stormproof::drill {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr size_t kMaxSteps = 10'000;  // far above any real checklist; bounds the parsed number

Error BadAnswer(std::string_view line, const std::string& why) {
  return Error::InvalidArgument("answer '" + std::string(line) + "': " + why);
}

// A stated step time: at least 1s and at most kMaxStepTime, so no sum of steps overflows and
// no stated time can make a drill look faster than it was.
Result<int64_t> DurationMs(std::string_view text) {
  STORMPROOF_ASSIGN_OR_RETURN(Duration duration, Duration::Parse(text));
  if (duration.seconds() < 1 || duration.seconds() > kMaxStepTime.seconds()) {
    return Error::InvalidArgument("a hands-on step takes from 1s to " +
                                  std::to_string(kMaxStepTime.seconds() / kSecondsPerDay) +
                                  "d; got '" + std::string(text) + "'");
  }
  return duration.seconds() * kMsPerSecond;
}

}  // namespace

std::string ChecklistStepName(size_t number, const plan::ChecklistStep& step) {
  return "checklist " + std::to_string(number) + ": " + step.text;
}

Result<ChecklistAnswer> ParseChecklistAnswer(std::string_view line) {
  std::string_view text = Trim(line);
  size_t space = text.find_first_of(" \t");
  std::string word = AsciiLower(text.substr(0, space));
  std::string_view rest = space == std::string_view::npos ? "" : Trim(text.substr(space));
  ChecklistAnswer answer;
  if (word.empty() || word == "d" || word == "done") {
    if (rest.empty()) return answer;
    Result<int64_t> ms = DurationMs(rest);
    if (!ms) return BadAnswer(line, "after 'done' give how long it took, e.g. 'done 20m'");
    answer.duration_ms = *ms;
    return answer;
  }
  if (word == "s" || word == "skip") {
    answer.result = HandsOn::kSkipped;
  } else if (word == "f" || word == "fail" || word == "failed") {
    answer.result = HandsOn::kFailed;
  } else {
    return BadAnswer(line, "answer Enter (done), 'done DURATION', 's' (skip) or 'f' (failed)");
  }
  answer.note = std::string(rest);
  return answer;
}

Result<std::pair<size_t, ChecklistAnswer>> ParseStepFlag(std::string_view value, HandsOn result) {
  const std::string what =
      std::string(result == HandsOn::kFailed ? "--step-failed " : "--step-done ") +
      std::string(value);
  size_t equals = value.find('=');
  std::string_view number = value.substr(0, equals);
  size_t step = 0;
  for (char c : number) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || step > kMaxSteps) {
      return Error::InvalidArgument(what + ": the step number must come first (e.g. 2=20m)");
    }
    step = step * 10 + static_cast<size_t>(c - '0');
  }
  if (number.empty() || step == 0) {
    return Error::InvalidArgument(what +
                                  ": steps are numbered from 1, as the checklist in the plan");
  }
  ChecklistAnswer answer;
  answer.result = result;
  answer.timed = false;  // a flag is no stopwatch: only a stated DURATION is a measured time
  if (equals == std::string_view::npos) return std::make_pair(step, answer);
  std::string_view after = value.substr(equals + 1);
  if (result == HandsOn::kFailed) {
    answer.note = std::string(after);
    return std::make_pair(step, answer);
  }
  Result<int64_t> ms = DurationMs(after);
  if (!ms) return Error::InvalidArgument(what + ": " + ms.error().message());
  answer.duration_ms = *ms;
  answer.timed = true;
  return std::make_pair(step, answer);
}

}  // namespace stormproof::drill
