#include "apps/stormproof/drill_checklist.h"

#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "core/interrupt.h"
#include "core/text.h"

namespace stormproof::cli {
namespace {

using Answers = std::map<size_t, drill::ChecklistAnswer>;

// The answers --step-done and --step-failed give, by step number.
Result<Answers> ScriptedAnswers(const plan::System& system, const ChecklistFlags& flags) {
  Answers answers;
  auto add = [&](const std::string& value, drill::HandsOn result) -> Status {
    const std::string flag =
        (result == drill::HandsOn::kFailed ? "--step-failed " : "--step-done ") + value;
    STORMPROOF_ASSIGN_OR_RETURN(auto parsed, drill::ParseStepFlag(value, result));
    if (parsed.first > system.checklist.size()) {
      return Error::InvalidArgument(fmt::format("{}: system {} has {} checklist step(s)", flag,
                                                system.id, system.checklist.size()));
    }
    if (!answers.emplace(parsed).second) {
      return Error::InvalidArgument(flag + ": step " + std::to_string(parsed.first) +
                                    " is already answered");
    }
    return Ok();
  };
  for (const std::string& value : flags.step_done)
    STORMPROOF_TRY(add(value, drill::HandsOn::kDone));
  for (const std::string& value : flags.step_failed) {
    STORMPROOF_TRY(add(value, drill::HandsOn::kFailed));
  }
  return answers;
}

drill::ChecklistAnswer NotConfirmed(const std::string& why) {
  return {drill::HandsOn::kSkipped, std::nullopt, why};
}

constexpr int kPollMs = 200;       // how often a wait for an answer looks for SIGINT/SIGTERM
constexpr size_t kMaxLine = 4096;  // longer answers are cut

enum class Read { kLine, kEnd, kInterrupted };

// Reads one line from standard input (without its newline), a byte at a time so nothing is
// buffered past it, waking every kPollMs to see whether SIGINT/SIGTERM came (a signal does not
// interrupt a read here: the handlers restart it).
Read ReadLine(std::string* line) {
  line->clear();
  for (;;) {
    if (Interrupted()) return Read::kInterrupted;
    pollfd in{STDIN_FILENO, POLLIN, 0};
    int ready = ::poll(&in, 1, kPollMs);
    if (ready < 0 && errno != EINTR) return Read::kEnd;
    if (ready <= 0) continue;
    char c = 0;
    ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return line->empty() ? Read::kEnd : Read::kLine;
    if (c == '\n') return Read::kLine;
    if (line->size() < kMaxLine) line->push_back(c);
  }
}

// The next answer line; the end of input or an interruption: not done.
std::optional<drill::ChecklistAnswer> NextLine(std::string* line) {
  switch (ReadLine(line)) {
    case Read::kLine:
      return std::nullopt;
    case Read::kEnd:
      return NotConfirmed("no answer (end of input)");
    case Read::kInterrupted:
      break;
  }
  return NotConfirmed("no answer (" + InterruptionMessage() + ")");
}

std::string Question(size_t number, size_t count, const plan::ChecklistStep& step) {
  std::string skill = step.skill.empty() ? "" : " (needs " + step.skill + ")";
  return fmt::format("hands-on step {} of {}: {}{}", number, count, EscapeControls(step.text),
                     skill);
}

// Asks on the terminal until the answer is understood; end of input: not done.
drill::ChecklistAnswer AskOnTerminal(size_t number, size_t count, const plan::ChecklistStep& step,
                                     const std::function<void()>& before_question) {
  if (before_question) before_question();
  fmt::print(stderr, "{}\n", Question(number, count, step));
  for (;;) {
    fmt::print(stderr, "  press Enter when done, s to skip, f if it failed: ");
    std::fflush(stderr);
    std::string line;
    if (std::optional<drill::ChecklistAnswer> none = NextLine(&line)) return *none;
    Result<drill::ChecklistAnswer> answer = drill::ParseChecklistAnswer(line);
    if (answer) return *answer;
    fmt::print(stderr, "  {}\n", answer.error().message());
  }
}

// Reads the next answer line; a line not understood, or none left: not done.
drill::ChecklistAnswer ReadAnswer() {
  std::string line;
  if (std::optional<drill::ChecklistAnswer> none = NextLine(&line)) return *none;
  Result<drill::ChecklistAnswer> answer = drill::ParseChecklistAnswer(line);
  if (!answer) return NotConfirmed(answer.error().message());
  // A script's line arrives at once: only a stated duration is a measured time.
  if (!answer->duration_ms) answer->timed = false;
  return *answer;
}

}  // namespace

Result<drill::ChecklistFn> MakeChecklistWalker(const plan::System& system,
                                               const ChecklistFlags& flags,
                                               std::function<void()> before_question) {
  if (!flags.Walk()) return drill::ChecklistFn();
  if (!flags.step_done.empty() || !flags.step_failed.empty()) {
    STORMPROOF_ASSIGN_OR_RETURN(Answers answers, ScriptedAnswers(system, flags));
    auto shared = std::make_shared<Answers>(std::move(answers));
    return drill::ChecklistFn([shared](size_t number, size_t, const plan::ChecklistStep&) {
      auto it = shared->find(number);
      return it != shared->end() ? it->second : NotConfirmed("not confirmed (no --step-done)");
    });
  }
  if (::isatty(STDIN_FILENO)) {
    return drill::ChecklistFn(
        [before_question](size_t number, size_t count, const plan::ChecklistStep& step) {
          return AskOnTerminal(number, count, step, before_question);
        });
  }
  return drill::ChecklistFn(
      [](size_t, size_t, const plan::ChecklistStep&) { return ReadAnswer(); });
}

}  // namespace stormproof::cli
